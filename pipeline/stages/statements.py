"""statements: `NewDocuments` -> `StatementBatch` (who says what about which guarantee, as
statement and extraction-completed events, with the texts the gate checks them against)."""

from __future__ import annotations

from pipeline.events import STATEMENT_EXTRACTED
from pipeline.settings import Settings
from pipeline.stages.batches import NewDocuments, StatementBatch, read_batch, write_batch
from pipeline.stages.common import folder, log_counts
from pipeline.statements.batch import extract_statement_events


def statements_stage(settings: Settings, run_id: str, documents_ref: str) -> str:
    """Extract statement events from the run's new documents."""
    documents = read_batch(NewDocuments, documents_ref)
    batch = statement_batch(documents)
    ref = write_batch(folder(settings, run_id), batch)
    log_counts(
        "statements",
        ("statements", sum(1 for e in batch.statements if e.event_type == STATEMENT_EXTRACTED), ""),
        ("documents read", len(documents.documents), ""),
    )
    return ref


def statement_batch(documents: NewDocuments) -> StatementBatch:
    """The statement events of the documents, their texts, and the outcomes carried on."""
    events = extract_statement_events(list(documents.documents))
    texts = {d.doc_id: d.text for d in documents.documents}
    return StatementBatch(tuple(events), texts, documents.outcomes)
