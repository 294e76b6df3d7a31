"""Feeds: parse RSS 0.9x/1.0/2.0 and Atom bytes safely, filter entries on topic, poll state.

Bytes come from our own HTTP client; feedparser never touches the network. Before
feedparser sees a document, defusedxml checks it: entity declarations (the
"billion laughs" bomb, external entities) are rejected outright, in milliseconds.
A DOCTYPE that only names an external DTD (old RSS 0.91 feeds do) is allowed, and
feedparser is told not to load it. A malformed ("bozo") feed is parsed as far as
feedparser gets and flagged.
"""

from __future__ import annotations

import calendar
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from typing import Any
from xml.etree.ElementTree import ParseError

import defusedxml.ElementTree as SafeET
import feedparser
from defusedxml import DefusedXmlException

from pipeline.events import FEED_POLLED, Event
from pipeline.payloads import FeedPolled, ParseFailed
from pipeline.sources.http import PRODUCER

MAX_SUMMARY_CHARS = 2000
FORBIDDEN_XML = "xml-forbidden-construct"
NOT_A_FEED = "not-a-feed"

FeedState = dict[str, tuple[str | None, str | None]]


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One feed item: its link, title, plain-text summary, date and GUID."""

    link: str | None
    title: str = ""
    summary: str = ""
    published: date | None = None
    guid: str | None = None


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """A parsed feed; `failure` names why nothing could be used (refused or not a feed)."""

    entries: tuple[FeedEntry, ...]
    bozo: bool = False
    bozo_reason: str | None = None
    version: str | None = None
    title: str | None = None
    failure: str | None = None

    @property
    def rejected(self) -> bool:
        """Tell whether the document was refused before parsing (entity declarations)."""
        return self.failure == FORBIDDEN_XML


def check_xml_safety(content: bytes) -> str | None:
    """Return why a document must not be parsed (entity or external declarations), else None."""
    try:
        SafeET.fromstring(content, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        return f"{type(exc).__name__}: {exc}"
    except (ParseError, ValueError, LookupError):
        # Malformed XML stops expat before it may have seen a declaration: look for one.
        if _declares_entities(content):
            return "EntitiesForbidden: entity declaration in a document that is not well-formed"
    return None


def _declares_entities(content: bytes) -> bool:
    head = content[:4]
    texts = [content]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head:
        for codec in ("utf-16", "utf-16-le", "utf-16-be", "utf-32"):
            try:
                texts.append(content.decode(codec).encode("utf-8"))
            except UnicodeDecodeError:
                continue
    return any(b"<!entity" in text.lower() for text in texts)


def parse_feed(content: bytes, url: str, charset: str | None = None) -> ParsedFeed:
    """Parse feed bytes with feedparser after the safety check; never raises on bad input."""
    unsafe = check_xml_safety(content)
    if unsafe is not None:
        return ParsedFeed(
            entries=(), bozo=True, bozo_reason=f"{FORBIDDEN_XML}: {unsafe}", failure=FORBIDDEN_XML
        )
    # Always application/xml: without a charset it defers to the XML declaration, whereas
    # text/xml would make feedparser assume us-ascii and a missing type is flagged bozo.
    content_type = f"application/xml; charset={charset}" if charset else "application/xml"
    headers = {"content-location": url, "content-type": content_type}
    try:
        parsed = feedparser.parse(
            io.BytesIO(_replace_bad_char_refs(content)),
            response_headers=headers,
            sanitize_html=True,
        )
    except Exception as exc:  # feedparser's loose parser on hostile bytes: this feed's failure
        reason = f"{NOT_A_FEED}: the feed parser failed ({type(exc).__name__}: {exc})"
        return ParsedFeed(entries=(), bozo=True, bozo_reason=reason[:500], failure=NOT_A_FEED)
    entries = tuple(_entry(raw) for raw in parsed.entries)
    bozo = bool(parsed.get("bozo"))
    version = parsed.get("version") or None
    reason = None
    if bozo:
        exc = parsed.get("bozo_exception")
        reason = f"{type(exc).__name__}: {exc}" if exc is not None else "malformed feed"
    failure = None
    if version is None and not entries:
        failure = NOT_A_FEED
        bozo = True
        reason = f"{NOT_A_FEED}: no RSS or Atom document found" + (f" ({reason})" if reason else "")
    return ParsedFeed(
        entries=entries,
        bozo=bozo,
        bozo_reason=reason[:500] if reason else None,
        version=version,
        title=_plain(parsed.feed.get("title", "")) or None,
        failure=failure,
    )


# A numeric character reference to no character (a surrogate, past U+10FFFF, or too many
# digits for int()) crashes feedparser's loose parser with ValueError: U+FFFD stands in.
_CHAR_REF = re.compile(rb"&#(?:[xX]([0-9A-Fa-f]+)|([0-9]+));")


def _replace_bad_char_refs(content: bytes) -> bytes:
    if b"&#" not in content:
        return content

    def replace(match: re.Match[bytes]) -> bytes:
        hex_digits, digits = match.group(1), match.group(2)
        text = (hex_digits or digits).lstrip(b"0") or b"0"
        if len(text) > 8:
            return b"&#xFFFD;"
        value = int(text, 16 if hex_digits else 10)
        valid = value <= 0x10FFFF and not 0xD800 <= value <= 0xDFFF
        return match.group(0) if valid else b"&#xFFFD;"

    return _CHAR_REF.sub(replace, content)


def _entry(raw: Mapping[str, Any]) -> FeedEntry:
    link = raw.get("link") or None
    if not link:
        for candidate in raw.get("links", []) or []:
            if candidate.get("href") and candidate.get("rel", "alternate") == "alternate":
                link = candidate["href"]
                break
    guid = raw.get("id") or None
    if not link and guid and str(guid).startswith(("http://", "https://")):
        link = guid
    summary = raw.get("summary") or raw.get("description") or ""
    return FeedEntry(
        link=link.strip() if link else None,
        title=_plain(raw.get("title", "")),
        summary=_plain(summary)[:MAX_SUMMARY_CHARS],
        published=_entry_date(raw),
        guid=str(guid).strip() if guid else None,
    )


def _entry_date(raw: Mapping[str, Any]) -> date | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        moment = raw.get(key)
        if moment:
            try:
                return datetime.fromtimestamp(calendar.timegm(moment), UTC).date()
            except (OverflowError, ValueError, TypeError):
                continue
    return None


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def _plain(value: Any) -> str:
    """Turn a title or summary (possibly HTML) into one line of plain text."""
    text = str(value or "")
    if "<" in text or "&" in text:
        collector = _TextCollector()
        collector.feed(text)
        collector.close()
        text = " ".join(collector.parts)
    return re.sub(r"\s+", " ", text).strip()


# --- topic filter --------------------------------------------------------------------


def _keyword_pattern(keyword: str) -> re.Pattern[str]:
    # A keyword matches at the start of a word and may run on ("guarantee" finds
    # "guarantees", "Ukrain" finds "Ukrainian"), but "NATO" does not match "senator".
    words = [re.escape(word) for word in keyword.casefold().split()]
    return re.compile(r"(?<!\w)" + r"\s+".join(words))


def match_topic(title: str, summary: str, keywords: Sequence[str]) -> str | None:
    """Return the first keyword found in the title or summary (case-insensitive), else None.

    With no keywords every entry matches and the empty string is returned.
    """
    if not keywords:
        return ""
    text = f"{title}\n{summary}".casefold()
    for keyword in keywords:
        if _keyword_pattern(keyword).search(text):
            return keyword
    return None


def filter_on_topic(
    entries: Iterable[FeedEntry], keywords: Sequence[str]
) -> tuple[list[FeedEntry], list[tuple[FeedEntry, str]]]:
    """Split entries into those on topic and those filtered out, each with the reason."""
    kept: list[FeedEntry] = []
    dropped: list[tuple[FeedEntry, str]] = []
    for entry in entries:
        if match_topic(entry.title, entry.summary, keywords) is None:
            dropped.append((entry, "off-topic: no keyword in title or summary"))
        else:
            kept.append(entry)
    return kept, dropped


# --- poll events and the state rebuilt from them -----------------------------------


def feed_polled_event(
    source: str,
    url: str,
    polled_at: datetime,
    *,
    status: int,
    etag: str | None,
    last_modified: str | None,
    entries: int,
    new_entries: int,
    bozo: bool = False,
    bozo_reason: str | None = None,
    **extra: Any,
) -> Event:
    """Build the FEED_POLLED event for one poll of one feed."""
    payload = FeedPolled(
        source=source,
        url=url,
        status=status,
        etag=etag,
        last_modified=last_modified,
        entries=entries,
        new_entries=new_entries,
        bozo=bozo,
        bozo_reason=bozo_reason,
        **extra,
    )
    # One event per feed version per day: re-running a day's poll (a 304 for the same ETag or
    # Last-Modified) is the same fact and appends nothing.
    identity = {
        "url": url,
        "etag": etag,
        "last_modified": last_modified,
        "day": polled_at.date().isoformat(),
    }
    return payload.event(f"feed:{url}", polled_at, PRODUCER, identity=identity)


def parse_failed_event(
    source: str, url: str, reason: str, detail: str, content_sha256: str, moment: datetime
) -> Event:
    """Build the PARSE_FAILED event for a feed that could not be parsed (same bytes, one event)."""
    payload = ParseFailed(
        source=source,
        url=url,
        reason=reason,
        detail=detail[:500],
        content_sha256=content_sha256,
    )
    identity = {"url": url, "reason": reason, "content_sha256": content_sha256}
    return payload.event(f"feed:{url}", moment, PRODUCER, identity=identity)


def feed_state_from_events(events: Iterable[Any]) -> FeedState:
    """Rebuild {feed url: (etag, last_modified)} from FEED_POLLED events in log order.

    Accepts `Event`, `RecordedEvent` or their dict forms. A 200 replaces what was
    remembered (a feed that stops sending validators is forgotten); a 304 keeps it,
    taking any validator the server repeated.
    """
    state: FeedState = {}
    for event in events:
        event_type, payload = _type_and_payload(event)
        if event_type != FEED_POLLED:
            continue
        url = payload.get("url")
        status = payload.get("status")
        if not url:
            continue
        etag, modified = payload.get("etag"), payload.get("last_modified")
        if status == 304:
            old_etag, old_modified = state.get(url, (None, None))
            state[url] = (etag or old_etag, modified or old_modified)
        elif isinstance(status, int) and 200 <= status < 300:
            state[url] = (etag, modified)
    return {url: value for url, value in state.items() if value != (None, None)}


def _type_and_payload(event: Any) -> tuple[str | None, Mapping[str, Any]]:
    if isinstance(event, Mapping):
        inner = event.get("event", event)
        return inner.get("event_type"), inner.get("payload") or {}
    return getattr(event, "event_type", None), getattr(event, "payload", None) or {}
