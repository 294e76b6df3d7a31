"""What append writes is exactly what validate accepted: validate (the real gates) writes the
append batch, append reads only it. A refused document, the statements about it and any
event in another file of the run folder stay out of the log; a second append adds nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from pipeline.documents.extract import document_event
from pipeline.documents.model import Document, document_id
from pipeline.events import DOCUMENT_INGESTED, DOCUMENT_SKIPPED, event_to_dict
from pipeline.run_folder import run_dir, write_rows
from pipeline.settings import Settings
from pipeline.sources.http import FetchError, fetch_failed_event
from pipeline.stages import append_stage, validate_stage
from pipeline.stages.batches import AppendBatch, StatementBatch, read_batch, write_batch
from pipeline.statements.events import statement_events
from pipeline.statements.model import Actor, Statement
from pipeline.store import open_store

DAY = date(2025, 9, 1)
RUN = "manual__2025-09-01T10:00:00+00:00"


def a_document(text: str, url: str) -> Document:
    return Document(document_id(text), "courier", url, "Guarantees", text, text, DAY, "Courier")


GOOD = a_document(
    "President Zelensky said on Monday that Ukraine needs binding security guarantees.",
    "https://a.org/good",
)
BAD = a_document(
    "Prime Minister Solhaug said on Monday that guarantees must be credible and binding.",
    "https://a.org/bad",
)


def statements_about(document: Document):
    actor = Actor("person:volodymyr-zelensky", "Volodymyr Zelensky", "person", "UA")
    evidence = document.text[: document.text.index(" on Monday")]
    said = Statement(actor, "guarantees_general", "support", evidence, 0, len(evidence), None, 0.9)
    return statement_events([said], document, "rules/2.0", DAY)


@pytest.fixture
def validated(tmp_path):
    settings = replace(Settings(), db_path=tmp_path / "wh" / "monitor.duckdb")
    failed = FetchError("https://a.org/404", "http-4xx", "404", status=404)
    stray = fetch_failed_event(FetchError("https://a.org/stray", "timeout", "t"), "x", DAY)
    good = document_event(GOOD, "pipeline/test", today=DAY)
    bad = document_event(BAD, "pipeline/test", today=DAY)
    bad = replace(bad, payload={**bad.payload, "content_hash": "0" * 64})  # fails the suite
    outcomes = (fetch_failed_event(failed, "courier", DAY), good, bad)
    batch = StatementBatch(
        (*statements_about(GOOD), *statements_about(BAD)),
        {GOOD.doc_id: GOOD.text, BAD.doc_id: BAD.text},
        outcomes,
    )
    folder = run_dir(settings.warehouse_dir, RUN)
    ref = validate_stage(settings, RUN, write_batch(folder, batch))
    # Files beside the batch (as the stages of an older layout wrote): never read by append.
    write_rows(folder / "fetch.events.jsonl", [event_to_dict(stray)])
    write_rows(folder / "dedupe.events.jsonl", [event_to_dict(bad)])
    return settings, ref, outcomes, stray


def logged(settings) -> list:
    with open_store(settings, read_only=True) as store:
        return [r.event for r in store.read()]


def test_append_writes_exactly_the_validated_batch(validated):
    settings, ref, (failed, good, bad), stray = validated
    batch = read_batch(AppendBatch, ref)
    counts = append_stage(settings, RUN, ref)
    events = logged(settings)
    assert [e.event_id for e in events] == [e.event_id for e in batch.events]
    assert counts["appended"] == len(batch.events)
    ids = {e.event_id for e in events}
    assert {failed.event_id, good.event_id} <= ids
    assert bad.event_id not in ids and stray.event_id not in ids
    assert {e.event_id for e in statements_about(GOOD)} <= ids
    assert not {e.event_id for e in statements_about(BAD)} & ids
    [skipped] = [e for e in events if e.event_type == DOCUMENT_SKIPPED]
    assert skipped.payload["url"] == BAD.url
    assert [e.payload["doc_id"] for e in events if e.event_type == DOCUMENT_INGESTED] == [
        GOOD.doc_id
    ]


def test_the_refused_rows_are_recorded_once_and_a_second_append_adds_nothing(validated):
    settings, ref, (_, _, bad), _ = validated
    append_stage(settings, RUN, ref)
    before = logged(settings)
    again = append_stage(settings, RUN, ref)
    assert again["appended"] == 0 and again["already_present"] == len(before)
    assert logged(settings) == before
    with open_store(settings, read_only=True) as store:
        refused = store.con.execute("select event_id, run_id from quarantine").fetchall()
    assert (bad.event_id, "manual__2025-09-01T10_00_00+00_00") in refused
    assert len(refused) == len(set(refused)) == 3  # the document and its two statement events
