"""The sources file: which feeds, pages and files to read, the topic filter, fetch settings.

The format is the one in the interfaces spec (`sources:`, `keywords:`, `fetch:`).
Loading validates everything up front and names the file and the entry at fault, so
a bad sources file fails before any request is made.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import yaml

from pipeline.errors import InputError

SOURCE_KINDS = ("feed", "page", "file")
DEFAULT_USER_AGENT = (
    "UkraineGuaranteesMonitor/0.1 (+https://github.com/ukraine-guarantees-monitor/monitor)"
)
DEFAULT_MAX_BYTES = 5_000_000

_TOP_LEVEL_KEYS = {"sources", "keywords", "fetch", "offline_corpus"}
_SOURCE_KEYS = {"name", "url", "kind", "language", "keywords"}


class SourcesConfigError(InputError):
    """The sources file cannot be used; the message names the file and the entry."""


@dataclass(frozen=True, slots=True)
class FetchSettings:
    """How the HTTP client behaves: limits, politeness and which private hosts are allowed."""

    allow_hosts: tuple[str, ...] = ()
    user_agent: str = DEFAULT_USER_AGENT
    max_bytes: int = DEFAULT_MAX_BYTES
    connect_timeout_s: float = 10.0
    read_timeout_s: float = 30.0
    total_timeout_s: float = 90.0
    max_redirects: int = 5
    per_host_delay_s: float = 1.0
    retries: int = 2
    backoff_s: float = 1.0
    max_retry_after_s: float = 120.0


@dataclass(frozen=True, slots=True)
class Source:
    """One entry of the sources file; `keywords` None means "use the file's keywords"."""

    name: str
    url: str
    kind: str
    language: str | None = None
    keywords: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class SourcesConfig:
    """A validated sources file."""

    sources: tuple[Source, ...]
    keywords: tuple[str, ...] = ()
    fetch: FetchSettings = field(default_factory=FetchSettings)
    path: Path | None = None
    # Serve the bundled offline corpus (seeds/offline/site) on 127.0.0.1:8123 while this
    # file's sources are read: `offline_corpus: true`, wherever the file lives.
    offline_corpus: bool = False

    def keywords_for(self, source: Source) -> tuple[str, ...]:
        """Return the topic keywords that apply to a source (its own, else the file's)."""
        return self.keywords if source.keywords is None else source.keywords

    def file_path(self, source: Source) -> Path:
        """Return the local path of a `file` source, relative paths taken from the file's folder."""
        return resolve_file_path(source.url, self.path.parent if self.path else None)


def resolve_file_path(url: str, base_dir: Path | None = None) -> Path:
    """Turn a `file` source's url (a path or a file:// URI) into a path."""
    if url.startswith("file://"):
        return Path(unquote(urlsplit(url).path))
    path = Path(url).expanduser()
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    return path


def load_sources(path: Path | str) -> SourcesConfig:
    """Read and validate a sources YAML file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SourcesConfigError(f"{path}: sources file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SourcesConfigError(f"{path}: cannot read sources file: {exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SourcesConfigError(f"{path}: not valid YAML: {exc}") from None
    return parse_sources(data, origin=str(path), path=path)


def parse_sources(data: Any, origin: str = "<sources>", path: Path | None = None) -> SourcesConfig:
    """Validate already-parsed YAML data and build the typed config."""
    if not isinstance(data, Mapping):
        raise SourcesConfigError(
            f"{origin}: expected a mapping with a 'sources:' list at the top level"
        )
    unknown = sorted(set(map(str, data)) - _TOP_LEVEL_KEYS)
    if unknown:
        raise SourcesConfigError(
            f"{origin}: unknown top-level key(s) {', '.join(unknown)}: "
            f"use {', '.join(sorted(_TOP_LEVEL_KEYS))}"
        )
    raw_sources = data.get("sources")
    if not isinstance(raw_sources, list) or not raw_sources:
        raise SourcesConfigError(f"{origin}: 'sources:' must be a non-empty list of entries")
    keywords = _keywords(data.get("keywords"), f"{origin}: keywords")
    fetch = _fetch_settings(data.get("fetch"), origin)
    sources: list[Source] = []
    seen: dict[str, int] = {}
    for index, entry in enumerate(raw_sources):
        source = _source(entry, f"{origin}: sources[{index}]")
        if source.name in seen:
            raise SourcesConfigError(
                f"{origin}: sources[{index}] ({source.name!r}): duplicate name, already used by "
                f"sources[{seen[source.name]}]: names must be unique"
            )
        seen[source.name] = index
        sources.append(source)
    offline = data.get("offline_corpus", False)
    if not isinstance(offline, bool):
        raise SourcesConfigError(f"{origin}: offline_corpus must be true or false")
    return SourcesConfig(
        sources=tuple(sources), keywords=keywords, fetch=fetch, path=path, offline_corpus=offline
    )


def _source(entry: Any, where: str) -> Source:
    if not isinstance(entry, Mapping):
        raise SourcesConfigError(f"{where}: expected a mapping with name, url and kind")
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        raise SourcesConfigError(f"{where}: missing 'name' (a unique non-empty string)")
    name = name.strip()
    where = f"{where} ({name!r})"
    unknown = sorted(set(map(str, entry)) - _SOURCE_KEYS)
    if unknown:
        raise SourcesConfigError(
            f"{where}: unknown key(s) {', '.join(unknown)}: use {', '.join(sorted(_SOURCE_KEYS))}"
        )
    kind = entry.get("kind")
    if kind not in SOURCE_KINDS:
        raise SourcesConfigError(
            f"{where}: unknown kind {kind!r}: use one of {', '.join(SOURCE_KINDS)}"
        )
    url = entry.get("url")
    if not isinstance(url, str) or not url.strip():
        raise SourcesConfigError(f"{where}: missing 'url'")
    url = url.strip()
    if kind in ("feed", "page"):
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            raise SourcesConfigError(
                f"{where}: url {url!r} must be an absolute http(s) URL for kind {kind!r}"
            )
    language = entry.get("language")
    if language is not None and (not isinstance(language, str) or not language.strip()):
        raise SourcesConfigError(f"{where}: 'language' must be a string such as 'en'")
    keywords = None
    if "keywords" in entry:
        keywords = _keywords(entry.get("keywords"), f"{where}: keywords")
    return Source(
        name=name,
        url=url,
        kind=kind,
        language=language.strip() if language else None,
        keywords=keywords,
    )


def _keywords(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(k, str) and k.strip() for k in value):
        raise SourcesConfigError(f"{where}: must be a list of non-empty strings")
    return tuple(dict.fromkeys(k.strip() for k in value))


_FETCH_NUMBERS: dict[str, tuple[type, float]] = {
    # key: (type, smallest allowed value)
    "max_bytes": (int, 1),
    "connect_timeout_s": (float, 0.001),
    "read_timeout_s": (float, 0.001),
    "total_timeout_s": (float, 0.001),
    "max_redirects": (int, 0),
    "per_host_delay_s": (float, 0),
    "retries": (int, 0),
    "backoff_s": (float, 0),
    "max_retry_after_s": (float, 0),
}


def _fetch_settings(value: Any, origin: str) -> FetchSettings:
    if value is None:
        return FetchSettings()
    where = f"{origin}: fetch"
    if not isinstance(value, Mapping):
        raise SourcesConfigError(f"{where}: expected a mapping")
    known = {"allow_hosts", "user_agent", *_FETCH_NUMBERS}
    unknown = sorted(set(map(str, value)) - known)
    if unknown:
        raise SourcesConfigError(
            f"{where}: unknown key(s) {', '.join(unknown)}: use {', '.join(sorted(known))}"
        )
    options: dict[str, Any] = {}
    if "allow_hosts" in value:
        hosts = value["allow_hosts"] or []
        if not isinstance(hosts, list) or not all(isinstance(h, str) and h.strip() for h in hosts):
            raise SourcesConfigError(
                f"{where}: allow_hosts must be a list of 'host' or 'host:port' strings"
            )
        options["allow_hosts"] = tuple(h.strip().lower() for h in hosts)
    if "user_agent" in value:
        agent = value["user_agent"]
        if not isinstance(agent, str) or not agent.strip() or "\n" in agent or "\r" in agent:
            raise SourcesConfigError(f"{where}: user_agent must be a one-line non-empty string")
        options["user_agent"] = agent.strip()
    for key, (kind, minimum) in _FETCH_NUMBERS.items():
        if key not in value:
            continue
        number = value[key]
        valid = isinstance(number, int | float) and not isinstance(number, bool)
        if valid and kind is int:
            valid = isinstance(number, int) or float(number).is_integer()
        if not valid or not math.isfinite(number) or number < minimum:
            raise SourcesConfigError(
                f"{where}: {key} must be a {'whole ' if kind is int else ''}number "
                f">= {minimum:g}, got {number!r}"
            )
        options[key] = kind(number)
    return FetchSettings(**options)
