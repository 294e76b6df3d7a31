-- One row per data-quality validation (a suite run over a batch, the log or a view table).
-- The full result is GX's JSON at report_path; docs_path is its Data Docs page.
create table if not exists validation_results (
    validated_at    timestamp not null,   -- UTC
    run_id          varchar   not null,   -- the pipeline run, or check__<time> for `monitor check`
    suite           varchar   not null,   -- expectations/<suite>.json
    success         boolean   not null,
    evaluated       integer   not null,   -- expectations evaluated
    unsuccessful    integer   not null,   -- expectations that failed
    n_rows          integer   not null,   -- rows validated
    report_path     varchar,
    docs_path       varchar
);
