-- actor_stance_sequence: each current statement's place in its actor's history on the
-- topic: its number, the stance before it and whether it changed the stance. Narrow (no
-- evidence): actor_stance_history and stance_changes join it to statements by seq, and
-- actor_current_stance reads it, so no evidence sentence is sorted or stored twice.
-- Order: statement date (an undated statement counts as the oldest), then log position.
-- Rows are not sorted on disk: order by actor_id, topic, statement_number to read them so.
create or replace table actor_stance_sequence as
with current_statements as (
    select seq, actor_id, topic, stated_on, stance, doc_id
    from statements
    where is_current
),

numbered as (
    select
        *,
        row_number() over by_actor_topic as statement_number,
        lag(stance) over by_actor_topic as previous_stance
    from current_statements
    window by_actor_topic as (partition by actor_id, topic order by stated_on nulls first, seq)
),

final as (
    select
        actor_id,
        topic,
        statement_number,
        stated_on,
        stance,
        previous_stance,
        coalesce(previous_stance <> stance, false) as changed,
        doc_id,
        seq
    from numbered
)

select * from final;
