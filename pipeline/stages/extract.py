"""extract: `Pages` -> `ExtractedDocuments` (a clean-text document, or a skip with its
reason, for each fetched page and local file)."""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any

from pipeline.documents.model import optional_date
from pipeline.errors import InputError
from pipeline.settings import Settings
from pipeline.stages import common
from pipeline.stages.batches import ExtractedDocuments, Pages, read_batch, write_batch
from pipeline.stages.common import PRODUCER, by_reason, folder, load_config, log_counts

# Batches at least this big are extracted from HTML in a worker pool.
EXTRACT_POOL_MIN_PAGES = 64


def extract_stage(settings: Settings, run_id: str, pages_ref: str) -> str:
    """Turn fetched pages and local files into clean documents, or skips with a reason."""
    from pipeline.documents.extract import Skipped, skipped_event
    from pipeline.processes import may_fork_workers

    pages = read_batch(Pages, pages_ref)
    config = load_config(settings)
    page = partial(_extract_page, config=config, raw_store_dir=settings.raw_store_dir)
    rows = list(pages.rows)
    workers = min(2, os.cpu_count() or 1)
    if len(rows) >= EXTRACT_POOL_MIN_PAGES and workers > 1 and may_fork_workers():
        # trafilatura is pure CPU per page: one forked process per core, in input order
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            items = list(pool.map(page, rows, chunksize=16))
    else:
        items = [page(row) for row in rows]
    skipped = [item for item in items if isinstance(item, Skipped)]
    events = [skipped_event(item, PRODUCER, common.today()) for item in skipped]
    ref = write_batch(
        folder(settings, run_id), ExtractedDocuments(tuple(items), (*pages.outcomes, *events))
    )
    log_counts(
        "extract",
        ("documents", len(items) - len(skipped), ""),
        ("skipped", len(skipped), by_reason(item.reason for item in skipped)),
    )
    return ref


def _extract_page(row: dict[str, Any], config: Any, raw_store_dir: Path) -> Any:
    """One fetched page or local file: a Document, or Skipped with the reason."""
    from pipeline.documents.extract import Skipped, extract_document
    from pipeline.documents.file_sources import document_from_file
    from pipeline.documents.raw_store import RawStore
    from pipeline.sources.urls import canonical_from_html, canonicalize_url

    try:
        if row["via"] == "file":
            roots = config.allowed_file_roots()
            return document_from_file(
                Path(row["path"]), row["source"], roots, config.fetch.max_bytes
            )
        raw = RawStore(raw_store_dir).get(row["raw_ref"])
        final_url = row.get("final_url") or row["url"]
        # A canonical link counts only on the fetched page's own site (canonical_from_html)
        canonical = canonical_from_html(raw, final_url) or final_url
        source = next((s for s in config.sources if s.name == row["source"]), None)
        languages = (source.language,) if source and source.language else ("en",)
        return extract_document(
            raw,
            canonicalize_url(canonical),
            source=row["source"],
            charset=row.get("charset"),
            fallback_title=row.get("title"),
            fallback_published=optional_date(row.get("published")),
            keywords=config.keywords_for(source) if source else config.keywords,
            languages=languages,
            raw_ref=row["raw_ref"],
            fetched_url=canonicalize_url(final_url),
        )
    except InputError as error:
        url = row.get("url") or row.get("path") or "?"
        return Skipped(url=url, source=row["source"], reason="no-text", detail=str(error))
