-- Rows a data-quality gate refused: kept with the reason, never silently dropped.
create table if not exists quarantine (
    quarantined_at  timestamp not null,
    run_id          varchar   not null,
    suite           varchar   not null,   -- the expectation suite
    expectation     varchar   not null,   -- the expectation that failed
    event_id        varchar   not null,
    event_type      varchar   not null,
    payload         json      not null,
    detail          varchar
);
