"""All feeds down fails the Airflow task, so it is retried and alerted (issue 17, item 6).

`ingest_news` runs through Airflow itself (DAG.test(), as `make run` does; SQLite metadata
in tmp_path) with every feed on a closed port of 127.0.0.1 and the alert webhook pointed
at a local server: `discover` fails after logging each failure, the failure callback
records a task_failed event and posts the alert (about 20 s: Airflow in one process)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import duckdb
import pytest

from pipeline.airflow_local import airflow_env
from pipeline.settings import PROJECT_DIR

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]


class Alerts(BaseHTTPRequestHandler):
    received: list[dict] = []

    def do_POST(self) -> None:  # noqa: N802 (http.server naming)
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        Alerts.received.append(json.loads(body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        return


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_every_feed_down_fails_discover_records_it_and_alerts(tmp_path):
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "sources:\n"
        + "".join(
            f"  - {{name: down-{i}, url: 'http://127.0.0.1:{closed_port()}/f.xml', kind: feed}}\n"
            for i in range(3)
        )
        + "fetch:\n  allow_hosts: ['127.0.0.1']\n  retries: 0\n  per_host_delay_s: 0\n",
        encoding="utf-8",
    )
    server = ThreadingHTTPServer(("127.0.0.1", 0), Alerts)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    db = tmp_path / "wh" / "monitor.duckdb"
    env = airflow_env(tmp_path / "airflow")
    env.update(
        {
            "MONITOR_DB": str(db),
            "MONITOR_SOURCES": str(sources),
            "MONITOR_RETRIES": "0",
            "MONITOR_ALERT_WEBHOOK": f"http://127.0.0.1:{server.server_port}/alert",
        }
    )
    env.pop("MONITOR_SNAPSHOT", None)
    result_path = tmp_path / "result.json"
    try:
        code = subprocess.call(
            [sys.executable, "-m", "pipeline.airflow_local", "_dags-test", str(result_path),
             "ingest_news"],
            cwd=PROJECT_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            timeout=500,
        )  # fmt: skip
    finally:
        server.shutdown()
    result = json.loads(result_path.read_text())
    assert code == 1 and not result["ok"]
    tasks = {t["task_id"]: t["state"] for t in result["dags"][0]["tasks"]}
    assert tasks["discover"] == "failed", tasks
    with duckdb.connect(str(db), read_only=True) as con:
        logged = con.execute(
            "select event_type, json_extract_string(payload, '$.task_id') from events"
        ).fetchall()
    assert sorted(t for t, _ in logged if t == "fetch_failed") == ["fetch_failed"] * 3
    assert ("task_failed", "discover") in logged
    assert [a["task_id"] for a in Alerts.received] == ["discover"]
    assert "3 of 3 feed sources failed" in Alerts.received[0]["error"]
    # `monitor check` says the last run failed, and why (issue 17, item 8)
    check = subprocess.run(
        [sys.executable, "-m", "pipeline", "check", "--db", str(db)],
        cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    said = " ".join(check.stdout.split())
    assert check.returncode == 1, said
    assert "FAIL last ingest run: ingest_news.discover failed in run manual__" in said
    assert "SourcesFailedError" in said and "none has finished yet" in said
