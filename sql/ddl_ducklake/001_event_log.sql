-- The event log in a DuckLake: the columns of sql/ddl/001_event_log.sql and 004, without
-- its keys (DuckLake enforces no primary or unique key). The store keeps what they kept:
-- one row per event id (appends skip logged ids) and consecutive positions (appends
-- take a PostgreSQL advisory lock around choosing them; pipeline/store/ducklake_store.py).
create table if not exists events (
    seq             bigint    not null,   -- global position, 1, 2, 3 ...
    event_id        varchar   not null,   -- from content and producer version
    event_type      varchar   not null,
    stream          varchar   not null,   -- document:<id>, actor:<id>, url:<url>, ...
    occurred_at     timestamp not null,   -- when it happened in the world
    recorded_at     timestamp not null,   -- when the log received it
    payload         json      not null,   -- canonical JSON text
    schema_version  integer   not null,
    producer        varchar   not null,   -- component/version
    run_id          varchar   not null,   -- the pipeline run that wrote it
    prev_hash       varchar   not null,
    hash            varchar   not null
);
