"""The run's outcome events in the log even when a stage stops it: a stage that fails on
its sources records what the run found so far, and a failed task is a `task_failed` event."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from pipeline.events import DOCUMENT_INGESTED, EXTRACTION_COMPLETED, STATEMENT_EXTRACTED, Event
from pipeline.run_folder import safe_run_id
from pipeline.settings import Settings
from pipeline.stages.batches import AppendBatch, read_parts
from pipeline.stages.common import PRODUCER

STATEMENT_EVENTS = (STATEMENT_EXTRACTED, EXTRACTION_COMPLETED)


def failed_sources(events: Iterable[Event]) -> dict[str, str]:
    """The sources a stage's events say failed, with the first reason of each."""
    from pipeline.payloads import FetchFailed, ParseFailed, TaskFailed, read_payload

    failed: dict[str, str] = {}
    for event in events:
        payload = read_payload(event)
        if isinstance(payload, FetchFailed) and payload.target != "feed":
            continue  # one bad link in a feed is that link's failure, not the feed's
        if isinstance(payload, (FetchFailed, ParseFailed)):
            failed.setdefault(payload.source, payload.reason or "?")
        elif isinstance(payload, TaskFailed):
            failed.setdefault(str(payload.source or None), payload.error or "?")
    return failed


def fail_if_sources_down(
    settings: Settings,
    run_id: str,
    what: str,
    tried: list[str],
    failed: dict[str, str],
    outcomes: Sequence[Event],
) -> None:
    """Raise SourcesFailedError when every one of `tried` failed, or more than the allowed
    share (Settings.source_failure_threshold), after appending the run's `outcomes` so far:
    each failure is in the log, and the task fails, so it is retried and alerted."""
    from pipeline.errors import SourcesFailedError

    down = [name for name in tried if name in failed]
    if not tried or not down:
        return
    share, limit = len(down) / len(tried), settings.source_failure_threshold
    if len(down) < len(tried) and share <= limit:
        return
    recorded = record_outcomes(settings, run_id, outcomes)
    named = ", ".join(f"{name} ({failed[name]})" for name in down[:5])
    more = f" and {len(down) - 5} more" if len(down) > 5 else ""
    raise SourcesFailedError(
        f"run {run_id}: {len(down)} of {len(tried)} {what} failed ({share:.0%}; the run fails"
        f" above {limit:.0%} or when all fail): {named}{more}. Each failure is in the event log"
        f" ({recorded} events recorded); the task is retried. If this share is expected, raise"
        " MONITOR_SOURCE_FAILURE_THRESHOLD"
    )


def record_outcomes(settings: Settings, run_id: str, outcomes: Sequence[Event]) -> int:
    """Append a run's outcome events so far (a run that stops early still logs what happened
    to each source); documents wait for the gate. Return how many were new."""
    from pipeline.store import open_store

    events = [e for e in outcomes if e.event_type != DOCUMENT_INGESTED]
    with open_store(settings) as store:
        return store.append(events, run_id=safe_run_id(run_id)).appended


def record_task_failure(
    settings: Settings, dag_id: str, task_id: str, run_id: str, error_text: str
) -> None:
    """Append a task_failed event so the failure is in the log beside everything else."""
    from pipeline.payloads import TaskFailed
    from pipeline.store import open_store

    payload = TaskFailed(dag_id=dag_id, task_id=task_id, run_id=run_id, error=error_text[:4000])
    event = payload.event(f"dag:{dag_id}", datetime.now(UTC), PRODUCER)
    with open_store(settings) as store:
        store.append([event], run_id=safe_run_id(run_id))


def run_outcomes(ref: str) -> dict[str, int]:
    """Count each document fate the batch at `ref` carries (any stage's output; the append
    batch for the run summary): outcome events by type, and the rows quarantined."""
    parts = read_parts(ref)
    return count_outcomes(AppendBatch((*parts["outcome"], *parts["event"]), parts["quarantined"]))


def count_outcomes(batch: AppendBatch) -> dict[str, int]:
    """Count the events of a batch by type (statement events aside), and its quarantined rows."""
    counts: dict[str, int] = {}
    for event in batch.events:
        if event.event_type not in STATEMENT_EVENTS:
            counts[event.event_type] = counts.get(event.event_type, 0) + 1
    counts["quarantined"] = len(batch.quarantined)
    return counts
