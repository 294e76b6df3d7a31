"""Speaker turns: the labelled paragraphs of transcripts and interviews.

    Q: Is NATO membership off the table?
    Sybiha: No. Membership remains our strategic goal.

A paragraph opening with a speaker's name and a colon is that speaker's words, like a quote
(convention 1: whatever it reports of others is credited to the speaker); one opening with a
questioner's label ("Q:", "Interviewer:") is nobody's statement, though it names positions.
Pure functions on the text; the extractor treats each turn's body as a quote it owns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.statements.actors import Registry, find_mentions, fold, lookup_name
from pipeline.statements.cues import Cues

# A label: up to five words before a colon at a paragraph's start ("Q:", "Sybiha:",
# "Prime Minister Starmer:", "STARMER:"); not a time ("10:30") nor a sentence.
# "Q:", "STARMER:", "Q (ITV News):": the outlet a questioner asks for is no part of the label.
_LABEL = re.compile(
    r"(?P<label>[A-Z][\w.'’-]*(?:[ \t]+[\w.'’-]+){0,4}?)[ \t]*"
    r"(?:\([^()\n]{1,40}\)[ \t]*)?:[ \t]+(?=\S)"
)


# A turn ends like a sentence; a headline of the form "Name: claim" does not.
_ENDS_SENTENCE = re.compile(r"[.!?…][\"”’»)]*\s*$")


@dataclass(frozen=True)
class Turn:
    """The body of a labelled paragraph, from after the colon to the paragraph's end."""

    start: int
    end: int
    label: str
    question: bool
    # For an item of a list a paragraph introduces ("X named the elements:"), that
    # paragraph's bounds: its speaker speaks the item.
    intro: tuple[int, int] | None = None


def _names_speaker(label: str, text: str, at: int, registry: Registry) -> bool:
    """Say whether a label names a speaker: a person of the registry (also after a title,
    "Prime Minister Starmer"), or a full name the article spells out elsewhere. A place is
    no speaker ("KYIV: ..." is a dateline)."""
    actor = lookup_name(registry, label)
    if actor is not None:
        return actor.kind == "person"
    mentions = find_mentions(registry, label)
    if mentions and mentions[-1][1] == len(label):
        return mentions[-1][2].kind == "person"
    words = label.split()
    if len(words) == 1:
        # "Shekerinska: ...", the full name given earlier ("Radmila Shekerinska said ...").
        return full_name_before(label, text, at) is not None
    # The label stands at `at`; a second occurrence is the article naming the speaker.
    return 2 <= len(words) <= 4 and all(w[:1].isupper() for w in words) and text.count(label) > 1


def full_name_before(surname: str, text: str, at: int) -> str | None:
    """The last full name ending with a surname before an offset ("Radmila Shekerinska")."""
    if not surname[:1].isupper() or surname.isupper() and len(surname) < 3:
        return None
    pattern = re.compile(rf"\b((?:[A-Z][\w'’-]+\s+){{1,2}}){re.escape(surname)}\b")
    found = [m.group(0) for m in pattern.finditer(text, 0, at)]
    return found[-1] if found else None


def find_turns(
    text: str, paragraphs: list[tuple[int, int]], registry: Registry, cues: Cues
) -> list[Turn]:
    """Find the labelled paragraphs of a text, in order."""
    turns = []
    for start, end in paragraphs:
        match = _LABEL.match(text, start, end)
        if match is None:
            continue
        label = match.group("label")
        if not _ENDS_SENTENCE.search(text, match.end(), end):
            continue  # 'Lavrov: guarantees without Russia are a "road to nowhere"': a headline
        question = fold(label) in cues.question_labels
        if question or _names_speaker(label, text, start, registry):
            turns.append(Turn(match.end(), end, label, question))
    return turns


# Who wrote or issued the whole text: an op-ed's byline ("By Radoslaw Sikorski, Foreign
# Minister of Poland") or a statement's title ("Joint Statement by the G7 Leaders on ...").
_BYLINE = re.compile(
    r"By\s+(?P<who>[^,\n]{3,60}?)\s*(?:,(?P<office>[^\n]{0,160}))?\s*$", re.IGNORECASE
)
# A name a byline gives: two to four capitalised words.
_BYLINE_NAME = re.compile(r"[A-Z][\w'’.-]+(?:\s+[A-Z][\w'’.-]+){1,3}")
_ISSUED = re.compile(
    r"(?:Joint\s+)?(?:Statement|Declaration|Communiqu[eé]|Remarks|Op-ed)\s+(?:by|of|from)\s+"
    r"(?P<who>[^\n]{2,80}?)(?:\s+(?:on|following|after|at|regarding|about)\s+[^\n]*)?[.:]?\s*$",
    re.IGNORECASE,
)
# How many opening paragraphs may hold the byline or the title.
_AUTHOR_REACH = 3


def _office_holder(who: str, office: str | None, cues: Cues) -> str | None:
    """The name of a byline's author outside the registry whose description is a public
    office ("By Jane Roe, Minister for Foreign Affairs of Finland"): an office holder writes
    the whole text (convention 8 counts them). Journalists' and analysts' bylines ("By Jane
    Roe, Senior Correspondent", "By Jane Roe, Reuters") name none."""
    name = who.strip(" .")
    if not office or not _BYLINE_NAME.fullmatch(name):
        return None
    words = {fold(w) for w in re.findall(r"[\w'’-]+", office)}
    if not words & cues.title_words or words & cues.commentator_roles:
        return None
    return name


def _author_actor(who: str, registry: Registry, cues: Cues) -> str | None:
    """The registry name a byline or title gives (its members' plural stripped: "the G7
    leaders" -> "G7"), or None: only a known actor writes a whole text."""
    words = who.strip(" .").split()
    while words and fold(words[-1]) in cues.author_member_words:
        words.pop()
    name = " ".join(words)
    if not name:
        return None
    actor = lookup_name(registry, name)
    if actor is not None:
        return name
    mentions = find_mentions(registry, name)
    if mentions and mentions[-1][1] == len(name) and mentions[-1][2].kind == "person":
        return name[mentions[-1][0] :]
    return None


def find_author_turns(
    text: str, paragraphs: list[tuple[int, int]], registry: Registry, cues: Cues
) -> list[Turn]:
    """The paragraphs a known author writes: every paragraph after an op-ed's byline or a
    statement's title naming a registry actor (the journalists who sign news are not in
    the registry, so news articles have no author turns)."""
    for number, (start, end) in enumerate(paragraphs[:_AUTHOR_REACH]):
        line = text[start:end].strip()
        match = _BYLINE.match(line) or _ISSUED.match(line)
        if match is None:
            continue
        author = _author_actor(match.group("who"), registry, cues)
        if author is None and match.re is _BYLINE:
            author = _office_holder(match.group("who"), match.group("office"), cues)
        if author is None:
            continue
        return [Turn(s, e, author, False) for s, e in paragraphs[number + 1 :] if e > s]
    return []


# A list item: a dash, bullet or number opening a paragraph.
_BULLET = re.compile(r"[ \t]*(?:[–—•·*-]|\d{1,2}[.)])[ \t]+(?=\S)")


def find_list_items(text: str, paragraphs: list[tuple[int, int]]) -> list[Turn]:
    """Find the items of lists a paragraph ending with a colon introduces ("Umerov named the
    elements of the guarantees:" then "– an army of 800,000;"): each is read as a quote of
    whoever speaks in that paragraph."""
    items: list[Turn] = []
    intro: tuple[int, int] | None = None
    for start, end in paragraphs:
        bullet = _BULLET.match(text, start, end)
        if bullet is None:
            intro = (start, end) if text[start:end].rstrip().endswith(":") else None
            continue
        if intro is not None:
            items.append(Turn(bullet.end(), end, "", False, intro))
    return items
