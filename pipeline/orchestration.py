"""What the DAGs share: the event-log Asset, the writer pool, retry settings, failure callback.

The DAG files in `dags/` only wire `pipeline.stages` functions together; everything they have
in common lives here so the three files stay a few lines each. This module is imported by the
DAG processor on every parse, so it imports nothing heavy at module level.

What the DAGs take from the settings (`pipeline.settings.load_settings`, the one reader of
the environment): the schedule of `ingest_news` (MONITOR_SCHEDULE), a cap on every task's
retries (MONITOR_RETRIES), the writer pool's size (MONITOR_WRITER_POOL_SLOTS), and where a
failed task is reported (MONITOR_ALERT_WEBHOOK, MONITOR_ALERT_EMAIL through Airflow's
`smtp_default` connection).
"""

from __future__ import annotations

import json
import logging
import time
import urllib.request
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from airflow.sdk import Asset, AssetAlias

if TYPE_CHECKING:
    from pipeline.settings import Settings

log = logging.getLogger(__name__)

OWNER = "monitor-ops"
START_DATE = datetime(2025, 1, 1)

# DuckDB allows one writing process per file, and while one process has it open for writing no
# other process can open it at all, not even read-only. So every task that opens the event log
# (to write, or to read what is already logged) runs in this pool, which has one slot on the
# DuckDB store (`airflow pools set duckdb_writer 1 ...`; the size: `writer_pool_slots`).
DUCKDB_WRITER_POOL = "duckdb_writer"
DUCKDB_WRITER_POOL_DESCRIPTION = "Tasks that open the event log (DuckDB store: one slot)"
# The DuckLake store (MONITOR_STORE_URL=ducklake:...: catalog in PostgreSQL, data in Parquet)
# takes concurrent writers, since it serialises its own appends; only there may ops lift the
# pool with MONITOR_WRITER_POOL_SLOTS, e.g. to the number of Celery worker slots.

# Updated by every task that appends to the event log (when it appended something: see
# EVENT_LOG_APPENDS); `rebuild_views` is scheduled on it.
EVENT_LOG_ASSET = Asset(
    name="monitor_event_log",
    uri="duckdb://warehouse/monitor.duckdb/events",
    group="monitor",
)

# Every task fails (and so is retried where it may be, recorded and alerted) after at most this
# long: a hung task must not hold a worker, nor the one DuckDB writer slot, for ever. The
# longest honest task, statements over a day's backlog, takes minutes (bench/RESULTS.md).
TASK_TIMEOUT = timedelta(hours=2)
# discover and fetch: each request has its own deadline (fetch.total_timeout_s) and the fetch
# stage its time budget (fetch.stage_budget_s, 40 min by default), so only a hang reaches this.
NETWORK_TASK_TIMEOUT = timedelta(hours=1)
# reprocess re-extracts every stored document in the range asked for.
REPROCESS_TIMEOUT = timedelta(hours=12)
# The appending tasks name this alias as their outlet, not the Asset itself: an outlet Asset
# gets an event whenever its task succeeds, so a run that appended nothing would start a
# rebuild (15 s) for nothing. Through the alias an Asset event is added only when events
# were appended (`publish_appends`).
EVENT_LOG_APPENDS = AssetAlias(name="monitor_event_log_appends", group="monitor")


def _settings(settings: Settings | None) -> Settings:
    # DAG files are parsed often: the settings module is light (no pipeline stage imported)
    from pipeline.settings import load_settings

    return load_settings() if settings is None else settings


def schedule_from_env(settings: Settings | None = None) -> str | None:
    """Return the ingest schedule (MONITOR_SCHEDULE; None: manual runs only)."""
    return _settings(settings).schedule


def capped_retries(retries: int, settings: Settings | None = None) -> int:
    """Return `retries`, capped by MONITOR_RETRIES when that is set."""
    cap = _settings(settings).retries_cap
    return retries if cap is None else min(retries, cap)


def writer_pool_slots(settings: Settings | None = None) -> int:
    """Return the writer pool's size (MONITOR_WRITER_POOL_SLOTS, default 1): `load_settings`
    refuses more than one slot unless the store takes concurrent writers (DuckLake)."""
    return _settings(settings).writer_pool_slots


def default_args(
    retries: int = 1,
    retry_delay: timedelta = timedelta(minutes=2),
    execution_timeout: timedelta = TASK_TIMEOUT,
) -> dict:
    """Return the default_args every DAG uses: owner, retries, a time limit, the failure
    callback."""
    return {
        "owner": OWNER,
        "retries": capped_retries(retries),
        "retry_delay": retry_delay,
        "execution_timeout": execution_timeout,
        "on_failure_callback": [on_task_failure],
    }


def network_retry_args() -> dict:
    """Return task arguments for stages that talk to the network: retry with backoff."""
    return {
        "retries": capped_retries(3),
        "retry_delay": timedelta(minutes=1),
        "execution_timeout": NETWORK_TASK_TIMEOUT,
        "retry_exponential_backoff": 2.0,
        "max_retry_delay": timedelta(minutes=30),
    }


def publish_appends(context: Mapping[str, Any], counts: Mapping[str, Any]) -> bool:
    """Add an event of the event-log Asset (through EVENT_LOG_APPENDS, the task's outlet) when
    the task appended events; say whether it did. A run that appended nothing triggers no
    rebuild."""
    appended = int(counts.get("appended") or 0)
    if appended <= 0:
        log.info("append: nothing new in the event log, so no rebuild is triggered")
        return False
    extra = {"appended": appended, "last_seq": int(counts.get("last_seq") or 0)}
    context["outlet_events"][EVENT_LOG_APPENDS].add(EVENT_LOG_ASSET, extra=extra)
    return True


def store_retry_args() -> dict:
    """Return task arguments for stages whose only transient failure is a busy event log
    (another process reading or writing it): retry a little later."""
    return {"retries": capped_retries(2), "retry_delay": timedelta(minutes=1)}


def fail_without_retry(error: BaseException) -> BaseException:
    """Wrap an error no retry can fix (a quality gate failure) so Airflow fails the task at
    once; other errors (a busy event log) are retried as the task says."""
    from airflow.sdk.exceptions import AirflowFailException

    failure = AirflowFailException(f"{type(error).__name__}: {error}")
    failure.__cause__ = error
    return failure


def airflow_run_id(context: Mapping[str, Any]) -> str:
    """Return the run id the stages use for this DAG run: Airflow's, made folder-safe."""
    from pipeline.run_folder import safe_run_id

    return safe_run_id(str(context["run_id"]))


# -- failures ---------------------------------------------------------------------------------


def failure_summary(context: Mapping[str, Any]) -> dict[str, Any]:
    """Describe a failed task in a small JSON-ready dict (for the event log and alerts)."""
    ti = context.get("ti") or context.get("task_instance")
    dag = context.get("dag")
    error = context.get("exception")
    return {
        "dag_id": str(getattr(ti, "dag_id", None) or getattr(dag, "dag_id", "?")),
        "task_id": str(getattr(ti, "task_id", "?")),
        "run_id": str(context.get("run_id") or getattr(ti, "run_id", "?")),
        "try_number": getattr(ti, "try_number", None),
        "error": f"{type(error).__name__}: {error}" if error is not None else "unknown error",
    }


def on_task_failure(context: Mapping[str, Any]) -> None:
    """Record a failed task as a `task_failed` event, then alert; never raise."""
    try:
        summary = failure_summary(context)
    except Exception:  # a callback must never mask the task's own error
        log.exception("could not describe the failed task")
        return
    try:
        settings = _settings(None)
    except Exception:  # a bad setting is the task's error too; it must not hide this one
        log.exception("could not read the settings to record and report the failure")
        return
    _record_failure(summary, settings)
    _post_webhook(summary, settings.alert_webhook or "", settings.failure_alert_timeout_s)
    _send_email(context, summary, ",".join(settings.alert_email))


def _record_failure(summary: Mapping[str, Any], settings: Settings) -> None:
    attempts = settings.failure_record_attempts
    try:
        from pipeline.errors import StoreBusyError
        from pipeline.stages.outcomes import record_task_failure
    except Exception:
        log.exception("could not load the pipeline to record the failure")
        return
    for attempt in range(1, attempts + 1):
        try:
            record_task_failure(
                settings,
                summary["dag_id"],
                summary["task_id"],
                summary["run_id"],
                summary["error"],
            )
            return
        except StoreBusyError:  # another task holds the log; wait a moment and retry
            if attempt < attempts:
                time.sleep(2.0**attempt)
        except Exception:
            log.exception("could not record the failure in the event log")
            return
    log.error("event log busy: failure of %s not recorded", summary.get("task_id"))


def _post_webhook(summary: Mapping[str, Any], url: str, timeout_s: float = 5.0) -> bool:
    """POST the summary as JSON to the alert webhook; return whether it was accepted."""
    if not url:
        return False
    body = json.dumps({"text": _alert_text(summary), **summary}, default=str).encode()
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            return 200 <= response.status < 300
    except Exception:
        log.exception("alert webhook %s failed", url)
        return False


def _send_email(context: Mapping[str, Any], summary: Mapping[str, Any], to: str) -> bool:
    addresses = [a.strip() for a in to.split(",") if a.strip()]
    if not addresses:
        return False
    try:
        from airflow.providers.smtp.notifications.smtp import SmtpNotifier

        notifier = SmtpNotifier(
            to=addresses,
            subject=f"[monitor] {summary['dag_id']}.{summary['task_id']} failed",
            html_content=f"<pre>{_alert_text(summary)}</pre>",
        )
        notifier.notify(context)
        return True
    except Exception:
        log.exception("alert e-mail to %s failed", to)
        return False


def _alert_text(summary: Mapping[str, Any]) -> str:
    return (
        f"{summary['dag_id']}.{summary['task_id']} failed in run {summary['run_id']}"
        f" (try {summary.get('try_number')}): {summary['error']}"
    )
