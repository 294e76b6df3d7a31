-- snapshot_source: which log these views were built from and how far into it, one row.
-- The first row's chain hash names the log (two logs share it only if they share every
-- event up to there); last_seq and last_hash say where the build stopped. A rebuild that
-- would publish views of another log, or of a shorter one, over these is refused unless
-- asked for (`monitor views --replace-snapshot`).
create or replace table snapshot_source as
with source as (
    select seq, hash from events
),

final as (
    select
        max_by(hash, seq) filter (where seq = 1) as log_first_hash,
        coalesce(max(seq), 0) as last_seq,
        max_by(hash, seq) as last_hash,
        count(*) as n_events
    from source
)

select * from final;
