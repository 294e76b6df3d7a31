"""dedupe: `ExtractedDocuments` -> `NewDocuments` (exact and near duplicates of anything
logged, or of an earlier document of the batch, become duplicate_detected events; the rest
are new documents, each with its document_ingested event)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pipeline.events import DOCUMENT_INGESTED, DUPLICATE_DETECTED, Event
from pipeline.payloads import DocumentIngested, DuplicateDetected
from pipeline.settings import Settings
from pipeline.stages import common
from pipeline.stages.batches import ExtractedDocuments, NewDocuments, read_batch, write_batch
from pipeline.stages.common import PRODUCER, by_reason, folder, log_counts


def dedupe_stage(settings: Settings, run_id: str, documents_ref: str) -> str:
    """Keep new documents; record exact and near duplicates against everything ingested.
    The saved index is only read here: this batch's documents join it once appended."""
    from pipeline.documents.dedup import NearDuplicateIndex
    from pipeline.store import log_exists, open_store

    extracted = read_batch(ExtractedDocuments, documents_ref)
    if log_exists(settings):
        with open_store(settings) as store:
            index = logged_dedup_index(settings, store)
    else:
        index = NearDuplicateIndex()
    batch = new_documents(extracted, index)
    ref = write_batch(folder(settings, run_id), batch)
    duplicates = [
        DuplicateDetected.of(e).method for e in batch.outcomes if e.event_type == DUPLICATE_DETECTED
    ]
    log_counts(
        "dedupe",
        ("new documents", len(batch.documents), ""),
        ("duplicates", len(duplicates), by_reason(duplicates)),
        ("indexed before", len(index) - len(batch.documents), ""),
    )
    return ref


def new_documents(extracted: ExtractedDocuments, index: Any) -> NewDocuments:
    """The documents of `extracted` that are in neither `index` (the logged documents) nor
    earlier in the batch, each with its document_ingested event; the duplicates' events
    follow. The documents join `index` (in memory) as they are kept."""
    from pipeline.documents.dedup import deduplicate
    from pipeline.documents.extract import document_event

    day = common.today()
    unique, duplicates = deduplicate(extracted.documents, index, producer=PRODUCER, today=day)
    ingested = [document_event(d, PRODUCER, today=day) for d in unique]
    return NewDocuments(tuple(unique), (*extracted.outcomes, *ingested, *duplicates))


def dedup_index_path(settings: Settings) -> Path:
    """Where the near-duplicate index of the settings' log lives: one per log, named after
    it, in <warehouse>/dedup/."""
    return settings.warehouse_dir / "dedup" / f"{settings.db_path.name}.minhash.idx"


def logged_dedup_index(settings: Settings, store: Any, index: Any = None) -> Any:
    """The near-duplicate index of exactly the documents the open log holds: the saved one
    brought up to the log's last position (or `index`, brought up from the position it
    covers), rebuilt when it belongs to no position of this log; saved when it changed."""
    from pipeline.documents.dedup import NearDuplicateIndex

    path = dedup_index_path(settings)

    def documents_after(seq: int) -> Iterator[Event]:
        return (r.event for r in store.read(after=seq, event_types=[DOCUMENT_INGESTED]))

    if index is None:
        index, changed = NearDuplicateIndex.load_for_log(
            path, store.last_row(), store.hash_at, documents_after
        )
    else:
        for event in documents_after(index.covered[0] if index.covered else 0):
            document = DocumentIngested.of(event)
            index.add(document.doc_id, document.text, url=document.url)
        position = store.last_row() or (0, "")
        changed, index.covered = index.covered != position, position
    if changed:
        index.save(path)
    return index
