-- stance_as_of(date): each actor's stance per topic as it stood on that date
-- (statements made on or before it; latest date wins, ties broken by log position).
-- Usage: select * from stance_as_of(date '2025-08-20');
create or replace macro stance_as_of(as_of_date) as table
with history as (
    select * from actor_stance_history where stated_on <= cast(as_of_date as date)
),

ranked as (
    select
        *,
        row_number() over (partition by actor_id, topic order by stated_on desc, seq desc)
            as recency,
        count(*) over (partition by actor_id, topic) as n_statements
    from history
),

final as (
    select
        actor_id,
        actor_name,
        actor_kind,
        country,
        topic,
        stance,
        stated_on as last_seen,
        n_statements,
        evidence as latest_evidence,
        doc_url as latest_url,
        seq as latest_seq
    from ranked
    where recency = 1
)

select * from final order by actor_id, topic;
