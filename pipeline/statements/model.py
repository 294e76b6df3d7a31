"""Values and the seam every statement extractor implements."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from pipeline.statements.topics import load_topic_names

# The topics are defined in pipeline/data/topics.yaml alone (each with its cues).
TOPICS = load_topic_names()
STANCES = ("support", "oppose", "conditional", "neutral")
ACTOR_KINDS = ("person", "state", "organisation")


@dataclass(frozen=True, slots=True)
class Actor:
    """A canonical actor; `needs_review` marks one the registry did not know."""

    actor_id: str
    name: str
    kind: str
    country: str | None = None
    role: str | None = None
    needs_review: bool = False


@dataclass(frozen=True, slots=True)
class Statement:
    """One actor's stance on one topic; `text[start:end] == evidence` in the clean text."""

    actor: Actor
    topic: str
    stance: str
    evidence: str
    start: int
    end: int
    stated_on: date | None
    confidence: float
    stated_on_inferred: bool = False


@dataclass(frozen=True, slots=True)
class ArticleText:
    """What an extractor reads: clean text and, if known, the publication date."""

    text: str
    published: date | None = None


class StatementExtractor(Protocol):
    """Any extractor (rules, a language model behind HTTP, ...) offers this."""

    name: str
    version: str

    def extract(self, article: ArticleText) -> list[Statement]:
        """Extract the statements of one article."""
        ...

    def extract_many(self, articles: Iterable[ArticleText]) -> Iterator[list[Statement]]:
        """Extract statements from many articles, in order, batching where it helps."""
        ...
