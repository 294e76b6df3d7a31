-- log_summary: what the views were built from: event counts by type and the last position.
create or replace table log_summary as
with source as (
    select event_type, seq, occurred_at from events
),

final as (
    select
        event_type,
        count(*) as n_events,
        min(occurred_at) as first_occurred_at,
        max(occurred_at) as last_occurred_at,
        max(seq) as last_seq
    from source
    group by event_type
)

select * from final order by event_type;
