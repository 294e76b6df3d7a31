-- Failed tasks (task_failed events of the DAGs and of `monitor run`) recorded after a moment,
-- oldest first. Events without a dag_id (a source that crashed inside discover) are not
-- task failures.
with source as (
    select
        seq,
        recorded_at,
        json_extract_string(payload, '$.dag_id') as dag_id,
        json_extract_string(payload, '$.task_id') as task_id,
        json_extract_string(payload, '$.run_id') as run_id,
        json_extract_string(payload, '$.error') as error
    from events
    where event_type = 'task_failed' and recorded_at > $since
)

select recorded_at, dag_id, task_id, run_id, error from source
where dag_id is not null
order by seq
