-- Every stance change the published views show, oldest first: what the alerts are made of.
select
    actor_id,
    actor_name,
    country,
    topic,
    changed_on,
    previous_stance,
    new_stance,
    evidence,
    doc_url,
    event_id,
    seq
from stance_changes
order by changed_on nulls first, seq
