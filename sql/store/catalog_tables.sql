-- The tables of one attached catalog.
select table_name from duckdb_tables() where database_name = $catalog
