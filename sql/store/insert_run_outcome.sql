-- Record that a step finished (see sql/ddl/005_run_outcomes.sql).
insert into run_outcomes (recorded_at, run_id, kind, appended, last_seq)
values (now()::timestamp, $run_id, $kind, $appended, $last_seq)
