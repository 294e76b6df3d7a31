"""Typed payloads: the builders write the JSON the log already holds (same ids), a wrong
field fails where the event is made, and every payload field the SQL and the quality frames
read exists in the schema of the event types they read."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from pipeline.alerts.changes import StanceChange, failed_event, sent_event
from pipeline.documents.dedup import Match, duplicate_event
from pipeline.documents.extract import Skipped, document_event, skipped_event
from pipeline.documents.model import Document, document_id
from pipeline.events import (
    DOCUMENT_INGESTED,
    DUPLICATE_DETECTED,
    EVENT_TYPES,
    EXTRACTION_COMPLETED,
    FETCH_FAILED,
    STATEMENT_EXTRACTED,
    canonical_json,
    new_event,
    sha256_hex,
)
from pipeline.payloads import (
    PAYLOAD_TYPES,
    DocumentIngested,
    FetchFailed,
    PayloadError,
    StatementExtracted,
    read_payload,
    schema_of,
)
from pipeline.quality.frames import DOCUMENT_COLUMNS, STATEMENT_COLUMNS
from pipeline.settings import SQL_DIR
from pipeline.sources.feeds import feed_polled_event
from pipeline.sources.http import FetchError, fetch_failed_event
from pipeline.statements.events import statement_events
from pipeline.statements.model import Actor, Statement

ROOT = Path(__file__).resolve().parents[2]
DAY = date(2025, 9, 1)
MOMENT = datetime(2025, 9, 1, 12, 30, tzinfo=UTC)
TEXT = "Kyiv said on Monday that guarantees must be binding."


def a_document(**changes) -> Document:
    fields = dict(
        doc_id=document_id(TEXT),
        source="courier",
        url="https://example.org/a",
        title="Guarantees",
        text=TEXT,
        raw_text=TEXT,
        published=DAY,
        author="A. Writer",
        raw_ref="sha256:ab",
    )
    return Document(**{**fields, **changes})


# -- the stored JSON is what the stages wrote before the classes ------------------------------


def test_a_document_event_keeps_the_payload_and_id_of_the_untyped_builder():
    for fetched in (None, "https://example.org/redirected"):
        doc = a_document(fetched_url=fetched)
        untyped = {
            "doc_id": doc.doc_id,
            "source": doc.source,
            "url": doc.url,
            "title": doc.title,
            "publisher": None,
            "author": doc.author,
            "published": DAY,
            "published_inferred_from": None,
            "language": "en",
            "text": TEXT,
            "raw_text": TEXT,
            "raw_ref": doc.raw_ref,
            "content_hash": sha256_hex(TEXT),
        }
        if fetched:  # set only when the page came from elsewhere: never a null field
            untyped["fetched_url"] = fetched
        expected = new_event(DOCUMENT_INGESTED, f"document:{doc.doc_id}", DAY, untyped, "p/1")
        typed = document_event(doc, "p/1")
        assert typed.event_id == expected.event_id
        assert canonical_json(typed.payload) == canonical_json(expected.payload)


def made_statement():
    actor = Actor("state:ukraine", "Ukraine", "state", country="UA")
    statement = Statement(actor, "guarantees", "support", TEXT[:4], 0, 4, None, 0.81234)
    return statement_events([statement], a_document(), "rules/2.0", DAY)[0]


def test_statement_and_completion_events_keep_their_ids():
    doc = a_document()
    actor = Actor("state:ukraine", "Ukraine", "state", country="UA")
    statement = Statement(actor, "guarantees", "support", TEXT[:4], 0, 4, None, 0.81234)
    made = statement_events([statement], doc, "rules/2.0", DAY)
    untyped = {
        "doc_id": doc.doc_id, "doc_url": doc.url, "doc_title": doc.title, "publisher": None,
        "published": DAY, "actor_id": "state:ukraine", "actor_name": "Ukraine",
        "actor_kind": "state", "country": "UA", "role": None, "actor_needs_review": False,
        "topic": "guarantees", "stance": "support", "evidence": TEXT[:4], "start": 0, "end": 4,
        "stated_on": DAY, "stated_on_inferred": True, "confidence": 0.8123,
        "extractor": "rules", "extractor_version": "2.0",
    }  # fmt: skip
    identity = {k: untyped[k] for k in ("doc_id", "actor_id", "topic", "stance", "start", "end")}
    expected = new_event(
        STATEMENT_EXTRACTED, "actor:state:ukraine", DAY, untyped, "rules/2.0", identity=identity
    )
    completed = new_event(
        EXTRACTION_COMPLETED,
        f"document:{doc.doc_id}",
        DAY,
        {"doc_id": doc.doc_id, "extractor": "rules", "extractor_version": "2.0", "statements": 1},
        "rules/2.0",
        identity={"doc_id": doc.doc_id},
    )
    assert [e.event_id for e in made] == [expected.event_id, completed.event_id]
    assert made[0].payload == expected.payload


def test_fetch_failures_keep_their_shape_for_feeds_and_articles():
    error = FetchError("https://example.org/gone", "http-5xx", "unavailable", status=503)
    feed = fetch_failed_event(error, "courier", DAY, target="feed")
    assert "attempt" not in feed.payload and "retry_after" not in feed.payload
    article = fetch_failed_event(error, "courier", DAY, candidate={"url": "u", "via": "x"})
    assert article.payload["attempt"] == 1 and article.payload["retry_after"] == "2025-09-02"
    assert article.payload["candidate"] == {"url": "u"}
    untyped = dict(article.payload)
    identity = {"url": "https://example.org/gone", "reason": "http-5xx", "attempt": 1}
    rebuilt = new_event(FETCH_FAILED, article.stream, DAY, untyped, article.producer, identity)
    assert rebuilt.event_id == article.event_id


def test_duplicates_skips_alerts_and_polls_build_through_their_classes():
    doc = a_document()
    events = [
        duplicate_event(doc, Match("doc_x", "https://example.org/x", "near", 0.9), "p/1"),
        skipped_event(Skipped("https://example.org/s", "courier", "too-short"), "p/1", DAY),
        feed_polled_event("courier", "https://example.org/feed", MOMENT, status=200, etag="e",
                          last_modified=None, entries=3, new_entries=1, final_url="f",
                          version="rss20", already_seen=1, duplicates=0, off_topic=1,
                          unusable=0),
    ]  # fmt: skip
    change = StanceChange(
        "state:ukraine", "Ukraine", "UA", "guarantees", DAY, "oppose", "support", "e", None, "ev"
    )
    events += [sent_event("webhook", change, MOMENT)]
    events += [failed_event("email", change, "refused", "run-1", MOMENT)]
    for event in events:
        payload = read_payload(event)
        assert payload.event_type == event.event_type
        # read back from the log's JSON and built again: the same payload, the same event
        again = payload.event(event.stream, event.occurred_at, event.producer)
        assert canonical_json(again.payload) == canonical_json(event.payload)
    assert events[0].payload["similarity"] == 0.9


def test_a_payload_read_back_from_the_log_builds_the_same_event():
    event = document_event(a_document(), "p/1")
    stored = json.loads(canonical_json(event.payload))  # what the log gives back
    payload = DocumentIngested.from_payload(stored)
    assert payload.published == "2025-09-01"  # a date comes back as its ISO text
    assert payload.event(event.stream, event.occurred_at, "p/1").event_id == event.event_id


# -- a wrong field fails where the event is made ---------------------------------------------


def test_a_missing_or_misspelt_field_names_the_event_type_and_the_field():
    fields = {k: v for k, v in document_event(a_document(), "p/1").payload.items()}
    with pytest.raises(PayloadError, match=r"document_ingested payload: missing field 'text'"):
        DocumentIngested(**{k: v for k, v in fields.items() if k != "text"})
    fields["contnt_hash"] = fields.pop("content_hash")
    with pytest.raises(PayloadError, match=r"unknown field 'contnt_hash'.*missing field 'content"):
        DocumentIngested(**fields)


def test_a_mistyped_field_names_the_type_the_field_and_the_value():
    fields = dict(
        source="s", url="u", canonical_url="u", reason="timeout", detail="", permanent=False,
        status="404", day=DAY, target="article",
    )  # fmt: skip
    with pytest.raises(PayloadError, match=r"fetch_failed payload: field 'status' must be int"):
        FetchFailed(**fields)
    with pytest.raises(PayloadError, match=r"field 'day' must be date"):
        FetchFailed(**{**fields, "status": 404, "day": "Monday"})
    with pytest.raises(PayloadError, match=r"field 'actor_needs_review' must be bool"):
        StatementExtracted.from_payload({**made_statement().payload, "actor_needs_review": 1})


def test_reading_an_event_as_another_type_is_refused():
    event = document_event(a_document(), "p/1")
    with pytest.raises(PayloadError, match="a document_ingested event read as duplicate_detected"):
        PAYLOAD_TYPES[DUPLICATE_DETECTED].of(event)


def test_the_stages_build_events_only_through_the_payload_classes():
    allowed = {ROOT / "pipeline" / "events.py", ROOT / "pipeline" / "payloads.py"}
    callers = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "pipeline").rglob("*.py")
        if path not in allowed and re.search(r"\bnew_event\(", path.read_text())
    ]
    assert callers == []
    assert set(PAYLOAD_TYPES) == EVENT_TYPES


# -- the SQL and the frames read fields the schemas hold ------------------------------------

_EXTRACT = re.compile(r"json_extract(?:_string)?\(\s*payload\s*,\s*'\$\.(\w+)'\s*\)")
_ARROW = re.compile(r"payload\s*->>?\s*'\$?\.?(\w+)'")
_TRANSFORM = re.compile(r"json_transform\(\s*payload\s*,\s*'(\{.*?\})'\s*\)", re.S)
_TYPE_IS = re.compile(r"event_type\s*=\s*'(\w+)'")
_TYPE_IN = re.compile(r"event_type\s+in\s*\(([^)]*)\)")
# The quarantine table holds the events the batch gates refused: documents, statements and
# the events about a refused document.
QUARANTINED_TYPES = {DOCUMENT_INGESTED, STATEMENT_EXTRACTED, EXTRACTION_COMPLETED,
                     DUPLICATE_DETECTED}  # fmt: skip


def payload_fields_read(sql: str) -> set[str]:
    fields = set(_EXTRACT.findall(sql)) | set(_ARROW.findall(sql))
    for spec in _TRANSFORM.findall(sql):
        fields |= set(json.loads(spec))
    return fields


def event_types_read(sql: str) -> set[str]:
    types = set(_TYPE_IS.findall(sql))
    for listed in _TYPE_IN.findall(sql):
        types |= set(re.findall(r"'(\w+)'", listed))
    if re.search(r"\bfrom\s+quarantine\b", sql):
        types |= QUARANTINED_TYPES
    return types


def test_the_parser_finds_what_a_view_reads():
    sql = """select json_extract_string(payload, '$.doc_id'), payload->>'$.url',
             json_transform(payload, '{"a": "VARCHAR", "b": "VARCHAR"}')
             from events where event_type in ('fetch_failed', 'parse_failed')"""
    assert payload_fields_read(sql) == {"doc_id", "url", "a", "b"}
    assert event_types_read(sql) == {"fetch_failed", "parse_failed"}


def test_every_payload_field_the_sql_reads_is_in_the_schema_of_a_type_it_reads():
    files = sorted((SQL_DIR / "views").glob("*.sql")) + sorted((SQL_DIR / "store").glob("*.sql"))
    problems, checked = [], 0
    for path in files:
        sql = path.read_text(encoding="utf-8")
        fields = payload_fields_read(sql)
        if not fields:
            continue
        types = event_types_read(sql)
        if not types or not types <= EVENT_TYPES:
            problems.append(f"{path.name}: reads payloads of unknown event types {types}")
            continue
        known = set().union(*(schema_of(PAYLOAD_TYPES[t]) for t in types))
        problems += [f"{path.name}: {f!r} is in no {sorted(types)} payload" for f in fields - known]
        checked += 1
    assert problems == []
    assert checked >= 7  # 010, 020, 080, 085, 086 and three store queries read payloads


def test_the_quality_frames_read_fields_of_their_event_types():
    assert set(STATEMENT_COLUMNS) - {"event_id"} <= set(schema_of(StatementExtracted))
    assert set(DOCUMENT_COLUMNS) - {"event_id"} <= set(schema_of(DocumentIngested))
