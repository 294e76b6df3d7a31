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
_LABEL = re.compile(r"(?P<label>[A-Z][\w.'’-]*(?:[ \t]+[\w.'’-]+){0,4}?)[ \t]*:[ \t]+(?=\S)")


@dataclass(frozen=True)
class Turn:
    """The body of a labelled paragraph, from after the colon to the paragraph's end."""

    start: int
    end: int
    label: str
    question: bool


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
    return (
        2 <= len(words) <= 4
        and all(w[:1].isupper() for w in words)
        and (text.find(label) not in (-1, at) or text.find(label, at + 1) != -1)
    )


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
        question = fold(label) in cues.question_labels
        if question or _names_speaker(label, text, start, registry):
            turns.append(Turn(match.end(), end, label, question))
    return turns
