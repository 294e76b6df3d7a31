-- How many documents a views catalog shows (for a snapshot older than snapshot_source).
select count(*) from {catalog}.main.documents
