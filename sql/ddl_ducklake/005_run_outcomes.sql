-- One row per pipeline step that finished: an append (kind 'ingest': `ingest_news`,
-- `reprocess`, `monitor run`/`ingest`) or a rebuild that published the views (kind 'views').
-- With the task_failed events it tells `monitor check` whether the last run of each kind
-- failed, and what went wrong since the last one that did not. Rows are only inserted.
create table if not exists run_outcomes (
    recorded_at     timestamp not null,   -- UTC
    run_id          varchar   not null,
    kind            varchar   not null,   -- 'ingest' or 'views'
    appended        integer   not null,   -- events this step appended (0 for views)
    last_seq        bigint    not null    -- the log's last position when it finished
);
