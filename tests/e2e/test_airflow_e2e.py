"""End to end through a real Airflow: trigger `ingest_news` over the REST API, watch the Asset
trigger `rebuild_views`, and read the views from the DuckDB file the tasks wrote.

Needs the local PostgreSQL (127.0.0.1:5432, user postgres, trust auth); skipped otherwise.
Takes a few minutes: every task is a fresh process that loads the pipeline.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest
import yaml

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(900)]

PROJECT_DIR = Path(__file__).resolve().parents[2]
SEEDS_DIR = PROJECT_DIR / "seeds"
INGEST_TASKS = [
    "discover",
    "fetch",
    "extract",
    "dedupe",
    "extract_statements",
    "validate",
    "append",
]


def _read_only(db_path: Path):
    import duckdb

    return duckdb.connect(str(db_path), read_only=True)


def _open_when_released(stack, db_path: Path):
    """Open the log read-only as soon as no writer (a task of the stack) holds it."""
    import duckdb

    def attempt():
        try:
            return duckdb.connect(str(db_path), read_only=True)
        except duckdb.IOException as err:
            if "lock" not in str(err).lower():
                raise
            return None

    return stack.wait_for(f"{db_path} to be released by its writer", attempt)


def _wait_for_dag(stack, dag_id: str) -> dict:
    return stack.wait_for(f"the dag-processor to register {dag_id}", lambda: stack.dag(dag_id))


def _asset_triggered_runs(stack) -> list[dict]:
    return [r for r in stack.dag_runs("rebuild_views") if r["run_type"] == "asset_triggered"]


def test_triggered_ingest_appends_and_the_asset_rebuilds_the_views(airflow_factory, tmp_path):
    started = time.monotonic()
    stack = airflow_factory()
    db_path = Path(stack.env["MONITOR_DB"])
    for dag_id in ("ingest_news", "rebuild_views", "reprocess"):
        dag = _wait_for_dag(stack, dag_id)
        assert dag["is_paused"], f"{dag_id} should start paused in this test set-up"
    stack.unpause("rebuild_views")
    stack.unpause("ingest_news")

    run_id = stack.trigger("ingest_news")
    run = stack.wait_for_run("ingest_news", run_id)
    assert run["state"] == "success", stack.describe_run("ingest_news", run_id)
    tasks = stack.task_instances("ingest_news", run_id)
    assert set(tasks) == set(INGEST_TASKS)
    assert tasks["append"]["pool"] == "duckdb_writer"

    rebuilt = stack.wait_for(
        "the monitor_event_log Asset to trigger a successful rebuild_views run",
        lambda: [r for r in _asset_triggered_runs(stack) if r["state"] in ("success", "failed")],
    )
    assert rebuilt[0]["state"] == "success", stack.describe_run(
        "rebuild_views", rebuilt[0]["dag_run_id"]
    )

    with _read_only(db_path) as con:
        events = con.sql("select max(seq) from events").fetchone()[0]
        runs = {r[0] for r in con.sql("select distinct run_id from events").fetchall()}
    assert events > 0
    assert any(run.startswith("manual__") for run in runs), runs
    snapshot = db_path.parent / "snapshot" / "monitor_bi.duckdb"
    assert snapshot.exists(), "rebuild_views did not publish the BI snapshot"
    with _read_only(snapshot) as con:  # the views live in the snapshot, as BI reads them
        stances = con.sql("select count(*) from actor_current_stance").fetchone()[0]
    assert stances > 0, "actor_current_stance is empty after rebuild_views"
    report = db_path.parent / "report" / "index.html"
    assert report.is_file(), "rebuild_views.report did not write the HTML report"

    # Clearing a finished run re-runs every task with the same run id: nothing new appended.
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
    # The re-run's append updates the Asset again, so a rebuild_views run may hold the log
    # (one writer at a time): read once every rebuild has finished and released it.
    stack.wait_for(
        "the asset-triggered rebuilds to finish",
        lambda: all(r["state"] in ("success", "failed") for r in stack.dag_runs("rebuild_views")),
    )
    with _open_when_released(stack, db_path) as con:
        new_rows = con.sql(
            "select event_type, payload from events where seq > ?", params=[events]
        ).fetchall()
    # Re-running the same interval is the same facts again: not one new event.
    added = [t for t, _ in new_rows]
    assert added == [], f"re-running the same run appended new events: {added}"
    print(f"e2e ingest + asset-triggered rebuild took {time.monotonic() - started:.0f} s")


def _bad_batch_sources(tmp_path: Path) -> Path:
    """Three file sources whose articles are dated in the future: their statements (and the
    documents) break the plausible-date expectations in three documents, as a broken
    extractor would, so the statement batch fails its suite (one bad article would only be
    quarantined)."""
    folder = tmp_path / "bad_batch"
    folder.mkdir()
    seeds = sorted(SEEDS_DIR.glob("0*.txt"))[:3]
    for seed in seeds:
        shutil.copy(seed, folder / seed.name)
    manifest = {
        "documents": [
            {"file": seed.name, "title": "Dated in the future", "published": "2099-01-01"}
            for seed in seeds
        ]
    }
    (folder / "manifest.yaml").write_text(yaml.safe_dump(manifest), encoding="utf-8")
    sources = {
        "sources": [
            {"name": f"bad-batch-{n}", "url": seed.name, "kind": "file"}
            for n, seed in enumerate(seeds)
        ]
    }
    path = folder / "sources.yaml"
    path.write_text(yaml.safe_dump(sources), encoding="utf-8")
    return path


def test_bad_statement_batch_stops_at_validate_and_is_quarantined(airflow_factory, tmp_path):
    stack = airflow_factory({"MONITOR_SOURCES": str(_bad_batch_sources(tmp_path))})
    db_path = Path(stack.env["MONITOR_DB"])
    _wait_for_dag(stack, "ingest_news")
    _wait_for_dag(stack, "rebuild_views")
    stack.unpause("rebuild_views")
    stack.unpause("ingest_news")

    run_id = stack.trigger("ingest_news")
    run = stack.wait_for_run("ingest_news", run_id)
    tasks = stack.task_instances("ingest_news", run_id)
    assert run["state"] == "failed", stack.describe_run("ingest_news", run_id)
    assert tasks["extract_statements"]["state"] == "success", stack.describe_run(
        "ingest_news", run_id
    )
    assert tasks["validate"]["state"] == "failed"
    assert tasks["validate"]["try_number"] == 1, "a quality gate failure must not be retried"
    assert tasks["append"]["state"] == "upstream_failed"
    assert _asset_triggered_runs(stack) == [], "nothing appended, so no view rebuild"

    from pipeline.run_folder import safe_run_id

    local_run = safe_run_id(run_id)
    with _read_only(db_path) as con:
        failures = con.sql("select payload from events where event_type = 'task_failed'").fetchall()
        tables = {r[0] for r in con.sql("show tables").fetchall()}
        quarantined = (
            con.sql(
                "select count(*) from quarantine where run_id = ?", params=[local_run]
            ).fetchone()[0]
            if "quarantine" in tables
            else 0
        )
        statements = con.sql(
            "select count(*) from events where event_type = 'statement_extracted'"
        ).fetchone()[0]
    assert any('"task_id":"validate"' in str(f[0]) for f in failures), failures
    assert statements == 0, "a refused batch must not reach the event log"

    run_folder = db_path.parent / "runs" / local_run
    rows = [json.loads(line) for line in (run_folder / "quarantine.jsonl").read_text().splitlines()]
    suites = {row["suite"] for row in rows}
    assert "statement_events" in suites, f"no statement rows quarantined: {suites}"
    reports = list(db_path.parent.rglob("data_docs/**/index.html"))
    assert reports, f"no Great Expectations Data Docs report under {db_path.parent}"

    assert quarantined >= len(rows)
