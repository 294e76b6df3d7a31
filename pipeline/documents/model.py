"""The document value every later stage reads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pipeline.events import sha256_hex


def document_id(clean_text: str) -> str:
    """Derive a document's id from its normalised text."""
    return "doc_" + sha256_hex(clean_text)[:20]


@dataclass(frozen=True, slots=True)
class Document:
    """One article: its clean text (offsets refer to it) and where it came from."""

    doc_id: str
    source: str
    url: str
    title: str
    text: str
    raw_text: str
    published: date | None = None
    publisher: str | None = None
    author: str | None = None
    language: str = "en"
    raw_ref: str | None = None
    published_inferred_from: str | None = None
    # The URL the page was fetched from (after redirects), when it is not `url` (the
    # canonical URL the page declared on its own site).
    fetched_url: str | None = None


def optional_date(value: object) -> date | None:
    """A date from a manifest entry, a batch row or a parameter (a date, or text starting
    with YYYY-MM-DD); None when absent or unreadable."""
    if not value:
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None
