"""Property tests of the event log: any sequence of appends (repeated events, repeated
batches, duplicates inside a batch, reopening the file) leaves a log that replays exactly
the distinct events applied, in first-applied order, with contiguous positions and an
intact hash chain, and every append reports counts that add up."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from pipeline.events import EVENT_TYPES, Event, new_event
from pipeline.store.duckdb_store import DuckDBRecorder

pytestmark = pytest.mark.timeout(60)

_TEXT = st.text(st.characters(codec="utf-8"), max_size=30)
_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53), max_value=2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | _TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TEXT, inner, max_size=3),
    max_leaves=8,
)
_MOMENTS = st.datetimes(
    min_value=datetime(1990, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC)
) | st.dates(min_value=datetime(1990, 1, 1).date(), max_value=datetime(2090, 1, 1).date())


@st.composite
def events(draw: st.DrawFn) -> Event:
    """One event as stages make them: any type, stream, time, JSON payload and producer."""
    return new_event(
        draw(st.sampled_from(sorted(EVENT_TYPES))),
        draw(st.sampled_from(["document:a", "actor:x", "feed:f"]) | _TEXT),
        draw(_MOMENTS),
        draw(st.dictionaries(_TEXT, _JSON, max_size=4)),
        draw(st.sampled_from(["pipeline/0.1.0", "rules/2", "rules/3"])),
    )


# A pool of events, then batches that pick from it: picks repeat events across and inside
# batches, and a batch may be appended again whole.
_POOLS = st.lists(events(), min_size=1, max_size=8, unique_by=lambda e: e.event_id)


@st.composite
def histories(draw: st.DrawFn) -> list[list[Event]]:
    pool = draw(_POOLS)
    picks = st.lists(st.sampled_from(pool), max_size=6)
    batches = draw(st.lists(picks, min_size=1, max_size=6))
    # repeat some whole batches later on
    repeats = draw(st.lists(st.sampled_from(range(len(batches))), max_size=2))
    return batches + [batches[i] for i in repeats]


def _same_event(logged: Event, applied: Event) -> bool:
    return (
        logged.event_id == applied.event_id
        and logged.event_type == applied.event_type
        and logged.stream == applied.stream
        and logged.occurred_at == applied.occurred_at
        and dict(logged.payload) == dict(applied.payload)
        and logged.producer == applied.producer
        and logged.schema_version == applied.schema_version
    )


class LogModel:
    """The reference: distinct events in first-applied order."""

    def __init__(self) -> None:
        self.order: list[Event] = []
        self.ids: set[str] = set()

    def apply(self, store: DuckDBRecorder, batch: list[Event], run_id: str) -> None:
        before = store.max_seq()
        fresh = []
        for event in batch:
            if event.event_id not in self.ids:
                self.ids.add(event.event_id)
                fresh.append(event)
        result = store.append(batch, run_id=run_id)
        self.order.extend(fresh)
        assert result.appended == len(fresh)
        assert result.appended + result.already_present == len(batch)
        if fresh:
            assert (result.first_seq, result.last_seq) == (before + 1, before + len(fresh))
        else:
            assert result.last_seq is None
        assert store.max_seq() == before + len(fresh)

    def check(self, store: DuckDBRecorder) -> None:
        replay = list(store.read())
        assert [r.seq for r in replay] == list(range(1, len(self.order) + 1))
        assert [r.event_id for r in replay] == [e.event_id for e in self.order]
        assert all(_same_event(r.event, e) for r, e in zip(replay, self.order, strict=True))
        report = store.verify_chain()
        assert report.ok, report
        assert report.checked == len(self.order)
        assert store.known_ids(e.event_id for e in self.order) == self.ids


def _replay_history(store: DuckDBRecorder, batches: list[list[Event]]) -> None:
    model = LogModel()
    for number, batch in enumerate(batches):
        model.apply(store, batch, run_id=f"run-{number % 3}")
    model.check(store)
    # a read with a position and a type filter is the matching slice of the replay
    if model.order:
        middle = len(model.order) // 2
        kind = model.order[-1].event_type
        filtered = [r.event_id for r in store.read(after=middle, event_types=[kind])]
        assert filtered == [e.event_id for e in model.order[middle:] if e.event_type == kind]


@settings(max_examples=50)
@given(histories())
def test_in_memory_log_replays_distinct_events_in_first_applied_order(batches):
    store = DuckDBRecorder(":memory:")
    try:
        _replay_history(store, batches)
    finally:
        store.close()


@settings(max_examples=20)
@given(histories())
def test_file_log_replays_distinct_events_in_first_applied_order(batches):
    with tempfile.TemporaryDirectory(prefix="log-prop-") as folder:
        store = DuckDBRecorder(Path(folder) / "wh" / "monitor.duckdb")
        try:
            _replay_history(store, batches)
        finally:
            store.close()


class FileLogMachine(RuleBasedStateMachine):
    """Appends to a log file, closing and reopening it between appends at random; the sorted
    id file beside it is rewritten at each close and at random, so lookups meet ids in the
    file, in the tail beyond it, or both."""

    def __init__(self) -> None:
        super().__init__()
        self.folder = tempfile.TemporaryDirectory(prefix="log-state-")
        self.path = Path(self.folder.name) / "monitor.duckdb"
        self.store = DuckDBRecorder(self.path, id_index_refresh_tail=1)
        self.model = LogModel()
        self.runs = 0

    @rule(batch=st.lists(events(), max_size=4))
    def append_new(self, batch):
        self.runs += 1
        self.model.apply(self.store, batch, run_id=f"run-{self.runs}")

    @precondition(lambda self: self.model.order)
    @rule(data=st.data())
    def append_logged_again(self, data):
        """Re-append logged events (a re-run), possibly mixed with one new event."""
        again = data.draw(st.lists(st.sampled_from(self.model.order), min_size=1, max_size=5))
        extra = data.draw(st.lists(events(), max_size=1))
        shuffled = data.draw(st.permutations(again + extra))
        self.runs += 1
        self.model.apply(self.store, list(shuffled), run_id=f"run-{self.runs}")

    @rule()
    def append_nothing(self):
        result = self.store.append([], run_id="empty")
        assert (result.appended, result.already_present) == (0, 0)

    @rule()
    def reopen(self):
        self.store.close()
        self.store = DuckDBRecorder(self.path, id_index_refresh_tail=1)

    @rule()
    def rewrite_id_file(self):
        self.store.refresh_id_index()
        index = self.store._current_id_index()
        if self.model.order:
            assert index is not None and index.covered_seq == len(self.model.order)

    @invariant()
    def log_matches_model(self):
        self.model.check(self.store)

    def teardown(self):
        self.store.close()
        self.folder.cleanup()


FileLogMachine.TestCase.settings = settings(max_examples=15, stateful_step_count=10, deadline=None)
test_file_log_state_machine = FileLogMachine.TestCase


def test_fixed_example_of_repeats_inside_and_across_batches(tmp_path):
    """A fixed example beside the properties: a re-append adds nothing and moves nothing."""
    first = new_event("feed_polled", "feed:f", datetime(2025, 1, 1, tzinfo=UTC), {"n": 1}, "p/1")
    second = new_event(
        "feed_polled", "feed:f", datetime(2025, 1, 1, tzinfo=UTC) + timedelta(days=1), {}, "p/1"
    )
    store = DuckDBRecorder(tmp_path / "log.duckdb")
    try:
        model = LogModel()
        for batch in ([first], [second, first, second], [first]):
            model.apply(store, batch, run_id="r")
        model.check(store)
        assert [r.event_id for r in store.read()] == [first.event_id, second.event_id]
    finally:
        store.close()
