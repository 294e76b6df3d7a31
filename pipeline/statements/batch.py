"""Statements from a batch of documents: the statements stage's pure part, pooled when the
batch is big enough to be worth the workers."""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import UTC, date, datetime

from pipeline.documents.model import Document
from pipeline.events import Event

# Batches of at least this many articles are extracted in a pool of forked processes. Measured
# on real articles (../shared/eval/dev, about 2,000 characters each) on 2 cores, starting and
# closing the pool included, pooled time against serial: 0.55x at 2 articles, 0.79x at 8
# (one task of 8 articles: one worker does it all), even at 12, 1.3x at 16, 1.7x at 32 and
# 1.8x at 64 (2026-12-06; bench/README.md, "break-even").
POOL_MIN_DOCUMENTS = 16


def statement_workers(articles: int) -> int:
    """Return how many extraction processes a batch of this many articles is worth."""
    return min(2, os.cpu_count() or 1) if articles >= POOL_MIN_DOCUMENTS else 1


def extract_statement_events(
    documents: Sequence[Document], today: date | None = None
) -> list[Event]:
    """Run the statement extractor over documents; return their statement events."""
    from pipeline.statements import load_extractor
    from pipeline.statements.events import producer_of, statement_events
    from pipeline.statements.model import ArticleText

    extractor = load_extractor(workers=statement_workers(len(documents)))
    producer = producer_of(extractor.name, extractor.version)
    articles = (ArticleText(text=d.text, published=d.published) for d in documents)
    day = today or datetime.now(UTC).date()
    events: list[Event] = []
    try:
        for document, statements in zip(documents, extractor.extract_many(articles), strict=True):
            events.extend(statement_events(statements, document, producer, day))
    finally:
        getattr(extractor, "close", lambda: None)()
    return events
