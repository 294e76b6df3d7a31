"""Rows a gate refused, and the record of each validation: kept in the run's files here, and
written to their tables by the store (EventRecorder.record_quarantine, .record_validations).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.events import Event, event_from_dict, event_to_dict


@dataclass(frozen=True, slots=True)
class QuarantinedRow:
    """An event a gate refused: the suite, the first expectation it broke, and every reason."""

    event: Event
    suite: str
    expectation: str
    detail: str

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (a row of the run's append batch, or of quarantine.jsonl)."""
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


def record_run_validations(store: Any, warehouse_dir: Path, run_id: str) -> int:
    """Record in the store the validations the gates ran for a run (beside its quarantine)."""
    path = run_validations_path(warehouse_dir / "gx", run_id)
    return store.record_validations(read_validation_summaries(path))


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
