"""validate: `StatementBatch` -> `AppendBatch` (the data-quality gates decide which
documents and statement events go into the log; the append batch is the run's outcome
events, what the gates accepted, and the rows they refused, and append writes exactly it)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date
from typing import Any

from pipeline.events import DOCUMENT_INGESTED, DUPLICATE_DETECTED, Event
from pipeline.quality.quarantine import QuarantinedRow
from pipeline.run_folder import safe_run_id, write_rows
from pipeline.settings import Settings
from pipeline.stages import common
from pipeline.stages.batches import AppendBatch, StatementBatch, read_batch, write_batch
from pipeline.stages.common import PRODUCER, by_reason, folder, log_counts

log = logging.getLogger("pipeline.stages")

# Written only when a gate fails the batch (nothing is appended): the refused rows, to read.
REFUSED_FILE = "quarantine.jsonl"


def validate_stage(settings: Settings, run_id: str, statements_ref: str) -> str:
    """Gate the run's documents and statement events; write the append batch."""
    from pipeline.quality.gates import QualityGateError, gate_document_batch, gate_statement_batch
    from pipeline.store import open_store

    batch = read_batch(StatementBatch, statements_ref)
    documents = [e for e in batch.outcomes if e.event_type == DOCUMENT_INGESTED]
    statements = list(batch.statements)
    texts = dict(batch.texts)
    doc_ids = {str(e.payload.get("doc_id")) for e in statements}
    with open_store(settings) as store:
        logged = store.known_ids(e.event_id for e in statements + documents)
        known_hashes = store.logged_content_hashes(DOCUMENT_INGESTED)
        texts.update(store.logged_texts(DOCUMENT_INGESTED, doc_ids - texts.keys()))
    # Events already in the log are the same facts again (a re-run): appending them is a
    # no-op, so they are not gated (nor quarantined) a second time.
    statements = [e for e in statements if e.event_id not in logged]
    documents = [e for e in documents if e.event_id not in logged]
    results, failures = [], []
    for gate, events, known in (
        (gate_document_batch, documents, (logged, known_hashes)),
        (gate_statement_batch, statements, (texts, logged)),
    ):
        try:
            results.append(gate(events, *known, safe_run_id(run_id), settings))
        except QualityGateError as error:
            failures.append(error)
            results.append(error.result)
    gated_documents, gated_statements = results
    append, held_back = append_batch(
        batch.outcomes, gated_documents, gated_statements, common.today()
    )
    refused = [q for q in gated_documents.quarantined if is_refused_document(q)]
    log_counts(
        "validate",
        ("documents accepted", len(gated_documents.accepted), ""),
        ("statement events accepted", count_statements(append), ""),
        ("quarantined", len(append.quarantined),
         by_reason(q.expectation for q in append.quarantined)),
        ("documents refused", len(refused), ""),
    )  # fmt: skip
    run_folder = folder(settings, run_id)
    if failures:
        # Nothing of this batch will be appended: record what was refused, then fail loudly.
        write_rows(run_folder / REFUSED_FILE, (q.to_dict() for q in append.quarantined))
        _record_refusals(settings, run_id, list(append.quarantined))
        raise failures[0]
    if held_back:
        log.warning(
            "%d duplicate(s) of documents refused at the gate not logged; their URLs"
            " are fetched again next run: %s",
            len(held_back),
            ", ".join(str(e.payload.get("url")) for e in held_back[:5]),
        )
    return write_batch(run_folder, append)


def append_batch(
    outcomes: Sequence[Event], documents: Any, statements: Any, day: date
) -> tuple[AppendBatch, list[Event]]:
    """Decide what append writes, from the run's outcome events and the two gates' results
    (pipeline.quality.gates.GateResult); return it, and the duplicates held back.

    In the batch, in this order: the outcome events of the earlier stages, with only the
    document_ingested events the document gate accepted; a document_skipped (quarantined)
    event for each document the gate refused, so its URL is not fetched again only to be
    refused again; then the statement events the statement gate accepted, except those
    about a refused document (quarantined with it). A duplicate of a refused document is
    held back: it would name a document the log does not hold."""
    refused = {document_of(q.event): q for q in documents.quarantined if is_refused_document(q)}
    kept, orphans = [], []
    for event in statements.accepted:
        row = refused.get(document_of(event))
        if row is None:
            kept.append(event)
        else:
            orphans.append(_orphan(event, row))
    accepted = {e.event_id for e in documents.accepted}
    events, held_back = [], []
    for event in outcomes:
        if event.event_type == DOCUMENT_INGESTED:
            if event.event_id in accepted:
                events.append(event)
        elif event.event_type == DUPLICATE_DETECTED and _original(event) in refused:
            held_back.append(event)
        else:
            events.append(event)
    events.extend(_quarantined_event(row, day) for row in refused.values())
    events.extend(kept)
    quarantined = (*documents.quarantined, *statements.quarantined, *orphans)
    return AppendBatch(tuple(events), quarantined), held_back


def is_refused_document(row: QuarantinedRow) -> bool:
    """A document_ingested row the gate refused on its merits (not only for being logged)."""
    from pipeline.quality.gates import ALREADY_LOGGED

    return row.event.event_type == DOCUMENT_INGESTED and row.expectation != ALREADY_LOGGED


def document_of(event: Event) -> str:
    return str(event.payload.get("doc_id"))


def count_statements(batch: AppendBatch) -> int:
    """The statement events (statements and extraction records) in an append batch."""
    from pipeline.stages.outcomes import STATEMENT_EVENTS

    return sum(1 for e in batch.events if e.event_type in STATEMENT_EVENTS)


def _original(duplicate: Event) -> str:
    return str(duplicate.payload.get("canonical_doc_id"))


def _orphan(event: Event, refused: QuarantinedRow) -> QuarantinedRow:
    """The quarantine row of an event about a refused document."""
    from pipeline.quality.suites import STATEMENT_EVENTS

    detail = f"its document was refused: {refused.expectation}"
    return QuarantinedRow(event, STATEMENT_EVENTS, "document_refused", detail)


def _quarantined_event(row: QuarantinedRow, day: date) -> Event:
    """The document_skipped event recording that the gate refused a document."""
    from pipeline.documents.extract import QUARANTINED, Skipped, skipped_event

    payload = row.event.payload
    skipped = Skipped(
        url=str(payload.get("url") or "?"),
        source=str(payload.get("source") or "?"),
        reason=QUARANTINED,
        detail=f"{row.suite}: {row.expectation}",
        title=payload.get("title"),
    )
    return skipped_event(skipped, PRODUCER, day)


def _record_refusals(settings: Settings, run_id: str, quarantined: list[QuarantinedRow]) -> None:
    """Write refused rows and the run's validation results to the store (validate failed)."""
    from pipeline.quality.quarantine import record_run_validations
    from pipeline.store import open_store

    with open_store(settings) as store:
        store.record_quarantine(quarantined, safe_run_id(run_id))
        record_run_validations(store, settings.gx_project_dir, safe_run_id(run_id))
