"""The store's side tables beside the log: rows a gate refused (quarantine) and the record of
each validation (validation_results). Only inserted; a row recorded once is not added again
(a retried append records nothing twice). Every value goes in as a parameter."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from pipeline.events import canonical_json
from pipeline.store.sql_files import store_sql


def insert_quarantine(con: Any, rows: Sequence[Any], run_id: str) -> int:
    """Insert refused rows (each with .event, .suite, .expectation, .detail) not yet
    quarantined for their suite and expectation; return how many. The caller holds the
    transaction."""
    now = datetime.now(UTC).replace(tzinfo=None)
    inserted = 0
    for row in rows:
        key = {"suite": row.suite, "expectation": row.expectation, "event_id": row.event.event_id}
        if con.execute(store_sql("quarantine_row_present"), key).fetchone()[0]:
            continue
        con.execute(
            store_sql("insert_quarantine_row"),
            {
                **key,
                "quarantined_at": now,
                "run_id": run_id,
                "event_type": row.event.event_type,
                "payload": canonical_json(row.event.payload),
                "detail": row.detail,
            },
        )
        inserted += 1
    return inserted


def insert_validations(con: Any, summaries: Sequence[Mapping[str, Any]]) -> int:
    """Insert one validation_results row per summary (SuiteRun.to_dict) not recorded yet;
    return how many. The caller holds the transaction."""
    inserted = 0
    for summary in summaries:
        key = {
            "run_id": summary["run_id"],
            "suite": summary["suite"],
            "validated_at": naive_utc(summary["validated_at"]),
        }
        if con.execute(store_sql("validation_present"), key).fetchone()[0]:
            continue
        con.execute(
            store_sql("insert_validation"),
            {
                **key,
                "success": bool(summary["success"]),
                "evaluated": int(summary["evaluated"]),
                "unsuccessful": int(summary["unsuccessful"]),
                "n_rows": int(summary["n_rows"]),
                "report_path": summary.get("report_path"),
                "docs_path": summary.get("docs_path"),
            },
        )
        inserted += 1
    return inserted


def naive_utc(value: Any) -> datetime:
    """A datetime (or ISO text) as naive UTC, as the tables hold it."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment
