"""
### rebuild_views: rebuild the views, check them, publish the BI snapshot and the report

Runs whenever the `monitor_event_log` Asset is updated, i.e. after every successful
`append` in `ingest_news` and after every `reprocess` run. There is no time schedule.

**Task** `rebuild` (pool `duckdb_writer`, one slot; retried once): rebuilds every view from
the event log (`sql/views/`) into a new file written beside the read-only BI snapshot
(`MONITOR_SNAPSHOT`, default `<warehouse>/snapshot/monitor_bi.duckdb`), runs the view
quality suites on it, then renames it over the snapshot (atomic; open readers keep theirs).

**Task** `alert` (pool `duckdb_writer`; after `rebuild` has published the snapshot): posts
each stance change not alerted yet to `MONITOR_ALERT_WEBHOOK` and/or mails a digest of them
to `MONITOR_ALERT_EMAIL`, and records each delivery (`alert_sent`) or failure
(`alert_failed`) in the event log. A failed delivery is a warning in the task log, never a
failed task: the snapshot is already published, and the next run retries it
(`monitor alerts --dry-run` shows what is pending).

*When `rebuild` fails*: a view-suite failure means the views break their rules; the snapshot is
**not** replaced, so BI keeps the previous one. Read the log, fix the SQL or the data, then
clear the task (or run `monitor views` by hand). `StoreBusyError`: another writer held the
file; the retry usually succeeds.

**Task** `report` (no pool: it only reads the published snapshot): writes the static HTML
report (`MONITOR_REPORT_DIR`, default `<warehouse>/report`) from the snapshot, built aside
and switched in atomically. *When it fails*: the previous report stays; the error names the
file. Clearing it (or `monitor report`) is always safe.

The event log is the source of truth; views can always be rebuilt from it, so clearing this
task is always safe. A failure is recorded as a `task_failed` event and alerted like every other.
"""

from __future__ import annotations

from airflow.sdk import dag, get_current_context, task

from pipeline.orchestration import (
    DUCKDB_WRITER_POOL,
    EVENT_LOG_ASSET,
    START_DATE,
    airflow_run_id,
    default_args,
)


@dag(
    dag_id="rebuild_views",
    schedule=[EVENT_LOG_ASSET],
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=default_args(),
    doc_md=__doc__,
    tags=["monitor", "views"],
)
def rebuild_views():
    @task(pool=DUCKDB_WRITER_POOL)
    def rebuild() -> dict:
        from pipeline.settings import load_settings
        from pipeline.stages import rebuild_stage

        return rebuild_stage(load_settings(), run_id=airflow_run_id(get_current_context()))

    @task(pool=DUCKDB_WRITER_POOL)
    def alert() -> dict:
        from pipeline.alerts import send_alerts
        from pipeline.settings import load_settings

        report = send_alerts(load_settings(), run_id=airflow_run_id(get_current_context()))
        return report.as_counts()

    @task
    def report() -> str:
        from pipeline.report import write_report
        from pipeline.settings import load_settings

        return str(write_report(load_settings()).index)

    built = rebuild()
    built >> alert()
    built >> report()


rebuild_views()
