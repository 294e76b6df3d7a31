"""Turn events into the DataFrames the suites validate, one row per event, in batch order.

Rules GX cannot express on one row by itself (the evidence is a slice of another record's
text; the id is not in the log; the actor is in the registry) are computed here as boolean
columns, so GX still checks each of them and the report names them. Each frame carries
`attrs["reasons"]`: for a computed column, why a row is False (for the quarantine detail).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from pipeline.events import Event, sha256_hex
from pipeline.settings import DATA_DIR

ACTORS_FILE = DATA_DIR / "actors.yaml"
_ACTOR_SECTIONS = ("people", "states", "organisations")

STATEMENT_COLUMNS = (
    "event_id",
    "doc_id",
    "doc_url",
    "actor_id",
    "actor_name",
    "actor_kind",
    "topic",
    "stance",
    "evidence",
    "start",
    "end",
    "stated_on",
    "published",
    "confidence",
    "extractor",
    "extractor_version",
)
DOCUMENT_COLUMNS = ("event_id", "doc_id", "url", "language", "text", "content_hash", "published")


def load_actor_ids(path: Path = ACTORS_FILE) -> frozenset[str]:
    """Read the canonical actor ids from the registry (empty if it is missing or unreadable)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return frozenset()
    if not isinstance(data, Mapping):
        return frozenset()
    ids: set[str] = set()
    sections = [data.get(s) for s in _ACTOR_SECTIONS] or []
    sections += [v for k, v in data.items() if k not in _ACTOR_SECTIONS and isinstance(v, list)]
    for section in sections:
        for entry in section if isinstance(section, list) else []:
            if isinstance(entry, Mapping) and isinstance(entry.get("id"), str):
                ids.add(entry["id"])
    return frozenset(ids)


def statement_frame(
    events: Sequence[Event],
    doc_texts: Mapping[str, str],
    known_event_ids: Collection[str],
    actor_ids: Collection[str],
) -> pd.DataFrame:
    """Build the statement_events frame: payload fields plus the computed rule columns."""
    rows = []
    reasons: dict[str, dict[int, str]] = {
        "evidence_verbatim": {},
        "actor_known_or_flagged": {},
    }
    for number, event in enumerate(events):
        payload = event.payload
        row: dict[str, Any] = {c: payload.get(c) for c in STATEMENT_COLUMNS}
        row["event_id"] = event.event_id
        row["stated_on"] = _as_date(payload.get("stated_on"))
        row["published"] = _as_date(payload.get("published"))
        row["confidence"] = _as_number(payload.get("confidence"))
        row["start"] = _as_int(payload.get("start"))
        row["end"] = _as_int(payload.get("end"))
        verbatim, why = _evidence_verbatim(payload, doc_texts)
        row["evidence_verbatim"] = verbatim
        if why:
            reasons["evidence_verbatim"][number] = why
        known = payload.get("actor_id") in actor_ids or payload.get("actor_needs_review") is True
        row["actor_known_or_flagged"] = known
        if not known:
            reasons["actor_known_or_flagged"][number] = (
                f"actor {payload.get('actor_id')!r} is not in the registry"
                " and actor_needs_review is not true"
            )
        rows.append(row)
    frame = _frame(rows, [*STATEMENT_COLUMNS, "evidence_verbatim", "actor_known_or_flagged"])
    return _with_id_columns(frame, events, known_event_ids, reasons)


def document_frame(
    events: Sequence[Event],
    known_event_ids: Collection[str],
    known_content_hashes: Collection[str],
) -> pd.DataFrame:
    """Build the documents frame: payload fields plus the computed rule columns."""
    rows = []
    reasons: dict[str, dict[int, str]] = {
        "content_hash_matches_text": {},
        "content_hash_first_in_batch": {},
        "content_hash_not_in_log": {},
    }
    first_with_hash: dict[str, int] = {}
    for number, event in enumerate(events):
        payload = event.payload
        row: dict[str, Any] = {c: payload.get(c) for c in DOCUMENT_COLUMNS}
        row["event_id"] = event.event_id
        row["published"] = _as_date(payload.get("published"))
        text, digest = payload.get("text"), payload.get("content_hash")
        matches = isinstance(text, str) and digest == sha256_hex(text)
        row["content_hash_matches_text"] = matches
        if not matches:
            reasons["content_hash_matches_text"][number] = "content_hash is not SHA-256 of text"
        first = first_with_hash.setdefault(str(digest), number) if digest else number
        row["content_hash_first_in_batch"] = first == number
        if first != number:
            reasons["content_hash_first_in_batch"][number] = (
                f"same content as {events[first].payload.get('doc_id')!r} earlier in the batch"
            )
        logged = bool(digest) and digest in known_content_hashes
        row["content_hash_not_in_log"] = not logged
        if logged:
            reasons["content_hash_not_in_log"][number] = "a document with this content is logged"
        rows.append(row)
    columns = [
        *DOCUMENT_COLUMNS,
        "content_hash_matches_text",
        "content_hash_first_in_batch",
        "content_hash_not_in_log",
    ]
    return _with_id_columns(_frame(rows, columns), events, known_event_ids, reasons)


def event_frame(events: Sequence[Event], known_event_ids: Collection[str]) -> pd.DataFrame:
    """Build the batch_events frame: the envelope of each event."""
    rows = [
        {
            "event_id": e.event_id,
            "event_type": e.event_type,
            "stream": e.stream,
            "producer": e.producer,
        }
        for e in events
    ]
    frame = _frame(rows, ["event_id", "event_type", "stream", "producer"])
    return _with_id_columns(frame, events, known_event_ids, {})


def _with_id_columns(
    frame: pd.DataFrame,
    events: Sequence[Event],
    known_event_ids: Collection[str],
    reasons: dict[str, dict[int, str]],
) -> pd.DataFrame:
    seen: dict[str, int] = {}
    first, logged = [], []
    reasons["event_id_first_in_batch"] = {}
    reasons["event_id_not_in_log"] = {}
    for number, event in enumerate(events):
        earlier = seen.setdefault(event.event_id, number)
        first.append(earlier == number)
        if earlier != number:
            reasons["event_id_first_in_batch"][number] = f"same id as row {earlier} of the batch"
        in_log = event.event_id in known_event_ids
        logged.append(not in_log)
        if in_log:
            reasons["event_id_not_in_log"][number] = "already in the event log"
    frame["event_id_first_in_batch"] = pd.Series(first, dtype=object)
    frame["event_id_not_in_log"] = pd.Series(logged, dtype=object)
    frame.attrs["reasons"] = reasons
    return frame


def _frame(rows: Iterable[dict[str, Any]], columns: Sequence[str]) -> pd.DataFrame:
    # object columns keep None as None and dates as dates (GX compares them with date bounds)
    return pd.DataFrame.from_records(list(rows), columns=list(columns)).astype(object)


def _evidence_verbatim(
    payload: Mapping[str, Any], doc_texts: Mapping[str, str]
) -> tuple[bool, str]:
    doc_id, evidence = payload.get("doc_id"), payload.get("evidence")
    start, end = _as_int(payload.get("start")), _as_int(payload.get("end"))
    text = doc_texts.get(doc_id) if isinstance(doc_id, str) else None
    if text is None:
        return False, f"no text for document {doc_id!r}"
    if not isinstance(evidence, str) or not evidence:
        return False, "no evidence text"
    if start is None or end is None or not 0 <= start < end <= len(text):
        return False, f"offsets {payload.get('start')!r}:{payload.get('end')!r} outside the text"
    if text[start:end] != evidence:
        return False, f"text[{start}:{end}] is {text[start:end][:80]!r}, not the evidence"
    return True, ""


def _as_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _as_number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if value == value else None  # NaN is no number here


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None
