"""What ops staff read in Airflow is true (issue 17, item 7).

`ingest_news` runs twice through Airflow itself (DAG.test(), as `make run` does; SQLite
metadata in tmp_path) over the five seed files. Each task logs one line of counts; `append`
gives the log's real last position (it said 0 when it appended nothing) and updates the
event-log Asset only when it appended something (a no-op run triggered a 15 s rebuild);
Great Expectations' INFO lines stay out of the task log. About a minute: Airflow, spaCy and
GX load in one process."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys

import duckdb
import pytest

from pipeline.airflow_local import airflow_env
from pipeline.settings import PROJECT_DIR

pytestmark = [pytest.mark.slow, pytest.mark.e2e, pytest.mark.timeout(600)]


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("airflow_logs")
    db = tmp / "wh" / "monitor.duckdb"
    env = airflow_env(tmp / "airflow")
    env.update(
        {
            "MONITOR_DB": str(db),
            "MONITOR_SOURCES": str(PROJECT_DIR / "seeds" / "sources.yaml"),
            "MONITOR_RETRIES": "0",
        }
    )
    env.pop("MONITOR_SNAPSHOT", None)
    result_path = tmp / "result.json"
    done = subprocess.run(
        [sys.executable, "-m", "pipeline.airflow_local", "_dags-test", str(result_path),
         "ingest_news", "ingest_news"],
        cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=550,
    )  # fmt: skip
    result = json.loads(result_path.read_text())
    assert done.returncode == 0 and result["ok"], done.stdout[-3000:] + done.stderr[-3000:]
    return tmp, db, done.stdout + done.stderr


def test_each_stage_logs_one_line_of_counts(two_runs):
    _, _, output = two_runs
    for line in (
        "discover: 0 feeds polled, 0 failed, 0 new articles, 5 files",
        "extract: 5 documents, 0 skipped",
        "validate: 5 documents accepted",
    ):
        assert line in output, line
    # the number of statements is the extractor's; the line must give it
    found = re.search(r"statements: (\d+) statements, 5 documents read", output)
    assert found and int(found.group(1)) > 0, "no statements line with a count"
    assert "great_expectations" not in output


def test_append_reports_the_real_last_position_even_when_it_appends_nothing(two_runs):
    _, db, output = two_runs
    with duckdb.connect(str(db), read_only=True) as con:
        last = con.execute("select max(seq) from events").fetchone()[0]
    assert f"append: {last} events appended, 0 already logged" in output
    assert "append: 0 events appended" in output
    assert output.count(f"last position {last}") == 2, "both runs name the log's end"


def test_only_the_run_that_appended_updates_the_event_log_asset(two_runs):
    tmp, _, output = two_runs
    with sqlite3.connect(tmp / "airflow" / "airflow.db") as con:
        events = con.execute(
            "select e.extra from asset_event e join asset a on a.id = e.asset_id"
            " where a.name = 'monitor_event_log'"
        ).fetchall()
    assert len(events) == 1, events
    assert json.loads(events[0][0])["appended"] > 0
    assert "nothing new in the event log, so no rebuild is triggered" in output
