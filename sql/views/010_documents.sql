-- documents: one row per ingested document (first ingestion wins), typed from the payload.
-- Rows are written as the log is read, not sorted (sorting every text spilled to disk at a
-- million documents): order by seq to read them in log order.
-- The text column is stored uncompressed: compressing every text (FSST) took half the
-- rebuild's time for this view at a million documents; the log keeps them compressed.
create or replace table documents (
    doc_id varchar,
    source varchar,
    url varchar,
    title varchar,
    publisher varchar,
    author varchar,
    published date,
    language varchar,
    raw_ref varchar,
    content_hash varchar,
    text varchar using compression uncompressed,
    text_chars bigint,
    producer varchar,
    run_id varchar,
    recorded_at timestamp,
    event_id varchar,
    seq bigint
);

insert into documents
with firsts as (
    -- each document's first ingestion, found on narrow columns: a window over whole rows
    -- would sort every text in memory (out of memory at a million documents). A document's
    -- events share the stream `document:<doc_id>`, so no payload is parsed here.
    select min(seq) as seq
    from events
    where event_type = 'document_ingested'
    group by stream
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
    from events
    where event_type = 'document_ingested' and seq in (select seq from firsts)
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

select * from final;
