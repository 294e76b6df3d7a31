"""
### reprocess: re-extract statements from stored documents with the current extractor

Manual only: trigger it from the UI ("Trigger Dag" with parameters) or the CLI, e.g.
`airflow dags trigger reprocess --conf '{"since": "2025-06-01", "until": "2025-06-30"}'`.
Nothing is fetched: the documents come from the event log. The new statement events carry
the extractor's name and version, so they land beside the old ones; the views use the newest.

Parameters: `since`, `until` (dates, inclusive; empty = no bound) and `extractor_version`
(empty = the installed one; if given and different from the installed one, the run fails
and says which version is installed).

**Task** `reprocess_documents` (pool `duckdb_writer`; **no retries**): extracts statements,
validates them (quality gates, quarantine) and appends them, then, when it appended
something, updates the `monitor_event_log` Asset so `rebuild_views` runs.

*When it fails*: read the log. A wrong `extractor_version` says which one is installed; a
`QualityGateError` names the failing suites and the report. Fix and trigger again: events
already in the log are never appended twice.
"""

from __future__ import annotations

from airflow.sdk import Param, dag, get_current_context, task

from pipeline.orchestration import (
    DUCKDB_WRITER_POOL,
    EVENT_LOG_APPENDS,
    REPROCESS_TIMEOUT,
    START_DATE,
    airflow_run_id,
    default_args,
    publish_appends,
)

OPTIONAL_TEXT = ["null", "string"]


@dag(
    dag_id="reprocess",
    schedule=None,
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=default_args(retries=0, execution_timeout=REPROCESS_TIMEOUT),
    doc_md=__doc__,
    tags=["monitor", "reprocess", "manual"],
    params={
        "since": Param(None, type=OPTIONAL_TEXT, format="date", description="first published date"),
        "until": Param(None, type=OPTIONAL_TEXT, format="date", description="last published date"),
        "extractor_version": Param(
            None, type=OPTIONAL_TEXT, description="required extractor version (empty: any)"
        ),
    },
)
def reprocess():
    @task(pool=DUCKDB_WRITER_POOL, outlets=[EVENT_LOG_APPENDS])
    def reprocess_documents() -> dict:
        from pipeline.settings import load_settings
        from pipeline.stages import reprocess_stage

        context = get_current_context()
        params = context["params"]
        counts = reprocess_stage(
            load_settings(),
            airflow_run_id(context),
            since=params.get("since") or None,
            until=params.get("until") or None,
            extractor_version=params.get("extractor_version") or None,
        )
        publish_appends(context, counts)
        return counts

    reprocess_documents()


reprocess()
