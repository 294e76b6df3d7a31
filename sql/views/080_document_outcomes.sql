-- document_outcomes: the fate of every URL and file the pipeline touched, for ops staff:
-- ingested, duplicate, skipped (with reason) or failed (with reason).
create or replace table document_outcomes as
with source as (
    select seq, event_type, recorded_at, run_id, producer, payload
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
            when 'document_skipped' then 'skipped: ' || coalesce(payload ->> 'reason', '?')
            when 'fetch_failed' then 'fetch-failed: ' || coalesce(payload ->> 'reason', '?')
            else 'parse-failed: ' || coalesce(payload ->> 'reason', '?')
        end as outcome,
        payload ->> 'source' as source,
        coalesce(payload ->> 'url', payload ->> 'feed_url') as url,
        payload ->> 'doc_id' as doc_id,
        payload ->> 'canonical_doc_id' as duplicate_of,
        payload ->> 'detail' as detail,
        producer
    from source
)

select * from final order by seq;
