-- The report: current statements per topic, day and stance (undated statements left out).
select topic, stated_on, stance, count(*) as n_statements
from statements
where is_current and stated_on is not null
group by topic, stated_on, stance
order by topic, stated_on, stance
