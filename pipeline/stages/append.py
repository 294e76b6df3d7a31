"""append: `AppendBatch` -> the event log. Appends exactly the batch validate wrote (its
events, its quarantined rows), and nothing else of the run's folder."""

from __future__ import annotations

import logging

from pipeline.events import STATEMENT_EXTRACTED
from pipeline.run_folder import prune_run_folders, safe_run_id
from pipeline.settings import Settings
from pipeline.stages.batches import AppendBatch, read_batch
from pipeline.stages.common import by_reason, folder, log_counts
from pipeline.stages.dedupe import dedup_index_path, logged_dedup_index

log = logging.getLogger("pipeline.stages")


def append_stage(settings: Settings, run_id: str, validated_ref: str) -> dict[str, int]:
    """Append the run's append batch at once; record its quarantined rows and validations."""
    from pipeline.quality.quarantine import record_run_validations
    from pipeline.store import open_store
    from pipeline.store.runs import INGEST

    batch = read_batch(AppendBatch, validated_ref)
    events, run = list(batch.events), safe_run_id(run_id)
    with open_store(settings) as store:
        result = store.append(events, run_id=run)
        recorded = store.record_quarantine(list(batch.quarantined), run)
        record_run_validations(store, settings.gx_project_dir, run)
        store.record_run_outcome(run, INGEST, result.appended)
        # Only now do this batch's documents join the near-duplicate index (a cache: if it
        # cannot be saved, the next run brings the saved one up to the log).
        try:
            logged_dedup_index(settings, store)
        except OSError as err:
            log.warning("%s: not saved: %s", dedup_index_path(settings), err)
        last = store.last_row()
    prune_run_folders(
        settings.warehouse_dir, settings.run_retention_days, keep=folder(settings, run_id)
    )
    counts = {
        "appended": result.appended,
        "already_present": result.already_present,
        "statements": sum(1 for e in events if e.event_type == STATEMENT_EXTRACTED),
        "last_seq": last[0] if last else 0,  # the log's, whether or not this run appended
    }
    log_counts(
        "append",
        ("events appended", result.appended, ""),
        ("already logged", result.already_present, ""),
        ("in the batch", len(events), by_reason(e.event_type for e in events)),
        ("quarantined rows recorded", recorded, ""),
        ("last position {}", counts["last_seq"], ""),
    )
    return counts
