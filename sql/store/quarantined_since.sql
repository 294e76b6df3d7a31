-- Rows quarantined by one run or recorded after a moment, counted by suite and expectation.
select suite, expectation, count(*) as n_rows
from quarantine
where run_id = $run_id or quarantined_at > $since
group by suite, expectation
order by n_rows desc, suite, expectation
