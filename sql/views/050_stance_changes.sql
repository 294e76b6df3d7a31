-- stance_changes: only the statements that changed an actor's stance on a topic.
create or replace table stance_changes as
with history as (
    select * from actor_stance_history
),

final as (
    select
        actor_id,
        actor_name,
        country,
        topic,
        stated_on as changed_on,
        previous_stance,
        stance as new_stance,
        evidence,
        doc_url,
        event_id,
        seq
    from history
    where changed
)

select * from final order by changed_on, seq;
