"""One DAG end to end on a real Celery worker (issue 20, item 7): what the compose profile
`celery` runs, on this machine.

Airflow with the CeleryExecutor (api-server, scheduler, dag-processor: the `airflow_factory` of
conftest.py, metadata in a throw-away PostgreSQL database that is also Celery's result
backend), Redis at 127.0.0.1:6379 as the broker (database 7, which nothing else here uses; the
test's own queue, so a parallel run cannot take its tasks), and a real `airflow celery worker`
process. Airflow's worker log server binds every interface and has no host setting, so the
worker runs with `--skip-serve-logs`: it writes the task logs into the shared log folder the
api-server reads. Skipped, saying why, without Redis or PostgreSQL.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator

import duckdb
import psutil
import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(300)]

REDIS_HOST, REDIS_PORT, REDIS_DB = "127.0.0.1", 6379, 7
QUEUE_PREFIX = "monitor_celery_smoke_"
DAG_ID = "ingest_news"
INGEST_TASKS = {
    "discover",
    "fetch",
    "extract",
    "dedupe",
    "extract_statements",
    "validate",
    "append",
}


@pytest.fixture
def celery_queue() -> Iterator[str]:
    """A queue of this test's own on the local Redis; its keys are removed afterwards."""
    import redis

    client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_DB, socket_connect_timeout=3)
    try:
        client.ping()
    except Exception as error:  # redis.ConnectionError, a refused or timed-out connection
        pytest.skip(f"Redis not reachable at {REDIS_HOST}:{REDIS_PORT}: {error}")
    queue = f"{QUEUE_PREFIX}{secrets.token_hex(4)}"
    try:
        yield queue
    finally:
        for key in client.scan_iter(match=f"*{queue}*"):
            client.delete(key)
        # kombu's shared bookkeeping (remote-control bindings) goes once no other run uses it
        if not any(client.scan_iter(match=f"*{QUEUE_PREFIX}*")):
            for key in client.scan_iter(match="_kombu.*"):
                client.delete(key)
        client.close()


def listeners(processes) -> set[tuple[str, int]]:
    """(address, port) of every listening TCP socket of the processes and their children."""
    family: set[int] = set()
    for process in processes:
        try:
            root = psutil.Process(process.pid)
            family |= {root.pid} | {child.pid for child in root.children(recursive=True)}
        except psutil.NoSuchProcess:
            continue
    return {
        (conn.laddr.ip, conn.laddr.port)
        for conn in psutil.net_connections(kind="tcp")
        if conn.status == psutil.CONN_LISTEN and conn.pid in family
    }


def celery_results(database_url: str) -> list[str]:
    """The states Celery's result backend recorded, one per task message a worker ran."""
    import psycopg2

    connection = psycopg2.connect(
        database_url.replace("postgresql+psycopg2://", "postgresql://", 1)
    )
    try:
        with connection.cursor() as cursor:
            cursor.execute("select status from celery_taskmeta")
            return [row[0] for row in cursor.fetchall()]
    finally:
        connection.close()


def test_ingest_news_runs_end_to_end_on_a_celery_worker(
    celery_queue, airflow_factory, postgres_database
):  # celery_queue first: without Redis the test is skipped before a database is made
    started = time.monotonic()
    stack = airflow_factory(
        {
            "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
            "AIRFLOW__CELERY__BROKER_URL": f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}",
            "AIRFLOW__CELERY__RESULT_BACKEND": f"db+{postgres_database}",
            # every task is queued to this test's queue, which only its worker consumes
            "AIRFLOW__OPERATORS__DEFAULT_QUEUE": celery_queue,
        }
    )
    worker_name = f"{celery_queue}@localhost"
    stack.start(
        "celery-worker",
        "celery", "worker",
        "--queues", celery_queue,
        "--celery-hostname", worker_name,
        "--concurrency", "2",
        "--skip-serve-logs",
        "--without-mingle", "--without-gossip",
    )  # fmt: skip
    stack.wait_for(
        "the Celery worker to be ready",
        lambda: f"{worker_name} ready" in stack.log_path("celery-worker").read_text(),
        timeout=120,
    )
    stack.wait_for(f"the dag-processor to register {DAG_ID}", lambda: stack.dag(DAG_ID))
    stack.unpause(DAG_ID)

    run_id = stack.trigger(DAG_ID)
    run = stack.wait_for_run(DAG_ID, run_id, timeout=200)
    assert run["state"] == "success", stack.describe_run(DAG_ID, run_id)
    tasks = stack.task_instances(DAG_ID, run_id)
    assert set(tasks) == INGEST_TASKS
    for task_id, ti in tasks.items():
        assert ti["state"] == "success", stack.describe_run(DAG_ID, run_id)
        assert ti["queue"] == celery_queue, f"{task_id} was not queued to Celery: {ti['queue']}"
    assert tasks["append"]["pool"] == "duckdb_writer"

    # The worker ran each task (its log names every one), and Celery recorded each success.
    worker_log = stack.log_path("celery-worker").read_text(encoding="utf-8", errors="replace")
    executed = [line for line in worker_log.splitlines() if "Executing workload in Celery" in line]
    for task_id in INGEST_TASKS:
        assert any(f"task_id='{task_id}'" in line for line in executed), (
            f"{task_id} not run by the Celery worker\n{stack.tail('celery-worker')}"
        )
    # Celery writes a task's result after Airflow has the task's state: wait for the last.
    stack.wait_for(
        "Celery to record every task's result",
        lambda: celery_results(postgres_database).count("SUCCESS") >= len(INGEST_TASKS),
        timeout=60,
    )
    results = celery_results(postgres_database)
    assert results.count("SUCCESS") >= len(INGEST_TASKS), results
    with duckdb.connect(stack.env["MONITOR_DB"], read_only=True) as con:
        statements = con.sql(
            "select count(*) from events where event_type = 'statement_extracted'"
        ).fetchone()[0]
    assert statements > 0, "the run on the worker appended no statement to the event log"

    # Every Airflow process, the worker too, listens on loopback only.
    sockets = listeners(stack.processes.values())
    api_port = int(stack.base_url.rsplit(":", 1)[1])
    assert ("127.0.0.1", api_port) in sockets, f"the api-server's socket is not seen: {sockets}"
    outside = {s for s in sockets if s[0] not in ("127.0.0.1", "::1")}
    assert not outside, f"listening beyond loopback: {sorted(outside)}"
    print(f"ingest_news on a Celery worker: {time.monotonic() - started:.0f} s in all")
