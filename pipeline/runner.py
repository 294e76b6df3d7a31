"""Run every stage in one process (`monitor run`); the DAGs run the same stages as tasks."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from pipeline import stages
from pipeline.errors import MonitorError, StoreError
from pipeline.settings import Settings

log = logging.getLogger(__name__)

Progress = Callable[[str, str], None] | None


def run_pipeline(
    settings: Settings, rebuild: bool = True, progress: Progress = None, run_id: str | None = None
) -> dict[str, Any]:
    """Run discover → fetch → extract → dedupe → statements → validate → append (→ views)."""
    run_id = run_id or stages.new_run_id("cli")
    timings: dict[str, float] = {}

    def step(name: str, work: Callable[[], Any]) -> Any:
        if progress:
            progress(name, "running")
        started = time.perf_counter()
        try:
            result = work()
        except MonitorError as error:
            _record_failure(settings, "monitor run" if rebuild else "monitor ingest", name,
                            run_id, error)  # fmt: skip
            raise
        timings[name] = time.perf_counter() - started
        if progress:
            progress(name, f"done in {timings[name]:.2f} s")
        return result

    candidates = step("discover", lambda: stages.discover_stage(settings, run_id))
    pages = step("fetch", lambda: stages.fetch_stage(settings, run_id, candidates))
    documents = step("extract", lambda: stages.extract_stage(settings, run_id, pages))
    unique = step("dedupe", lambda: stages.dedupe_stage(settings, run_id, documents))
    statements = step("statements", lambda: stages.statements_stage(settings, run_id, unique))
    validated = step("validate", lambda: stages.validate_stage(settings, run_id, statements))
    counts = step("append", lambda: stages.append_stage(settings, run_id, validated))
    if rebuild:
        step("views", lambda: stages.rebuild_stage(settings))
    outcome = stages.run_outcomes(validated)
    return {
        "run_id": run_id,
        **outcome,
        "events appended": counts["appended"],
        "events already logged": counts["already_present"],
        "statements in batch": counts["statements"],
        "seconds": round(sum(timings.values()), 2),
        "seconds by stage": ", ".join(f"{k} {v:.2f}" for k, v in timings.items()),
    }


def _record_failure(
    settings: Settings, command: str, stage: str, run_id: str, error: MonitorError
) -> None:
    """Log a failed stage as a task_failed event, as the DAGs' failure callback does, so that
    `monitor check` sees it; never raise (the failure itself is what the user must see)."""
    if isinstance(error, StoreError):
        return  # the log is the thing that failed: it cannot record it
    try:
        stages.record_task_failure(
            settings, command, stage, run_id, f"{type(error).__name__}: {error}"
        )
    except Exception as err:  # noqa: BLE001 - e.g. the log is the thing that failed
        log.warning("the failure of %s was not recorded in the event log: %s", stage, err)
