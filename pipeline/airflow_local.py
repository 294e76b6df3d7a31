"""Run the real Airflow DAGs on this machine: `make run` (once, no server) and `make airflow` (UI).

Everything Airflow keeps lives in `<project>/.airflow` (SQLite metadata, logs, config), never in
the home folder, and the DAGs come from `<project>/dags`.

`run` executes `ingest_news` and then `rebuild_views` through Airflow itself (`DAG.test()`,
which is what `airflow dags test` calls: a real DAG run in the metadata database, every task
run by Airflow's task runner), in one child process so Airflow is imported once. The Asset
trigger does not fire without a scheduler, so `rebuild_views` is run explicitly after
`ingest_news`. Airflow's own log goes to `.airflow/logs/make_run.log`; the summary prints
the wall time split into pipeline work (the tasks' own run time) and Airflow overhead, and
it ends with the path of the HTML report the `rebuild_views` DAG wrote.

`ui` starts what `airflow standalone` would (api-server, scheduler, dag-processor, triggerer)
on the same DAGs, but each bound to 127.0.0.1 and without the log servers standalone opens
on every interface, and prints the URL and login.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from pipeline.settings import PROJECT_DIR

AIRFLOW_HOME = PROJECT_DIR / ".airflow"
DAGS_DIR = PROJECT_DIR / "dags"
RUN_DAGS = ("ingest_news", "rebuild_views")
LOG_TAIL_LINES = 60


def airflow_env(home: Path = AIRFLOW_HOME, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """Return the environment for a local Airflow: SQLite in `home`, the project's DAGs."""
    env = dict(os.environ if base is None else base)
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_DIR),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            # The UI starts with the DAGs paused: unpause ingest_news to run it on schedule.
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
            "AIRFLOW__LOGGING__LOGGING_LEVEL": env.get("AIRFLOW__LOGGING__LOGGING_LEVEL", "INFO"),
            "GX_ANALYTICS_ENABLED": "False",
            # `airflow standalone` starts its components as `airflow ...` found on PATH.
            "PATH": os.pathsep.join((str(Path(sys.executable).parent), env.get("PATH", ""))),
            "PYTHONPATH": os.pathsep.join(
                p for p in (str(PROJECT_DIR), env.get("PYTHONPATH", "")) if p
            ),
        }
    )
    env.setdefault("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", f"sqlite:///{home / 'airflow.db'}")
    return env


# -- make run ----------------------------------------------------------------------------------


def run(dag_ids: Sequence[str] = RUN_DAGS, show_stances: bool = True) -> int:
    """Run the DAGs once through Airflow, print the timing split, the current stances and
    where the report is."""
    AIRFLOW_HOME.mkdir(parents=True, exist_ok=True)
    log_path = AIRFLOW_HOME / "logs" / "make_run.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    result_path = AIRFLOW_HOME / "make_run.result.json"
    result_path.unlink(missing_ok=True)
    env = airflow_env()
    # A local run over bundled files: fail at once rather than wait minutes between retries.
    env.setdefault("MONITOR_RETRIES", "0")
    command = [sys.executable, "-m", "pipeline.airflow_local", "_dags-test", str(result_path)]
    print(f"Airflow home {AIRFLOW_HOME} (SQLite); log {log_path}", flush=True)
    print(f"running {' then '.join(dag_ids)} through Airflow ...", flush=True)
    started = time.perf_counter()
    with log_path.open("w", encoding="utf-8") as log:
        code = subprocess.call([*command, *dag_ids], env=env, stdout=log, stderr=log)
    wall = time.perf_counter() - started
    result = json.loads(result_path.read_text()) if result_path.exists() else {}
    _print_summary(result, wall)
    if code != 0 or not result.get("ok"):
        print(f"\nAirflow run failed (exit {code}); last lines of {log_path}:", file=sys.stderr)
        print(_tail(log_path, LOG_TAIL_LINES), file=sys.stderr)
        return 1
    code = 0
    if show_stances:
        print("\nCurrent stances:", flush=True)
        monitor = Path(sys.executable).with_name("monitor")
        code = subprocess.call([str(monitor), "stance"], env=env)
    print(f"\nReport (rebuild_views.report): {report_index(env)}", flush=True)
    return code


def report_index(env: Mapping[str, str]) -> Path:
    """The report's front page as the DAGs wrote it (settings from the same environment)."""
    from pipeline.settings import load_settings

    return load_settings(dict(env)).report_path / "index.html"


def _print_summary(result: Mapping[str, Any], wall: float) -> None:
    task_seconds = 0.0
    for dag in result.get("dags", []):
        print(f"  {dag['dag_id']}: {dag['state']} (run {dag['run_id']})")
        for task in dag["tasks"]:
            seconds = task["duration"] or 0.0
            task_seconds += seconds
            print(f"    {task['task_id']:<20} {task['state']:<10} {seconds:6.2f} s")
    setup = result.get("setup_seconds")
    print(
        f"wall time {wall:.1f} s = pipeline work (tasks) {task_seconds:.1f} s"
        f" + Airflow overhead {wall - task_seconds:.1f} s"
        + (f" (of which import, db migrate and DAG parsing {setup:.1f} s)" if setup else ""),
        flush=True,
    )


def _tail(path: Path, lines: int) -> str:
    if not path.exists():
        return "(no log)"
    return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


def _dags_test(result_path: Path, dag_ids: Sequence[str]) -> int:
    """In the child: migrate the metadata DB, make the pool, run each DAG with DAG.test()."""
    started = time.perf_counter()
    from airflow.dag_processing.dagbag import DagBag
    from airflow.models.pool import Pool
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils import db
    from airflow.utils.session import create_session
    from airflow.utils.state import DagRunState

    from pipeline.orchestration import (
        DUCKDB_WRITER_POOL,
        DUCKDB_WRITER_POOL_DESCRIPTION,
        writer_pool_slots,
    )

    db.upgradedb()  # what `airflow db migrate` does; quick when already at head
    Pool.create_or_update_pool(
        DUCKDB_WRITER_POOL,
        writer_pool_slots(),
        DUCKDB_WRITER_POOL_DESCRIPTION,
        include_deferred=False,
    )
    bag = DagBag(str(DAGS_DIR))
    result: dict[str, Any] = {"ok": False, "dags": [], "import_errors": bag.import_errors}
    result["setup_seconds"] = round(time.perf_counter() - started, 2)
    _write_json(result_path, result)
    if bag.import_errors:
        print(f"DAG import errors: {bag.import_errors}", file=sys.stderr)
        return 1
    for dag_id in dag_ids:
        dag_run = bag.dags[dag_id].test()
        with create_session() as session:
            query = session.query(TaskInstance).filter_by(dag_id=dag_id, run_id=dag_run.run_id)
            by_id = {ti.task_id: ti for ti in query}
            tasks = [
                {"task_id": ti.task_id, "state": str(ti.state), "duration": ti.duration}
                for ti in (by_id[t] for t in bag.dags[dag_id].task_ids if t in by_id)
            ]
        state = str(dag_run.state)
        result["dags"].append(
            {"dag_id": dag_id, "run_id": dag_run.run_id, "state": state, "tasks": tasks}
        )
        _write_json(result_path, result)
        if dag_run.state != DagRunState.SUCCESS:
            return 1
    result["ok"] = True
    _write_json(result_path, result)
    return 0


def _write_json(path: Path, value: Any) -> None:
    path.write_text(json.dumps(value, indent=1, default=str), encoding="utf-8")


# -- make airflow ------------------------------------------------------------------------------

# The components `airflow standalone` would start, started here instead so that nothing
# listens beyond this machine: standalone's scheduler and triggerer each start a log server
# bound to every interface (ports 8793 and 8794; Airflow has no setting for its host). The
# api-server reads task logs from the shared folder, so those log servers are not needed.
UI_COMPONENTS = (
    ("api-server", ["api-server", "--host", "127.0.0.1", "--workers", "1"]),
    ("scheduler", ["scheduler", "--skip-serve-logs"]),
    ("dag-processor", ["dag-processor"]),
    ("triggerer", ["triggerer", "--skip-serve-logs"]),
)


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nothing listens on right now (the kernel picks it)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def ui_env(home: Path, port: int) -> dict[str, str]:
    """The environment of every `make airflow` component: one port, loopback only."""
    env = airflow_env(home)
    base_url = f"http://127.0.0.1:{port}"
    env.update(
        {
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(port),
            "AIRFLOW__API__BASE_URL": base_url,
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{base_url}/execution/",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__API_AUTH__JWT_SECRET": _kept_secret(home / "jwt_secret.generated"),
            # the scheduler's health server is off, and on loopback if turned on
            "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "False",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_HOST": "127.0.0.1",
        }
    )
    return env


def _kept_secret(path: Path) -> str:
    """A random secret kept in `path` (made on first use), shared by every component."""
    if not path.exists():
        path.write_text(secrets.token_hex(32), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def ui(port: int = 8080, home: Path = AIRFLOW_HOME) -> int:
    """Start Airflow's components on the project's DAGs, every one on 127.0.0.1 (the UI on
    `port`; 0 picks a free one); print the URL and login first; Ctrl-C stops them all."""
    home.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    env = ui_env(home, port)
    passwords = home / "simple_auth_manager_passwords.json.generated"
    if not passwords.exists():
        passwords.write_text(json.dumps({"admin": secrets.token_urlsafe(12)}), encoding="utf-8")
    password = json.loads(passwords.read_text(encoding="utf-8")).get("admin", "?")
    setup = [sys.executable, "-m", "pipeline.airflow_local", "_setup"]
    if subprocess.call(setup, env=env) != 0:
        print("could not prepare the Airflow metadata database", file=sys.stderr)
        return 1
    logs = home / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    print(
        f"\nAirflow UI: http://127.0.0.1:{port}   login: admin / {password}"
        f"\n(password kept in {passwords}; every component listens on 127.0.0.1 only; logs in"
        f" {logs}/<component>.log; the DAGs start paused: unpause them in the UI; Ctrl-C stops"
        " every component)\n",
        flush=True,
    )
    airflow = str(Path(sys.executable).with_name("airflow"))
    processes: dict[str, subprocess.Popen] = {}
    try:
        for name, args in UI_COMPONENTS:
            with (logs / f"{name}.log").open("a", encoding="utf-8") as out:
                processes[name] = subprocess.Popen(
                    [airflow, *args],
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,  # its own group: stopped with its children
                )
        while True:
            for name, process in processes.items():
                if process.poll() is not None:
                    print(f"{name} exited ({process.returncode}); see {logs / name}.log")
                    return 1
            time.sleep(1)
    except KeyboardInterrupt:
        return 0
    finally:
        _stop(processes.values())


def _stop(processes: Iterable[subprocess.Popen]) -> None:
    """SIGTERM each component's process group, then SIGKILL what is left after 30 s."""
    running = [p for p in processes if p.poll() is None]
    for process in running:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + 30
    for process in running:
        try:
            process.wait(timeout=max(1.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def _setup() -> int:
    from airflow.models.pool import Pool
    from airflow.utils import db

    from pipeline.orchestration import (
        DUCKDB_WRITER_POOL,
        DUCKDB_WRITER_POOL_DESCRIPTION,
        writer_pool_slots,
    )

    db.upgradedb()
    Pool.create_or_update_pool(
        DUCKDB_WRITER_POOL,
        writer_pool_slots(),
        DUCKDB_WRITER_POOL_DESCRIPTION,
        include_deferred=False,
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.airflow_local", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run_parser = commands.add_parser("run", help="run the DAGs once through Airflow (make run)")
    run_parser.add_argument("dag_ids", nargs="*", default=list(RUN_DAGS))
    run_parser.add_argument("--no-stances", action="store_true")
    ui_parser = commands.add_parser("ui", help="start the Airflow UI locally (make airflow)")
    ui_parser.add_argument("--port", type=int, default=8080, help="0 picks a free port")
    ui_parser.add_argument("--home", type=Path, default=AIRFLOW_HOME, help=argparse.SUPPRESS)
    child = commands.add_parser("_dags-test")
    child.add_argument("result_path", type=Path)
    child.add_argument("dag_ids", nargs="+")
    commands.add_parser("_setup")
    args = parser.parse_args(argv)
    if args.command == "run":
        return run(args.dag_ids, show_stances=not args.no_stances)
    if args.command == "ui":
        return ui(args.port, args.home)
    if args.command == "_dags-test":
        return _dags_test(args.result_path, args.dag_ids)
    return _setup()


if __name__ == "__main__":
    sys.exit(main())
