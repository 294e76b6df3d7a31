-- The report: the latest stance changes, newest first (undated ones last).
select
    actor_id,
    actor_name,
    topic,
    changed_on,
    previous_stance,
    new_stance,
    evidence,
    doc_url
from stance_changes
order by changed_on desc nulls last, seq desc
limit $limit
