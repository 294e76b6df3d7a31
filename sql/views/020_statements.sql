-- statements: every statement event, typed and flattened. is_current marks the statements
-- of the extractor version that most recently processed their document: a newer version's
-- extraction supersedes an older one's without editing any event.
-- Rows are written as the log is read, not sorted (sorting every evidence sentence by seq
-- spilled to disk at ten million statements): order by seq to read them in log order.
create or replace table statements as
with source as (
    select seq, event_id, recorded_at, run_id, producer, payload
    from events
    where event_type = 'statement_extracted'
),

parsed as (
    -- parse each payload once (one ->> per field would parse it 21 times)
    select
        seq,
        event_id,
        producer,
        run_id,
        recorded_at,
        json_transform(payload, '{
            "doc_id": "VARCHAR", "doc_url": "VARCHAR", "doc_title": "VARCHAR",
            "publisher": "VARCHAR", "published": "VARCHAR", "actor_id": "VARCHAR",
            "actor_name": "VARCHAR", "actor_kind": "VARCHAR", "country": "VARCHAR",
            "role": "VARCHAR", "actor_needs_review": "VARCHAR", "topic": "VARCHAR",
            "stance": "VARCHAR", "evidence": "VARCHAR", "start": "VARCHAR", "end": "VARCHAR",
            "stated_on": "VARCHAR", "stated_on_inferred": "VARCHAR", "confidence": "VARCHAR",
            "extractor": "VARCHAR", "extractor_version": "VARCHAR"
        }') as p
    from source
),

renamed as (
    select
        seq,
        event_id,
        p.doc_id,
        p.doc_url,
        p.doc_title,
        p.publisher,
        try_cast(p.published as date) as published,
        p.actor_id,
        p.actor_name,
        p.actor_kind,
        p.country,
        p.role,
        coalesce(try_cast(p.actor_needs_review as boolean), false) as actor_needs_review,
        p.topic,
        p.stance,
        p.evidence,
        try_cast(p.start as integer) as evidence_start,
        try_cast(p."end" as integer) as evidence_end,
        try_cast(p.stated_on as date) as stated_on,
        coalesce(try_cast(p.stated_on_inferred as boolean), true) as stated_on_inferred,
        try_cast(p.confidence as double) as confidence,
        p.extractor,
        p.extractor_version,
        producer,
        run_id,
        recorded_at
    from parsed
),

current_extraction as (
    -- extraction_completed is logged on the document's stream, `document:<doc_id>`: no
    -- payload is read (reading theirs took 9 s at ten million statements)
    select
        substr(stream, length('document:') + 1) as doc_id,
        arg_max(producer, seq) as current_producer
    from events
    where event_type = 'extraction_completed'
    group by stream
),

final as (
    select
        renamed.*,
        coalesce(renamed.producer = current_extraction.current_producer, true) as is_current
    from renamed
    left join current_extraction using (doc_id)
)

select * from final;
