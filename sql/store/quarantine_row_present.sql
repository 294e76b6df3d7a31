-- Whether a row was already quarantined for this suite and expectation (by any run).
select count(*) from quarantine
where suite = $suite and expectation = $expectation and event_id = $event_id
