"""Events: frozen facts about what happened. Stages return them; only the store writes.

An event's id is derived from its identity (type, stream, content) and the producer's
name and version, so the same input appended twice is recognised and adds nothing,
while a new extractor version produces new events beside the old ones.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

SCHEMA_VERSION = 1

# The closed set of event types; a stage that needs a new one adds it here.
DOCUMENT_INGESTED = "document_ingested"
DOCUMENT_SKIPPED = "document_skipped"
DUPLICATE_DETECTED = "duplicate_detected"
STATEMENT_EXTRACTED = "statement_extracted"
EXTRACTION_COMPLETED = "extraction_completed"
FETCH_FAILED = "fetch_failed"
PARSE_FAILED = "parse_failed"
FEED_POLLED = "feed_polled"
TASK_FAILED = "task_failed"
# A stance change was delivered on an alert channel (once per change and channel: the
# event's id is derived from both), or its delivery failed (retried on the next run).
ALERT_SENT = "alert_sent"
ALERT_FAILED = "alert_failed"
EVENT_TYPES = frozenset(
    {
        DOCUMENT_INGESTED,
        DOCUMENT_SKIPPED,
        DUPLICATE_DETECTED,
        STATEMENT_EXTRACTED,
        EXTRACTION_COMPLETED,
        FETCH_FAILED,
        PARSE_FAILED,
        FEED_POLLED,
        TASK_FAILED,
        ALERT_SENT,
        ALERT_FAILED,
    }
)


def canonical_json(value: Any) -> str:
    """Serialise to the one JSON text used for ids, hashes and storage."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_json_default
    )


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return as_utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise TypeError(f"cannot store {type(value).__name__} in an event payload")


def as_utc(moment: datetime | date) -> datetime:
    """Return an aware UTC datetime; a date means midnight UTC of that day."""
    if not isinstance(moment, datetime):
        return datetime(moment.year, moment.month, moment.day, tzinfo=UTC)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Event:
    """Something that happened, ready to append; `event_id` is deterministic."""

    event_id: str
    event_type: str
    stream: str
    occurred_at: datetime
    payload: Mapping[str, Any]
    producer: str
    schema_version: int = SCHEMA_VERSION


@dataclass(frozen=True, slots=True)
class RecordedEvent:
    """An event as the log holds it: with its position, time, run and chained hash."""

    seq: int
    event: Event
    recorded_at: datetime
    run_id: str
    prev_hash: str
    hash: str
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def event_id(self) -> str:
        return self.event.event_id

    @property
    def event_type(self) -> str:
        return self.event.event_type

    @property
    def payload(self) -> Mapping[str, Any]:
        return self.event.payload


def new_event(
    event_type: str,
    stream: str,
    occurred_at: datetime | date,
    payload: Mapping[str, Any],
    producer: str,
    identity: Any = None,
    schema_version: int = SCHEMA_VERSION,
) -> Event:
    """Make an event whose id comes from its identity (default: its payload) and producer.

    The stages build their payloads through the typed classes of `pipeline.payloads`
    (`DocumentIngested(...).event(...)`), which call this; a plain mapping is for tests of
    the store, which takes any payload."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {event_type!r}")
    if "/" not in producer:
        raise ValueError(f"producer must be 'component/version', got {producer!r}")
    key = canonical_json(
        {
            "type": event_type,
            "stream": stream,
            "identity": payload if identity is None else identity,
            "producer": producer,
        }
    )
    # Round-trip the payload through JSON so what we hash is what we store.
    stored = json.loads(canonical_json(dict(payload)))
    return Event(
        event_id=sha256_hex(key)[:32],
        event_type=event_type,
        stream=stream,
        occurred_at=as_utc(occurred_at),
        payload=stored,
        producer=producer,
        schema_version=schema_version,
    )


def chain_hash(
    prev_hash: str,
    seq: int,
    event: Event,
    recorded_at: datetime,
    run_id: str,
    payload_json: str | None = None,
) -> str:
    """Hash one log row together with the previous row's hash (tamper evidence): the sha256
    of the canonical JSON of the row (see `row_hash`). `payload_json` is the payload's
    canonical JSON when the caller has it already."""
    return row_hash(
        prev_hash,
        seq,
        event.event_id,
        event.event_type,
        event.stream,
        event.occurred_at,
        recorded_at,
        canonical_json(event.payload) if payload_json is None else payload_json,
        event.producer,
        event.schema_version,
        run_id,
    )


def row_hash(
    prev_hash: str,
    seq: int,
    event_id: str,
    event_type: str,
    stream: str,
    occurred_at: datetime | date,
    recorded_at: datetime,
    payload_json: str,
    producer: str,
    schema_version: int,
    run_id: str,
) -> str:
    """`chain_hash` from a row's columns, with the payload already as canonical JSON.

    The hashed text is canonical_json of {"event_id", "event_type", "occurred_at",
    "payload", "prev", "producer", "recorded_at", "run_id", "schema_version", "seq",
    "stream"}. It is assembled here in that (sorted) order around the payload text the log
    stores anyway, because encoding each payload a second time was most of an append's
    Python time.
    """
    body = "".join(
        [
            '{"event_id":', _json_scalar(event_id),
            ',"event_type":', _json_scalar(event_type),
            ',"occurred_at":', _json_string(as_utc(occurred_at).isoformat()),
            ',"payload":', payload_json,
            ',"prev":', _json_scalar(prev_hash),
            ',"producer":', _json_scalar(producer),
            ',"recorded_at":', _json_string(as_utc(recorded_at).isoformat()),
            ',"run_id":', _json_scalar(run_id),
            ',"schema_version":', _json_scalar(schema_version),
            ',"seq":', _json_scalar(seq),
            ',"stream":', _json_scalar(stream),
            "}",
        ]
    )  # fmt: skip
    return sha256_hex(body)


# What canonical_json writes for a str (ensure_ascii=False).
_json_string = json.encoder.encode_basestring  # type: ignore[attr-defined]


def _json_scalar(value: Any) -> str:
    if type(value) is str:
        return _json_string(value)
    if type(value) is int:
        return int.__repr__(value)
    return canonical_json(value)


GENESIS_HASH = "0" * 64


def event_to_dict(event: Event) -> dict[str, Any]:
    """Return a JSON-ready dict of an event (batches pass between tasks as JSONL)."""
    return {
        "event_id": event.event_id,
        "event_type": event.event_type,
        "stream": event.stream,
        "occurred_at": as_utc(event.occurred_at).isoformat(),
        "payload": dict(event.payload),
        "producer": event.producer,
        "schema_version": event.schema_version,
    }


def event_from_dict(data: Mapping[str, Any]) -> Event:
    """Rebuild an event from `event_to_dict` output, keeping its id."""
    return Event(
        event_id=str(data["event_id"]),
        event_type=str(data["event_type"]),
        stream=str(data["stream"]),
        occurred_at=as_utc(datetime.fromisoformat(str(data["occurred_at"]))),
        payload=dict(data["payload"]),
        producer=str(data["producer"]),
        schema_version=int(data.get("schema_version", SCHEMA_VERSION)),
    )
