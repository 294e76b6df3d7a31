"""Typed payloads: one frozen dataclass per event type, its fields and their types.

Every stage builds its events through these classes, so a missing, misspelt or mistyped
field fails where the event is made, naming the event type and the field; code that reads
a payload back reads it through the same class (`from_payload`). The stored JSON is the
one the stages wrote before these classes existed: field for field, and an optional field
that is not set (`OMITTED`) is left out rather than written as null, so every logged
payload keeps its event id.

A date field holds a `date` when an event is built and its ISO text when it is read back
from the log (the log stores JSON). The SQL views read payload fields by name; a test
(tests/unit/test_payload_schemas.py) checks every name they read against these classes.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, ClassVar, Self, TypeVar

from pipeline.events import (
    ALERT_FAILED,
    ALERT_SENT,
    DOCUMENT_INGESTED,
    DOCUMENT_SKIPPED,
    DUPLICATE_DETECTED,
    EVENT_TYPES,
    EXTRACTION_COMPLETED,
    FEED_POLLED,
    FETCH_FAILED,
    PARSE_FAILED,
    STATEMENT_EXTRACTED,
    TASK_FAILED,
    Event,
    new_event,
)


class Omitted:
    """The value of an optional field that is not set: left out of the stored JSON."""

    _instance: ClassVar[Omitted | None] = None

    def __new__(cls) -> Omitted:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "OMITTED"

    def __bool__(self) -> bool:
        return False


OMITTED = Omitted()


class PayloadError(ValueError):
    """A payload that does not match its event type's schema (names the type and field)."""


P = TypeVar("P", bound="Payload")


@dataclass(frozen=True, slots=True, kw_only=True)
class Payload:
    """The base of the typed payloads: check on construction, serialise, read back."""

    event_type: ClassVar[str]
    # Bumped when a type's fields change meaning; written in each event's schema_version.
    schema_version: ClassVar[int] = 1

    def __post_init__(self) -> None:
        for name, expected in schema_of(type(self)).items():
            value = getattr(self, name)
            if not _matches(value, expected):
                raise PayloadError(
                    f"{self.event_type} payload: field {name!r} must be"
                    f" {_type_name(expected)}, got {type(value).__name__} {value!r:.80}"
                )

    def to_payload(self) -> dict[str, Any]:
        """The payload as stored: every field that is set, by name."""
        return {
            f.name: getattr(self, f.name)
            for f in dataclasses.fields(self)
            if getattr(self, f.name) is not OMITTED
        }

    def event(
        self,
        stream: str,
        occurred_at: datetime | date,
        producer: str,
        identity: Any = None,
    ) -> Event:
        """Make the event carrying this payload (see `events.new_event`)."""
        return new_event(
            self.event_type,
            stream,
            occurred_at,
            self.to_payload(),
            producer,
            identity=identity,
            schema_version=self.schema_version,
        )

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Self:
        """Read a logged payload back; a missing or unknown field is a PayloadError."""
        return cls(**payload)

    @classmethod
    def of(cls, event: Any) -> Self:
        """Read an event's (or a logged row's) payload, checking its type first."""
        event = getattr(event, "event", event)  # RecordedEvent -> Event
        if event.event_type != cls.event_type:
            raise PayloadError(f"a {event.event_type} event read as {cls.event_type}")
        return cls.from_payload(event.payload)


# -- the schema, for checks and for the SQL test ---------------------------------------------

_SCHEMAS: dict[type, dict[str, Any]] = {}


def schema_of(cls: type[Payload]) -> dict[str, Any]:
    """{field name: its type} of a payload class."""
    schema = _SCHEMAS.get(cls)
    if schema is None:
        hints = typing.get_type_hints(cls)
        schema = {f.name: hints[f.name] for f in dataclasses.fields(cls)}
        _SCHEMAS[cls] = schema
    return schema


def required_fields(cls: type[Payload]) -> list[str]:
    """The fields every payload of `cls` holds (no default)."""
    return [f.name for f in dataclasses.fields(cls) if f.default is dataclasses.MISSING]


def _matches(value: Any, expected: Any) -> bool:
    if expected is Any:
        return True
    origin = typing.get_origin(expected)
    if origin in (types.UnionType, typing.Union):
        return any(_matches(value, arm) for arm in typing.get_args(expected))
    if expected is type(None):
        return value is None
    if expected is Omitted:
        return value is OMITTED
    if expected is bool:
        return type(value) is bool
    if expected is int:
        return isinstance(value, int) and type(value) is not bool
    if expected is float:  # an int is a number too (and must keep its JSON form)
        return isinstance(value, (int, float)) and type(value) is not bool
    if expected is date:
        return isinstance(value, date) or (isinstance(value, str) and _is_iso_date(value))
    if expected is datetime:
        return isinstance(value, datetime)
    if origin is dict:
        return isinstance(value, dict)
    if origin is list:
        return isinstance(value, list)
    return isinstance(value, expected)


def _is_iso_date(text: str) -> bool:
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def _type_name(expected: Any) -> str:
    if typing.get_origin(expected) in (types.UnionType, typing.Union):
        return " or ".join(_type_name(arm) for arm in typing.get_args(expected))
    if expected is type(None):
        return "None"
    if expected is Omitted:
        return "omitted"
    if expected is date:
        return "date (or its ISO text)"
    return getattr(expected, "__name__", str(expected))


def event_payload(cls: type[P]) -> type[P]:
    """Make `cls` a frozen payload dataclass whose constructor names the event type and
    the field when a field is missing or unknown (a bare dataclass names neither)."""
    cls = dataclass(frozen=True, slots=True, kw_only=True)(cls)
    init = cls.__init__
    required = frozenset(required_fields(cls))
    known = frozenset(f.name for f in dataclasses.fields(cls))

    def __init__(self: Payload, **fields: Any) -> None:
        unknown = sorted(set(fields) - known)
        missing = sorted(required - set(fields))
        if unknown or missing:
            problems = [f"unknown field {name!r}" for name in unknown]
            problems += [f"missing field {name!r}" for name in missing]
            raise PayloadError(f"{cls.event_type} payload: {'; '.join(problems)}")
        init(self, **fields)

    __init__.__doc__ = init.__doc__
    cls.__init__ = __init__  # type: ignore[misc]
    return cls


# -- the event types ---------------------------------------------------------------------


@event_payload
class DocumentIngested(Payload):
    event_type: ClassVar[str] = DOCUMENT_INGESTED

    doc_id: str
    source: str
    url: str
    title: str | None
    publisher: str | None
    author: str | None
    published: date | None
    published_inferred_from: str | None
    language: str | None
    text: str
    raw_text: str | None
    raw_ref: str | None
    content_hash: str
    # Where the page was fetched from after redirects, when it is not `url`.
    fetched_url: str | Omitted = OMITTED


@event_payload
class DocumentSkipped(Payload):
    """A page (or a feed entry) that did not become a document, and why."""

    event_type: ClassVar[str] = DOCUMENT_SKIPPED

    url: str
    source: str
    reason: str
    detail: str
    title: str | None
    # Set for an entry the topic filter dropped in discovery.
    canonical_url: str | Omitted = OMITTED
    feed_url: str | Omitted = OMITTED


@event_payload
class DuplicateDetected(Payload):
    event_type: ClassVar[str] = DUPLICATE_DETECTED

    doc_id: str
    canonical_doc_id: str
    canonical_url: str | None
    url: str
    source: str
    method: str
    similarity: float | None


@event_payload
class StatementExtracted(Payload):
    event_type: ClassVar[str] = STATEMENT_EXTRACTED

    doc_id: str
    doc_url: str
    doc_title: str | None
    publisher: str | None
    published: date | None
    actor_id: str
    actor_name: str
    actor_kind: str
    country: str | None
    role: str | None
    actor_needs_review: bool
    topic: str
    stance: str
    evidence: str
    start: int
    end: int
    stated_on: date | None
    stated_on_inferred: bool
    confidence: float
    extractor: str
    extractor_version: str


@event_payload
class ExtractionCompleted(Payload):
    event_type: ClassVar[str] = EXTRACTION_COMPLETED

    doc_id: str
    extractor: str
    extractor_version: str
    statements: int


@event_payload
class FetchFailed(Payload):
    """A feed or an article that could not be fetched; an article's carries its retry plan.

    Logs from before article retries (issue 18) hold failures without a target, attempt or
    retry plan: `sources.retries.plan_retries`, which reads the whole log, reads those as
    they are."""

    event_type: ClassVar[str] = FETCH_FAILED

    source: str
    url: str
    canonical_url: str
    reason: str
    detail: str
    permanent: bool
    status: int | None
    day: date
    target: str
    # An article's failure: which attempt, when it may be tried again (None: never) and,
    # when it will be, the candidate to try.
    attempt: int | Omitted = OMITTED
    retry_after: date | None | Omitted = OMITTED
    candidate: dict[str, Any] | Omitted = OMITTED


@event_payload
class ParseFailed(Payload):
    event_type: ClassVar[str] = PARSE_FAILED

    source: str
    url: str
    reason: str
    detail: str
    content_sha256: str


@event_payload
class FeedPolled(Payload):
    """One poll of one feed: its validators, what it listed and why entries were dropped."""

    event_type: ClassVar[str] = FEED_POLLED

    source: str
    url: str
    status: int
    etag: str | None
    last_modified: str | None
    entries: int
    new_entries: int
    bozo: bool
    bozo_reason: str | None
    final_url: str | Omitted = OMITTED
    version: str | None | Omitted = OMITTED
    already_seen: int | Omitted = OMITTED
    duplicates: int | Omitted = OMITTED
    off_topic: int | Omitted = OMITTED
    unusable: int | Omitted = OMITTED


@event_payload
class TaskFailed(Payload):
    """A failed task (dag_id, task_id, run_id) or a source that crashed in a stage
    (stage, source, url)."""

    event_type: ClassVar[str] = TASK_FAILED

    error: str
    dag_id: str | Omitted = OMITTED
    task_id: str | Omitted = OMITTED
    run_id: str | Omitted = OMITTED
    stage: str | Omitted = OMITTED
    source: str | Omitted = OMITTED
    url: str | None | Omitted = OMITTED


@event_payload
class AlertSent(Payload):
    """A stance change delivered on an alert channel."""

    event_type: ClassVar[str] = ALERT_SENT

    channel: str
    change_key: str
    actor_id: str
    topic: str
    previous_stance: str
    new_stance: str
    changed_on: date | None
    doc_url: str | None
    statement_event_id: str


@event_payload
class AlertFailed(Payload):
    """A delivery of a stance change that failed (retried on the next run)."""

    event_type: ClassVar[str] = ALERT_FAILED

    channel: str
    change_key: str
    actor_id: str
    topic: str
    previous_stance: str
    new_stance: str
    changed_on: date | None
    doc_url: str | None
    statement_event_id: str
    error: str
    run_id: str


PAYLOAD_TYPES: dict[str, type[Payload]] = {
    cls.event_type: cls
    for cls in (
        DocumentIngested,
        DocumentSkipped,
        DuplicateDetected,
        StatementExtracted,
        ExtractionCompleted,
        FetchFailed,
        ParseFailed,
        FeedPolled,
        TaskFailed,
        AlertSent,
        AlertFailed,
    )
}
assert set(PAYLOAD_TYPES) == EVENT_TYPES, "every event type has its payload class"


def read_payload(event: Any) -> Payload:
    """Read any event's payload as its type's class."""
    event = getattr(event, "event", event)
    try:
        cls = PAYLOAD_TYPES[event.event_type]
    except KeyError:
        raise PayloadError(f"unknown event type {event.event_type!r}") from None
    return cls.from_payload(event.payload)
