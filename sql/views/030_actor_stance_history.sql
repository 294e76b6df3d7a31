-- actor_stance_history: every current statement, in the order it was made, with the
-- actor's previous stance on that topic and whether this statement changed it.
-- Order: statement date (an undated statement counts as the oldest, as in
-- actor_current_stance), then log position (ties broken by position).
create or replace table actor_stance_history as
with current_statements as (
    select * from statements where is_current
),

ordered as (
    select
        *,
        lag(stance) over by_actor_topic as previous_stance,
        row_number() over by_actor_topic as statement_number
    from current_statements
    window by_actor_topic as (partition by actor_id, topic order by stated_on nulls first, seq)
),

final as (
    select
        actor_id,
        actor_name,
        actor_kind,
        country,
        topic,
        statement_number,
        stated_on,
        stance,
        previous_stance,
        coalesce(previous_stance <> stance, false) as changed,
        evidence,
        evidence_start,
        evidence_end,
        doc_id,
        doc_url,
        doc_title,
        confidence,
        extractor,
        extractor_version,
        event_id,
        seq
    from ordered
)

select * from final order by actor_id, topic, statement_number;
