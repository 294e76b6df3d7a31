"""Discover: turn the sources file into a batch of article candidates to fetch, plus events.

For each feed: a conditional GET (ETag / Last-Modified remembered from earlier
FEED_POLLED events), a safe parse, then entries deduplicated by GUID and canonical
URL (within the run, across feeds, and against URLs already seen) and filtered on
topic, all before any article is fetched. `page` sources become candidates directly,
`file` sources only on request. One source failing never stops the others: its
failure is an event in the result.

Streams: feed events use `feed:<feed url>`; events about one article `url:<canonical url>`.
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from pipeline.events import DOCUMENT_SKIPPED, Event
from pipeline.payloads import DocumentSkipped, TaskFailed
from pipeline.sources.config import Source, SourcesConfig
from pipeline.sources.feeds import (
    FeedEntry,
    FeedState,
    feed_polled_event,
    match_topic,
    parse_failed_event,
    parse_feed,
)
from pipeline.sources.files import FileRefused, read_local_file
from pipeline.sources.http import (
    PRODUCER,
    FetchError,
    FetchResponse,
    HttpClient,
    fetch_failed_event,
)
from pipeline.sources.retries import FEED
from pipeline.sources.urls import (
    FETCHABLE_SCHEMES,
    InvalidUrl,
    canonicalize_url,
    check_url,
    url_scheme,
)

ResponseHook = Callable[[Source, FetchResponse], None]
# Why feed entries did not become candidates, counted in each FEED_POLLED payload.
_COUNTS = ("already_seen", "duplicates", "off_topic", "unusable")


@dataclass(frozen=True, slots=True)
class Candidate:
    """An article to fetch: where it was found and what the feed said about it."""

    url: str
    canonical_url: str
    source: str
    title: str | None = None
    summary: str | None = None
    published: date | None = None
    guid: str | None = None
    feed_url: str | None = None
    kind: str = "feed"
    language: str | None = None
    matched_keyword: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the candidate as JSON-ready data."""
        data = asdict(self)
        data["published"] = self.published.isoformat() if self.published else None
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Candidate:
        """Rebuild a candidate from `to_dict` output."""
        values = {k: data.get(k) for k in cls.__dataclass_fields__ if k in data}
        published = values.get("published")
        if isinstance(published, str):
            values["published"] = date.fromisoformat(published[:10])
        return cls(**values)


@dataclass(frozen=True, slots=True)
class DiscoverResult:
    """The candidates found, the events to append, and the feed state after this run."""

    candidates: list[Candidate] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    feed_state: FeedState = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Return the result as JSON-ready data."""
        return {
            "candidates": [c.to_dict() for c in self.candidates],
            "events": [event_to_dict(e) for e in self.events],
            "feed_state": {url: list(value) for url, value in self.feed_state.items()},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DiscoverResult:
        """Rebuild a result from `to_dict` output."""
        return cls(
            candidates=[Candidate.from_dict(c) for c in data.get("candidates", [])],
            events=[event_from_dict(e) for e in data.get("events", [])],
            feed_state={
                url: (value[0], value[1]) for url, value in data.get("feed_state", {}).items()
            },
        )


def event_to_dict(event: Event) -> dict[str, Any]:
    """Return an event as JSON-ready data."""
    return {
        "event_id": event.event_id,
        "event_type": event.event_type,
        "stream": event.stream,
        "occurred_at": event.occurred_at.isoformat(),
        "payload": dict(event.payload),
        "producer": event.producer,
        "schema_version": event.schema_version,
    }


def event_from_dict(data: Mapping[str, Any]) -> Event:
    """Rebuild an event from `event_to_dict` output (the id is kept, not recomputed)."""
    return Event(
        event_id=data["event_id"],
        event_type=data["event_type"],
        stream=data["stream"],
        occurred_at=datetime.fromisoformat(data["occurred_at"]),
        payload=data["payload"],
        producer=data["producer"],
        schema_version=data.get("schema_version", 1),
    )


def write_candidates_jsonl(path: Path | str, candidates: Iterable[Candidate]) -> int:
    """Write candidates one JSON object a line; return how many were written."""
    count = 0
    with Path(path).open("w", encoding="utf-8") as handle:
        for candidate in candidates:
            handle.write(json.dumps(candidate.to_dict(), ensure_ascii=False) + "\n")
            count += 1
    return count


def read_candidates_jsonl(path: Path | str) -> list[Candidate]:
    """Read candidates written by `write_candidates_jsonl`."""
    with Path(path).open(encoding="utf-8") as handle:
        return [Candidate.from_dict(json.loads(line)) for line in handle if line.strip()]


class _RunSeen:
    """What this run has already accepted, plus the URLs earlier runs saw."""

    def __init__(self, seen_urls: Iterable[str]) -> None:
        self.before = {canonicalize_url(url) for url in seen_urls}
        self.urls: set[str] = set()
        self.guids: set[str] = set()

    @staticmethod
    def guid_key(guid: str | None, feed_url: str) -> str | None:
        if not guid:
            return None
        # URL- or URN-like GUIDs are global; bare ones ("12345") only mean something per site.
        return guid if ":" in guid else f"{urlsplit(feed_url).hostname}|{guid}"

    def status(self, canonical: str, guid_key: str | None) -> str | None:
        if canonical in self.before:
            return "seen"
        if canonical in self.urls or (guid_key and guid_key in self.guids):
            return "duplicate"
        return None

    def add(self, canonical: str, guid_key: str | None) -> None:
        self.urls.add(canonical)
        if guid_key:
            self.guids.add(guid_key)


def discover(
    config: SourcesConfig,
    seen_urls: Iterable[str] = (),
    client: HttpClient | None = None,
    feed_state: Mapping[str, tuple[str | None, str | None]] | None = None,
    *,
    now: datetime | None = None,
    on_response: ResponseHook | None = None,
    include_files: bool = False,
) -> DiscoverResult:
    """Poll every source once and return new candidates, events and the new feed state.

    `seen_urls` are URLs already fetched earlier (compared in canonical form);
    `feed_state` is {feed url: (etag, last_modified)}, e.g. from
    `feed_state_from_events`; `on_response` receives each feed response (raw bytes
    for the raw store). Without a client, one is made from the file's fetch settings.
    `file` sources are left to the caller (`config.file_path(source)`) unless
    `include_files`, which makes them candidates with a file:// URL for `fetch_candidate`.
    """
    moment = now or datetime.now(UTC)
    state: FeedState = dict(feed_state or {})
    seen = _RunSeen(seen_urls)
    candidates: list[Candidate] = []
    events: list[Event] = []
    own_client = client is None
    http = client or HttpClient(config.fetch)
    try:
        for source in config.sources:
            try:
                if source.kind == "feed":
                    found, produced = _poll_feed(
                        source, config, http, state, seen, moment, on_response
                    )
                elif source.kind == "page" or include_files:
                    found, produced = _direct_candidate(source, config, seen), []
                else:
                    continue
                candidates.extend(found)
                events.extend(produced)
            except Exception as exc:  # one broken source never stops the rest
                events.append(_task_failed_event(source, exc, moment))
    finally:
        if own_client:
            http.close()
    return DiscoverResult(candidates=candidates, events=events, feed_state=state)


def _poll_feed(
    source: Source,
    config: SourcesConfig,
    http: HttpClient,
    state: FeedState,
    seen: _RunSeen,
    moment: datetime,
    on_response: ResponseHook | None,
) -> tuple[list[Candidate], list[Event]]:
    etag, modified = state.get(source.url, (None, None))
    try:
        response = http.fetch(source.url, etag=etag, last_modified=modified)
    except FetchError as error:
        return [], [fetch_failed_event(error, source.name, moment.date(), target=FEED)]
    new_etag = response.etag or (etag if response.not_modified else None)
    new_modified = response.last_modified or (modified if response.not_modified else None)
    if new_etag or new_modified:
        state[source.url] = (new_etag, new_modified)
    else:
        state.pop(source.url, None)
    if response.not_modified:
        polled = feed_polled_event(
            source.name,
            source.url,
            moment,
            status=304,
            etag=new_etag,
            last_modified=new_modified,
            entries=0,
            new_entries=0,
            final_url=response.final_url,
            version=None,
            **dict.fromkeys(_COUNTS, 0),
        )
        return [], [polled]
    if on_response is not None:
        on_response(source, response)
    parsed = parse_feed(response.content, response.final_url, response.charset)
    events: list[Event] = []
    if parsed.failure:
        digest = hashlib.sha256(response.content).hexdigest()
        events.append(
            parse_failed_event(
                source.name, source.url, parsed.failure, parsed.bozo_reason or "", digest, moment
            )
        )
    keywords = config.keywords_for(source)
    candidates: list[Candidate] = []
    counts = dict.fromkeys(_COUNTS, 0)
    for entry in parsed.entries:
        outcome = _consider(entry, source, response.final_url, keywords, seen, moment)
        if isinstance(outcome, Candidate):
            candidates.append(outcome)
        elif isinstance(outcome, Event):
            counts["off_topic" if outcome.event_type == DOCUMENT_SKIPPED else "unusable"] += 1
            events.append(outcome)
        else:
            counts[outcome] += 1
    events.insert(
        0,
        feed_polled_event(
            source.name,
            source.url,
            moment,
            status=response.status,
            etag=new_etag,
            last_modified=new_modified,
            entries=len(parsed.entries),
            new_entries=len(candidates),
            bozo=parsed.bozo,
            bozo_reason=parsed.bozo_reason,
            final_url=response.final_url,
            version=parsed.version,
            **counts,
        ),
    )
    return candidates, events


def _consider(
    entry: FeedEntry,
    source: Source,
    feed_url: str,
    keywords: tuple[str, ...],
    seen: _RunSeen,
    moment: datetime,
) -> Candidate | Event | str:
    """Decide one entry's fate: a candidate, an off-topic or invalid-URL event, or a count's
    name. A link is checked once, here (`check_url`): an unusable http(s) link is this
    entry's `fetch_failed: invalid-url` event, never an error for the feed or the stage."""
    if not entry.link or url_scheme(entry.link) not in FETCHABLE_SCHEMES:
        return "unusable"
    canonical = canonicalize_url(entry.link)
    guid_key = _RunSeen.guid_key(entry.guid, feed_url)
    status = seen.status(canonical, guid_key)
    if status == "seen":
        return "already_seen"
    if status == "duplicate":
        return "duplicates"
    try:
        check_url(entry.link)
    except InvalidUrl as exc:
        seen.add(canonical, guid_key)
        error = FetchError(entry.link, "invalid-url", str(exc))
        return fetch_failed_event(error, source.name, moment.date())
    matched = match_topic(entry.title, entry.summary, keywords)
    if matched is None:
        return off_topic_event(source.name, entry, canonical, feed_url, moment)
    seen.add(canonical, guid_key)
    return Candidate(
        url=entry.link,
        canonical_url=canonical,
        source=source.name,
        title=entry.title or None,
        summary=entry.summary or None,
        published=entry.published,
        guid=entry.guid,
        feed_url=feed_url,
        kind="feed",
        language=source.language,
        matched_keyword=matched or None,
    )


def off_topic_event(
    source: str, entry: FeedEntry, canonical: str, feed_url: str, moment: datetime
) -> Event:
    """Build the DOCUMENT_SKIPPED event for an entry the topic filter dropped (one per URL)."""
    payload = DocumentSkipped(
        source=source,
        url=entry.link,
        canonical_url=canonical,
        title=entry.title,
        feed_url=feed_url,
        reason="off-topic",
        detail="no keyword in title or summary",
    )
    identity = {"url": canonical, "reason": "off-topic"}
    return payload.event(f"url:{canonical}", moment, PRODUCER, identity=identity)


def _direct_candidate(source: Source, config: SourcesConfig, seen: _RunSeen) -> list[Candidate]:
    if source.kind == "file":
        url = config.file_path(source).resolve().as_uri()
        canonical = url
    else:
        url = source.url
        canonical = canonicalize_url(url)
    if seen.status(canonical, None) is not None:
        return []
    seen.add(canonical, None)
    return [
        Candidate(
            url=url,
            canonical_url=canonical,
            source=source.name,
            kind=source.kind,
            language=source.language,
        )
    ]


def _task_failed_event(source: Source, exc: Exception, moment: datetime) -> Event:
    payload = TaskFailed(
        stage="discover",
        source=source.name,
        url=source.url,
        error=f"{type(exc).__name__}: {exc}"[:500],
    )
    identity = {**payload.to_payload(), "day": moment.date()}
    return payload.event(f"source:{source.name}", moment, PRODUCER, identity=identity)


def fetch_candidate(
    client: HttpClient, candidate: Candidate, max_bytes: int | None = None
) -> FetchResponse:
    """Fetch a candidate's bytes: over HTTP, or from disk for a `file` source only."""
    if candidate.kind != "file":
        return client.fetch(candidate.url)
    limit = max_bytes or client.settings.max_bytes
    parts = urlsplit(candidate.url)
    if parts.scheme != "file":
        raise FetchError(candidate.url, "refused-scheme", "a file source needs a file:// URL")
    path = Path(unquote(parts.path))
    try:  # a regular file within the cap; `discover` made the URL from a confined path
        content = read_local_file(path, (path.parent,), limit)
    except FileRefused as exc:
        raise FetchError(candidate.url, exc.reason, exc.detail) from None
    except OSError as exc:
        raise FetchError(candidate.url, "connection-error", str(exc), permanent=True) from None
    guessed = mimetypes.guess_type(path.name)[0] or "text/plain"
    return FetchResponse(
        url=candidate.url,
        final_url=candidate.url,
        status=200,
        headers={"content-type": guessed},
        content=content,
        content_type=guessed,
        charset=None,
        elapsed=0.0,
    )
