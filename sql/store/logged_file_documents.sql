-- The local files the log holds as documents, by URL (file://...) and the content address of
-- the bytes they were read from: a file source whose bytes are unchanged is not read again.
select distinct
    json_extract_string(payload, '$.url') as url,
    json_extract_string(payload, '$.raw_ref') as raw_ref
from events
where event_type = 'document_ingested'
    and starts_with(json_extract_string(payload, '$.url'), 'file://')
