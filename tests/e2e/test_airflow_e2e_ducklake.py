"""End to end through a real Airflow on the DuckLake backend (MONITOR_STORE_URL=ducklake:...,
the catalog in a PostgreSQL database of this test's own): trigger `ingest_news`, watch the
Asset trigger `rebuild_views`, re-run the same interval with the writer pool lifted to two
slots (DuckLake takes concurrent writers), then read the lake: each event once, the chain
intact, the views published into the DuckDB snapshot.

Needs the local PostgreSQL (127.0.0.1:5432, user postgres, trust auth); skipped otherwise.
"""

from __future__ import annotations

import time
from pathlib import Path

import duckdb
import pytest

from pipeline.store import open_store

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(900)]


def _finished(runs: list[dict]) -> bool:
    return bool(runs) and all(r["state"] in ("success", "failed") for r in runs)


def test_airflow_on_a_ducklake_ingests_rebuilds_and_reruns_idempotently(
    airflow_factory, lake_url, tmp_path
):
    started = time.monotonic()
    stack = airflow_factory({"MONITOR_STORE_URL": lake_url})
    # The DuckDB store needs its one writer slot; the lake serialises its own appends.
    stack.run("pools", "set", "duckdb_writer", "2", "DuckLake: writers serialise in the store")
    warehouse = Path(stack.env["MONITOR_DB"]).parent
    for dag_id in ("ingest_news", "rebuild_views"):
        stack.wait_for(f"the dag-processor to register {dag_id}", lambda d=dag_id: stack.dag(d))
    stack.unpause("rebuild_views")
    stack.unpause("ingest_news")

    run_id = stack.trigger("ingest_news")
    run = stack.wait_for_run("ingest_news", run_id)
    assert run["state"] == "success", stack.describe_run("ingest_news", run_id)
    rebuilt = stack.wait_for(
        "the event-log Asset to trigger a finished rebuild_views run",
        lambda: _finished(stack.dag_runs("rebuild_views")) and stack.dag_runs("rebuild_views"),
    )
    assert rebuilt[0]["state"] == "success", stack.describe_run(
        "rebuild_views", rebuilt[0]["dag_run_id"]
    )
    assert not Path(stack.env["MONITOR_DB"]).exists(), "the lake, not a DuckDB file, holds the log"

    with open_store(lake_url, read_only=True) as store:
        logged = store.max_seq()
        runs = {r.run_id for r in store.read()}
    assert logged > 0 and any(r.startswith("manual__") for r in runs), runs
    snapshot = warehouse / "snapshot" / "monitor_bi.duckdb"
    with duckdb.connect(str(snapshot), read_only=True) as con:
        stances = con.sql("select count(*) from actor_current_stance").fetchone()[0]
        source_last = con.sql("select last_seq from snapshot_source").fetchone()[0]
    assert stances > 0 and source_last == logged
    assert (warehouse / "report" / "index.html").is_file()

    # The same interval again: every task re-runs, nothing new is appended.
    stack.request(
        "POST",
        "/api/v2/dags/ingest_news/clearTaskInstances",
        {"dag_run_id": run_id, "dry_run": False, "only_failed": False, "reset_dag_runs": True},
    )
    rerun = stack.wait_for(
        "the cleared ingest_news run to finish again",
        lambda: (
            (r := stack.dag_run("ingest_news", run_id))["state"] in ("success", "failed")
            and r["end_date"] != run["end_date"]
            and r
        ),
    )
    assert rerun["state"] == "success", stack.describe_run("ingest_news", run_id)
    stack.wait_for("every rebuild to finish", lambda: _finished(stack.dag_runs("rebuild_views")))
    with open_store(lake_url, read_only=True) as store:
        ids = [r.event.event_id for r in store.read()]
        added = [r.event.event_type for r in store.read(after=logged)]
        chain = store.verify_chain()
    assert ids and len(ids) == len(set(ids))
    assert added == [], f"re-running the same run appended new events: {added}"
    assert chain.ok, chain
    print(f"e2e on DuckLake took {time.monotonic() - started:.0f} s")
