-- task_failures: every failed task (the DAGs' failure callback, `monitor run`) and every
-- source that crashed during discovery, for the report's page on runs: when, where, why.
-- A crashed source has a stage and a source instead of a DAG and a task.
create or replace table task_failures as
with source as (
    select
        seq,
        recorded_at,
        run_id,
        json_transform(payload, '{
            "dag_id": "VARCHAR", "task_id": "VARCHAR", "run_id": "VARCHAR",
            "stage": "VARCHAR", "source": "VARCHAR", "url": "VARCHAR", "error": "VARCHAR"
        }') as p
    from events
    where event_type = 'task_failed'
),

renamed as (
    select
        seq,
        recorded_at,
        coalesce(p.run_id, run_id) as run_id,
        p.dag_id,
        p.task_id,
        p.stage,
        p.source,
        p.url,
        p.error
    from source
),

final as (
    select * from renamed
)

select * from final order by seq;
