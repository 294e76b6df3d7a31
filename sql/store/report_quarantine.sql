-- The report: quarantined rows counted by run, suite and expectation, latest first.
select
    run_id,
    suite,
    expectation,
    count(*) as n_rows,
    max(quarantined_at) as last_quarantined_at,
    min(url) as example_url
from quarantined_rows
group by run_id, suite, expectation
order by last_quarantined_at desc, run_id, suite, expectation
limit $limit
