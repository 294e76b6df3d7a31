"""The actor registry (actors.yaml) and resolving names, titles and demonyms to actors."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

import yaml

from pipeline.settings import DATA_DIR
from pipeline.statements.model import Actor

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'"})


@dataclass(frozen=True, slots=True)
class OfficeHolder:
    """Who held an office between two dates (either open)."""

    actor_id: str
    start: date | None = None
    until: date | None = None


@dataclass(frozen=True)
class Registry:
    """Canonical actors and the indexes that resolve names to them."""

    actors: dict[str, Actor]
    aliases: dict[str, str]
    genders: dict[str, str]
    demonyms: dict[str, str | None]
    government_nouns: frozenset[str]
    offices: dict[str, tuple[OfficeHolder, ...]]
    mention_pattern: re.Pattern[str] = field(repr=False)


def _plain_letters() -> dict[int, str]:
    """A one-to-one table from accented Latin letters to their plain letter, case kept
    ("ł" -> "l", "Ø" -> "O", "é" -> "e"): offsets in a text so translated still match."""
    table = {
        ord(k): v
        for k, v in {
            "ł": "l",
            "Ł": "L",
            "ø": "o",
            "Ø": "O",
            "đ": "d",
            "Đ": "D",
            "ı": "i",
            "ħ": "h",
            "Ħ": "H",
        }.items()
    }
    for code in range(0xC0, 0x250):
        char = chr(code)
        base = unicodedata.normalize("NFKD", char)[:1]
        if code not in table and base.isascii() and base.isalpha() and base != char:
            table[code] = base
    return table


_PLAIN = _plain_letters()


def plain(text: str) -> str:
    """The text with accented Latin letters made plain, one character for one."""
    return text.translate(_PLAIN)


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Fold a name for lookup: no accents, one apostrophe, lower case, single spaces."""
    text = unicodedata.normalize("NFKD", plain(text).translate(_APOSTROPHES))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", text).strip().lower()


def slugify(name: str) -> str:
    """Make an id-safe slug of a name."""
    return re.sub(r"[^a-z0-9]+", "-", fold(name)).strip("-")


def _index_aliases(spec: dict, kind: str, surnames: dict[str, set[str]]) -> dict[str, str]:
    names = [spec["name"], *(spec.get("aliases") or [])]
    index = {fold(n): spec["id"] for n in names}
    for n in names:
        if fold(n).startswith("the "):
            index[fold(n)[4:]] = spec["id"]
    if kind == "person" and spec.get("surname_alias", True):
        for n in names:
            parts = n.split()
            if len(parts) > 1:
                surnames.setdefault(fold(_family_name(parts, spec)), set()).add(spec["id"])
    return index


def _family_name(parts: list[str], spec: dict) -> str:
    """The family name among a name's words: the last, or the first for names written
    family name first ("Guo Jiakun": "Guo said ...")."""
    return parts[0] if spec.get("family_name_first") else parts[-1]


def _mention_pattern(alias_forms: list[str]) -> re.Pattern[str]:
    # Matched against plain(text): "Radosław" and "Radoslaw" are one name.
    forms = sorted({plain(f) for f in alias_forms}, key=len, reverse=True)
    body = "|".join(re.escape(f) for f in forms)
    return re.compile(rf"(?<![\w.])(?:{body})(?![\w])")


def _as_date(value: object) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


@lru_cache(maxsize=4)
@lru_cache(maxsize=16)
def name_forms(country: str, path: Path = DATA_DIR / "actors.yaml") -> tuple[str, ...]:
    """Every form that names an actor of `country`: names, aliases, and people's surnames.

    Topic cues use them where who speaks decides the topic ("Trump pledged guarantees" is
    the US backstop): the names come from the registry, never from a second list.
    """
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    forms: set[str] = set()
    for section in ("people", "states", "organisations"):
        for spec in data.get(section) or []:
            if spec.get("country") != country:
                continue
            names = [spec["name"], *(spec.get("aliases") or [])]
            forms.update(names)
            if section == "people" and spec.get("surname_alias", True):
                forms.update(_family_name(n.split(), spec) for n in names if len(n.split()) > 1)
    return tuple(sorted(forms, key=len, reverse=True))


@lru_cache(maxsize=4)
def demonym_forms(path: Path = DATA_DIR / "actors.yaml") -> tuple[str, ...]:
    """Every demonym of actors.yaml ("Italian", "Dutch"), longest first: topic cues use them
    for a nation's troops, from the registry, never from a second list."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return tuple(sorted((str(k) for k in data.get("demonyms") or {}), key=len, reverse=True))


def load_registry(path: Path = DATA_DIR / "actors.yaml") -> Registry:
    """Load actors.yaml into a registry."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    actors: dict[str, Actor] = {}
    aliases: dict[str, str] = {}
    genders: dict[str, str] = {}
    surnames: dict[str, set[str]] = {}
    forms: list[str] = []
    for section, kind in (
        ("people", "person"),
        ("states", "state"),
        ("organisations", "organisation"),
    ):
        for spec in data.get(section) or []:
            if spec.get("country") is not None and not isinstance(spec["country"], str):
                # YAML reads a bare NO (Norway) as false: quote such codes.
                raise ValueError(f"{spec['id']}: country must be a string; quote it")
            actors[spec["id"]] = Actor(
                actor_id=spec["id"],
                name=spec["name"],
                kind=kind,
                country=spec.get("country"),
                role=spec.get("role"),
            )
            if spec.get("gender"):
                genders[spec["id"]] = spec["gender"]
            aliases.update(_index_aliases(spec, kind, surnames))
            forms += [spec["name"], *(spec.get("aliases") or [])]
    for surname, ids in surnames.items():
        if len(ids) == 1 and surname not in aliases:
            aliases[surname] = next(iter(ids))
    forms += [s.title() for s, ids in surnames.items() if len(ids) == 1]
    offices: dict[str, tuple[OfficeHolder, ...]] = {}
    for office in data.get("offices") or []:
        holders = tuple(
            OfficeHolder(h["actor"], _as_date(h.get("from")), _as_date(h.get("until")))
            for h in office["holders"]
        )
        for phrase in office["phrases"]:
            offices[fold(phrase)] = holders
    demonyms = {fold(k): v for k, v in (data.get("demonyms") or {}).items()}
    return Registry(
        actors=actors,
        aliases=aliases,
        genders=genders,
        demonyms=demonyms,
        government_nouns=frozenset(fold(n) for n in data.get("government_nouns") or []),
        offices=offices,
        mention_pattern=_mention_pattern([f for f in forms if len(f) > 2 or f.isupper()]),
    )


def lookup_name(registry: Registry, text: str) -> Actor | None:
    """Resolve an exact name, alias or surname to its actor."""
    folded = re.sub(r"'s?$", "", fold(text).strip(" ,'\"“”"))
    for key in (folded, folded.rstrip(".")):
        actor_id = registry.aliases.get(key)
        if actor_id is None and key.startswith("the "):
            actor_id = registry.aliases.get(key[4:])
        if actor_id:
            return registry.actors.get(actor_id)
    return None


def lookup_office(registry: Registry, phrase: str, on: date | None) -> Actor | None:
    """Resolve a title such as "the NATO chief" to whoever held it on a date."""
    key = fold(phrase)
    key = key[4:] if key.startswith("the ") else key
    holders = registry.offices.get(key)
    if not holders:
        return None
    for holder in holders:
        if on is None and holder.until is None:
            return registry.actors.get(holder.actor_id)
        if (
            on is not None
            and (holder.start is None or holder.start <= on)
            and (holder.until is None or on <= holder.until)
        ):
            return registry.actors.get(holder.actor_id)
    return None


def lookup_demonym(registry: Registry, word: str) -> Actor | None:
    """Resolve a nationality adjective ("Ukrainian") to its state or organisation."""
    actor_id = registry.demonyms.get(fold(word))
    return registry.actors.get(actor_id) if actor_id else None


def country_of_words(registry: Registry, words: list[str]) -> str | None:
    """Find the country a description names ("Ukrainian member of parliament" -> UA)."""
    for word in words:
        actor = lookup_demonym(registry, word) or lookup_name(registry, re.sub(r"'s$", "", word))
        if actor is not None and actor.kind != "person":
            return actor.country
    return None


def new_person(name: str, role: str | None, country: str | None) -> Actor:
    """Make an actor for a named person the registry does not know; it needs review."""
    return Actor(
        actor_id=f"person:{slugify(name)}",
        name=name,
        kind="person",
        country=country,
        role=role or None,
        needs_review=True,
    )


def find_mentions(registry: Registry, text: str) -> list[tuple[int, int, Actor]]:
    """Find registry names in raw text (cheap; no parsing)."""
    found = []
    for match in registry.mention_pattern.finditer(plain(text)):
        actor = lookup_name(registry, match.group())
        if actor is not None:
            found.append((match.start(), match.end(), actor))
    return found
