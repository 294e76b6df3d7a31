"""The chain hash is the sha256 of the canonical JSON of the row. `row_hash` assembles that
text around the stored payload instead of encoding the payload twice: for any event it must
give exactly the hash of the plain definition, or logs written before would stop verifying."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.events import Event, as_utc, canonical_json, chain_hash, row_hash

_TEXT = st.text(st.characters(codec="utf-8"), max_size=20)
_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | _TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TEXT, inner, max_size=3),
    max_leaves=10,
)
_ZONES = st.sampled_from([UTC, timezone(timedelta(hours=3)), timezone(timedelta(hours=-7))])
_MOMENTS = (
    st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1), timezones=_ZONES)
    | st.dates()
)


def reference_hash(prev: str, seq: int, event: Event, recorded_at: datetime, run_id: str) -> str:
    """The definition, written plainly."""
    body = canonical_json(
        {
            "prev": prev,
            "seq": seq,
            "event_id": event.event_id,
            "event_type": event.event_type,
            "stream": event.stream,
            "occurred_at": as_utc(event.occurred_at),
            "recorded_at": as_utc(recorded_at),
            "payload": event.payload,
            "producer": event.producer,
            "schema_version": event.schema_version,
            "run_id": run_id,
        }
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


@settings(max_examples=300, deadline=None)
@given(
    prev=_TEXT,
    seq=st.integers(min_value=0, max_value=2**62),
    texts=st.lists(_TEXT, min_size=5, max_size=5),
    occurred=_MOMENTS,
    recorded=st.datetimes(timezones=_ZONES),
    payload=st.dictionaries(_TEXT, _JSON, max_size=5),
    schema_version=st.integers(min_value=-5, max_value=2**40),
)
def test_row_hash_is_the_hash_of_the_canonical_row(
    prev, seq, texts, occurred, recorded, payload, schema_version
):
    event_id, event_type, stream, producer, run_id = texts
    event = Event(
        event_id=event_id,
        event_type=event_type,
        stream=stream,
        occurred_at=occurred,
        payload=payload,
        producer=producer,
        schema_version=schema_version,
    )
    expected = reference_hash(prev, seq, event, recorded, run_id)
    assert chain_hash(prev, seq, event, recorded, run_id) == expected
    assert (
        row_hash(
            prev,
            seq,
            event_id,
            event_type,
            stream,
            occurred,
            recorded,
            canonical_json(payload),
            producer,
            schema_version,
            run_id,
        )
        == expected
    )
