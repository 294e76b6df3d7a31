-- The report: every current statement with its evidence and article, in each actor's order
-- on each topic.
select
    actor_id,
    topic,
    statement_number,
    stated_on,
    stance,
    previous_stance,
    changed,
    evidence,
    doc_url,
    doc_title,
    confidence
from actor_stance_history
order by actor_id, topic, statement_number
