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
    nouns = {
        word.lower(): number
        for number, group in enumerate(data.get("instruments") or [])
        for word in group
    }
    nouns.update({word.lower(): ANY_GROUP for word in data.get("generic_instruments") or []})
    return nouns


@lru_cache(maxsize=4)
def load_other_arrangements(path: Path = TOPICS_FILE) -> frozenset[str]:
    """Return the words that, before an arrangement noun, make it another arrangement
    ("the peace agreement") rather than a reference back (`other_arrangements:`)."""
    return frozenset(w.lower() for w in read_topics_file(path).get("other_arrangements") or [])


_NOT_A_NOUN_PHRASE = frozenset({"a", "an", "any", "the", "some", "all", "every", "no"})
ANY_GROUP = -1  # a generic noun ("the plan") stands for the last arrangement of any group


_WORD = re.compile(r"[A-Za-z]+")
_REFERENCE = re.compile(
    r"\b(?:the|this|that|these|those|such\s+an?|no)\s+(?=((?:[a-z0-9-]+\b\s*){1,3}))",
    re.IGNORECASE,
)


# A preposition after the noun that opens its own content ("the framework for these
# guarantees"): with a cue soon after, the noun names that, not an earlier arrangement. A
# quote may close after the noun ('has "no plans" to send troops').
_OWN_COMPLEMENT = re.compile(r"[\"”’']?\s+(?:for|of|on|over|that|to)\s", re.IGNORECASE)
_COMPLEMENT_REACH = 60


def _instrument_group(word: str, instruments: dict[str, int]) -> int | None:
    """The group of a noun, or of its singular ("these discussions", "the deals")."""
    group = instruments.get(word)
    if group is None and word.endswith("s"):
        group = instruments.get(word[:-1])
    return group


def _names_own_content(text: str, end: int, cue_starts: list[int]) -> bool:
    """Say whether the noun ending at `end` opens a complement holding a cue of its own."""
    after = bisect_left(cue_starts, end)
    if after == len(cue_starts) or not _OWN_COMPLEMENT.match(text, end):
        return False
    between = text[end : cue_starts[after]]
    return len(between) < _COMPLEMENT_REACH and "\n" not in between


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
        # The cue's last noun of an arrangement: "reassurance force", "declaration on security".
        words = _WORD.findall(text, match.start, match.end)
        groups = [instruments[w.lower()] for w in words if instruments.get(w.lower(), -1) >= 0]
        group = groups[-1] if groups else None
        if group is not None:
            named.append((match.end, group, match.topic))
            named.append((match.end, ANY_GROUP, match.topic))
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
        # The noun is the first word of the group's after the determiner ("the force has",
        # "the G7 joint declaration"); a generic noun ("the plan") only right after it.
        group = None
        if found.group(1).split()[0].lower() in _NOT_A_NOUN_PHRASE:
            continue  # "told Kyiv that any deal ...": "that" opens a clause
        others = load_other_arrangements()
        for position, word in enumerate(_WORD.finditer(found.group(1))):
            lower = word.group(0).lower()
            if lower in others:
                break  # "the peace agreement", "no ceasefire deal": another arrangement
            group = _instrument_group(lower, instruments)
            if group is not None:
                if group == ANY_GROUP and position > 0:
                    group = None  # "the peace plan" names its own thing
                start, end = found.start(1) + word.start(), found.start(1) + word.end()
                break
        if group is None:
            continue
        before = bisect_left(taken_starts, end) - 1
        if before >= 0 and taken_ends[before] > start:
            continue
        if _names_own_content(text, end, taken_starts):
            continue  # "the framework for security guarantees" names its own content
        ends, topics = by_group.get(group, ([], []))
        last = bisect_right(ends, start) - 1  # the group's last naming before this word
        if last >= 0:
            references.append(TopicMatch(topics[last], start, end, weak=True))
    participation = load_bare_participation()
    if participation is not None:
        # "Estonia and Belgium said they were ready to take part.": in what the article
        # last named, when the verb names nothing of its own.
        ends, topics = by_group[ANY_GROUP]
        for found in participation.finditer(text, min(end for end, _, _ in named)):
            start, end = found.start(1), found.end(1)
            before = bisect_left(taken_starts, end) - 1
            last = bisect_right(ends, start) - 1
            if last >= 0 and not (before >= 0 and taken_ends[before] > start):
                references.append(TopicMatch(topics[last], start, end, weak=True))
        references.sort(key=lambda m: m.start)
    return references


@lru_cache(maxsize=4)
def load_bare_participation(path: Path = TOPICS_FILE) -> re.Pattern[str] | None:
    """Compile the phrases of taking part that name no object (`bare_participation:`); the
    first group is the verb."""
    phrases = read_topics_file(path).get("bare_participation") or []
    if not phrases:
        return None
    return re.compile(r"\b(?:" + "|".join(f"(?:{p})" for p in phrases) + ")", re.IGNORECASE)


@lru_cache(maxsize=4)
def load_provider_components(path: Path = TOPICS_FILE) -> frozenset[str]:
    """Return the components that a provider's offer also makes its topic
    (`provider_components:`)."""
    return frozenset(read_topics_file(path).get("provider_components") or [])


@lru_cache(maxsize=4)
def load_demanded_topics(path: Path = TOPICS_FILE) -> dict[str, str | None]:
    """Return the topics a third party fulfils, each with its provider's country
    (`demanded_topics:`)."""
    data = read_topics_file(path).get("demanded_topics") or {}
    return {str(k): (str(v) if v is not None else None) for k, v in data.items()}


@lru_cache(maxsize=4)
def load_likeness_topics(path: Path = TOPICS_FILE) -> frozenset[str]:
    """Return the topics that are a likeness, which "similar to" names (`likeness_topics:`)."""
    return frozenset(read_topics_file(path).get("likeness_topics") or [])


@lru_cache(maxsize=4)
def load_framing_topics(path: Path = TOPICS_FILE) -> frozenset[str]:
    """Return the topics whose cue's object is no statement of its own (`framing_topics:`)."""
    return frozenset(read_topics_file(path).get("framing_topics") or [])


@lru_cache(maxsize=4)
def load_absorbed_topics(path: Path = TOPICS_FILE) -> dict[str, frozenset[str]]:
    """Return, per topic, the topics whose cue inside its phrase is its complement, not a
    statement of its own (`absorbs:`)."""
    data = read_topics_file(path).get("absorbs") or {}
    return {str(k): frozenset(v or []) for k, v in data.items()}


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
