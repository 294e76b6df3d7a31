-- Where a views catalog was built from (sql/views/095_snapshot_source.sql); {catalog} is a
-- quoted, generated catalog name.
select log_first_hash, last_seq, last_hash, n_events from {catalog}.main.snapshot_source
