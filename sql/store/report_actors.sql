-- The report: each actor of the current statements once, described as in their latest
-- statement, and whether the actor registry flagged them for review (in any statement).
select
    actor_id,
    arg_max(actor_name, seq) as actor_name,
    arg_max(actor_kind, seq) as actor_kind,
    arg_max(country, seq) as country,
    arg_max(role, seq) as role,
    bool_or(actor_needs_review) as needs_review,
    count(*) as n_statements
from statements
where is_current
group by actor_id
order by actor_name, actor_id
