-- The report: the latest failed tasks and crashed sources, newest first.
select recorded_at, run_id, dag_id, task_id, stage, source, url, error
from task_failures
order by seq desc
limit $limit
