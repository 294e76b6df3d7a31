"""Rows a gate refused, and the record of each validation: written to their tables by the store.

Nothing here builds SQL from data: every value goes in as a parameter. Recording the same
rows twice (a retried append) adds nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from pipeline.events import Event, canonical_json, event_from_dict, event_to_dict

_QUARANTINE_COLUMNS = (
    "quarantined_at, run_id, suite, expectation, event_id, event_type, payload, detail"
)
_VALIDATION_COLUMNS = (
    "validated_at, run_id, suite, success, evaluated, unsuccessful, n_rows, report_path, docs_path"
)


@dataclass(frozen=True, slots=True)
class QuarantinedRow:
    """An event a gate refused: the suite, the first expectation it broke, and every reason."""

    event: Event
    suite: str
    expectation: str
    detail: str

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (quarantine.jsonl in the run folder)."""
        return {
            "event": event_to_dict(self.event),
            "suite": self.suite,
            "expectation": self.expectation,
            "detail": self.detail,
        }


def rows_from_dicts(rows: Iterable[Mapping[str, Any]]) -> list[QuarantinedRow]:
    """Rebuild quarantined rows from `QuarantinedRow.to_dict` output."""
    return [
        QuarantinedRow(
            event=event_from_dict(row["event"]),
            suite=str(row["suite"]),
            expectation=str(row["expectation"]),
            detail=str(row.get("detail") or ""),
        )
        for row in rows
    ]


def record_quarantine(
    con: duckdb.DuckDBPyConnection, rows: Sequence[QuarantinedRow], run_id: str
) -> int:
    """Insert quarantined rows for a run (skipping ones already recorded for any run: a row
    refused again on a later run is quarantined once); return how many."""
    if not rows:
        return 0
    now = datetime.now(UTC).replace(tzinfo=None)
    inserted = 0
    own_transaction = _begin(con)
    try:
        for row in rows:
            present = con.execute(
                "select count(*) from quarantine"
                " where suite = ? and expectation = ? and event_id = ?",
                [row.suite, row.expectation, row.event.event_id],
            ).fetchone()[0]
            if present:
                continue
            con.execute(
                f"insert into quarantine ({_QUARANTINE_COLUMNS}) values (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    now,
                    run_id,
                    row.suite,
                    row.expectation,
                    row.event.event_id,
                    row.event.event_type,
                    canonical_json(row.event.payload),
                    row.detail,
                ],
            )
            inserted += 1
        if own_transaction:
            con.execute("commit")
    except BaseException:
        if own_transaction:
            con.execute("rollback")
        raise
    return inserted


def _begin(con: duckdb.DuckDBPyConnection) -> bool:
    """Start a transaction unless the caller already holds one; say whether we did."""
    try:
        con.execute("begin transaction")
    except duckdb.TransactionException:
        return False
    return True


def record_validations(
    con: duckdb.DuckDBPyConnection, summaries: Sequence[Mapping[str, Any]]
) -> int:
    """Insert one validation_results row per summary (SuiteRun.to_dict); skip repeats."""
    inserted = 0
    for summary in summaries:
        validated_at = _naive_utc(summary["validated_at"])
        present = con.execute(
            "select count(*) from validation_results"
            " where run_id = ? and suite = ? and validated_at = ?",
            [summary["run_id"], summary["suite"], validated_at],
        ).fetchone()[0]
        if present:
            continue
        con.execute(
            f"insert into validation_results ({_VALIDATION_COLUMNS})"
            " values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                validated_at,
                summary["run_id"],
                summary["suite"],
                bool(summary["success"]),
                int(summary["evaluated"]),
                int(summary["unsuccessful"]),
                int(summary["n_rows"]),
                summary.get("report_path"),
                summary.get("docs_path"),
            ],
        )
        inserted += 1
    return inserted


def record_run_validations(con: duckdb.DuckDBPyConnection, warehouse_dir: Path, run_id: str) -> int:
    """Record the validations the gates ran for a run (call it beside `record_quarantine`)."""
    path = run_validations_path(warehouse_dir / "gx", run_id)
    return record_validations(con, read_validation_summaries(path))


def run_validations_path(gx_root: Path, run_id: str) -> Path:
    """Return the file listing a run's validation summaries (written by the gates)."""
    safe = "".join(c if c.isalnum() or c in "_.+-" else "_" for c in run_id)[:200]
    return gx_root / "runs" / safe / "validations.jsonl"


def append_validation_summaries(path: Path, summaries: Iterable[Mapping[str, Any]]) -> None:
    """Append validation summaries to a run's list."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as out:
        for summary in summaries:
            out.write(json.dumps(dict(summary), sort_keys=True) + "\n")


def read_validation_summaries(path: Path) -> list[dict[str, Any]]:
    """Read a run's validation summaries (none if the file does not exist)."""
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _naive_utc(value: Any) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment
