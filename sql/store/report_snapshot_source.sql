-- The report: how far into the log the snapshot was built.
select n_events, last_seq from snapshot_source
