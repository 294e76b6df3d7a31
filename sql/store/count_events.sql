-- How many events the log holds, of one type or (type null) of all.
select count(*) from events where $event_type is null or event_type = $event_type
