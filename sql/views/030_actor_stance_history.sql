-- actor_stance_history: every current statement, in the order it was made, with the
-- actor's previous stance on that topic and whether this statement changed it.
-- Order: statement date (an undated statement counts as the oldest, as in
-- actor_current_stance), then log position; statement_number counts from 1 in that order.
-- A view: the statement's place is materialised in internal.actor_stance_sequence, its text in
-- statements. Sort by actor_id, topic, statement_number to read it in order.
create or replace view actor_stance_history as
with sequence as (
    select * from internal.actor_stance_sequence
),

final as (
    select
        statements.actor_id,
        statements.actor_name,
        statements.actor_kind,
        statements.country,
        statements.topic,
        sequence.statement_number,
        statements.stated_on,
        statements.stance,
        sequence.previous_stance,
        sequence.changed,
        statements.evidence,
        statements.evidence_start,
        statements.evidence_end,
        statements.doc_id,
        statements.doc_url,
        statements.doc_title,
        statements.confidence,
        statements.extractor,
        statements.extractor_version,
        statements.event_id,
        statements.seq
    from sequence
    inner join statements using (seq)
)

select * from final;
