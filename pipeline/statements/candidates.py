"""The broad net for candidate sentences: the words of the guarantees' field.

The topic cues of `topics.yaml` are precise but cannot foresee every wording; a sentence
that only they select loses its statement whenever the wording is new. The field words
(`field:` in `topics.yaml`) are deliberately broad: with a speaker in the sentence, one of
them is enough to parse it and let the clause classifier read it.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from functools import lru_cache
from pathlib import Path

from pipeline.statements.topics import TOPICS_FILE, TopicMatch, read_topics_file


@lru_cache(maxsize=4)
def load_field_pattern(path: Path = TOPICS_FILE) -> re.Pattern[str] | None:
    """Compile the field words of the topic vocabulary (None when it lists none)."""
    data = read_topics_file(path)
    words = data.get("field") or []
    if not words:
        return None
    return re.compile(r"\b(?:" + "|".join(f"(?:{w})" for w in words) + r")\b", re.IGNORECASE)


@lru_cache(maxsize=4)
def load_instrument_nouns(path: Path = TOPICS_FILE) -> dict[str, int]:
    """Return each noun that names an arrangement with the number of its group of
    interchangeable nouns (`instruments:` in topics.yaml)."""
    data = read_topics_file(path)
    return {
        word.lower(): number
        for number, group in enumerate(data.get("instruments") or [])
        for word in group
    }


_LAST_WORD = re.compile(r"([A-Za-z]+)\W*$")
_REFERENCE = re.compile(
    r"\b(?:the|this|that|these|those|such\s+an?)\s+(?:[a-z-]+\s+)?([a-z]+)\b", re.IGNORECASE
)


def instrument_references(
    text: str, matches: list[TopicMatch], instruments: dict[str, int]
) -> list[TopicMatch]:
    """Find the back-references to arrangements the article has named.

    "Allies unveiled a reassurance force. ... Stubb said Finland backs the force.": the
    second "the force" has no cue of its own but means the reassurance force; it gets the
    topic of the arrangement the article last named with a noun of the same group.
    """
    named: list[tuple[int, int, str]] = []  # (end of the naming cue, noun group, topic)
    for match in matches:
        found = _LAST_WORD.search(text, match.start, match.end)
        group = instruments.get(found.group(1).lower()) if found else None
        if group is not None:
            named.append((match.end, group, match.topic))
    if not named:
        return []
    by_group: dict[int, tuple[list[int], list[str]]] = {}
    for named_end, group, topic in named:  # in order of the text
        ends, topics = by_group.setdefault(group, ([], []))
        ends.append(named_end)
        topics.append(topic)
    taken_starts = [m.start for m in matches]  # matches are in order and disjoint
    taken_ends = [m.end for m in matches]
    references = []
    for found in _REFERENCE.finditer(text, min(end for end, _, _ in named)):
        group = instruments.get(found.group(1).lower())
        start, end = found.span(1)
        before = bisect_left(taken_starts, end) - 1
        if group is None or (before >= 0 and taken_ends[before] > start):
            continue
        ends, topics = by_group.get(group, ([], []))
        last = bisect_right(ends, start) - 1  # the group's last naming before this word
        if last >= 0:
            references.append(TopicMatch(topics[last], start, end, weak=True))
    return references


@lru_cache(maxsize=4)
def load_speaker_topics(path: Path = TOPICS_FILE) -> dict[str, dict[str, str]]:
    """Return, per speaker country, the topics that become another (`speaker_topics:`)."""
    data = read_topics_file(path)
    return {str(k): dict(v) for k, v in (data.get("speaker_topics") or {}).items()}


@lru_cache(maxsize=4)
def load_provider_topics(path: Path = TOPICS_FILE) -> dict[str, str]:
    """Return, per speaker country, the topic of guarantees its own side gives
    (`provider_topics:`)."""
    data = read_topics_file(path)
    return {str(k): str(v) for k, v in (data.get("provider_topics") or {}).items()}


@lru_cache(maxsize=4)
def load_topic_requirements(path: Path = TOPICS_FILE) -> dict[str, re.Pattern[str]]:
    """Return, per topic, the words a clause needs for the classifier to read that topic in
    it (`requires:` of a topic in topics.yaml; topics without it need none)."""
    data = read_topics_file(path)
    return {
        topic: re.compile(r"\b(?:" + "|".join(f"(?:{w})" for w in spec["requires"]) + r")\b", re.I)
        for topic, spec in (data.get("topics") or {}).items()
        if spec.get("requires")
    }
