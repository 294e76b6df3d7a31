"""The pipeline's stages, as functions the DAGs (and `monitor run`) call in order.

Each stage reads one typed batch (pipeline.stages.batches), decides what comes of it, and
writes one batch in the run's folder (pipeline.run_folder); it returns the file's path,
which is all an XCom carries. Each batch carries the outcome events of the stages before
it, so no stage reads anything beside its one input:

  discover    sources file, log        -> Candidates          candidates.jsonl
  fetch       Candidates               -> Pages               pages.jsonl
  extract     Pages                    -> ExtractedDocuments  documents.jsonl
  dedupe      ExtractedDocuments, log  -> NewDocuments        unique.jsonl
  statements  NewDocuments             -> StatementBatch      statements.jsonl
  validate    StatementBatch, log      -> AppendBatch         validated.jsonl
  append      AppendBatch              -> the event log

Only append, rebuild, reprocess, `record_outcomes` (a stage failing on its sources first
logs what the run found) and `record_task_failure` write the log. A re-run of any stage,
or of the whole run, appends nothing new: event ids are deterministic.
"""

from pipeline.run_folder import new_run_id, safe_run_id
from pipeline.stages.append import append_stage
from pipeline.stages.dedupe import dedupe_stage
from pipeline.stages.discover import discover_stage
from pipeline.stages.extract import extract_stage
from pipeline.stages.fetch import fetch_stage
from pipeline.stages.outcomes import record_outcomes, record_task_failure, run_outcomes
from pipeline.stages.rebuild import rebuild_stage
from pipeline.stages.reprocess import reprocess_stage
from pipeline.stages.statements import statements_stage
from pipeline.stages.validate import validate_stage

__all__ = [
    "append_stage",
    "dedupe_stage",
    "discover_stage",
    "extract_stage",
    "fetch_stage",
    "new_run_id",
    "rebuild_stage",
    "record_outcomes",
    "record_task_failure",
    "reprocess_stage",
    "run_outcomes",
    "safe_run_id",
    "statements_stage",
    "validate_stage",
]
