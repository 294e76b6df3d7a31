-- statements: every statement event, typed and flattened. is_current marks the statements
-- of the extractor version that most recently processed their document: a newer version's
-- extraction supersedes an older one's without editing any event.
create or replace table statements as
with source as (
    select seq, event_id, recorded_at, run_id, producer, payload
    from events
    where event_type = 'statement_extracted'
),

renamed as (
    select
        seq,
        event_id,
        payload ->> 'doc_id' as doc_id,
        payload ->> 'doc_url' as doc_url,
        payload ->> 'doc_title' as doc_title,
        payload ->> 'publisher' as publisher,
        try_cast(payload ->> 'published' as date) as published,
        payload ->> 'actor_id' as actor_id,
        payload ->> 'actor_name' as actor_name,
        payload ->> 'actor_kind' as actor_kind,
        payload ->> 'country' as country,
        payload ->> 'role' as role,
        coalesce(try_cast(payload ->> 'actor_needs_review' as boolean), false) as actor_needs_review,
        payload ->> 'topic' as topic,
        payload ->> 'stance' as stance,
        payload ->> 'evidence' as evidence,
        try_cast(payload ->> 'start' as integer) as evidence_start,
        try_cast(payload ->> 'end' as integer) as evidence_end,
        try_cast(payload ->> 'stated_on' as date) as stated_on,
        coalesce(try_cast(payload ->> 'stated_on_inferred' as boolean), true) as stated_on_inferred,
        try_cast(payload ->> 'confidence' as double) as confidence,
        payload ->> 'extractor' as extractor,
        payload ->> 'extractor_version' as extractor_version,
        producer,
        run_id,
        recorded_at
    from source
),

extractions as (
    select payload ->> 'doc_id' as doc_id, producer, seq
    from events
    where event_type = 'extraction_completed'
),

current_extraction as (
    select doc_id, arg_max(producer, seq) as current_producer
    from extractions
    group by doc_id
),

final as (
    select
        renamed.*,
        coalesce(renamed.producer = current_extraction.current_producer, true) as is_current
    from renamed
    left join current_extraction using (doc_id)
)

select * from final order by seq;
