-- documents: one row per ingested document (first ingestion wins), typed from the payload.
create or replace table documents as
with source as (
    select seq, event_id, recorded_at, run_id, producer, payload
    from events
    where event_type = 'document_ingested'
),

firsts as (
    -- each document's first ingestion, found on narrow columns: a window over whole rows
    -- would sort every text in memory (out of memory at a million documents)
    select min(seq) as seq
    from source
    group by payload ->> 'doc_id'
),

parsed as (
    -- parse each payload once (one ->> per field would parse the whole text every time)
    select
        seq,
        event_id,
        recorded_at,
        run_id,
        producer,
        json_transform(payload, '{
            "doc_id": "VARCHAR", "source": "VARCHAR", "url": "VARCHAR", "title": "VARCHAR",
            "publisher": "VARCHAR", "author": "VARCHAR", "published": "VARCHAR",
            "language": "VARCHAR", "raw_ref": "VARCHAR", "content_hash": "VARCHAR",
            "text": "VARCHAR"
        }') as p
    from source
    where seq in (select seq from firsts)
),

renamed as (
    select
        p.doc_id,
        p.source,
        p.url,
        p.title,
        p.publisher,
        p.author,
        try_cast(p.published as date) as published,
        p.language,
        p.raw_ref,
        p.content_hash,
        p.text,
        length(p.text) as text_chars,
        producer,
        run_id,
        recorded_at,
        event_id,
        seq
    from parsed
),

final as (
    select * from renamed
)

select * from final order by seq;
