"""Quotes: where quoted speech starts and ends, and which quotes form one utterance."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

_OPENERS = "“«„"
_CLOSERS = "”»"
_QUOTE_MARKS = re.compile(r"[“”\"«»„]")


@dataclass(frozen=True, slots=True)
class Quote:
    """A quoted stretch of text (marks included) and the utterance it belongs to."""

    start: int
    end: int
    group: int
    # A transcript's turn or an author's paragraph read as a quote (statements/turns.py):
    # no quote marks, so its sentences are separate utterances.
    turn: bool = False


def _paragraph_end(text: str, offset: int) -> int:
    found = text.find("\n", offset)
    return len(text) if found < 0 else found


def _skip_space(text: str, offset: int) -> int:
    """Return the first offset at or after `offset` that is not whitespace."""
    while offset < len(text) and text[offset].isspace():
        offset += 1
    return offset


def find_quotes(text: str) -> list[Quote]:
    """Find quoted spans; a quote may run on across paragraphs, and such runs share a group."""
    quotes: list[Quote] = []
    open_at: int | None = None
    group = 0
    continues = False
    marks = list(_QUOTE_MARKS.finditer(text))
    # Where the paragraph of the open quote ends: one search per opening, not one per mark
    # (a page of unclosed quotes made this quadratic).
    newline = -1
    for index, match in enumerate(marks):
        at, mark = match.start(), match.group()
        if open_at is not None and 0 <= newline < at:
            # An unclosed quote at a paragraph end: either the next paragraph reopens it
            # (the usual convention) or the quote simply runs on to a later closing mark.
            para_end = _paragraph_end(text, open_at)
            next_start = _skip_space(text, para_end)
            reopens = next_start < len(text) and text[next_start] in _OPENERS + '"'
            next_end = text.find("\n", next_start)
            next_end = len(text) if next_end < 0 else next_end
            closes_later = False
            for later in itertools.islice(marks, index, None):
                if later.start() >= next_end:
                    break
                if later.start() >= next_start and later.group() in _CLOSERS + '"':
                    closes_later = True
                    break
            if reopens or not closes_later:
                quotes.append(Quote(open_at, para_end, group))
                continues = reopens
                open_at = None
            else:
                newline = text.find("\n", next_start)
        if open_at is None:
            if mark in _CLOSERS:
                continue
            if mark == '"' and at + 1 < len(text) and text[at + 1].isspace():
                continue
            if not continues:
                group += 1
            continues = False
            open_at = at
            newline = text.find("\n", at)
        elif mark in _CLOSERS or mark == '"':
            quotes.append(Quote(open_at, at + 1, group))
            open_at = None
    if open_at is not None:
        quotes.append(Quote(open_at, _paragraph_end(text, open_at), group))
    return quotes
