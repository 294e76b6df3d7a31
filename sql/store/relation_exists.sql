-- Whether a table or view of this name answers on the connection's search path (the log's
-- own tables, or the published views attached behind them).
select count(*) > 0 from information_schema.tables
where table_name = $name and table_schema = current_schema()
