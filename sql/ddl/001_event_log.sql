-- The event log: append-only, one row per event, hash-chained in seq order.
-- Timestamps are UTC (naive TIMESTAMP holding UTC). Nothing updates or deletes rows.
create table if not exists events (
    seq             bigint    not null primary key,  -- global position, 1, 2, 3 ...
    event_id        varchar   not null unique,       -- from content and producer version
    event_type      varchar   not null,
    stream          varchar   not null,              -- document:<id>, actor:<id>, url:<url>, ...
    occurred_at     timestamp not null,              -- when it happened in the world
    recorded_at     timestamp not null,              -- when the log received it
    payload         json      not null,              -- canonical JSON text
    schema_version  integer   not null,
    producer        varchar   not null,              -- component/version
    run_id          varchar   not null,              -- the pipeline run that wrote it
    prev_hash       varchar   not null,
    hash            varchar   not null
);
