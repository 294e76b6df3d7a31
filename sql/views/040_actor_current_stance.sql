-- actor_current_stance: one row per actor and topic: the latest stance (latest statement
-- date wins, ties broken by log position), when first and last seen, how many statements
-- back that stance, and the latest evidence with its URL.
create or replace table actor_current_stance as
with sequence as (
    select * from actor_stance_sequence
),

totals as (
    -- the sequence numbers each actor's statements on a topic in that same order (undated
    -- first), so the latest is the highest number
    select
        actor_id,
        topic,
        min(stated_on) as first_seen,
        max(stated_on) as last_seen,
        count(*) as n_statements,
        count(distinct doc_id) as n_documents,
        max(statement_number) as latest_number
    from sequence
    group by actor_id, topic
),

latest_step as (
    select sequence.actor_id, sequence.topic, sequence.stance, sequence.seq
    from sequence
    inner join totals
        on sequence.actor_id = totals.actor_id
        and sequence.topic = totals.topic
        and sequence.statement_number = totals.latest_number
),

backing as (
    select sequence.actor_id, sequence.topic, count(*) as n_supporting
    from sequence
    inner join latest_step
        on sequence.actor_id = latest_step.actor_id
        and sequence.topic = latest_step.topic
        and sequence.stance = latest_step.stance
    group by sequence.actor_id, sequence.topic
),

latest as (
    -- the text of only the latest statements is read
    select statements.*
    from statements
    where statements.seq in (select seq from latest_step)
),

final as (
    select
        latest.actor_id,
        latest.actor_name,
        latest.actor_kind,
        latest.country,
        latest.topic,
        latest.stance,
        totals.first_seen,
        totals.last_seen,
        totals.n_statements,
        backing.n_supporting,
        totals.n_documents,
        latest.evidence as latest_evidence,
        latest.doc_url as latest_url,
        latest.doc_title as latest_doc_title,
        latest.doc_id as latest_doc_id,
        latest.confidence as latest_confidence,
        latest.event_id as latest_event_id,
        latest.seq as latest_seq
    from latest
    inner join totals using (actor_id, topic)
    inner join backing using (actor_id, topic)
)

select * from final order by actor_id, topic;
