-- Whether this validation (a run's suite, at this moment) is recorded already.
select count(*) from validation_results
where run_id = $run_id and suite = $suite and validated_at = $validated_at
