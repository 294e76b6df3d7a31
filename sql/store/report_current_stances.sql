-- The report: every actor's current stance on every topic they spoke on.
select
    actor_id,
    topic,
    stance,
    first_seen,
    last_seen,
    n_statements,
    n_supporting,
    latest_evidence,
    latest_url,
    latest_doc_title
from actor_current_stance
order by actor_id, topic
