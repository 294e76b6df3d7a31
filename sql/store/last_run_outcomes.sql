-- The last finished step of each kind, with its run.
select kind, max(recorded_at) as recorded_at, arg_max(run_id, recorded_at) as run_id,
    arg_max(appended, recorded_at) as appended, arg_max(last_seq, recorded_at) as last_seq
from run_outcomes
group by kind
