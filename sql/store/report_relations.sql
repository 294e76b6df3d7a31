-- The report: the tables and views a snapshot holds (older snapshots lack the newer ones).
select table_name as name from duckdb_tables()
union
select view_name from duckdb_views() where not internal
