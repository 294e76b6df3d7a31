"""Bylines: pull quotes signed with a dash ("... – Ukrainian MP Victoria Podhorna")."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pipeline.statements.actors import (
    country_of_words,
    find_mentions,
    fold,
    lookup_demonym,
    lookup_name,
    new_person,
)
from pipeline.statements.model import Actor
from pipeline.statements.speakers import ACTOR, ANONYMOUS, NAME_WORD, UNRESOLVED, ArticleContext
from pipeline.statements.turns import Turn, full_name_before

if TYPE_CHECKING:
    from pipeline.statements.attribution import Attribution

_DASH_LINE = re.compile(r"^[–—-]\s*(?P<who>[^–—\n]{3,90}?)\s*$")
_DASH_TAIL = re.compile(r"^(?P<body>.{12,}?)[\s”\"]+[–—-]\s*(?P<who>[^–—\n]{3,90}?)\s*$", re.DOTALL)


def resolve_name_text(who: str, ctx: ArticleContext) -> tuple[str, Actor | None, str]:
    """Resolve a free-text byline such as "Ukrainian MP Victoria Podhorna"."""
    who = who.strip(" *_.,")
    actor = lookup_name(ctx.registry, who)
    if actor is not None:
        return ACTOR, actor, "name"
    # A registry person counts only when the byline ends with the name ("... – Sergei Lavrov").
    persons = [m for m in find_mentions(ctx.registry, who) if m[2].kind == "person"]
    if persons and persons[-1][1] == len(who) and len(who.split()) <= 8:
        return ACTOR, persons[-1][2], "name"
    words = who.split()
    if not words or len(words) > 10 or not NAME_WORD.match(words[-1]):
        return UNRESOLVED, None, "unknown"
    name_words: list[str] = []
    for word in reversed(words):
        if not NAME_WORD.match(word) or lookup_demonym(ctx.registry, word) is not None:
            break
        name_words.insert(0, word)
    if len(name_words) < 2 and fold(words[-1]) not in ctx.new_people:
        return UNRESOLVED, None, "unknown"
    name = " ".join(name_words[-3:])
    surname = fold(name_words[-1])
    if surname in ctx.new_people:
        return ACTOR, ctx.new_people[surname], "new-person"
    rest = words[: len(words) - len(name_words[-3:])]
    country = country_of_words(ctx.registry, rest)
    role = " ".join(w for w in rest if lookup_demonym(ctx.registry, w) is None) or None
    actor = new_person(name, role, country)
    ctx.new_people[surname] = actor
    return ACTOR, actor, "new-person"


def dash_attributions(
    paragraphs: list[tuple[int, int]], ctx: ArticleContext
) -> list[tuple[int, Attribution]]:
    """Find pull quotes signed with a dash, in the same paragraph or on the next line."""
    # Imported here: attribution.py re-exports this function, so importing Attribution at
    # the top would make the two modules import each other.
    from pipeline.statements.attribution import Attribution

    found: list[tuple[int, Attribution]] = []
    for index, (start, end) in enumerate(paragraphs):
        text = ctx.text[start:end]
        line = _DASH_LINE.match(text)
        if line and index > 0:
            body_start, body_end = paragraphs[index - 1]
            who = line.group("who")
        else:
            tail = _DASH_TAIL.match(text)
            if not tail:
                continue
            body_start, body_end = start, start + tail.end("body")
            who = tail.group("who")
        if len(who.split()) > 10 or who.rstrip().endswith((".", "?", "!")) and " " not in who:
            continue
        status, actor, method = resolve_name_text(who, ctx)
        if status != ACTOR:
            continue
        unit = Attribution(
            status=ACTOR,
            speaker=actor,
            method=method,
            kind="dash",
            verb=None,
            verb_stance=None,
            content=[(body_start, body_end)],
            anchor=body_start,
            depth=0,
            paragraph=index if not line else index - 1,
            sentence=(body_start, body_end),
        )
        found.append((unit.paragraph, unit))
    return found


def turn_attribution(turn: Turn, paragraph: int, ctx: ArticleContext) -> Attribution:
    """The attribution of a transcript's labelled paragraph: its speaker, or nobody for a
    questioner's turn (which names positions without stating them)."""
    from pipeline.statements.attribution import Attribution

    if turn.question:
        status, actor, method = ANONYMOUS, None, "question"
    else:
        status, actor, method = resolve_name_text(turn.label, ctx)
        full = full_name_before(turn.label, ctx.text, turn.start)
        if status != ACTOR and full is not None:
            status, actor, method = resolve_name_text(full, ctx)
    return Attribution(
        status=status,
        speaker=actor,
        method=method if status == ACTOR else "label",
        kind="label",
        verb=None,
        verb_stance=None,
        content=[(turn.start, turn.end)],
        anchor=turn.start,
        depth=0,
        paragraph=paragraph,
        sentence=(turn.start, turn.end),
    )
