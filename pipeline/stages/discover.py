"""discover: the sources file and what the log already holds -> `Candidates` (what to
fetch: new feed entries, single pages, changed local files, earlier failures due again)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipeline.events import DOCUMENT_INGESTED, DOCUMENT_SKIPPED, DUPLICATE_DETECTED, Event
from pipeline.settings import Settings
from pipeline.stages import common
from pipeline.stages.batches import Candidates, write_batch
from pipeline.stages.common import by_reason, folder, load_config, log_counts, offline_corpus
from pipeline.stages.outcomes import fail_if_sources_down, failed_sources


def discover_stage(settings: Settings, run_id: str, refetch: bool = False) -> str:
    """List what to fetch: new feed entries, single pages and local files, and the URLs
    whose earlier transient failure is due to be tried again (pipeline.sources.retries)."""
    from pipeline.sources.discover import discover
    from pipeline.sources.files import FileRefused
    from pipeline.sources.http import FetchError, HttpClient, fetch_failed_event
    from pipeline.sources.retries import RetryPlan

    config = load_config(settings)
    rows: list[dict[str, Any]] = []
    refused: list[Event] = []
    logged_files = set() if refetch else _logged_files(settings)
    unchanged = 0
    for source in config.sources:
        if source.kind == "file":
            try:
                path = config.file_path(source)
            except FileRefused as exc:  # moved or relinked since the sources file was read
                error = FetchError(exc.path.as_uri(), exc.reason, exc.detail)
                refused.append(fetch_failed_event(error, source.name, common.today()))
                continue
            if _file_key(path, config.fetch.max_bytes) in logged_files:
                unchanged += 1  # logged with these very bytes: nothing new to read
                continue
            rows.append({"via": "file", "source": source.name, "path": str(path)})
    seen = set() if refetch else seen_urls(settings)
    plan = RetryPlan() if refetch else _retry_plan(settings, config)
    due = [c for c in plan.due if c.get("canonical_url") not in seen]
    with offline_corpus(config), HttpClient(config.fetch) as client:
        result = discover(
            config,
            seen_urls=seen | plan.blocked,
            client=client,
            feed_state=_feed_state(settings),
            now=common.now(),
        )
    rows.extend({**candidate.to_dict(), "via": "web"} for candidate in result.candidates)
    rows.extend({**candidate, "via": "web"} for candidate in due)
    batch = Candidates(tuple(rows), (*refused, *result.events))
    ref = write_batch(folder(settings, run_id), batch)
    feeds = [source.name for source in config.sources if source.kind == "feed"]
    failed = failed_sources(result.events)
    log_counts(
        "discover",
        ("feeds polled", len(feeds), ""),
        ("failed", len(failed), by_reason(failed.values())),
        ("new articles", len(result.candidates), ""),
        ("files", sum(1 for r in rows if r["via"] == "file"), ""),
        ("unchanged files skipped", unchanged, ""),
    )
    fail_if_sources_down(settings, run_id, "feed sources", feeds, failed, batch.outcomes)
    return ref


def seen_urls(settings: Settings) -> set[str]:
    """URLs already handled in earlier runs (ingested, duplicate or skipped): not re-fetched."""
    from pipeline.store import log_exists, open_store

    if not log_exists(settings):
        return set()
    with open_store(settings) as store:
        return store.logged_urls([DOCUMENT_INGESTED, DUPLICATE_DETECTED, DOCUMENT_SKIPPED])


def _feed_state(settings: Settings) -> dict[str, Any]:
    from pipeline.events import FEED_POLLED
    from pipeline.sources.feeds import feed_state_from_events
    from pipeline.store import log_exists, open_store

    if not log_exists(settings):
        return {}
    with open_store(settings) as store:
        return feed_state_from_events(r.event for r in store.read(event_types=[FEED_POLLED]))


def _retry_plan(settings: Settings, config: Any) -> Any:
    """What earlier fetch failures say: URLs not to fetch now, and candidates due again."""
    from pipeline.events import FETCH_FAILED
    from pipeline.sources.retries import RetryPlan, plan_retries
    from pipeline.sources.urls import canonicalize_url
    from pipeline.store import log_exists, open_store

    if not log_exists(settings):
        return RetryPlan()
    with open_store(settings) as store:
        failures = [r.event.payload for r in store.read(event_types=[FETCH_FAILED])]
    plan = plan_retries(failures, common.today())
    # a source's own URL is polled as the sources file says; only its articles are planned
    own = {canonicalize_url(source.url) for source in config.sources if source.kind == "feed"}
    names = {source.name for source in config.sources}
    due = tuple(c for c in plan.due if c.get("source") in names)
    return RetryPlan(blocked=plan.blocked - own, due=due)


def _logged_files(settings: Settings) -> set[tuple[str, str]]:
    """The local files the log holds as documents: (file:// URL, content address)."""
    from pipeline.store import log_exists, open_store

    if not log_exists(settings):
        return set()
    with open_store(settings) as store:
        return store.logged_file_documents()


def _file_key(path: Path, max_bytes: int) -> tuple[str, str] | None:
    """(file:// URL, content address of its bytes) of a local file; None when unreadable,
    not a regular file or over the size cap (fetch and extract then record why): a FIFO or
    /dev/zero must not hang or fill memory here either."""
    from pipeline.documents.raw_store import content_address

    try:
        if not path.is_file() or path.stat().st_size > max_bytes:
            return None
        return path.resolve().as_uri(), content_address(path.read_bytes())
    except OSError:
        return None
