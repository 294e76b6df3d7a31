"""Topic cues: which guarantee topics a stretch of text is about (vocabulary in topics.yaml)."""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from pipeline.settings import DATA_DIR

GENERAL = "guarantees_general"


@dataclass(frozen=True, slots=True)
class TopicMatch:
    """One topic cue found in the text, with character offsets."""

    topic: str
    start: int
    end: int
    weak: bool = False
    # A wording of the topic's opposite ("neutral status" for NATO membership): a stance on
    # it is the reverse stance on the topic.
    opposite: bool = False


@dataclass(frozen=True)
class TopicLexicon:
    """Compiled topic cues, exclusions and the article gate."""

    gate: re.Pattern[str]
    cues: dict[str, tuple[re.Pattern[str], ...]]
    weak: dict[str, tuple[re.Pattern[str], ...]]
    exclude: dict[str, re.Pattern[str]]
    opposite: dict[str, tuple[re.Pattern[str], ...]]
    # Every position where some cue (strong or weak) starts: one scan instead of one per cue.
    starts: re.Pattern[str] | None = None
    # The (case-folded) characters each cue pattern can start with, where they are known:
    # at a start position only the cues that can start with its character are tried.
    first_chars: dict[re.Pattern[str], frozenset[str]] = field(default_factory=dict)


# `{actors:US}` in a cue stands for every name of an actor of that country in actors.yaml.
_ACTOR_GROUP = re.compile(r"\{actors:([A-Z]{2,4})\}")


# `{demonyms}` stands for every demonym of actors.yaml ("Italian", "Dutch", ...).
_DEMONYMS = "{demonyms}"


def _expand(pattern: str) -> str:
    from pipeline.statements.actors import demonym_forms, name_forms

    def names(match: re.Match[str]) -> str:
        forms = name_forms(match.group(1))
        if not forms:
            raise ValueError(f"topics.yaml: no actor of country {match.group(1)} in actors.yaml")
        return "(?:" + "|".join(_form(f) for f in forms) + ")"

    if _DEMONYMS in pattern:
        pattern = pattern.replace(
            _DEMONYMS, "(?:" + "|".join(_form(f) for f in demonym_forms()) + ")"
        )
    return _ACTOR_GROUP.sub(names, pattern)


def _form(name: str) -> str:
    """A name as a pattern; an acronym ("US", "U.S.", "UK") matches in capitals only, so
    the pronoun "us" ("guarantees worked out without us") is not the United States."""
    escaped = re.escape(name)
    letters = [c for c in name if c.isalpha()]
    return f"(?-i:{escaped})" if letters and all(c.isupper() for c in letters) else escaped


def _alternation(patterns: list[str]) -> re.Pattern[str] | None:
    if not patterns:
        return None
    patterns = [_expand(p) for p in patterns]
    return re.compile(r"\b(?:" + "|".join(f"(?:{p})" for p in patterns) + r")", re.IGNORECASE)


TOPICS_FILE = DATA_DIR / "topics.yaml"


@lru_cache(maxsize=4)
def read_topics_file(path: Path = TOPICS_FILE) -> dict:
    """Parse topics.yaml once per process; every loader of its sections reads this."""
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@lru_cache(maxsize=4)
def load_topic_names(path: Path = TOPICS_FILE) -> tuple[str, ...]:
    """Return the topics topics.yaml defines, in its order: the one list of topics."""
    data = read_topics_file(path)
    return tuple(str(topic) for topic in data["topics"])


@lru_cache(maxsize=4)
def load_topic_lexicon(path: Path = TOPICS_FILE) -> TopicLexicon:
    """Load and compile the topic vocabulary."""
    data = read_topics_file(path)
    cues, weak, exclude, opposite = {}, {}, {}, {}
    for topic, spec in data["topics"].items():
        # Each cue is its own pattern, so a longer cue is never hidden by a shorter
        # alternative that happens to match first at the same place.
        cues[topic] = tuple(_alternation([p]) for p in spec.get("cues") or [])
        weak[topic] = tuple(_alternation([p]) for p in spec.get("weak") or [])
        opposite[topic] = tuple(_alternation([p]) for p in spec.get("opposite") or [])
        compiled = _alternation(spec.get("exclude") or [])
        if compiled is not None:
            exclude[topic] = compiled
    every = [
        p.pattern
        for table in (cues, weak, opposite)
        for patterns in table.values()
        for p in patterns
    ]
    first_chars = {
        pattern: found
        for table in (cues, weak, opposite)
        for patterns in table.values()
        for pattern in patterns
        if (found := _folded_first_chars(pattern.pattern)) is not None
    }
    return TopicLexicon(
        _alternation(data["article_gate"]),
        cues,
        weak,
        exclude,
        opposite,
        _starts(every),
        first_chars,
    )


def _starts(patterns: list[str]) -> re.Pattern[str]:
    """Compile a scan for every position where one of the patterns matches.

    When the characters the patterns can start with are known, the patterns are grouped by
    first character and each group is tried only where its character stands (the regex
    engine tests a character class quickly, where trying every pattern at every letter of
    the class cost about 8% of the extractor's time); when every pattern opens on a word
    boundary, so does the scan. Else it tries every pattern at every position.
    """
    alternatives = "|".join(f"(?:{p})" for p in patterns)
    by_first: dict[str, list[str]] = {}
    for pattern in patterns:
        found = _folded_first_chars(pattern)
        if found is None:
            return re.compile(f"(?={alternatives})", re.IGNORECASE)
        # IGNORECASE makes a class match every case variant of its characters.
        for char in found:
            by_first.setdefault(char, []).append(pattern)
    groups = "|".join(
        f"(?=[{re.escape(char)}])(?:{'|'.join(f'(?:{p})' for p in group)})"
        for char, group in sorted(by_first.items())
    )
    boundary = r"\b" if all(_opens_on_boundary(_parse(p)) for p in patterns) else ""
    return re.compile(f"{boundary}(?={groups})", re.IGNORECASE)


def _folded_first_chars(pattern: str) -> frozenset[str] | None:
    """The case-folded characters a pattern can start with, or None when they are unknown
    or one folds to several ("ß"): the start scan and `find_topics` read the same set."""
    found = _first_chars(_parse(pattern))
    if not found or any(len(c.casefold()) != 1 for c in found):
        return None
    return frozenset(c.casefold() for c in found)


def _opens_on_boundary(items: list | None) -> bool:
    """Say whether a parsed pattern starts with a word-boundary test (`\\b`)."""
    from re import _constants as c  # type: ignore[attr-defined]

    return bool(items) and items[0][0] is c.AT and items[0][1] is c.AT_BOUNDARY


def _parse(pattern: str) -> list | None:
    try:
        from re import _parser  # type: ignore[attr-defined]

        return list(_parser.parse(pattern, re.IGNORECASE))
    except (ImportError, AttributeError, re.error):
        return None


def _first_chars(items: list | None) -> set[str] | None:
    """Return the characters a parsed pattern can start with, or None if unsure."""
    if items is None:
        return None
    from re import _constants as c  # type: ignore[attr-defined]

    found: set[str] = set()
    for op, arg in items:
        if op is c.AT:
            continue  # \b and other zero-width tests
        if op is c.LITERAL:
            return found | {chr(arg)}
        if op is c.IN:
            chars = set()
            for kind, value in arg:
                if kind is c.LITERAL:
                    chars.add(chr(value))
                elif kind is c.RANGE and value[1] - value[0] <= 256:
                    chars |= {chr(code) for code in range(value[0], value[1] + 1)}
                else:
                    return None
            return found | chars
        if op is c.SUBPATTERN:
            inner = _first_chars(list(arg[3]))
            return None if inner is None else found | inner
        if op is c.BRANCH:
            for alternative in arg[1]:
                inner = _first_chars(list(alternative))
                if inner is None:
                    return None
                found |= inner
            return found
        if op in (c.MAX_REPEAT, c.MIN_REPEAT):
            low, _, body = arg
            inner = _first_chars(list(body))
            if inner is None:
                return None
            found |= inner
            if low == 0:
                continue  # optional: what follows may come first
            return found
        return None
    return None  # the pattern may match the empty string


def is_on_topic(text: str, lexicon: TopicLexicon) -> bool:
    """Say whether an article touches the guarantees at all."""
    return lexicon.gate.search(text) is not None


def _overlaps(a: TopicMatch, b: TopicMatch) -> bool:
    return a.start < b.end and b.start < a.end


def _matches(pattern: re.Pattern[str], text: str, starts: list[int] | None) -> list[re.Match]:
    """Return what `pattern.finditer(text)` yields, trying only the given start positions."""
    if starts is None:
        return list(pattern.finditer(text))
    found, end = [], 0
    for start in starts:
        if start < end:
            continue
        match = pattern.match(text, start)
        if match is not None:
            found.append(match)
            end = max(match.end(), start + 1)
    return found


def find_topics(
    text: str, lexicon: TopicLexicon, overlapped: list[TopicMatch] | None = None
) -> list[TopicMatch]:
    """Find topic cues; overlapping cues keep the longest, excluded ones are dropped.

    `overlapped`, when given, receives the cues that lost to a longer overlapping one
    ("troops" inside "Chinese troops"), and every wording an exclusion rules out for its
    topic ("with or without the US"): the decisions that a wording is not that topic.
    """
    found: list[TopicMatch] = []
    starts = None
    if lexicon.starts is not None:
        starts = [m.start() for m in lexicon.starts.finditer(text)]
    # The start positions by their character, so a cue is tried only where it can start.
    by_char: dict[str, list[int]] = {}
    for start in starts or ():
        by_char.setdefault(text[start].casefold(), []).append(start)
    # A character that folds to several ("ß" to "ss") is tried by every cue.
    anywhere = [start for char, at in by_char.items() if len(char) > 1 for start in at]
    tables = ((False, False, lexicon.cues), (True, False, lexicon.weak))
    for weak, opposite, table in (*tables, (False, True, lexicon.opposite)):
        for topic, patterns in table.items():
            for pattern in patterns:
                chars = lexicon.first_chars.get(pattern)
                where = starts
                if starts is not None and chars is not None:
                    where = sorted([*anywhere, *(s for c in chars for s in by_char.get(c, ()))])
                found += [
                    TopicMatch(topic, m.start(), m.end(), weak, opposite)
                    for m in _matches(pattern, text, where)
                ]
    excluded = {
        topic: _Spans([(m.start(), m.end()) for m in pattern.finditer(text)])
        for topic, pattern in lexicon.exclude.items()
    }
    if overlapped is not None:
        overlapped += [
            TopicMatch(topic, start, end)
            for topic, spans in excluded.items()
            for start, end in zip(spans.starts, spans.ends, strict=True)
        ]
    kept = _Spans([])
    chosen: list[TopicMatch] = []
    # Components first: where a cue of the guarantees as a whole overlaps one of a component
    # ("binding guarantees for Kyiv"), the component is what is said (convention 4).
    for match in sorted(
        found, key=lambda m: (m.weak, m.topic == GENERAL, -(m.end - m.start), m.start)
    ):
        spans = excluded.get(match.topic)
        if spans is not None and spans.overlaps(match.start, match.end):
            continue
        if kept.overlaps(match.start, match.end):
            if overlapped is not None and not match.weak:
                overlapped.append(match)
            continue
        kept.add(match.start, match.end)
        chosen.append(match)
    return sorted(chosen, key=lambda m: m.start)


class _Spans:
    """Disjoint character spans, kept sorted: an overlap test costs a bisection, not a scan
    of every span kept so far (which made long pages quadratic)."""

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        self.starts = [start for start, _ in spans]
        self.ends = [end for _, end in spans]

    def overlaps(self, start: int, end: int) -> bool:
        # Disjoint and sorted by start, so also by end: only the last span that starts
        # before `end` can reach past `start`.
        index = bisect_left(self.starts, end) - 1
        return index >= 0 and self.ends[index] > start

    def add(self, start: int, end: int) -> None:
        index = bisect_left(self.starts, start)
        self.starts.insert(index, start)
        self.ends.insert(index, end)
