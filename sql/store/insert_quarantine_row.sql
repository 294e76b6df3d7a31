-- One row a gate refused (see sql/ddl/002_quarantine.sql).
insert into quarantine (
    quarantined_at, run_id, suite, expectation, event_id, event_type, payload, detail
)
values (
    $quarantined_at, $run_id, $suite, $expectation, $event_id, $event_type, $payload, $detail
)
