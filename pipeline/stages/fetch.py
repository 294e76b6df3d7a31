"""fetch: `Candidates` -> `Pages` (each web candidate fetched once into the raw store, each
local file checked; every failure an outcome event)."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from pipeline.events import Event
from pipeline.settings import Settings
from pipeline.stages import common
from pipeline.stages.batches import Candidates, Pages, read_batch, write_batch
from pipeline.stages.common import by_reason, folder, load_config, log_counts, offline_corpus
from pipeline.stages.outcomes import fail_if_sources_down

log = logging.getLogger("pipeline.stages")


def fetch_stage(settings: Settings, run_id: str, candidates_ref: str) -> str:
    """Fetch every web candidate once, keeping raw responses; record each failure.

    No fetch starts once `fetch.stage_budget_s` has passed: each candidate left is recorded
    as `fetch_failed: deferred` with the candidate, which the next run's discover hands on
    again (pipeline.sources.retries), so nothing is dropped silently."""
    from pipeline.documents.raw_store import RawStore
    from pipeline.sources.files import FileRefused, check_local_file
    from pipeline.sources.http import FetchError, HttpClient, fetch_failed_event

    candidates = read_batch(Candidates, candidates_ref)
    config = load_config(settings)
    raw_store = RawStore(settings.raw_store_dir)
    pages: list[dict[str, Any]] = []
    events: list[Event] = []
    budget = config.fetch.stage_budget_s
    stop_at = time.monotonic() + budget
    roots = config.allowed_file_roots()
    tried, failed, refused = [], {}, []
    with offline_corpus(config), HttpClient(config.fetch) as client:
        for row in candidates.rows:
            if row["via"] == "file":
                try:  # confined, a regular file, within the cap (pipeline.sources.files)
                    check_local_file(Path(row["path"]), roots, config.fetch.max_bytes)
                except FileRefused as exc:
                    error = FetchError(exc.path.as_uri(), exc.reason, exc.detail)
                    events.append(fetch_failed_event(error, row["source"], common.today()))
                    continue
                except OSError:
                    pass  # missing or unreadable: extract records it, as for any file
            if row["via"] != "web":
                if Path(row["path"]).is_file():
                    pages.append(row)
                else:  # a file source's fate is named like a page's: with its real path
                    where = Path(row["path"]).resolve().as_uri()
                    missing = FetchError(where, "not-found", "no such file")
                    events.append(fetch_failed_event(missing, row["source"], common.today()))
                continue
            try:
                if time.monotonic() >= stop_at:
                    raise FetchError(
                        str(row.get("url")),
                        "deferred",
                        f"the fetch stage's {budget:g} s were spent; fetched next run",
                    )
                response = client.fetch(row["url"])
            except Exception as exc:  # noqa: BLE001 - no one URL may stop the batch
                error = exc if isinstance(exc, FetchError) else None
                if error is None:
                    detail = f"{type(exc).__name__}: {exc}"
                    log.exception("fetch of one candidate failed unexpectedly: %s", detail[:300])
                    error = FetchError(str(row.get("url")), "unexpected-error", detail)
                attempt = int(row.get("attempt") or 1)
                events.append(
                    fetch_failed_event(
                        error, row["source"], common.today(), attempt=attempt, candidate=row
                    )
                )
                if error.permanent or error.reason == "deferred":
                    # A bad link (invalid, refused, 404) is that link's fate, and a deferral
                    # is left for the next run: neither says the sources are down.
                    refused.append(error.reason)
                else:
                    tried.append(row["url"])
                    failed[row["url"]] = error.reason
                continue
            tried.append(row["url"])
            ref = raw_store.put(
                response.content,
                {
                    "url": response.final_url,
                    "status": response.status,
                    "content_type": response.content_type,
                },
            )
            pages.append(
                {
                    **row,
                    "final_url": response.final_url,
                    "raw_ref": ref,
                    "charset": response.charset,
                    "content_type": response.content_type,
                }
            )
    batch = Pages(tuple(pages), (*candidates.outcomes, *events))
    ref = write_batch(folder(settings, run_id), batch)
    log_counts(
        "fetch",
        ("fetched", len(tried) - len(failed), ""),
        ("failed", len(failed), by_reason(failed.values())),
        ("refused or deferred", len(refused), by_reason(refused)),
        ("files", len(pages) - len(tried) + len(failed), ""),
    )
    fail_if_sources_down(settings, run_id, "article fetches", tried, failed, batch.outcomes)
    return ref
