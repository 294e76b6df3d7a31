"""The views the report's runs page reads: task_failures and quarantined_rows."""

from __future__ import annotations

from datetime import UTC, date, datetime

from pipeline.events import TASK_FAILED, new_event
from pipeline.quality.quarantine import QuarantinedRow
from pipeline.statements.events import statement_events
from pipeline.statements.model import Actor, Statement
from pipeline.store import open_store
from pipeline.store.report_rows import read_report_rows
from pipeline.store.views import rebuild_views
from tests.unit.test_rebuild_views import doc

MOMENT = datetime(2025, 9, 1, 8, 0, tzinfo=UTC)


def test_failed_tasks_and_crashed_sources_are_in_task_failures():
    store = open_store(":memory:")
    task = {"dag_id": "ingest_news", "task_id": "fetch", "run_id": "manual__1", "error": "boom"}
    crash = {"stage": "discover", "source": "feed-a", "url": "https://a.example/rss",
             "error": "ValueError: bad"}  # fmt: skip
    store.append([new_event(TASK_FAILED, "dag:ingest_news", MOMENT, task, "test/1")], "r1")
    store.append([new_event(TASK_FAILED, "source:feed-a", MOMENT, crash, "test/1")], "r2")
    rebuild_views(store)
    rows = store.con.execute(
        "select run_id, dag_id, task_id, stage, source, error from task_failures order by seq"
    ).fetchall()
    assert rows == [
        ("manual__1", "ingest_news", "fetch", None, None, "boom"),
        ("r2", None, None, "discover", "feed-a", "ValueError: bad"),
    ]


def test_quarantined_rows_carry_the_url_but_not_the_payload():
    store = open_store(":memory:")
    macron = Actor("person:emmanuel-macron", "Emmanuel Macron", "person", "FR")
    document = doc("one", date(2025, 8, 1))
    statement = Statement(macron, "troops_in_ukraine", "support", "x", 0, 1, None, 0.9)
    [event, *_] = statement_events([statement], document, "rules/1", date(2025, 8, 1))
    store.record_quarantine(
        [QuarantinedRow(event, "statement_events", "stance_in_set", "bad")], "run-q"
    )
    rebuild_views(store)
    columns = [r[0] for r in store.con.execute("describe quarantined_rows").fetchall()]
    assert "payload" not in columns
    rows = store.con.execute(
        "select run_id, suite, expectation, event_type, url, detail from quarantined_rows"
    ).fetchall()
    assert rows == [
        ("run-q", "statement_events", "stance_in_set", "statement_extracted", document.url, "bad")
    ]


def test_report_rows_of_a_snapshot_without_the_newer_views_say_so(tmp_path):
    import duckdb

    path = tmp_path / "monitor.duckdb"
    with open_store(path) as store:
        rebuild_views(store)
        snapshot = store.views_path
    report = read_report_rows(snapshot)
    assert report.task_failures == [] and report.quarantine == [] and report.actors == []
    # a snapshot published before these views existed
    con = duckdb.connect(str(snapshot))
    con.execute("drop table task_failures")
    con.execute("drop table quarantined_rows")
    con.close()
    older = read_report_rows(snapshot)
    assert older.task_failures is None and older.quarantine is None
