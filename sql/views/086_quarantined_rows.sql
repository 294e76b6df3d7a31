-- quarantined_rows: the rows a data-quality gate refused (the log's quarantine table), without
-- their payloads: when, by which run, which suite and expectation, and the document's URL.
create or replace table quarantined_rows as
with source as (
    select
        quarantined_at,
        run_id,
        suite,
        expectation,
        event_type,
        event_id,
        detail,
        payload
    from quarantine
),

renamed as (
    select
        quarantined_at,
        run_id,
        suite,
        expectation,
        event_type,
        event_id,
        coalesce(
            json_extract_string(payload, '$.doc_url'), json_extract_string(payload, '$.url')
        ) as url,
        detail
    from source
),

final as (
    select * from renamed
)

select * from final order by quarantined_at, event_id;
