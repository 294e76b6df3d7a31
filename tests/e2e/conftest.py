"""A real Airflow for end-to-end tests: api-server, scheduler and dag-processor as processes.

Metadata lives in a throw-away database on the local PostgreSQL (127.0.0.1:5432, user
postgres, trust auth); AIRFLOW_HOME, the event log and every other file live in tmp_path.
The test is skipped, saying why, when PostgreSQL is not reachable.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
WAIT_SECONDS = 360
LOG_TAIL_LINES = 40


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _pg_connect(dbname: str = "postgres") -> Any:
    import psycopg2

    connection = psycopg2.connect(
        host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=dbname, connect_timeout=3
    )
    connection.autocommit = True
    return connection


@pytest.fixture
def postgres_database() -> Iterator[str]:
    """Create a fresh metadata database and drop it afterwards; skip without PostgreSQL."""
    try:
        admin = _pg_connect()
    except Exception as error:  # psycopg2.OperationalError, or psycopg2 missing
        pytest.skip(f"PostgreSQL not reachable at {PG_HOST}:{PG_PORT} as {PG_USER}: {error}")
    name = f"airflow_e2e_{secrets.token_hex(4)}"
    with admin.cursor() as cursor:
        cursor.execute(f'create database "{name}"')
    try:
        yield f"postgresql+psycopg2://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'drop database if exists "{name}" with (force)')
        admin.close()


@dataclass
class AirflowStack:
    """Running Airflow processes and a small client for the REST API v2."""

    home: Path
    env: dict[str, str]
    base_url: str
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    token: str | None = None

    # -- processes ---------------------------------------------------------------------------

    def log_path(self, name: str) -> Path:
        return self.home / f"{name}.log"

    def start(self, name: str, *args: str) -> None:
        log = self.log_path(name).open("w", encoding="utf-8")
        self.processes[name] = subprocess.Popen(
            [str(BIN / "airflow"), *args],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped with its children
        )

    def run(self, *args: str, timeout: float = 240) -> None:
        name = "cli-" + "-".join(args[:2])
        with self.log_path(name).open("w", encoding="utf-8") as log:
            code = subprocess.call(
                [str(BIN / "airflow"), *args],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                timeout=timeout,
            )
        assert code == 0, f"airflow {' '.join(args)} failed:\n{self.tail(name)}"

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        for process in self.processes.values():
            try:
                process.wait(timeout=max(1.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)

    def tail(self, name: str, lines: int = LOG_TAIL_LINES) -> str:
        path = self.log_path(name)
        if not path.exists():
            return f"--- {name}: no log"
        text = path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
        return f"--- last {len(text)} lines of {path}:\n" + "\n".join(text)

    def diagnostics(self) -> str:
        """Log tails of every process (for failure messages)."""
        states = ", ".join(f"{n}: exit {p.poll()}" for n, p in self.processes.items())
        return f"processes ({states})\n" + "\n".join(self.tail(n) for n in self.processes)

    def assert_alive(self) -> None:
        dead = [n for n, p in self.processes.items() if p.poll() is not None]
        assert not dead, f"Airflow process(es) {dead} exited\n{self.diagnostics()}"

    # -- REST API ----------------------------------------------------------------------------

    def request(self, method: str, path: str, body: Any = None, auth: bool = True) -> Any:
        data = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if auth and self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(
            self.base_url + path, data=data, method=method, headers=headers
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            payload = response.read()
        return json.loads(payload) if payload else None

    def wait_for(self, what: str, check: Any, timeout: float = WAIT_SECONDS) -> Any:
        """Call `check` every 2 s until it returns a truthy value; fail with the log tails."""
        deadline = time.monotonic() + timeout
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            self.assert_alive()
            try:
                value = check()
                if value:
                    return value
            except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
                last_error = error
            time.sleep(2)
        pytest.fail(
            f"timed out after {timeout:.0f} s waiting for {what}"
            f" (last error: {last_error})\n{self.diagnostics()}"
        )

    def login(self) -> None:
        def get_token() -> str | None:
            return self.request("GET", "/auth/token", auth=False).get("access_token")

        self.token = self.wait_for("the api-server to hand out a token", get_token, 120)

    def dag(self, dag_id: str) -> dict | None:
        try:
            return self.request("GET", f"/api/v2/dags/{dag_id}")
        except urllib.error.HTTPError as error:
            if error.code == 404:
                return None
            raise

    def unpause(self, dag_id: str) -> None:
        self.request("PATCH", f"/api/v2/dags/{dag_id}", {"is_paused": False})

    def trigger(self, dag_id: str, conf: dict | None = None) -> str:
        run = self.request(
            "POST", f"/api/v2/dags/{dag_id}/dagRuns", {"logical_date": None, "conf": conf or {}}
        )
        return run["dag_run_id"]

    def dag_runs(self, dag_id: str) -> list[dict]:
        return self.request("GET", f"/api/v2/dags/{dag_id}/dagRuns?limit=50")["dag_runs"]

    def dag_run(self, dag_id: str, run_id: str) -> dict:
        quoted = urllib.request.quote(run_id, safe="")
        return self.request("GET", f"/api/v2/dags/{dag_id}/dagRuns/{quoted}")

    def task_instances(self, dag_id: str, run_id: str) -> dict[str, dict]:
        quoted = urllib.request.quote(run_id, safe="")
        body = self.request("GET", f"/api/v2/dags/{dag_id}/dagRuns/{quoted}/taskInstances")
        return {ti["task_id"]: ti for ti in body["task_instances"]}

    def wait_for_run(self, dag_id: str, run_id: str, timeout: float = WAIT_SECONDS) -> dict:
        def finished() -> dict | None:
            run = self.dag_run(dag_id, run_id)
            return run if run["state"] in ("success", "failed") else None

        return self.wait_for(f"{dag_id} run {run_id} to finish", finished, timeout)

    def describe_run(self, dag_id: str, run_id: str) -> str:
        tasks = self.task_instances(dag_id, run_id)
        states = ", ".join(
            f"{t}: {ti['state']} (try {ti['try_number']})" for t, ti in tasks.items()
        )
        return f"{dag_id} {run_id}: {states}\n{self.diagnostics()}"


@pytest.fixture
def airflow_factory(tmp_path, postgres_database):
    """Start a real Airflow on the project's DAGs; call it with extra environment."""
    stacks: list[AirflowStack] = []

    def start(extra_env: dict[str, str] | None = None) -> AirflowStack:
        home = tmp_path / "airflow"
        home.mkdir()
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_DIR / "dags"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__PARALLELISM": "4",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{base_url}/execution/",
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(port),
            "AIRFLOW__API__BASE_URL": base_url,
            "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_hex(32),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": postgres_database,
            # uv.lock has psycopg2 but not asyncpg, which Airflow would derive for the async
            # engine; empty turns that engine off (only streaming endpoints we do not use need it).
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC": os.environ.get(
                "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC", ""
            ),
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
            "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "False",
            "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
            "GX_ANALYTICS_ENABLED": "False",
            "MONITOR_DB": str(tmp_path / "warehouse" / "monitor.duckdb"),
            # A failure should show within the bounded wait, not after minutes of backoff.
            "MONITOR_RETRIES": "0",
            # Only the runs the test triggers: no scheduled run when ingest_news is unpaused.
            "MONITOR_SCHEDULE": "none",
            "PYTHONPATH": str(PROJECT_DIR),
            **(extra_env or {}),
        }
        for key in ("MONITOR_SNAPSHOT", "MONITOR_RAW_DIR", "MONITOR_SOURCES"):
            if key not in (extra_env or {}):
                env.pop(key, None)
        stack = AirflowStack(home=home, env=env, base_url=base_url)
        stacks.append(stack)
        stack.run("db", "migrate")
        stack.run("pools", "set", "duckdb_writer", "1", "One slot: one DuckDB writer")
        stack.start("api-server", "api-server", "--port", str(port), "--workers", "1")
        # The scheduler's log server binds every interface (no host setting); LocalExecutor
        # tasks write their logs where the api-server reads them, so it is not needed.
        stack.start("scheduler", "scheduler", "--skip-serve-logs")
        stack.start("dag-processor", "dag-processor")
        stack.login()
        return stack

    try:
        yield start
    finally:
        for stack in stacks:
            stack.stop()
