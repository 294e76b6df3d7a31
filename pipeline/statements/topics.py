"""Topic cues: which guarantee topics a stretch of text is about (vocabulary in topics.yaml)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from pipeline.settings import DATA_DIR
from pipeline.statements.model import TOPICS

GENERAL = "guarantees_general"


@dataclass(frozen=True, slots=True)
class TopicMatch:
    """One topic cue found in the text, with character offsets."""

    topic: str
    start: int
    end: int
    weak: bool = False


@dataclass(frozen=True)
class TopicLexicon:
    """Compiled topic cues, exclusions and the article gate."""

    gate: re.Pattern[str]
    cues: dict[str, tuple[re.Pattern[str], ...]]
    weak: dict[str, tuple[re.Pattern[str], ...]]
    exclude: dict[str, re.Pattern[str]]
    # Every position where some cue (strong or weak) starts: one scan instead of one per cue.
    starts: re.Pattern[str] | None = None


def _alternation(patterns: list[str]) -> re.Pattern[str] | None:
    if not patterns:
        return None
    return re.compile(r"\b(?:" + "|".join(f"(?:{p})" for p in patterns) + r")", re.IGNORECASE)


@lru_cache(maxsize=4)
def load_topic_lexicon(path: Path = DATA_DIR / "topics.yaml") -> TopicLexicon:
    """Load and compile the topic vocabulary."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    unknown = set(data["topics"]) - set(TOPICS)
    if unknown:
        raise ValueError(f"topics.yaml names unknown topics: {sorted(unknown)}")
    cues, weak, exclude = {}, {}, {}
    for topic, spec in data["topics"].items():
        # Each cue is its own pattern, so a longer cue is never hidden by a shorter
        # alternative that happens to match first at the same place.
        cues[topic] = tuple(_alternation([p]) for p in spec.get("cues") or [])
        weak[topic] = tuple(_alternation([p]) for p in spec.get("weak") or [])
        compiled = _alternation(spec.get("exclude") or [])
        if compiled is not None:
            exclude[topic] = compiled
    every = [p.pattern for table in (cues, weak) for patterns in table.values() for p in patterns]
    starts = re.compile("(?=" + "|".join(f"(?:{p})" for p in every) + ")", re.IGNORECASE)
    return TopicLexicon(_alternation(data["article_gate"]), cues, weak, exclude, starts)


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


def find_topics(text: str, lexicon: TopicLexicon) -> list[TopicMatch]:
    """Find topic cues; overlapping cues keep the longest, excluded ones are dropped."""
    found: list[TopicMatch] = []
    starts = None
    if lexicon.starts is not None:
        starts = [m.start() for m in lexicon.starts.finditer(text)]
    for weak, table in ((False, lexicon.cues), (True, lexicon.weak)):
        for topic, patterns in table.items():
            for pattern in patterns:
                found += [
                    TopicMatch(topic, m.start(), m.end(), weak)
                    for m in _matches(pattern, text, starts)
                ]
    excluded = {
        topic: [(m.start(), m.end()) for m in pattern.finditer(text)]
        for topic, pattern in lexicon.exclude.items()
    }
    kept: list[TopicMatch] = []
    for match in sorted(found, key=lambda m: (m.weak, -(m.end - m.start), m.start)):
        spans = excluded.get(match.topic, ())
        if any(match.start < end and start < match.end for start, end in spans):
            continue
        if any(_overlaps(match, other) for other in kept):
            continue
        kept.append(match)
    return sorted(kept, key=lambda m: m.start)
