-- One validation of a suite (see sql/ddl/003_validation_results.sql).
insert into validation_results (
    validated_at, run_id, suite, success, evaluated, unsuccessful, n_rows, report_path,
    docs_path
)
values (
    $validated_at, $run_id, $suite, $success, $evaluated, $unsuccessful, $n_rows,
    $report_path, $docs_path
)
