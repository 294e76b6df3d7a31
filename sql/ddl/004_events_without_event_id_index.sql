-- The event log without the unique index on event_id (001 created it).
-- Why: DuckDB loads that index lazily, one block at a time, so the first append after
-- opening a ten-million-event log read about a thousand blocks of it (250-380 ms), and each
-- checkpoint rewrote it whole (about 10 s). Appends now find the ids already logged in the
-- sorted id file beside the log plus the log's tail (pipeline/store/id_index.py); the
-- primary key on seq still lets only one of two racing appends commit.
-- DuckDB cannot drop a constraint, so the table is copied: this needs room for a second
-- copy of the log once, while it runs (one transaction: it completes or leaves 001's table).
create table events_v4 (
    seq             bigint    not null primary key,  -- global position, 1, 2, 3 ...
    event_id        varchar   not null,              -- from content and producer version
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
insert into events_v4 select * from events order by seq;
drop table events;
alter table events_v4 rename to events;
