"""The DAGs load, are documented, retry where they should and respect the one DuckDB writer."""

from __future__ import annotations

import json
import os
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[2]
DAGS_DIR = PROJECT_DIR / "dags"
DAG_IDS = {"ingest_news", "rebuild_views", "reprocess"}
# Every task that opens the DuckDB file: DuckDB refuses even readers while another process writes.
DUCKDB_TASKS = {
    ("ingest_news", "discover"),
    ("ingest_news", "dedupe"),
    ("ingest_news", "validate"),
    ("ingest_news", "append"),
    ("rebuild_views", "rebuild"),
    ("rebuild_views", "alert"),
    ("reprocess", "reprocess_documents"),
}
INGEST_ORDER = [
    "discover",
    "fetch",
    "extract",
    "dedupe",
    "extract_statements",
    "validate",
    "append",
]

# Airflow reads its home when first imported: keep it inside the project, never in ~.
os.environ.setdefault("AIRFLOW_HOME", str(PROJECT_DIR / ".airflow" / "unit-tests"))
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(DAGS_DIR)


@pytest.fixture(scope="module")
def dagbag():
    """Parse the dags folder as the DAG processor would, with no local overrides."""
    saved = {
        k: os.environ.pop(k) for k in ("MONITOR_RETRIES", "MONITOR_SCHEDULE") if k in os.environ
    }
    try:
        from airflow.dag_processing.dagbag import DagBag

        yield DagBag(dag_folder=str(DAGS_DIR))
    finally:
        os.environ.update(saved)


@pytest.fixture(scope="module")
def dags(dagbag):
    return dagbag.dags


def test_every_dag_file_imports_without_errors(dagbag):
    assert dagbag.import_errors == {}
    assert set(dagbag.dags) == DAG_IDS
    parsed = {Path(path).name for path in dagbag.file_last_changed}
    assert parsed >= {"ingest_news.py", "rebuild_views.py", "reprocess.py"}


def test_dags_have_no_cycles(dags):
    for dag in dags.values():
        dag.check_cycle()


def test_every_dag_is_documented_tagged_owned_and_not_catching_up(dags):
    for dag in dags.values():
        assert dag.tags, dag.dag_id
        assert dag.doc_md and len(dag.doc_md) > 200, dag.dag_id
        assert "fails" in dag.doc_md.lower(), dag.dag_id
        assert dag.catchup is False, dag.dag_id
        assert dag.default_args.get("owner") == "monitor-ops", dag.dag_id
        assert "retries" in dag.default_args, dag.dag_id
        assert dag.max_active_runs == 1, dag.dag_id


def test_every_task_has_an_owner_retries_and_the_failure_callback(dags):
    from pipeline.orchestration import on_task_failure

    for dag in dags.values():
        for task in dag.tasks:
            assert task.owner == "monitor-ops", task.task_id
            assert task.retries is not None, task.task_id
            assert on_task_failure in task.on_failure_callback, task.task_id


def test_ingest_news_has_one_task_per_stage_in_order(dags):
    dag = dags["ingest_news"]
    assert set(dag.task_ids) == set(INGEST_ORDER)
    for upstream, downstream in zip(INGEST_ORDER, INGEST_ORDER[1:], strict=False):
        assert dag.get_task(downstream).upstream_task_ids == {upstream}


def test_network_stages_retry_with_exponential_backoff(dags):
    dag = dags["ingest_news"]
    for task_id in ("discover", "fetch"):
        task = dag.get_task(task_id)
        assert task.retries >= 2, task_id
        assert task.retry_exponential_backoff > 1, task_id
        assert task.max_retry_delay >= timedelta(minutes=5), task_id


def test_every_task_has_a_time_limit(dags):
    from pipeline.orchestration import NETWORK_TASK_TIMEOUT

    for dag in dags.values():
        for task in dag.tasks:
            limit = task.execution_timeout
            assert limit is not None and timedelta(0) < limit <= timedelta(hours=12), task.task_id
    for task_id in ("discover", "fetch"):
        assert dags["ingest_news"].get_task(task_id).execution_timeout == NETWORK_TASK_TIMEOUT


def test_validate_retries_a_busy_log_but_never_a_quality_gate_failure(dags, monkeypatch):
    from airflow.sdk.exceptions import AirflowFailException

    import pipeline.stages
    from pipeline.errors import StoreBusyError
    from pipeline.quality.gates import QualityGateError

    task = dags["ingest_news"].get_task("validate")
    assert task.retries >= 1
    assert dags["reprocess"].get_task("reprocess_documents").retries == 0
    callable_ = task.python_callable  # the task body, run here without Airflow
    monkeypatch.setitem(callable_.__globals__, "get_current_context", lambda: {"run_id": "r"})
    monkeypatch.setitem(callable_.__globals__, "airflow_run_id", lambda context: "r")

    def refuse(*args):
        raise QualityGateError("statement batch of run r: 9 of 10 rows failed")

    monkeypatch.setattr(pipeline.stages, "validate_stage", refuse)
    with pytest.raises(AirflowFailException, match="QualityGateError: statement batch"):
        callable_("statements.jsonl")

    def busy(*args):
        raise StoreBusyError("monitor.duckdb: another process is reading the event log")

    monkeypatch.setattr(pipeline.stages, "validate_stage", busy)
    with pytest.raises(StoreBusyError):  # an ordinary failure: Airflow retries it
        callable_("statements.jsonl")


def test_every_task_opening_duckdb_runs_in_the_one_slot_pool(dags):
    from pipeline.orchestration import DUCKDB_WRITER_POOL

    assert DUCKDB_WRITER_POOL == "duckdb_writer"
    for dag_id, task_id in DUCKDB_TASKS:
        assert dags[dag_id].get_task(task_id).pool == DUCKDB_WRITER_POOL, task_id
    readers = {(dag.dag_id, t.task_id) for dag in dags.values() for t in dag.tasks} - DUCKDB_TASKS
    for dag_id, task_id in readers:
        assert dags[dag_id].get_task(task_id).pool != DUCKDB_WRITER_POOL, task_id


def test_append_and_reprocess_publish_the_event_log_asset_through_its_alias(dags):
    from pipeline.orchestration import EVENT_LOG_APPENDS

    assert dags["ingest_news"].get_task("append").outlets == [EVENT_LOG_APPENDS]
    assert dags["reprocess"].get_task("reprocess_documents").outlets == [EVENT_LOG_APPENDS]
    producers = {(d.dag_id, t.task_id) for d in dags.values() for t in d.tasks if t.outlets}
    assert producers == {("ingest_news", "append"), ("reprocess", "reprocess_documents")}


def test_rebuild_views_is_scheduled_on_the_event_log_asset(dags):
    from pipeline.orchestration import EVENT_LOG_ASSET

    dag = dags["rebuild_views"]
    assert EVENT_LOG_ASSET in dag.timetable.asset_condition.objects
    assert dags["reprocess"].timetable.can_be_scheduled is False


def test_alerts_are_sent_only_after_the_snapshot_is_published(dags):
    dag = dags["rebuild_views"]
    assert dag.get_task("alert").upstream_task_ids == {"rebuild"}
    assert dag.get_task("alert").outlets == []  # its alert events must not start a rebuild


def test_ingest_news_runs_daily_unless_configured(dags, monkeypatch):
    from pipeline.orchestration import schedule_from_env
    from pipeline.settings import load_settings

    assert dags["ingest_news"].timetable.expression == "0 0 * * *"
    assert schedule_from_env(load_settings({})) == "@daily"
    assert schedule_from_env(load_settings({"MONITOR_SCHEDULE": "30 5 * * *"})) == "30 5 * * *"
    assert schedule_from_env(load_settings({"MONITOR_SCHEDULE": "none"})) is None


def test_reprocess_takes_date_params(dags):
    params = dags["reprocess"].params
    assert set(params.keys()) == {"since", "until", "extractor_version"}
    assert params.get_param("since").schema.get("format") == "date"
    assert params.get_param("until").schema.get("format") == "date"


def test_dags_serialise_for_the_scheduler(dags):
    from airflow.serialization.serialized_objects import DagSerialization

    for dag in dags.values():
        data = DagSerialization.serialize_dag(dag)
        assert data["dag_id"] == dag.dag_id


def test_dag_files_import_nothing_heavy_at_parse_time():
    """The DAG processor parses often: pipeline stages, DuckDB and spaCy load inside tasks."""
    import subprocess
    import sys

    code = (
        "import runpy, sys\n"
        f"for name in ('ingest_news', 'rebuild_views', 'reprocess'):\n"
        f"    runpy.run_path({str(DAGS_DIR)!r} + '/' + name + '.py')\n"
        "heavy = [m for m in ('duckdb', 'spacy', 'great_expectations', 'pipeline.stages',"
        " 'trafilatura') if m in sys.modules]\n"
        "print('heavy=' + ','.join(heavy))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(PROJECT_DIR)}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip().splitlines()[-1] == "heavy="


# -- the failure callback ------------------------------------------------------------------------


class _Ti:
    dag_id = "ingest_news"
    task_id = "fetch"
    run_id = "manual__2026-01-01T00:00:00+00:00"
    try_number = 2


def test_failure_callback_records_a_task_failed_event(tmp_path, monkeypatch):
    from pipeline.orchestration import on_task_failure

    db = tmp_path / "warehouse" / "monitor.duckdb"
    monkeypatch.setenv("MONITOR_DB", str(db))
    monkeypatch.delenv("MONITOR_ALERT_WEBHOOK", raising=False)
    monkeypatch.delenv("MONITOR_ALERT_EMAIL", raising=False)
    context = {"ti": _Ti(), "run_id": _Ti.run_id, "exception": TimeoutError("feed too slow")}
    on_task_failure(context)

    from pipeline.store import open_store

    with open_store(db) as store:
        failures = [r for r in store.read(event_types=["task_failed"])]
    assert len(failures) == 1
    assert failures[0].payload["task_id"] == "fetch"
    assert "TimeoutError: feed too slow" in failures[0].payload["error"]


def test_failure_callback_never_raises_even_when_everything_is_broken(tmp_path, monkeypatch):
    from pipeline.orchestration import on_task_failure

    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the warehouse folder should be")
    monkeypatch.setenv("MONITOR_DB", str(blocked / "monitor.duckdb"))
    monkeypatch.setenv("MONITOR_ALERT_WEBHOOK", "http://127.0.0.1:9/nothing-listens-here")
    monkeypatch.setenv("MONITOR_ALERT_EMAIL", "ops@example.org")
    on_task_failure({"ti": _Ti(), "exception": RuntimeError("boom")})
    on_task_failure({})  # not even a task instance


def test_failure_callback_posts_a_json_summary_to_the_webhook(tmp_path, monkeypatch):
    from pipeline.orchestration import on_task_failure

    received: list[dict] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers["Content-Length"])
            received.append(json.loads(self.rfile.read(length)))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=server.handle_request, daemon=True)
    thread.start()
    monkeypatch.setenv("MONITOR_DB", str(tmp_path / "monitor.duckdb"))
    monkeypatch.setenv("MONITOR_ALERT_WEBHOOK", f"http://127.0.0.1:{server.server_port}/hook")
    monkeypatch.delenv("MONITOR_ALERT_EMAIL", raising=False)
    on_task_failure({"ti": _Ti(), "run_id": _Ti.run_id, "exception": ValueError("bad row")})
    thread.join(timeout=10)
    server.server_close()
    assert len(received) == 1
    assert received[0]["dag_id"] == "ingest_news"
    assert received[0]["task_id"] == "fetch"
    assert "ValueError: bad row" in received[0]["text"]


def test_monitor_retries_caps_retries_for_local_runs():
    from pipeline.orchestration import capped_retries
    from pipeline.settings import load_settings

    assert capped_retries(3, load_settings({})) == 3
    assert capped_retries(3, load_settings({"MONITOR_RETRIES": "0"})) == 0
    assert capped_retries(1, load_settings({"MONITOR_RETRIES": "5"})) == 1
