"""Which runs finished and which failed: what `monitor check` says about the last run.

A step that finishes records a row in `run_outcomes` (an append: kind 'ingest'; a rebuild
that published the views: kind 'views'); a task that fails is a task_failed event in the
log (the DAGs' failure callback, and `monitor run` itself). For each kind, the last run
failed when a task failure of that kind was recorded after its last finished step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pipeline.store.sql_files import store_sql

INGEST, VIEWS = "ingest", "views"
# The tasks of the rebuild_views DAG (rebuild, alert, report) and `monitor run`'s views step:
# a failure of any of them is a failed views run, not a failed ingest.
VIEW_TASKS = frozenset({"rebuild", "alert", "report", "views"})
_EPOCH = datetime(1970, 1, 1)


@dataclass(frozen=True, slots=True)
class RunState:
    """One kind of run: its last finished step, the failures since, and the rows quarantined
    by that run or since (counted by suite and expectation)."""

    kind: str
    last_ok: dict[str, Any] | None
    failures: list[dict[str, Any]] = field(default_factory=list)
    quarantined: list[tuple[str, str, int]] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        """Whether the last run of this kind failed."""
        return bool(self.failures)


def kind_of_task(task_id: str | None) -> str:
    """The kind of run a failed task belongs to."""
    return VIEWS if task_id in VIEW_TASKS else INGEST


def record_run_outcome(recorder: Any, run_id: str, kind: str, appended: int) -> None:
    """Record that a step of `kind` finished (a writer's connection)."""
    last = recorder.last_row()
    recorder.con.execute(
        store_sql("insert_run_outcome"),
        {"run_id": run_id, "kind": kind, "appended": appended, "last_seq": last[0] if last else 0},
    )


def run_states(recorder: Any) -> list[RunState]:
    """The state of each kind of run (ingest, views), from the log and its tables."""
    con = recorder.con
    has = {
        name: bool(con.execute(store_sql("table_exists"), {"name": name}).fetchone()[0])
        for name in ("run_outcomes", "quarantine")
    }
    last: dict[str, dict[str, Any]] = {}
    if has["run_outcomes"]:
        cursor = con.execute(store_sql("last_run_outcomes"))
        names = [d[0] for d in cursor.description]
        for row in cursor.fetchall():
            last[row[0]] = dict(zip(names, row, strict=True))
    since = min(last.get(k, {}).get("recorded_at") or _EPOCH for k in (INGEST, VIEWS))
    rows = con.execute(store_sql("task_failures_since"), {"since": since}).fetchall()
    failures: dict[str, list[dict[str, Any]]] = {INGEST: [], VIEWS: []}
    for recorded_at, dag_id, task_id, run_id, error in rows:
        kind = kind_of_task(task_id)
        if recorded_at > (last.get(kind, {}).get("recorded_at") or _EPOCH):
            failures[kind].append(
                {
                    "recorded_at": recorded_at,
                    "dag_id": dag_id,
                    "task_id": task_id,
                    "run_id": run_id,
                    "error": error,
                }
            )
    quarantined = []
    if has["quarantine"]:
        ingest = last.get(INGEST, {})
        window = {"since": ingest.get("recorded_at") or _EPOCH, "run_id": ingest.get("run_id")}
        rows = con.execute(store_sql("quarantined_since"), window).fetchall()
        quarantined = [tuple(row) for row in rows]
    return [
        RunState(INGEST, last.get(INGEST), failures[INGEST], quarantined),
        RunState(VIEWS, last.get(VIEWS), failures[VIEWS]),
    ]
