-- documents: one row per ingested document (first ingestion wins), typed from the payload.
create or replace table documents as
with source as (
    select seq, event_id, recorded_at, run_id, producer, payload
    from events
    where event_type = 'document_ingested'
),

renamed as (
    select
        payload ->> 'doc_id' as doc_id,
        payload ->> 'source' as source,
        payload ->> 'url' as url,
        payload ->> 'title' as title,
        payload ->> 'publisher' as publisher,
        payload ->> 'author' as author,
        try_cast(payload ->> 'published' as date) as published,
        payload ->> 'language' as language,
        payload ->> 'raw_ref' as raw_ref,
        payload ->> 'content_hash' as content_hash,
        payload ->> 'text' as text,
        length(payload ->> 'text') as text_chars,
        producer,
        run_id,
        recorded_at,
        event_id,
        seq
    from source
),

final as (
    select *
    from renamed
    qualify row_number() over (partition by doc_id order by seq) = 1
)

select * from final order by seq;
