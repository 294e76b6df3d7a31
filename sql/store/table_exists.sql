-- Whether the log holds a table of this name (an old log opened read-only may lack one).
select count(*) > 0 from duckdb_tables()
where database_name = current_database() and schema_name = 'main' and table_name = $name
