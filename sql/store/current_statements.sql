-- How many statements the published views hold as current (the view checks' parameter).
select count(*) from statements where is_current
