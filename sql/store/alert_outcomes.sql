-- What the alert channels did, in log order: each alert_sent and alert_failed event's
-- channel, change key and (for a failure) its reason.
select
    event_type,
    json_extract_string(payload, '$.channel') as channel,
    json_extract_string(payload, '$.change_key') as change_key,
    json_extract_string(payload, '$.error') as error,
    recorded_at
from events
where event_type in ('alert_sent', 'alert_failed')
order by seq
