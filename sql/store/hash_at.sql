-- The chain hash of the row at one position (no row: no result).
select hash from events where seq = $seq
