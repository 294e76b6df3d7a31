"""Extract: raw page bytes (or a local file) to one `Document`, or a named reason to skip it.

Runs fully offline: trafilatura gets an already-parsed tree and a URL only as a label, no
language model is consulted (language comes from the page's own declaration, else a small
stopword count), and htmldate is told not to guess dates from running text.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import trafilatura
from trafilatura.utils import load_html

from pipeline.documents.model import Document, document_id
from pipeline.documents.normalise import normalise_text
from pipeline.documents.raw_store import content_address
from pipeline.errors import InputError
from pipeline.events import Event, sha256_hex
from pipeline.payloads import OMITTED, DocumentIngested, DocumentSkipped

# The closed set of reasons a fetched page does not become a document.
NO_TEXT = "no-text"
TOO_SHORT = "too-short"
WRONG_LANGUAGE = "wrong-language"
OFF_TOPIC = "off-topic"
QUARANTINED = "quarantined"  # refused by the document suite at the gate (validate)
SKIP_REASONS = frozenset({NO_TEXT, TOO_SHORT, WRONG_LANGUAGE, OFF_TOPIC, QUARANTINED})

DEFAULT_MIN_CHARS = 400
DEFAULT_LANGUAGES = ("en",)
UNKNOWN_LANGUAGE = "und"

# Where a document's publication date came from (Document.published_inferred_from).
FROM_PAGE = "page-metadata"
FROM_FEED = "feed"

# A few hundred bytes of stopwords are enough to tell the languages we are likely to meet
# apart; no model download. Kept here rather than in pipeline/data because only this
# fallback uses it.
_STOPWORD_LISTS = {
    "en": (
        "the of and to in a is that for on with as was by it said he be at from his are "
        "this have an not has its but which they were will would their"
    ),
    "uk": (
        "і й та в у на з що не до це як за від для про але його її він вона вони ми ви "
        "також після буде було є щодо"
    ),
    "ru": (
        "и в на с что не по это как для от из но его ее он она они мы вы также после "
        "будет было есть был"
    ),
    "de": (
        "der die das und in zu den von mit ist nicht sich des auf für im dem ein eine "
        "auch als an werden aus er hat dass sie"
    ),
    "fr": (
        "le la les de des et en un une du est que pour dans qui pas sur au avec il se "
        "ne ce par sont elle"
    ),
    "es": ("el la los las de y en que un una del es por con para no se al lo como su más pero sus"),
    "it": (
        "il lo la i gli le di e che un una del della è per con non si da in al sono anche ma come"
    ),
    "pl": (
        "i w na z że nie do się to jest jak za od dla po ale jego jej on ona oni także był była"
    ),
}
_STOPWORDS = {lang: frozenset(words.split()) for lang, words in _STOPWORD_LISTS.items()}
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?", re.UNICODE)
_META_CHARSET = re.compile(
    rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9_:.\-]+)""", re.IGNORECASE
)
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9_:.\-]+)""", re.IGNORECASE)
_HTML_START = re.compile(rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)", re.I | re.S)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
# WHATWG: these labels mean windows-1252 in practice.
_CHARSET_ALIASES = {"iso-8859-1": "cp1252", "latin-1": "cp1252", "latin1": "cp1252",
                    "us-ascii": "cp1252", "ascii": "cp1252"}  # fmt: skip

_DATE_PARAMS_BASE = {"original_date": True, "extensive_search": False}


@dataclass(frozen=True, slots=True)
class Skipped:
    """A page that did not become a document, and why (reason is one of SKIP_REASONS)."""

    url: str
    source: str
    reason: str
    detail: str = ""
    title: str | None = None

    def __post_init__(self) -> None:
        if self.reason not in SKIP_REASONS:
            raise ValueError(f"unknown skip reason {self.reason!r}")

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "url": self.url,
            "source": self.source,
            "reason": self.reason,
            "detail": self.detail,
            "title": self.title,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Skipped:
        """Rebuild from `to_dict` output."""
        return cls(
            url=data["url"],
            source=data["source"],
            reason=data["reason"],
            detail=data.get("detail", ""),
            title=data.get("title"),
        )


# --- decoding -------------------------------------------------------------------------------


def charset_from_header(content_type: str | None) -> str | None:
    """Return the charset named in a Content-Type header value, if any."""
    if not content_type:
        return None
    match = _HEADER_CHARSET.search(content_type)
    return match.group(1) if match else None


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    label = _CHARSET_ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def decode_html(raw: bytes, charset: str | None = None) -> tuple[str, str]:
    """Decode page bytes; return the text and the codec used.

    In order: a byte-order mark; UTF-16/32 when the header says so and the bytes hold NULs;
    UTF-8 when the bytes are valid UTF-8; the page's own <meta>
    charset; the Content-Type header's charset; detection; windows-1252 with replacements.
    A declaration counts only if the bytes decode under it without error. Valid UTF-8 comes
    before both declarations because a legacy text is practically never valid UTF-8 by
    chance, whereas servers often label every page with a default `iso-8859-1`: trusting
    that label stored "Ukraine’s" as "Ukraineâ€™s", which also escaped deduplication.
    """
    for bom, name in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                      (codecs.BOM_UTF16_BE, "utf-16")):  # fmt: skip
        if raw.startswith(bom):
            return raw.decode(name, errors="replace"), name
    header = _codec(charset)
    match = _META_CHARSET.search(raw[:4096])
    meta = _codec(match.group(1).decode("ascii", "ignore")) if match else None
    # UTF-16/32 text of markup is full of NUL bytes; a <meta> naming them is read as UTF-8
    # (WHATWG), since the bytes that spell it out are ASCII.
    wide = header if header and header.startswith(("utf-16", "utf-32")) else None
    if wide and b"\x00" not in raw[:1024]:
        wide = None
    if meta and meta.startswith(("utf-16", "utf-32")):
        meta = "utf-8"
    for name in [wide, "utf-8", meta, header]:
        if name is None:
            continue
        try:
            return raw.decode(name), name
        except UnicodeDecodeError:
            continue  # a lying declaration: try the next reading
    guess = _detect(raw)
    if guess is not None:
        return raw.decode(guess, errors="replace"), guess
    return raw.decode("cp1252", errors="replace"), "cp1252"


def _detect(raw: bytes) -> str | None:
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - it ships with httpx's and requests' deps
        return None
    best = from_bytes(raw).best()
    return _codec(best.encoding) if best is not None else None


# --- language and topic ---------------------------------------------------------------------


def guess_language(text: str) -> str:
    """Guess a text's language from its share of common stopwords ('und' when unsure)."""
    words = [w.lower() for w in _WORD.findall(text[:20000])]
    if len(words) < 20:
        return UNKNOWN_LANGUAGE
    scores = {
        lang: sum(1 for w in words if w in stops) / len(words) for lang, stops in _STOPWORDS.items()
    }
    lang, score = max(scores.items(), key=lambda item: item[1])
    return lang if score >= 0.08 else UNKNOWN_LANGUAGE


def _declared_language(tree: Any) -> str | None:
    """Return the primary subtag of <html lang>, og:locale or content-language, if any."""
    candidates = [tree.get("lang"), tree.get("xml:lang")]
    for xpath in (
        '//meta[@http-equiv="content-language" or @http-equiv="Content-Language"]/@content',
        '//meta[@property="og:locale"]/@content',
    ):
        candidates.extend(tree.xpath(xpath))
    for value in candidates:
        if value and value.strip():
            primary = re.split(r"[-_,;\s]", value.strip().lower())[0]
            if primary.isalpha() and 2 <= len(primary) <= 3:
                return primary
    return None


def matches_topic(text: str, keywords: Iterable[str] | None) -> bool:
    """Return True when no keywords are given or the text mentions at least one."""
    words = [k.strip().casefold() for k in keywords or () if k.strip()]
    if not words:
        return True
    folded = text.casefold()
    return any(re.search(r"(?<!\w)" + re.escape(word), folded) for word in words)


# --- extraction -----------------------------------------------------------------------------


def _parse_date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC).date() if value.tzinfo else value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def _clean(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def extract_document(
    raw: bytes,
    url: str,
    *,
    source: str,
    content_type: str | None = None,
    charset: str | None = None,
    fallback_title: str | None = None,
    fallback_published: date | datetime | str | None = None,
    keywords: Sequence[str] | None = None,
    min_chars: int = DEFAULT_MIN_CHARS,
    languages: Sequence[str] | None = DEFAULT_LANGUAGES,
    raw_ref: str | None = None,
    today: date | None = None,
    fetched_url: str | None = None,
) -> Document | Skipped:
    """Turn one fetched page into a Document, or a Skipped with a reason from SKIP_REASONS.

    `url` names the article (its canonical URL); `fetched_url`, where the bytes came from,
    is kept beside it when the two differ."""
    html, _ = decode_html(raw, charset or charset_from_header(content_type))
    html = _XML_DECLARATION.sub("", html, count=1)
    tree = load_html(html) if html.strip() else None
    if tree is None:
        return Skipped(url, source, NO_TEXT, "not parseable as HTML", fallback_title)
    max_date = (today or date.today()).isoformat()
    try:
        result = trafilatura.bare_extraction(
            tree,
            url=url,
            favor_precision=True,
            include_comments=False,
            include_tables=False,
            include_images=False,
            include_links=False,
            include_formatting=False,
            with_metadata=True,
            date_extraction_params={**_DATE_PARAMS_BASE, "max_date": max_date},
        )
    except Exception as err:  # noqa: BLE001 - hostile markup must not escape as a crash
        # Seen: htmldate's clean-up asserts on a tree whose root is an <iframe> ("<iframe>
        # <html>"), an lxml AssertionError. The page is skipped with the library's reason.
        detail = f"the HTML extractor failed: {type(err).__name__}: {err}".rstrip(": ")
        return Skipped(url, source, NO_TEXT, detail, fallback_title)
    raw_text = (getattr(result, "text", None) or "").strip() if result is not None else ""
    title = _clean(getattr(result, "title", None)) or _clean(fallback_title)
    if not raw_text:
        return Skipped(url, source, NO_TEXT, "no main text found", title)
    text = normalise_text(raw_text)
    if not text:
        return Skipped(url, source, NO_TEXT, "only site chrome found", title)
    if len(text) < min_chars:
        return Skipped(url, source, TOO_SHORT, f"{len(text)} < {min_chars} chars", title)
    language = _clean(getattr(result, "language", None)) or _declared_language(tree)
    language = (language or guess_language(text)).lower()
    if languages and language not in {lang.lower() for lang in languages}:
        return Skipped(url, source, WRONG_LANGUAGE, f"language {language!r}", title)
    if not matches_topic(f"{title or ''}\n{text}", keywords):
        return Skipped(url, source, OFF_TOPIC, "no topic keyword in the text", title)
    published = _parse_date(getattr(result, "date", None))
    inferred = FROM_PAGE if published else None
    if published is None:
        published = _parse_date(fallback_published)
        inferred = FROM_FEED if published else None
    return Document(
        doc_id=document_id(text),
        source=source,
        url=url,
        title=title or _first_line(text),
        text=text,
        raw_text=raw_text,
        published=published,
        publisher=_publisher(getattr(result, "sitename", None), url),
        author=_clean(getattr(result, "author", None)),
        language=language,
        raw_ref=raw_ref or content_address(raw),
        published_inferred_from=inferred,
        fetched_url=fetched_url if fetched_url and fetched_url != url else None,
    )


_DOMAIN_NAME = re.compile(r"^[\w-]+(?:\.[\w-]+)+$")


def _publisher(sitename: str | None, url: str) -> str | None:
    """Return the site name, but not trafilatura's fallback to a bare host name.

    That fallback is this URL's host, or the host of the page's own canonical link; a page
    naming another site there must not make that site the publisher (see `same_site`)."""
    from pipeline.sources.urls import same_site

    name = _clean(sitename)
    host = urlsplit(url).netloc.lower()
    if name is None or name.lower() in {host, host.split(":")[0], host.removeprefix("www.")}:
        return None
    if _DOMAIN_NAME.match(name) and not same_site(f"http://{name}/", url):
        return None
    return name


_BYLINE = re.compile(r"^by[:\s]", re.IGNORECASE)
_MAX_TITLE = 150


def _first_line(text: str) -> str:
    """Return the first non-empty line that is not a byline, cut to a title's length."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    line = next((li for li in lines if not (_BYLINE.match(li) and len(li) < 80)), "")
    line = line or (lines[0] if lines else "")
    if len(line) > _MAX_TITLE:
        line = line[:_MAX_TITLE].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    return line


def document_from_text_file(
    path: Path | str,
    source: str,
    *,
    published: date | None = None,
    language: str = "en",
    raw: bytes | None = None,
) -> Document:
    """Read a local plain-text or HTML file as a Document (no length/topic/language gates);
    `raw`, when given, is its content already read (safely: pipeline.sources.files)."""
    path = Path(path)
    if raw is None:
        try:
            raw = path.read_bytes()
        except OSError as err:
            raise InputError(f"{path}: cannot read ({err.strerror or err})") from err
    url = path.resolve().as_uri()
    if path.suffix.lower() in {".html", ".htm", ".xhtml"} or _HTML_START.match(raw[:2048]):
        result = extract_document(
            raw,
            url,
            source=source,
            fallback_published=published,
            min_chars=0,
            languages=None,
            raw_ref=content_address(raw),  # what tells an unchanged file (the discover stage)
        )
        if isinstance(result, Skipped):
            raise InputError(f"{path}: {result.reason} ({result.detail})")
        return result
    raw_text, _ = decode_html(raw)
    text = normalise_text(raw_text)
    if not text:
        raise InputError(f"{path}: no text in the file")
    return Document(
        doc_id=document_id(text),
        source=source,
        url=url,
        title=_first_line(text),
        text=text,
        raw_text=raw_text,
        published=published,
        language=language,
        raw_ref=content_address(raw),
    )


# --- events and serialisation ---------------------------------------------------------------


def content_hash(text: str) -> str:
    """Hash normalised text (the key of exact deduplication)."""
    return sha256_hex(text)


def document_event(doc: Document, producer: str, *, today: date | None = None) -> Event:
    """Return the DOCUMENT_INGESTED event for a document."""
    payload = DocumentIngested(
        doc_id=doc.doc_id,
        source=doc.source,
        url=doc.url,
        title=doc.title,
        publisher=doc.publisher,
        author=doc.author,
        published=doc.published,
        published_inferred_from=doc.published_inferred_from,
        language=doc.language,
        text=doc.text,
        raw_text=doc.raw_text,
        raw_ref=doc.raw_ref,
        content_hash=content_hash(doc.text),
        fetched_url=doc.fetched_url or OMITTED,
    )
    occurred = doc.published or today or date.today()
    return payload.event(f"document:{doc.doc_id}", occurred, producer)


def skipped_event(skipped: Skipped, producer: str, day: date) -> Event:
    """Return the DOCUMENT_SKIPPED event; the same skip on a later day is the same event."""
    payload = DocumentSkipped(**skipped.to_dict())
    identity = {k: getattr(payload, k) for k in ("url", "source", "reason", "detail")}
    return payload.event(f"url:{skipped.url}", day, producer, identity=identity)


def document_to_dict(doc: Document) -> dict[str, Any]:
    """Return a JSON-ready dict of a Document."""
    return {
        "doc_id": doc.doc_id,
        "source": doc.source,
        "url": doc.url,
        "title": doc.title,
        "text": doc.text,
        "raw_text": doc.raw_text,
        "published": doc.published.isoformat() if doc.published else None,
        "publisher": doc.publisher,
        "author": doc.author,
        "language": doc.language,
        "raw_ref": doc.raw_ref,
        "published_inferred_from": doc.published_inferred_from,
        "fetched_url": doc.fetched_url,
    }


def document_from_dict(data: Mapping[str, Any]) -> Document:
    """Rebuild a Document from `document_to_dict` output or a DOCUMENT_INGESTED payload."""
    return Document(
        doc_id=data["doc_id"],
        source=data["source"],
        url=data["url"],
        title=data.get("title") or "",
        text=data["text"],
        raw_text=data.get("raw_text") or data["text"],
        published=_parse_date(data.get("published")),
        publisher=data.get("publisher"),
        author=data.get("author"),
        language=data.get("language") or "en",
        raw_ref=data.get("raw_ref"),
        published_inferred_from=data.get("published_inferred_from"),
        fetched_url=data.get("fetched_url"),
    )


def item_to_row(item: Document | Skipped) -> dict[str, Any]:
    """Return a document or skip as a JSON-ready row tagged with its kind (`read_jsonl`)."""
    if isinstance(item, Skipped):
        return {"kind": "skipped", **item.to_dict()}
    return {"kind": "document", **document_to_dict(item)}


def write_jsonl(path: Path | str, items: Iterable[Document | Skipped]) -> int:
    """Write documents and skips as JSON lines tagged with their kind; return the count."""
    count = 0
    path = Path(path)
    with path.open("w", encoding="utf-8") as out:
        for item in items:
            out.write(json.dumps(item_to_row(item), ensure_ascii=False) + "\n")
            count += 1
    return count


def read_jsonl(path: Path | str) -> Iterator[Document | Skipped]:
    """Read what `write_jsonl` wrote."""
    with Path(path).open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                kind = row.pop("kind")
                yield Skipped.from_dict(row) if kind == "skipped" else document_from_dict(row)
            except (ValueError, KeyError) as err:
                raise InputError(f"{path}:{number}: not a document or skip row ({err})") from err
