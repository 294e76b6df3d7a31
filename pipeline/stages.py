"""The pipeline's stages as functions the DAGs (and `monitor run`) call in order.

Each stage reads its input batch from the run folder, writes its output batch and the
outcome events it produced there, and returns a small reference (a path or counts) that
fits in an XCom. Only `append_stage`, `rebuild_stage`, `reprocess_stage` and
`record_task_failure` write the event log; a re-run of any stage for the same run (or
of the whole run) appends nothing new because event ids are deterministic.

Run folder: <warehouse>/runs/<run_id>/
  candidates.jsonl   discover: what to fetch (feed entries, pages, files)
  pages.jsonl        fetch: raw responses (by content address) and file paths
  documents.jsonl    extract: documents and skips
  unique.jsonl       dedupe: documents that are new
  statements.jsonl   statements: statement and extraction-completed events
  validated.jsonl    validate: events that passed the gates
  <stage>.events.jsonl  outcome events of each stage (failures, skips, duplicates, ...)
"""

from __future__ import annotations

import errno
import json
import logging
import multiprocessing
import os
import re
import time
import uuid
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path
from typing import Any

import yaml

from pipeline import __version__
from pipeline.documents.model import Document
from pipeline.errors import InputError, MonitorError
from pipeline.events import (
    DOCUMENT_INGESTED,
    DUPLICATE_DETECTED,
    STATEMENT_EXTRACTED,
    Event,
    event_from_dict,
    event_to_dict,
)
from pipeline.payloads import DocumentIngested, DuplicateDetected, TaskFailed
from pipeline.settings import Settings

log = logging.getLogger(__name__)

log = logging.getLogger(__name__)

PRODUCER = f"pipeline/{__version__}"
STAGE_OUTPUTS = ("discover", "fetch", "extract", "dedupe", "statements", "validate")
OFFLINE_PORT = 8123  # the bundled sources file allow-lists 127.0.0.1:8123


# -- run folders and batches ------------------------------------------------------------------


def new_run_id(prefix: str = "manual") -> str:
    """Make a run id: prefix, UTC time and a short random part."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    return f"{prefix}__{stamp}__{uuid.uuid4().hex[:6]}"


def safe_run_id(run_id: str) -> str:
    """Make any run id (e.g. Airflow's) safe to use as a folder name."""
    cleaned = re.sub(r"[^A-Za-z0-9_.+-]+", "_", run_id).strip("._")
    if not cleaned:
        raise InputError(f"run id {run_id!r} has no usable characters")
    return cleaned[:200]


def run_dir(settings: Settings, run_id: str) -> Path:
    """Return (and create) the folder holding one run's batches."""
    path = settings.warehouse_dir / "runs" / safe_run_id(run_id)
    path.mkdir(parents=True, exist_ok=True)
    return path


def write_rows(path: Path, rows: Iterable[dict[str, Any]]) -> int:
    """Write JSON lines atomically (temp file, then rename); return the count. A write that
    fails (disk full) leaves neither the batch nor its temp file, and says so in one line."""
    temporary = path.with_name(path.name + ".tmp")
    count = 0
    try:
        with temporary.open("w", encoding="utf-8") as out:
            for row in rows:
                out.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
                count += 1
        temporary.replace(path)
    except OSError as err:
        temporary.unlink(missing_ok=True)
        raise disk_error(path, err) from err
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return count


def disk_error(path: Path, err: OSError) -> MonitorError:
    """Say in one line that a file of the run could not be written, and why."""
    from pipeline.errors import StoreError

    if err.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        why = "disk full" if err.errno != errno.EFBIG else "disk full (file-size limit reached)"
    else:
        why = "cannot write"
    return StoreError(f"{path}: {why} ({err.strerror or err})")


def read_rows(path: Path | str) -> Iterator[dict[str, Any]]:
    """Read JSON lines; a bad line is an error naming the file and line."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: batch file missing; run the previous stage first")
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if line.strip():
                try:
                    yield json.loads(line)
                except json.JSONDecodeError as err:
                    raise InputError(f"{path}:{number}: not JSON ({err})") from err


def write_events(path: Path, events: Iterable[Event]) -> int:
    """Write events as JSON lines."""
    return write_rows(path, (event_to_dict(e) for e in events))


def read_events(path: Path | str) -> list[Event]:
    """Read events written by `write_events`."""
    return [event_from_dict(row) for row in read_rows(path)]


def _outcome_path(settings: Settings, run_id: str, stage: str) -> Path:
    return run_dir(settings, run_id) / f"{stage}.events.jsonl"


def _now() -> datetime:
    return datetime.now(UTC)


def _today() -> date:
    return _now().date()


def by_reason(reasons: Iterable[Any]) -> str:
    """Count reasons as "a 2, b 1" (most frequent first); "" when there are none."""
    counts: dict[str, int] = {}
    for reason in reasons:
        counts[str(reason)] = counts.get(str(reason), 0) + 1
    return ", ".join(f"{r} {n}" for r, n in sorted(counts.items(), key=lambda i: (-i[1], i[0])))


def log_counts(stage: str, *parts: tuple[str, int, str]) -> str:
    """Log one line of a stage's counts for ops staff (the Airflow task log shows it):
    "fetch: 12 fetched, 3 failed (http-4xx 2, timeout 1)". Each part is (noun, count,
    breakdown; a noun with "{}" places the count itself); the line is returned too."""
    line = f"{stage}: " + ", ".join(
        (noun.format(count) if "{}" in noun else f"{count} {noun}")
        + (f" ({detail})" if detail and count else "")
        for noun, count, detail in parts
    )
    log.info("%s", line)
    return line


# -- sources -------------------------------------------------------------------------------


MANIFEST_MAX_BYTES = 1_000_000


def load_file_manifest(folder: Path) -> dict[str, dict[str, Any]]:
    """Read `manifest.yaml` beside local files (title, publisher, date per file), if any."""
    from pipeline.sources.config import load_yaml_input
    from pipeline.sources.files import read_local_file

    manifest = folder / "manifest.yaml"
    if not manifest.exists():
        return {}
    try:
        text = read_local_file(manifest, (folder,), MANIFEST_MAX_BYTES).decode("utf-8")
        data = load_yaml_input(text) or {}
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"{manifest}: cannot read ({err})") from err
    except yaml.YAMLError as err:
        raise InputError(f"{manifest}: not valid YAML ({str(err)[:500]})") from err
    if not isinstance(data, dict) or not isinstance(data.get("documents", []), list):
        raise InputError(f"{manifest}: expected a mapping with a 'documents:' list")
    entries = {}
    for entry in data.get("documents", []):
        if isinstance(entry, dict) and "file" in entry:
            entries[str(entry["file"])] = {
                **entry,
                "published": _optional_date(entry.get("published")),
            }
    return entries


FROM_FILE_TIME = "file modification time (no published date in manifest.yaml)"


def document_from_file(
    path: Path, source: str, roots: tuple[Path, ...] | None = None, max_bytes: int | None = None
) -> Document:
    """Read a local file source as a document, using its folder's manifest when present.

    The file is read only inside `roots` (default: its own folder), only if it is a regular
    file, and only up to `max_bytes` (pipeline.sources.files). A file the manifest gives no
    date (or that has no manifest) is dated by its modification time (UTC), and the
    document records that fallback in `published_inferred_from`."""
    from pipeline.documents.extract import document_from_text_file
    from pipeline.sources.config import DEFAULT_MAX_BYTES
    from pipeline.sources.files import read_local_file

    raw = read_local_file(path, roots or (path.parent,), max_bytes or DEFAULT_MAX_BYTES)
    entry = load_file_manifest(path.parent).get(path.name, {})
    document = document_from_text_file(
        path,
        source,
        published=entry.get("published"),
        language=entry.get("language") or "en",
        raw=raw,
    )
    inferred = document.published_inferred_from
    if entry.get("date_inferred_from"):
        inferred = " ".join(str(entry["date_inferred_from"]).split())
    if document.published is None:
        modified = datetime.fromtimestamp(path.stat().st_mtime, UTC).date()
        document = replace(document, published=modified)
        inferred = FROM_FILE_TIME
    return replace(
        document,
        title=entry.get("title") or document.title,
        publisher=entry.get("publisher") or document.publisher,
        author=entry.get("author") or document.author,
        published_inferred_from=inferred,
    )


# -- discover and fetch ----------------------------------------------------------------------


def _load_config(settings: Settings) -> Any:
    from pipeline.sources.config import load_sources

    return load_sources(settings.sources_path)


@contextmanager
def offline_corpus(config: Any) -> Iterator[None]:
    """Serve the bundled offline corpus on its local port while a sources file that asks for
    it (`offline_corpus: true`, as seeds/offline/sources.yaml does) is read."""
    if not config.offline_corpus:
        yield
        return
    from pipeline.documents.offline_server import serve_offline_corpus

    with serve_offline_corpus(port=OFFLINE_PORT):
        yield


def _seen_urls(settings: Settings) -> set[str]:
    """URLs already handled in earlier runs (ingested, duplicate or skipped): not re-fetched."""
    from pipeline.events import DOCUMENT_SKIPPED
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
    plan = plan_retries(failures, _today())
    # a source's own URL is polled as the sources file says; only its articles are planned
    own = {canonicalize_url(source.url) for source in config.sources if source.kind == "feed"}
    names = {source.name for source in config.sources}
    due = tuple(c for c in plan.due if c.get("source") in names)
    return RetryPlan(blocked=plan.blocked - own, due=due)


def discover_stage(settings: Settings, run_id: str, refetch: bool = False) -> str:
    """List what to fetch: new feed entries, single pages and local files, and the URLs
    whose earlier transient failure is due to be tried again (pipeline.sources.retries)."""
    from pipeline.sources.discover import discover
    from pipeline.sources.files import FileRefused
    from pipeline.sources.http import FetchError, HttpClient, fetch_failed_event
    from pipeline.sources.retries import RetryPlan

    config = _load_config(settings)
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
                refused.append(fetch_failed_event(error, source.name, _today()))
                continue
            if _file_key(path, config.fetch.max_bytes) in logged_files:
                unchanged += 1  # logged with these very bytes: nothing new to read
                continue
            rows.append({"via": "file", "source": source.name, "path": str(path)})
    seen = set() if refetch else _seen_urls(settings)
    plan = RetryPlan() if refetch else _retry_plan(settings, config)
    due = [c for c in plan.due if c.get("canonical_url") not in seen]
    with offline_corpus(config), HttpClient(config.fetch) as client:
        result = discover(
            config,
            seen_urls=seen | plan.blocked,
            client=client,
            feed_state=_feed_state(settings),
            now=_now(),
        )
    rows.extend({**candidate.to_dict(), "via": "web"} for candidate in result.candidates)
    rows.extend({**candidate, "via": "web"} for candidate in due)
    folder = run_dir(settings, run_id)
    write_events(folder / "discover.events.jsonl", [*refused, *result.events])
    path = folder / "candidates.jsonl"
    write_rows(path, rows)
    feeds = [source.name for source in config.sources if source.kind == "feed"]
    failed = _failed_sources(result.events)
    log_counts(
        "discover",
        ("feeds polled", len(feeds), ""),
        ("failed", len(failed), by_reason(failed.values())),
        ("new articles", len(result.candidates), ""),
        ("files", sum(1 for r in rows if r["via"] == "file"), ""),
        ("unchanged files skipped", unchanged, ""),
    )
    fail_if_sources_down(settings, run_id, "feed sources", feeds, failed)
    return str(path)


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


def _failed_sources(events: Iterable[Event]) -> dict[str, str]:
    """The sources a stage's events say failed, with the first reason of each."""
    from pipeline.payloads import FetchFailed, ParseFailed, TaskFailed, read_payload

    failed: dict[str, str] = {}
    for event in events:
        payload = read_payload(event)
        if isinstance(payload, FetchFailed) and payload.target != "feed":
            continue  # one bad link in a feed is that link's failure, not the feed's
        if isinstance(payload, (FetchFailed, ParseFailed)):
            failed.setdefault(payload.source, payload.reason or "?")
        elif isinstance(payload, TaskFailed):
            failed.setdefault(str(payload.source or None), payload.error or "?")
    return failed


def fail_if_sources_down(
    settings: Settings, run_id: str, what: str, tried: list[str], failed: dict[str, str]
) -> None:
    """Raise SourcesFailedError when every one of `tried` failed, or more than the allowed
    share (Settings.source_failure_threshold), after appending the run's outcome events so
    far: each failure is in the log, and the task fails, so it is retried and alerted."""
    from pipeline.errors import SourcesFailedError

    down = [name for name in tried if name in failed]
    if not tried or not down:
        return
    share, limit = len(down) / len(tried), settings.source_failure_threshold
    if len(down) < len(tried) and share <= limit:
        return
    recorded = record_outcomes(settings, run_id)
    named = ", ".join(f"{name} ({failed[name]})" for name in down[:5])
    more = f" and {len(down) - 5} more" if len(down) > 5 else ""
    raise SourcesFailedError(
        f"run {run_id}: {len(down)} of {len(tried)} {what} failed ({share:.0%}; the run fails"
        f" above {limit:.0%} or when all fail): {named}{more}. Each failure is in the event log"
        f" ({recorded} events recorded); the task is retried. If this share is expected, raise"
        " MONITOR_SOURCE_FAILURE_THRESHOLD"
    )


def record_outcomes(settings: Settings, run_id: str) -> int:
    """Append the outcome events the run's stages wrote so far (a run that stops early
    still logs what happened to each source); return how many were new."""
    from pipeline.store import open_store

    events = [
        event
        for stage in STAGE_OUTPUTS
        if (path := _outcome_path(settings, run_id, stage)).exists()
        for event in read_events(path)
        if event.event_type != DOCUMENT_INGESTED  # documents only after the gate
    ]
    with open_store(settings) as store:
        return store.append(events, run_id=safe_run_id(run_id)).appended


def fetch_stage(settings: Settings, run_id: str, candidates_ref: str) -> str:
    """Fetch every web candidate once, keeping raw responses; record each failure.

    No fetch starts once `fetch.stage_budget_s` has passed: each candidate left is recorded
    as `fetch_failed: deferred` with the candidate, which the next run's discover hands on
    again (pipeline.sources.retries), so nothing is dropped silently."""
    from pipeline.documents.raw_store import RawStore
    from pipeline.sources.files import FileRefused, check_local_file
    from pipeline.sources.http import FetchError, HttpClient, fetch_failed_event

    config = _load_config(settings)
    raw_store = RawStore(settings.raw_store_dir)
    pages: list[dict[str, Any]] = []
    events: list[Event] = []
    budget = config.fetch.stage_budget_s
    stop_at = time.monotonic() + budget
    roots = config.allowed_file_roots()
    tried, failed, refused = [], {}, []
    with offline_corpus(config), HttpClient(config.fetch) as client:
        for row in read_rows(candidates_ref):
            if row["via"] == "file":
                try:  # confined, a regular file, within the cap (pipeline.sources.files)
                    check_local_file(Path(row["path"]), roots, config.fetch.max_bytes)
                except FileRefused as exc:
                    error = FetchError(exc.path.as_uri(), exc.reason, exc.detail)
                    events.append(fetch_failed_event(error, row["source"], _today()))
                    continue
                except OSError:
                    pass  # missing or unreadable: extract records it, as for any file
            if row["via"] != "web":
                if Path(row["path"]).is_file():
                    pages.append(row)
                else:  # a file source's fate is named like a page's: with its real path
                    where = Path(row["path"]).resolve().as_uri()
                    missing = FetchError(where, "not-found", "no such file")
                    events.append(fetch_failed_event(missing, row["source"], _today()))
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
                        error, row["source"], _today(), attempt=attempt, candidate=row
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
    folder = run_dir(settings, run_id)
    write_events(folder / "fetch.events.jsonl", events)
    path = folder / "pages.jsonl"
    write_rows(path, pages)
    log_counts(
        "fetch",
        ("fetched", len(tried) - len(failed), ""),
        ("failed", len(failed), by_reason(failed.values())),
        ("refused or deferred", len(refused), by_reason(refused)),
        ("files", len(pages) - len(tried) + len(failed), ""),
    )
    fail_if_sources_down(settings, run_id, "article fetches", tried, failed)
    return str(path)


# -- extract and dedupe ------------------------------------------------------------------------


# Batches at least this big are extracted from HTML in a worker pool.
EXTRACT_POOL_MIN_PAGES = 64


def extract_stage(settings: Settings, run_id: str, pages_ref: str) -> str:
    """Turn fetched pages and local files into clean documents, or skips with a reason."""
    from pipeline.documents.extract import Skipped, item_to_row, skipped_event
    from pipeline.processes import may_fork_workers

    config = _load_config(settings)
    page = partial(_extract_page, config=config, raw_store_dir=settings.raw_store_dir)
    rows = list(read_rows(pages_ref))
    workers = min(2, os.cpu_count() or 1)
    if len(rows) >= EXTRACT_POOL_MIN_PAGES and workers > 1 and may_fork_workers():
        # trafilatura is pure CPU per page: one forked process per core, in input order
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            items = list(pool.map(page, rows, chunksize=16))
    else:
        items = [page(row) for row in rows]
    events = [
        skipped_event(item, PRODUCER, _today()) for item in items if isinstance(item, Skipped)
    ]
    folder = run_dir(settings, run_id)
    write_events(folder / "extract.events.jsonl", events)
    path = folder / "documents.jsonl"
    write_rows(path, (item_to_row(item) for item in items))
    skipped = [item.reason for item in items if isinstance(item, Skipped)]
    log_counts(
        "extract",
        ("documents", len(items) - len(skipped), ""),
        ("skipped", len(skipped), by_reason(skipped)),
    )
    return str(path)


def _extract_page(row: dict[str, Any], config: Any, raw_store_dir: Path) -> Any:
    """One fetched page or local file: a Document, or Skipped with the reason."""
    from pipeline.documents.extract import Skipped, extract_document
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
            fallback_published=_optional_date(row.get("published")),
            keywords=config.keywords_for(source) if source else config.keywords,
            languages=languages,
            raw_ref=row["raw_ref"],
            fetched_url=canonicalize_url(final_url),
        )
    except InputError as error:
        url = row.get("url") or row.get("path") or "?"
        return Skipped(url=url, source=row["source"], reason="no-text", detail=str(error))


def _optional_date(value: Any) -> date | None:
    if not value:
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


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


def dedupe_stage(settings: Settings, run_id: str, documents_ref: str) -> str:
    """Keep new documents; record exact and near duplicates against everything ingested.
    The saved index is only read here: this batch's documents join it once appended."""
    from pipeline.documents.dedup import NearDuplicateIndex, deduplicate
    from pipeline.documents.extract import Skipped, document_event, document_to_dict, read_jsonl
    from pipeline.store import log_exists, open_store

    documents = [d for d in read_jsonl(documents_ref) if not isinstance(d, Skipped)]
    if log_exists(settings):
        with open_store(settings) as store:
            index = logged_dedup_index(settings, store)
    else:
        index = NearDuplicateIndex()
    unique, events = deduplicate(documents, index, producer=PRODUCER, today=_today())
    events = [document_event(d, PRODUCER, today=_today()) for d in unique] + events
    folder = run_dir(settings, run_id)
    write_events(folder / "dedupe.events.jsonl", events)
    path = folder / "unique.jsonl"
    write_rows(path, (document_to_dict(d) for d in unique))
    duplicates = [
        DuplicateDetected.of(e).method for e in events if e.event_type == DUPLICATE_DETECTED
    ]
    log_counts(
        "dedupe",
        ("new documents", len(unique), ""),
        ("duplicates", len(duplicates), by_reason(duplicates)),
        ("indexed before", len(index) - len(unique), ""),
    )
    return str(path)


# -- statements ------------------------------------------------------------------------------


# Batches of at least this many articles are extracted in a pool of forked processes. Measured
# on real articles (../shared/eval/dev, about 2,000 characters each) on 2 cores, starting and
# closing the pool included, pooled time against serial: 0.55x at 2 articles, 0.79x at 8
# (one task of 8 articles: one worker does it all), even at 12, 1.3x at 16, 1.7x at 32 and
# 1.8x at 64 (2026-12-06; bench/README.md, "break-even").
POOL_MIN_DOCUMENTS = 16


def statement_workers(articles: int) -> int:
    """Return how many extraction processes a batch of this many articles is worth."""
    return min(2, os.cpu_count() or 1) if articles >= POOL_MIN_DOCUMENTS else 1


def extract_statement_events(documents: list[Document], today: date | None = None) -> list[Event]:
    """Run the statement extractor over documents; return their statement events."""
    from pipeline.statements import load_extractor
    from pipeline.statements.events import producer_of, statement_events
    from pipeline.statements.model import ArticleText

    extractor = load_extractor(workers=statement_workers(len(documents)))
    producer = producer_of(extractor.name, extractor.version)
    articles = (ArticleText(text=d.text, published=d.published) for d in documents)
    events: list[Event] = []
    try:
        for document, statements in zip(documents, extractor.extract_many(articles), strict=True):
            events.extend(statement_events(statements, document, producer, today or _today()))
    finally:
        getattr(extractor, "close", lambda: None)()
    return events


def statements_stage(settings: Settings, run_id: str, documents_ref: str) -> str:
    """Extract statement events from the run's new documents."""
    from pipeline.documents.extract import document_from_dict

    documents = [document_from_dict(row) for row in read_rows(documents_ref)]
    events = extract_statement_events(documents)
    path = run_dir(settings, run_id) / "statements.jsonl"
    write_events(path, events)
    log_counts(
        "statements",
        ("statements", sum(1 for e in events if e.event_type == STATEMENT_EXTRACTED), ""),
        ("documents read", len(documents), ""),
    )
    return str(path)


# -- validate, append, rebuild ---------------------------------------------------------------


def _batch_texts(settings: Settings, run_id: str, doc_ids: set[str]) -> dict[str, str]:
    """Find the clean text of documents in this run's own batch."""
    unique = run_dir(settings, run_id) / "unique.jsonl"
    if not unique.exists():
        return {}
    return {row["doc_id"]: row["text"] for row in read_rows(unique) if row.get("doc_id") in doc_ids}


def _logged_documents(store: Any, want_texts: set[str]) -> tuple[set[str], dict[str, str]]:
    """Every logged document's content hash, and the logged texts asked for."""
    hashes = store.logged_content_hashes(DOCUMENT_INGESTED)
    return hashes, store.logged_texts(DOCUMENT_INGESTED, want_texts)


def validate_stage(settings: Settings, run_id: str, statements_ref: str) -> str:
    """Gate the run's documents and statement events; write what passed and what did not."""
    from pipeline.quality.gates import QualityGateError, gate_document_batch, gate_statement_batch
    from pipeline.store import open_store

    folder = run_dir(settings, run_id)
    statement_batch = read_events(statements_ref)
    document_batch = (
        [
            e
            for e in read_events(_outcome_path(settings, run_id, "dedupe"))
            if e.event_type == DOCUMENT_INGESTED
        ]
        if _outcome_path(settings, run_id, "dedupe").exists()
        else []
    )
    doc_ids = {str(e.payload.get("doc_id")) for e in statement_batch}
    texts = _batch_texts(settings, run_id, doc_ids)
    with open_store(settings) as store:
        logged = store.known_ids(e.event_id for e in statement_batch + document_batch)
        known_hashes, logged_texts = _logged_documents(store, doc_ids - texts.keys())
    texts.update(logged_texts)
    # Events already in the log are the same facts again (a re-run): appending them is a
    # no-op, so they are not gated (nor quarantined) a second time.
    statement_batch = [e for e in statement_batch if e.event_id not in logged]
    document_batch = [e for e in document_batch if e.event_id not in logged]
    results, failures = [], []
    for gate, batch, known in (
        (gate_document_batch, document_batch, (logged, known_hashes)),
        (gate_statement_batch, statement_batch, (texts, logged)),
    ):
        try:
            results.append(gate(batch, *known, safe_run_id(run_id), settings))
        except QualityGateError as error:
            failures.append(error)
            results.append(error.result)
    documents, statements = results
    refused = _refused_documents(documents.quarantined)
    kept, orphans = _without_refused_documents(statements.accepted, refused)
    quarantined = [*documents.quarantined, *statements.quarantined, *orphans]
    write_rows(folder / "quarantine.jsonl", (q.to_dict() for q in quarantined))
    accepted = {e.event_id for e in documents.accepted} | {e.event_id for e in kept}
    write_rows(folder / "accepted_ids.jsonl", ({"event_id": i} for i in sorted(accepted)))
    # A refused document's fate is logged like any other (skipped: quarantined), so its
    # URL is not fetched again only to be refused again.
    write_events(
        folder / "validate.events.jsonl", (_quarantined_event(q) for q in refused.values())
    )
    log_counts(
        "validate",
        ("documents accepted", len(documents.accepted), ""),
        ("statement events accepted", len(kept), ""),
        ("quarantined", len(quarantined), by_reason(q.expectation for q in quarantined)),
        ("documents refused", len(refused), ""),
    )
    if failures:
        # Nothing of this batch will be appended: record what was refused, then fail loudly.
        _record_refusals(settings, run_id, quarantined)
        raise failures[0]
    path = folder / "validated.jsonl"
    write_events(path, kept)
    return str(path)


def _refused_documents(rows: list[Any]) -> dict[str, Any]:
    """The document_ingested rows a gate refused on their merits (not only for being logged
    already), by doc_id."""
    from pipeline.quality.gates import ALREADY_LOGGED

    return {
        str(row.event.payload.get("doc_id")): row
        for row in rows
        if row.event.event_type == DOCUMENT_INGESTED and row.expectation != ALREADY_LOGGED
    }


def _without_refused_documents(
    events: list[Event], refused: dict[str, Any]
) -> tuple[list[Event], list[Any]]:
    """Split off the events about a refused document: they would point at a document the
    log does not hold, so they are quarantined with it."""
    from pipeline.quality.quarantine import QuarantinedRow
    from pipeline.quality.suites import STATEMENT_EVENTS

    kept, orphans = [], []
    for event in events:
        row = refused.get(str(event.payload.get("doc_id")))
        if row is None:
            kept.append(event)
        else:
            detail = f"its document was refused: {row.expectation}"
            orphans.append(QuarantinedRow(event, STATEMENT_EVENTS, "document_refused", detail))
    return kept, orphans


def _quarantined_event(row: Any) -> Event:
    """The document_skipped event recording that the gate refused a document."""
    from pipeline.documents.extract import QUARANTINED, Skipped, skipped_event

    payload = row.event.payload
    skipped = Skipped(
        url=str(payload.get("url") or "?"),
        source=str(payload.get("source") or "?"),
        reason=QUARANTINED,
        detail=f"{row.suite}: {row.expectation}",
        title=payload.get("title"),
    )
    return skipped_event(skipped, PRODUCER, _today())


def _record_refusals(settings: Settings, run_id: str, quarantined: list[Any]) -> None:
    """Write refused rows and the run's validation results to the store (validate failed)."""
    from pipeline.quality.quarantine import record_run_validations
    from pipeline.store import open_store

    with open_store(settings) as store:
        store.record_quarantine(quarantined, safe_run_id(run_id))
        record_run_validations(store, settings.gx_project_dir, safe_run_id(run_id))


def append_stage(settings: Settings, run_id: str, validated_ref: str) -> dict[str, int]:
    """Append the run's outcome events, its documents and its validated statements at once."""
    from pipeline.quality.quarantine import record_run_validations, rows_from_dicts
    from pipeline.store import open_store
    from pipeline.store.runs import INGEST

    folder = run_dir(settings, run_id)
    accepted_path = folder / "accepted_ids.jsonl"
    accepted = (
        {row["event_id"] for row in read_rows(accepted_path)} if accepted_path.exists() else None
    )
    batch: list[Event] = []
    for stage in STAGE_OUTPUTS:
        path = _outcome_path(settings, run_id, stage)
        if path.exists():
            for event in read_events(path):
                refused = accepted is not None and event.event_id not in accepted
                if event.event_type == DOCUMENT_INGESTED and refused:
                    continue  # quarantined by the document gate
                batch.append(event)
    statements = read_events(validated_ref)
    batch.extend(statements)
    quarantine_path = folder / "quarantine.jsonl"
    with open_store(settings) as store:
        index = logged_dedup_index(settings, store)
        batch, orphans = _without_orphan_duplicates(batch, index)
        if orphans:
            log.warning(
                "%d duplicate(s) of documents refused at the gate not logged; their URLs"
                " are fetched again next run: %s",
                len(orphans),
                ", ".join(str(e.payload.get("url")) for e in orphans[:5]),
            )
        result = store.append(batch, run_id=safe_run_id(run_id))
        recorded = 0
        if quarantine_path.exists():
            rows = rows_from_dicts(read_rows(quarantine_path))
            recorded = store.record_quarantine(rows, safe_run_id(run_id))
        record_run_validations(store, settings.gx_project_dir, safe_run_id(run_id))
        store.record_run_outcome(safe_run_id(run_id), INGEST, result.appended)
        # Only now do this batch's documents join the near-duplicate index (a cache: if it
        # cannot be saved, the next run brings the saved one up to the log).
        try:
            logged_dedup_index(settings, store, index)
        except OSError as err:
            log.warning("%s: not saved: %s", dedup_index_path(settings), err)
        last = store.last_row()
    prune_run_folders(settings, keep=folder)
    counts = {
        "appended": result.appended,
        "already_present": result.already_present,
        "statements": sum(1 for e in statements if e.event_type == STATEMENT_EXTRACTED),
        "last_seq": last[0] if last else 0,  # the log's, whether or not this run appended
    }
    log_counts(
        "append",
        ("events appended", result.appended, ""),
        ("already logged", result.already_present, ""),
        ("in the batch", len(batch), by_reason(e.event_type for e in batch)),
        ("quarantined rows recorded", recorded, ""),
        ("duplicates of refused documents held back", len(orphans), ""),
        ("last position {}", counts["last_seq"], ""),
    )
    return counts


def prune_run_folders(settings: Settings, keep: Path | None = None) -> list[Path]:
    """Remove run folders last written more than `run_retention_days` ago (never `keep`);
    return them. A run's batches are only needed while its tasks may be cleared and run
    again; every copy of every text in them would otherwise stay for good."""
    import shutil
    import time

    if settings.run_retention_days <= 0:
        return []
    root = settings.warehouse_dir / "runs"
    cutoff = time.time() - settings.run_retention_days * 86400
    removed = []
    for folder in root.iterdir() if root.is_dir() else ():
        if folder == keep or not folder.is_dir():
            continue
        newest = max((p.stat().st_mtime for p in folder.iterdir()), default=folder.stat().st_mtime)
        if newest < cutoff:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    if removed:
        log.info("housekeeping: removed %d run folders older than %s days", len(removed),
                 settings.run_retention_days)  # fmt: skip
    return removed


def _without_orphan_duplicates(batch: list[Event], index: Any) -> tuple[list[Event], list[Event]]:
    """Split off duplicate_detected events whose original is neither logged (in the index
    of logged documents) nor ingested in this batch: its document was refused at the gate,
    so the copy is no duplicate of anything in the log."""
    ingested = {str(e.payload.get("doc_id")) for e in batch if e.event_type == DOCUMENT_INGESTED}
    kept, orphans = [], []
    for event in batch:
        original = str(event.payload.get("canonical_doc_id"))
        refused = original not in ingested and original not in index
        (orphans if event.event_type == DUPLICATE_DETECTED and refused else kept).append(event)
    return kept, orphans


def rebuild_stage(
    settings: Settings, replace_snapshot: bool = False, run_id: str | None = None
) -> dict[str, int]:
    """Rebuild every view from the log into a new views file, check them, and publish it as
    the BI snapshot; views that fail their checks are not published, nor are views of an
    empty, other or shorter log over the published ones unless `replace_snapshot`. A path
    where no log exists is an error, never a new empty log."""
    from pipeline.store import open_store
    from pipeline.store.runs import VIEWS
    from pipeline.store.views import build_views, discard_views, publish_views, views_lock

    with open_store(settings, create=False) as store, views_lock(store):
        build = build_views(store)
        try:
            _check_views(store, settings)
        except BaseException:
            discard_views(store, build)
            raise
        publish_views(store, build, replace=replace_snapshot)
        store.record_run_outcome(safe_run_id(run_id or new_run_id("views")), VIEWS, 0)
    _prune_data_docs(settings)
    log_counts("views", *((name, count, "") for name, count in build.counts.items()))
    log.info("views: published %s", settings.bi_snapshot_path)
    return build.counts


def _prune_data_docs(settings: Settings) -> None:
    """Keep the Great Expectations results and Data Docs pages of the last runs only."""
    try:
        from pipeline.quality.context import quality_context
    except ImportError:  # the quality suites are optional for embedded use
        return
    removed = quality_context(settings).prune(settings.docs_keep_runs)
    if removed:
        log.info("housekeeping: removed the Data Docs and results of %d older runs", removed)


def _check_views(store: Any, settings: Settings) -> None:
    try:
        from pipeline.quality.gates import check_views
    except ImportError:  # the view suite is optional for embedded use
        return
    check_views(store, settings)


# -- failures -------------------------------------------------------------------------------


def record_task_failure(
    settings: Settings, dag_id: str, task_id: str, run_id: str, error_text: str
) -> None:
    """Append a task_failed event so the failure is in the log beside everything else."""
    from pipeline.store import open_store

    payload = TaskFailed(dag_id=dag_id, task_id=task_id, run_id=run_id, error=error_text[:4000])
    event = payload.event(f"dag:{dag_id}", datetime.now(UTC), PRODUCER)
    with open_store(settings) as store:
        store.append([event], run_id=safe_run_id(run_id))


# -- reprocess ---------------------------------------------------------------------------------


def reprocess_stage(
    settings: Settings,
    run_id: str,
    since: str | None = None,
    until: str | None = None,
    extractor_version: str | None = None,
) -> dict[str, int]:
    """Re-extract statements from stored documents (no fetching) with the current extractor."""
    from pipeline.documents.extract import document_from_dict, document_to_dict
    from pipeline.statements import load_extractor
    from pipeline.store import open_store

    extractor = load_extractor()
    if extractor_version and extractor_version != extractor.version:
        raise InputError(
            f"extractor version {extractor_version!r} requested, but the installed extractor"
            f" is {extractor.name} {extractor.version}; install that version or omit the option"
        )
    low, high = _optional_date(since), _optional_date(until)
    with open_store(settings, create=False) as store:
        payloads = store.logged_payloads_published_between(DOCUMENT_INGESTED, low, high)
    documents = [document_from_dict(payload) for payload in payloads]
    folder = run_dir(settings, run_id)
    unique = folder / "unique.jsonl"
    write_rows(unique, (document_to_dict(d) for d in documents))
    statements_ref = statements_stage(settings, run_id, str(unique))
    validated = validate_stage(settings, run_id, statements_ref)
    counts = append_stage(settings, run_id, validated)
    return {"documents": len(documents), **counts}


def run_outcomes(settings: Settings, run_id: str) -> dict[str, int]:
    """Count each document fate in a run's batches (for the run summary)."""
    folder = run_dir(settings, run_id)
    counts: dict[str, int] = {}
    for stage in STAGE_OUTPUTS:
        path = folder / f"{stage}.events.jsonl"
        if path.exists():
            for row in read_rows(path):
                counts[row["event_type"]] = counts.get(row["event_type"], 0) + 1
    quarantine = folder / "quarantine.jsonl"
    counts["quarantined"] = sum(1 for _ in read_rows(quarantine)) if quarantine.exists() else 0
    return counts
