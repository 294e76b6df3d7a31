-- stance_changes: only the statements that changed an actor's stance on a topic.
-- A view: the changes are marked in internal.actor_stance_sequence, the text is in statements.
-- Sort by changed_on, seq to read it in order.
create or replace view stance_changes as
with changes as (
    select seq, previous_stance from internal.actor_stance_sequence where changed
),

final as (
    select
        statements.actor_id,
        statements.actor_name,
        statements.country,
        statements.topic,
        statements.stated_on as changed_on,
        changes.previous_stance,
        statements.stance as new_stance,
        statements.evidence,
        statements.doc_url,
        statements.event_id,
        statements.seq
    from changes
    inner join statements using (seq)
)

select * from final;
