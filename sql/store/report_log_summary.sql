-- The report: what the snapshot was built from: events by type.
select event_type, n_events, last_occurred_at
from log_summary
order by n_events desc, event_type
