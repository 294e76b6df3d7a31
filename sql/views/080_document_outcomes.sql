-- document_outcomes: the fate of every URL and file the pipeline touched, for ops staff:
-- ingested, duplicate, skipped (with reason) or failed (with reason).
create or replace table document_outcomes as
with source as (
    select
        seq,
        event_type,
        recorded_at,
        run_id,
        producer,
        -- parse each payload once (document_ingested payloads carry the whole text)
        json_transform(payload, '{
            "reason": "VARCHAR", "source": "VARCHAR", "url": "VARCHAR", "feed_url": "VARCHAR",
            "doc_id": "VARCHAR", "canonical_doc_id": "VARCHAR", "detail": "VARCHAR"
        }') as p
    from events
    where event_type in (
        'document_ingested', 'duplicate_detected', 'document_skipped',
        'fetch_failed', 'parse_failed'
    )
),

final as (
    select
        seq,
        recorded_at,
        run_id,
        case event_type
            when 'document_ingested' then 'ok'
            when 'duplicate_detected' then 'duplicate'
            when 'document_skipped' then 'skipped: ' || coalesce(p.reason, '?')
            when 'fetch_failed' then 'fetch-failed: ' || coalesce(p.reason, '?')
            else 'parse-failed: ' || coalesce(p.reason, '?')
        end as outcome,
        p.source as source,
        coalesce(p.url, p.feed_url) as url,
        p.doc_id as doc_id,
        p.canonical_doc_id as duplicate_of,
        p.detail as detail,
        producer
    from source
)

select * from final order by seq;
