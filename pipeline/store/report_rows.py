"""What the HTML report shows, read from the published BI snapshot (never the log), so a
writer at work does not get in the way. Each query is a file sql/store/report_*.sql."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from pipeline.errors import StoreError
from pipeline.store.duckdb_store import connect
from pipeline.store.sql_files import store_sql

Rows = list[dict[str, Any]]
# The relations every report needs; the runs page's own (task_failures, quarantined_rows) may
# be missing from a snapshot built before they existed: that page then says so.
REQUIRED = (
    "statements",
    "documents",
    "actor_stance_history",
    "actor_current_stance",
    "stance_changes",
    "document_outcomes",
    "log_summary",
)


@dataclass(frozen=True, slots=True)
class ReportLimits:
    """How much of the history the overview and the runs page show."""

    changes: int = 25
    runs: int = 20
    failures: int = 50
    quarantine: int = 50


@dataclass(frozen=True, slots=True)
class ReportRows:
    """Everything one report is built from but the statements themselves (read actor by actor
    with `iter_histories`). None: the snapshot has no such relation."""

    snapshot: Path
    actors: Rows
    current_stances: Rows
    stance_changes: Rows
    statements_per_day: Rows
    documents_per_day: Rows
    run_outcomes: Rows
    log_summary: Rows
    snapshot_source: dict[str, Any] | None
    task_failures: Rows | None
    quarantine: Rows | None


def read_report_rows(snapshot: Path, limits: ReportLimits = ReportLimits()) -> ReportRows:
    """Read the rows of a report from the BI snapshot at `snapshot` (read-only)."""
    snapshot = Path(snapshot)
    if not snapshot.exists():
        raise StoreError(f"{snapshot}: no BI snapshot here; run `monitor views` to publish one")
    con = connect(snapshot, read_only=True)
    try:
        present = {row[0] for row in con.execute(store_sql("report_relations")).fetchall()}
        missing = [name for name in REQUIRED if name not in present]
        if missing:
            raise StoreError(
                f"{snapshot}: not a BI snapshot of this monitor (no {', '.join(missing)});"
                " run `monitor views` to publish one"
            )

        def rows(name: str, **params: Any) -> Rows:
            cursor = con.execute(store_sql(name), params or None)
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

        def optional(relation: str, name: str, **params: Any) -> Rows | None:
            return rows(name, **params) if relation in present else None

        source = optional("snapshot_source", "report_snapshot_source")
        return ReportRows(
            snapshot=snapshot,
            actors=rows("report_actors"),
            current_stances=rows("report_current_stances"),
            stance_changes=rows("report_stance_changes", limit=limits.changes),
            statements_per_day=rows("report_statements_per_day"),
            documents_per_day=rows("report_documents_per_day"),
            run_outcomes=rows("report_run_outcomes", runs=limits.runs),
            log_summary=rows("report_log_summary"),
            snapshot_source=source[0] if source else None,
            task_failures=optional("task_failures", "report_task_failures", limit=limits.failures),
            quarantine=optional("quarantined_rows", "report_quarantine", limit=limits.quarantine),
        )
    except duckdb.Error as err:
        raise StoreError(f"{snapshot}: cannot read the report's rows: {err}") from err
    finally:
        con.close()


def iter_histories(snapshot: Path, chunk: int = 20_000) -> Iterator[tuple[str, Rows]]:
    """Every actor's current statements, one actor at a time in actor_id order, as
    (actor_id, rows in topic and statement order): the rows are fetched in chunks, so no
    more than one actor's statements (and one chunk) are held at once."""
    con = connect(Path(snapshot), read_only=True)
    try:
        cursor = con.execute(store_sql("report_history"))
        names = [d[0] for d in cursor.description]
        actor_id, rows = None, []
        while batch := cursor.fetchmany(chunk):
            for values in batch:
                row = dict(zip(names, values, strict=True))
                if row["actor_id"] != actor_id:
                    if rows:
                        yield actor_id, rows
                    actor_id, rows = row["actor_id"], []
                rows.append(row)
        if rows:
            yield actor_id, rows
    except duckdb.Error as err:
        raise StoreError(f"{snapshot}: cannot read the statements: {err}") from err
    finally:
        con.close()
