"""The batches between the stages, and validate's decision of what append writes: without
files (but the round trips) and without a database."""

from __future__ import annotations

from datetime import date

import pytest

from pipeline.documents.dedup import Match, duplicate_event
from pipeline.documents.extract import QUARANTINED, Skipped, document_event
from pipeline.documents.model import Document, document_id
from pipeline.errors import InputError
from pipeline.events import DOCUMENT_INGESTED, DOCUMENT_SKIPPED, DUPLICATE_DETECTED
from pipeline.quality.gates import ALREADY_LOGGED, GateResult
from pipeline.quality.quarantine import QuarantinedRow
from pipeline.quality.suites import DOCUMENTS, STATEMENT_EVENTS
from pipeline.run_folder import write_rows
from pipeline.sources.http import FetchError, fetch_failed_event
from pipeline.stages.batches import (
    AppendBatch,
    Candidates,
    ExtractedDocuments,
    NewDocuments,
    Pages,
    StatementBatch,
    read_batch,
    write_batch,
)
from pipeline.stages.outcomes import count_outcomes
from pipeline.stages.validate import append_batch
from pipeline.statements.events import statement_events
from pipeline.statements.model import Actor, Statement

DAY = date(2025, 9, 1)


def a_document(text: str, url: str) -> Document:
    return Document(document_id(text), "courier", url, "Guarantees", text, text, DAY)


GOOD = a_document("Kyiv said on Monday that guarantees must be binding.", "https://a.org/good")
BAD = a_document("Oslo said that guarantees must be credible and binding.", "https://a.org/bad")
COPY_OF_GOOD = a_document("Kyiv said on Monday that guarantees must be binding!", "https://b.org/1")
COPY_OF_BAD = a_document(
    "Oslo said that guarantees must be credible and binding!", "https://b.org/2"
)


def statements_about(document: Document):
    actor = Actor("state:ukraine", "Ukraine", "state", country="UA")
    said = Statement(actor, "guarantees", "support", document.text[:4], 0, 4, None, 0.8)
    return statement_events([said], document, "rules/2.0", DAY)  # statement + completion


def copy(document: Document, original: Document):
    match = Match(original.doc_id, original.url, "near", 0.9)
    return duplicate_event(document, match, "pipeline/test", today=DAY)


FAILED = fetch_failed_event(
    FetchError("https://a.org/404", "http-4xx", "404", status=404), "x", DAY
)
GOOD_DOC, BAD_DOC = (document_event(d, "pipeline/test", today=DAY) for d in (GOOD, BAD))
OUTCOMES = (FAILED, GOOD_DOC, BAD_DOC, copy(COPY_OF_GOOD, GOOD), copy(COPY_OF_BAD, BAD))


def gates(refused_as: str = "expect_column_values_to_not_be_null:title"):
    """The two gates' results: BAD refused by the document suite, every statement accepted."""
    refused = QuarantinedRow(BAD_DOC, DOCUMENTS, refused_as, "title is empty")
    documents = GateResult(accepted=[GOOD_DOC], quarantined=[refused], failing_share=0.5)
    statements = GateResult(
        accepted=[*statements_about(GOOD), *statements_about(BAD)],
        quarantined=[],
        failing_share=0.0,
    )
    return documents, statements


def test_the_append_batch_is_the_outcomes_and_what_the_gates_accepted():
    batch, held_back = append_batch(OUTCOMES, *gates(), DAY)
    ids = [e.event_id for e in batch.events]
    # earlier outcomes in order, the accepted document only, the duplicate of it only
    assert ids[:3] == [FAILED.event_id, GOOD_DOC.event_id, OUTCOMES[3].event_id]
    assert BAD_DOC.event_id not in ids
    # the refused document is logged as skipped (quarantined), so it is not fetched again
    [skip] = [e for e in batch.events if e.event_type == DOCUMENT_SKIPPED]
    assert skip.payload["reason"] == QUARANTINED and skip.payload["url"] == BAD.url
    # statements about the refused document are quarantined with it, not appended
    assert ids[4:] == [e.event_id for e in statements_about(GOOD)]
    assert {q.event.event_id for q in batch.quarantined} == {
        BAD_DOC.event_id,
        *(e.event_id for e in statements_about(BAD)),
    }
    orphans = [q for q in batch.quarantined if q.suite == STATEMENT_EVENTS]
    assert {q.expectation for q in orphans} == {"document_refused"}
    # a duplicate of the refused document would name a document the log does not hold
    assert [e.event_id for e in held_back] == [OUTCOMES[4].event_id]
    assert count_outcomes(batch) == {
        "fetch_failed": 1,
        DOCUMENT_INGESTED: 1,
        DUPLICATE_DETECTED: 1,
        DOCUMENT_SKIPPED: 1,
        "quarantined": 3,
    }


def test_a_document_refused_only_for_being_logged_keeps_its_duplicates_and_statements():
    documents, statements = gates(refused_as=ALREADY_LOGGED)
    batch, held_back = append_batch(OUTCOMES, documents, statements, DAY)
    ids = {e.event_id for e in batch.events}
    assert held_back == []
    assert OUTCOMES[4].event_id in ids and BAD_DOC.event_id not in ids
    assert {e.event_id for e in statements_about(BAD)} <= ids
    assert not [e for e in batch.events if e.event_type == DOCUMENT_SKIPPED]


def test_nothing_gated_gives_the_outcomes_without_the_documents():
    empty = GateResult(accepted=[], quarantined=[], failing_share=0.0)
    batch, _ = append_batch(OUTCOMES, empty, empty, DAY)
    assert DOCUMENT_INGESTED not in {e.event_type for e in batch.events}
    assert len(batch.events) == 3 and batch.quarantined == ()


def test_every_batch_reads_back_as_written(tmp_path):
    skipped = Skipped("https://a.org/x", "courier", "too-short", "12 words")
    appended, _ = append_batch(OUTCOMES, *gates(), DAY)
    for batch in (
        Candidates(({"via": "web", "url": "https://a.org/", "source": "courier"},), (FAILED,)),
        Pages(({"via": "file", "path": "/srv/a.txt", "source": "local"},)),
        ExtractedDocuments((GOOD, skipped, BAD), (FAILED,)),
        NewDocuments((GOOD, BAD), OUTCOMES),
        StatementBatch(tuple(statements_about(GOOD)), {GOOD.doc_id: GOOD.text}, OUTCOMES),
        appended,
    ):
        ref = write_batch(tmp_path, batch)
        assert ref == str(tmp_path / batch.FILE)
        assert read_batch(type(batch), ref) == batch


def test_a_row_of_no_batch_is_named_by_file_and_line(tmp_path):
    path = tmp_path / AppendBatch.FILE
    write_rows(path, [{"kind": "event", "row": {"event_id": "e"}}])
    with pytest.raises(InputError, match=r"validated\.jsonl:1: cannot read this event row"):
        read_batch(AppendBatch, path)
    write_rows(path, [{"event_id": "e"}])  # an events file of the old layout
    with pytest.raises(InputError, match=r"validated\.jsonl:1: not a batch row"):
        read_batch(AppendBatch, path)


def test_another_stages_file_is_refused_not_read_as_an_empty_batch(tmp_path):
    ref = write_batch(tmp_path, NewDocuments((GOOD,), OUTCOMES))
    with pytest.raises(InputError, match=r"unique\.jsonl:1: 'outcome' is not a row of this batch"):
        read_batch(AppendBatch, ref)
    assert read_batch(NewDocuments, ref).documents == (GOOD,)
