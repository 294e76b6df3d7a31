"""
### ingest_news: discover, fetch, extract, dedupe, extract statements, validate, append

Runs once a day (env `MONITOR_SCHEDULE`, default `@daily`; `catchup` is off). One task per
stage, so a red square shows where a run broke. Batches pass between tasks as files in
`<warehouse>/runs/<run_id>/`; XComs only carry their paths. Every stage is idempotent:
clearing a task, or the whole run, appends nothing that is already in the event log.

**Tasks** (what each does; what to do when it fails):

- `discover`: reads the sources file (`MONITOR_SOURCES`), polls the feeds, lists new
  articles (skipping URLs the log already has). A feed that fails is a `fetch_failed` or
  `parse_failed` event. *Fails*: when every feed failed, or more than
  `MONITOR_SOURCE_FAILURE_THRESHOLD` (0.8) of them (`SourcesFailedError`, after logging each
  failure): an outage, retried 3 times with exponential backoff, then alerted; check the
  scheduler's network. A bad sources file fails every try with a message naming the file
  and entry: fix it, clear the task.
- `fetch`: downloads each new article once into the raw store. A page that cannot be fetched
  is recorded as `fetch_failed` (not an error): never requested again when the failure is
  permanent (404, 410, invalid URL, refused), tried again after 1, 2, 4 and 8 days when not.
  *Fails*: when every article fetch failed, or more than that share (logged first), retried
  like `discover`; if it still fails, check the host is reachable from the scheduler and
  clear the task.
- `extract`: turns pages into clean text documents, or skips them with a reason
  (`no-text`, `off-topic`, ...). *Fails*: a bug or unreadable input: read the log, fix, clear.
- `dedupe`: drops exact and near duplicates of anything already ingested. *Fails*: as `extract`.
- `extract_statements`: finds who says what about security guarantees. *Fails*: as `extract`.
- `validate`: the data-quality gates (Great Expectations); rows that fail are quarantined
  (once), a refused document is logged as `skipped: quarantined`, the rest goes on.
  *Fails*: a busy event log (`StoreBusyError`: another process, e.g. `monitor check` or an
  analyst's read-only session, held it past `MONITOR_LOCK_WAIT`; the error names it) is
  retried twice. A quality gate failure is **never retried**: a `QualityGateError` means
  too large a share of the batch broke the suites, in at least
  `MONITOR_QUARANTINE_MIN_DOCUMENTS` documents (as a broken extractor does; one bad article
  never fails it): read `runs/<run_id>/quarantine.jsonl`, the
  `quarantine` table and the Data Docs report the log names, fix the cause (or raise
  `MONITOR_QUARANTINE_THRESHOLD` if expected), then clear `validate`.
- `append`: appends the batch to the DuckDB event log and, when it appended something,
  updates the `monitor_event_log` Asset (through the alias `monitor_event_log_appends`),
  which triggers `rebuild_views`; its log line gives the counts and the log's last
  position. Runs in pool `duckdb_writer` (one slot). *Fails*: `StoreBusyError` (another
  process held the file) is retried; disk full or permissions: fix the volume, clear the
  task.

Each task logs one line of counts (`fetch: 12 fetched, 3 failed (http-4xx 2, timeout 1)`,
`validate: ... quarantined ...`, `append: ... last position 5210`): read it in the task log.

Every task has a time limit (`execution_timeout`: 1 h for `discover` and `fetch`, whose every
request also has its own deadline, 2 h for the others): a task that hangs fails, is retried
where retries are allowed, and is alerted, instead of holding its worker and pool slot.

DuckDB lets one process open the file while another writes it: not even to read. So every
task that opens the event log (`discover`, `dedupe`, `validate`, `append`, and `rebuild_views`
and `reprocess`) runs in pool `duckdb_writer`, which has one slot; `fetch`, `extract` and
`extract_statements` touch only files and run freely.

Every failed task is also recorded in the event log as a `task_failed` event, and posted to
`MONITOR_ALERT_WEBHOOK` / mailed to `MONITOR_ALERT_EMAIL` when those are set.
"""

from __future__ import annotations

from airflow.sdk import dag, get_current_context, task

from pipeline.orchestration import (
    DUCKDB_WRITER_POOL,
    EVENT_LOG_APPENDS,
    START_DATE,
    airflow_run_id,
    default_args,
    fail_without_retry,
    network_retry_args,
    publish_appends,
    schedule_from_env,
    store_retry_args,
)


@dag(
    dag_id="ingest_news",
    schedule=schedule_from_env(),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=default_args(),
    doc_md=__doc__,
    tags=["monitor", "ingest"],
)
def ingest_news():
    @task(pool=DUCKDB_WRITER_POOL, **network_retry_args())
    def discover() -> str:
        from pipeline.settings import load_settings
        from pipeline.stages import discover_stage

        return discover_stage(load_settings(), airflow_run_id(get_current_context()))

    @task(**network_retry_args())
    def fetch(candidates_ref: str) -> str:
        from pipeline.settings import load_settings
        from pipeline.stages import fetch_stage

        return fetch_stage(load_settings(), airflow_run_id(get_current_context()), candidates_ref)

    @task
    def extract(pages_ref: str) -> str:
        from pipeline.settings import load_settings
        from pipeline.stages import extract_stage

        return extract_stage(load_settings(), airflow_run_id(get_current_context()), pages_ref)

    @task(pool=DUCKDB_WRITER_POOL)
    def dedupe(documents_ref: str) -> str:
        from pipeline.settings import load_settings
        from pipeline.stages import dedupe_stage

        return dedupe_stage(load_settings(), airflow_run_id(get_current_context()), documents_ref)

    @task
    def extract_statements(documents_ref: str) -> str:
        from pipeline.settings import load_settings
        from pipeline.stages import statements_stage

        run_id = airflow_run_id(get_current_context())
        return statements_stage(load_settings(), run_id, documents_ref)

    @task(pool=DUCKDB_WRITER_POOL, **store_retry_args())
    def validate(statements_ref: str) -> str:
        from pipeline.quality.gates import QualityGateError
        from pipeline.settings import load_settings
        from pipeline.stages import validate_stage

        run_id = airflow_run_id(get_current_context())
        try:
            return validate_stage(load_settings(), run_id, statements_ref)
        except QualityGateError as error:  # the same batch fails the same way again
            raise fail_without_retry(error) from error

    @task(pool=DUCKDB_WRITER_POOL, outlets=[EVENT_LOG_APPENDS])
    def append(validated_ref: str) -> dict:
        from pipeline.settings import load_settings
        from pipeline.stages import append_stage

        context = get_current_context()
        counts = append_stage(load_settings(), airflow_run_id(context), validated_ref)
        publish_appends(context, counts)
        return counts

    append(validate(extract_statements(dedupe(extract(fetch(discover()))))))


ingest_news()
