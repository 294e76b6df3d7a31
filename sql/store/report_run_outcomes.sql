-- The report: what the last runs did to documents, counted by outcome, newest run first.
with runs as (
    select run_id, min(recorded_at) as started_at, max(recorded_at) as finished_at
    from document_outcomes
    group by run_id
    order by finished_at desc
    limit $runs
),

counted as (
    select run_id, outcome, count(*) as n_documents
    from document_outcomes
    where run_id in (select run_id from runs)
    group by run_id, outcome
)

select runs.run_id, runs.started_at, runs.finished_at, counted.outcome, counted.n_documents
from runs
inner join counted using (run_id)
order by runs.finished_at desc, runs.run_id, counted.outcome
