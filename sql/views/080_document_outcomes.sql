-- document_outcomes: the fate of every URL and file the pipeline touched, for ops staff:
-- ingested, duplicate, skipped (with reason) or failed (with reason).
create or replace table document_outcomes as
with ingested as (
    -- an ingestion's source and URL are its document's (documents holds those of the first
    -- ingestion; the event's stream is `document:<doc_id>`): the payloads, whole texts, are
    -- not read
    select
        events.seq,
        events.recorded_at,
        events.run_id,
        events.producer,
        'ok' as outcome,
        documents.source,
        documents.url,
        documents.doc_id,
        null as duplicate_of,
        null as detail
    from events
    left join documents on events.stream = 'document:' || documents.doc_id
    where events.event_type = 'document_ingested'
),

other_events as (
    select
        seq,
        event_type,
        recorded_at,
        run_id,
        producer,
        -- parse each payload once
        json_transform(payload, '{
            "reason": "VARCHAR", "source": "VARCHAR", "url": "VARCHAR", "feed_url": "VARCHAR",
            "doc_id": "VARCHAR", "canonical_doc_id": "VARCHAR", "detail": "VARCHAR"
        }') as p
    from events
    where event_type in ('duplicate_detected', 'document_skipped', 'fetch_failed', 'parse_failed')
),

others as (
    select
        seq,
        recorded_at,
        run_id,
        producer,
        case event_type
            when 'duplicate_detected' then 'duplicate'
            when 'document_skipped' then 'skipped: ' || coalesce(p.reason, '?')
            when 'fetch_failed' then 'fetch-failed: ' || coalesce(p.reason, '?')
            else 'parse-failed: ' || coalesce(p.reason, '?')
        end as outcome,
        p.source as source,
        coalesce(p.url, p.feed_url) as url,
        p.doc_id as doc_id,
        p.canonical_doc_id as duplicate_of,
        p.detail as detail
    from other_events
),

final as (
    select seq, recorded_at, run_id, outcome, source, url, doc_id, duplicate_of, detail, producer
    from ingested
    union all
    select seq, recorded_at, run_id, outcome, source, url, doc_id, duplicate_of, detail, producer
    from others
)

select * from final order by seq;
