"""Property tests of the stance views: random statement histories (actors, topics, stances,
dates, re-extractions by newer and older extractor versions, re-appended batches) are
appended as the pipeline's own events, the views rebuilt, and `actor_stance_history`,
`actor_current_stance` and `stance_as_of(date)` compared with a reference computed here.

The reference follows the rules the SQL states:
- a statement is current when its producer is the producer of its document's latest
  (highest position) extraction_completed event (sql/views/020_statements.sql);
- per actor and topic, the latest statement date wins, ties broken by log position
  (040_actor_current_stance.sql, 070_stance_as_of.sql);
- stance_as_of(d) only sees statements made on or before d.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.documents.model import Document
from pipeline.events import EXTRACTION_COMPLETED, STATEMENT_EXTRACTED, Event
from pipeline.statements.events import producer_of, statement_events
from pipeline.statements.model import STANCES, Actor, Statement
from pipeline.store.duckdb_store import DuckDBRecorder
from pipeline.store.views import rebuild_views, views_fingerprint

pytestmark = pytest.mark.timeout(90)

DAY0 = date(2025, 3, 1)
SPAN = 12  # days: small, so equal statement dates (ties) are common
TODAY = DAY0 + timedelta(days=SPAN + 5)
ACTORS = (
    Actor("person:a", "Person A", "person", "FR", "President"),
    Actor("person:b", "Person B", "person", "DE"),
    Actor("state:c", "Country C", "state", "PL"),
    Actor("org:d", "Org D", "organisation", None),
)
TOPICS = ("troops_in_ukraine", "us_backstop", "nato_membership")
VERSIONS = ("1", "2", "3")


def _document(number: int, published: date) -> Document:
    return Document(
        doc_id=f"doc_{number:04d}",
        source="prop",
        url=f"https://example.test/{number}",
        title=f"Document {number}",
        text="",
        raw_text="",
        published=published,
    )


_DAYS = st.integers(min_value=0, max_value=SPAN).map(lambda n: DAY0 + timedelta(days=n))

_STATEMENTS = st.builds(
    lambda actor, topic, stance, day, start: Statement(
        actor, topic, stance, f"evidence {start}", start, start + 10, day, 0.8
    ),
    st.sampled_from(ACTORS),
    st.sampled_from(TOPICS),
    st.sampled_from(STANCES),
    st.none() | _DAYS,  # no date of its own: the document's publication date is used
    st.integers(min_value=0, max_value=40),
)


@dataclass(frozen=True)
class Extraction:
    """One extractor version reading one document."""

    doc: Document
    producer: str
    statements: tuple[Statement, ...]

    def events(self) -> list[Event]:
        return statement_events(list(self.statements), self.doc, self.producer, TODAY)


@st.composite
def histories(draw: st.DrawFn) -> list[list[Event]]:
    """Batches of extraction events in append order, some appended again."""
    docs = [_document(n, draw(_DAYS)) for n in range(draw(st.integers(1, 4)))]
    extractions = draw(
        st.lists(
            st.builds(
                Extraction,
                st.sampled_from(docs),
                st.sampled_from(VERSIONS).map(lambda v: producer_of("rules", v)),
                st.lists(_STATEMENTS, max_size=5).map(tuple),
            ),
            min_size=1,
            max_size=8,
        )
    )
    batches: list[list[Event]] = []
    index = 0
    while index < len(extractions):
        size = draw(st.integers(1, 3))  # one or more extractions per append, as in a run
        batches.append([e for x in extractions[index : index + size] for e in x.events()])
        index += size
    repeats = draw(st.lists(st.sampled_from(range(len(batches))), max_size=2))
    return batches + [batches[i] for i in repeats]


# --- the reference --------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    seq: int
    event_id: str
    doc_id: str
    producer: str
    actor_id: str
    actor_name: str
    country: str | None
    topic: str
    stance: str
    stated_on: date


def logged_order(batches: list[list[Event]]) -> list[Event]:
    """The log's contents: distinct events in first-appended order (seq = index + 1)."""
    seen: set[str] = set()
    order = []
    for batch in batches:
        for event in batch:
            if event.event_id not in seen:
                seen.add(event.event_id)
                order.append(event)
    return order


def current_statements(order: list[Event]) -> list[Row]:
    latest_extraction: dict[str, tuple[int, str]] = {}
    rows = []
    for seq, event in enumerate(order, start=1):
        payload = event.payload
        if event.event_type == EXTRACTION_COMPLETED:
            latest_extraction[payload["doc_id"]] = (seq, event.producer)
        elif event.event_type == STATEMENT_EXTRACTED:
            rows.append(
                Row(
                    seq,
                    event.event_id,
                    payload["doc_id"],
                    event.producer,
                    payload["actor_id"],
                    payload["actor_name"],
                    payload["country"],
                    payload["topic"],
                    payload["stance"],
                    date.fromisoformat(payload["stated_on"]),
                )
            )
    return [
        r
        for r in rows
        if r.doc_id not in latest_extraction or latest_extraction[r.doc_id][1] == r.producer
    ]


def by_actor_topic(rows: list[Row]) -> dict[tuple[str, str], list[Row]]:
    """Group rows per actor and topic, each group oldest first (date, then position)."""
    groups: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for row in rows:
        groups[(row.actor_id, row.topic)].append(row)
    return {key: sorted(group, key=lambda r: (r.stated_on, r.seq)) for key, group in groups.items()}


def expected_history(rows: list[Row]) -> list[tuple]:
    out = []
    for (actor_id, topic), group in sorted(by_actor_topic(rows).items()):
        previous = None
        for number, row in enumerate(group, start=1):
            changed = previous is not None and previous != row.stance
            out.append(
                (actor_id, topic, number, row.stated_on, row.stance, previous, changed, row.seq)
            )
            previous = row.stance
    return out


def expected_current(rows: list[Row]) -> dict[tuple[str, str], tuple]:
    out = {}
    for key, group in by_actor_topic(rows).items():
        latest = group[-1]
        out[key] = (
            latest.stance,
            group[0].stated_on,
            latest.stated_on,
            len(group),
            sum(1 for r in group if r.stance == latest.stance),
            len({r.doc_id for r in group}),
            latest.event_id,
            latest.seq,
            latest.actor_name,
            latest.country,
        )
    return out


def expected_as_of(rows: list[Row], day: date) -> dict[tuple[str, str], tuple]:
    out = {}
    for key, group in by_actor_topic([r for r in rows if r.stated_on <= day]).items():
        latest = group[-1]
        out[key] = (latest.stance, latest.stated_on, len(group), latest.seq)
    return out


# --- the properties --------------------------------------------------------------------------


@settings(max_examples=30)
@given(histories(), st.lists(st.integers(-2, SPAN + 2), min_size=1, max_size=3))
def test_stance_views_agree_with_the_reference(batches, offsets):
    store = DuckDBRecorder(":memory:")
    try:
        for number, batch in enumerate(batches):
            store.append(batch, run_id=f"run-{number}")
        rebuild_views(store)
        con = store.con
        order = logged_order(batches)
        assert [r.event_id for r in store.read()] == [e.event_id for e in order]
        rows = current_statements(order)

        in_statements = con.execute(
            "select event_id, is_current from statements order by seq"
        ).fetchall()
        current_ids = {r.event_id for r in rows}
        assert [(i, i in current_ids) for i, _ in in_statements] == in_statements

        history = con.execute(
            "select actor_id, topic, statement_number, stated_on, stance, previous_stance,"
            " changed, seq from actor_stance_history order by actor_id, topic, statement_number"
        ).fetchall()
        assert history == expected_history(rows)

        current = con.execute(
            "select actor_id, topic, stance, first_seen, last_seen, n_statements, n_supporting,"
            " n_documents, latest_event_id, latest_seq, actor_name, country"
            " from actor_current_stance"
        ).fetchall()
        assert {(r[0], r[1]): tuple(r[2:]) for r in current} == expected_current(rows)
        assert len(current) == len(expected_current(rows))

        changes = con.execute("select seq from stance_changes order by seq").fetchall()
        assert [s for (s,) in changes] == sorted(r[7] for r in expected_history(rows) if r[6])

        for offset in offsets:
            day = DAY0 + timedelta(days=offset)
            as_of = con.execute(
                "select actor_id, topic, stance, last_seen, n_statements, latest_seq"
                " from stance_as_of(?::date)",
                [day],
            ).fetchall()
            assert {(r[0], r[1]): tuple(r[2:]) for r in as_of} == expected_as_of(rows, day)
            assert len(as_of) == len(expected_as_of(rows, day))
    finally:
        store.close()


@settings(max_examples=10)
@given(histories())
def test_latest_as_of_equals_current_stance_and_rebuild_is_stable(batches):
    """stance_as_of(a date after every statement) is actor_current_stance; rebuilding twice
    gives the same tables."""
    store = DuckDBRecorder(":memory:")
    try:
        for batch in batches:
            store.append(batch, run_id="run")
        rebuild_views(store)
        con = store.con
        fingerprint = views_fingerprint(con)
        current = con.execute(
            "select actor_id, topic, stance, last_seen, n_statements, latest_seq"
            " from actor_current_stance order by all"
        ).fetchall()
        latest = con.execute(
            "select actor_id, topic, stance, last_seen, n_statements, latest_seq"
            " from stance_as_of(?::date) order by all",
            [TODAY],
        ).fetchall()
        assert latest == current
        rebuild_views(store)
        assert views_fingerprint(con) == fingerprint
    finally:
        store.close()
