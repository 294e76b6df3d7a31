-- actor_current_stance: one row per actor and topic: the latest stance (latest statement
-- date wins, ties broken by log position), when first and last seen, how many statements
-- back that stance, and the latest evidence with its URL.
create or replace table actor_current_stance as
with history as (
    select * from actor_stance_history
),

ranked as (
    select
        *,
        row_number() over (partition by actor_id, topic order by stated_on desc, seq desc)
            as recency
    from history
),

latest as (
    select * from ranked where recency = 1
),

totals as (
    select
        actor_id,
        topic,
        min(stated_on) as first_seen,
        max(stated_on) as last_seen,
        count(*) as n_statements,
        count(distinct doc_id) as n_documents
    from history
    group by actor_id, topic
),

backing as (
    select history.actor_id, history.topic, count(*) as n_supporting
    from history
    inner join latest
        on history.actor_id = latest.actor_id
        and history.topic = latest.topic
        and history.stance = latest.stance
    group by history.actor_id, history.topic
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
