"""Fuzzing the page path: whatever bytes a page returns, `extract_document` gives a Document
or a Skipped with a named reason, without raising, within the test's time limit; and
`normalise_text` keeps its promises on any text."""

from __future__ import annotations

import gzip
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.documents.extract import (
    SKIP_REASONS,
    Skipped,
    decode_html,
    document_event,
    document_from_dict,
    document_to_dict,
    extract_document,
    skipped_event,
)
from pipeline.documents.model import Document, document_id
from pipeline.documents.normalise import normalise_text
from pipeline.sources.urls import canonical_from_html, canonicalize_url

pytestmark = pytest.mark.timeout(90)

HTML = Path(__file__).resolve().parents[1] / "resources" / "html"
GOOD = (HTML / "article_with_chrome.html").read_bytes()
PAGES = {path.name: path.read_bytes() for path in sorted(HTML.glob("*.html"))}
URL = "https://news.example.test/a/page.html"
TODAY = date(2026, 1, 1)
KEYWORDS = ["security guarantee", "Ukraine", "NATO"]


def extract(raw: bytes, **options) -> Document | Skipped:
    options.setdefault("source", "fuzz")
    options.setdefault("today", TODAY)
    return check(extract_document(raw, URL, **options), options.get("min_chars", 400))


def check(result: Document | Skipped, min_chars: int = 400) -> Document | Skipped:
    """What the extract stage relies on, whatever the page was."""
    if isinstance(result, Skipped):
        assert result.reason in SKIP_REASONS
        assert result.detail
        skipped_event(result, "documents/fuzz", TODAY)  # becomes an outcome event
        return result
    assert isinstance(result, Document)
    assert result.text and len(result.text) >= min_chars
    assert result.text == result.text.strip()
    assert "\r" not in result.text and "\n\n\n" not in result.text
    assert result.doc_id == document_id(result.text)
    assert result.title and isinstance(result.title, str)
    assert result.published is None or result.published <= TODAY
    assert document_from_dict(document_to_dict(result)) == result
    document_event(result, "documents/fuzz", today=TODAY)
    return result


@settings(max_examples=60)
@given(st.binary(max_size=4000), st.sampled_from([None, "utf-8", "utf-16", "x-bogus"]))
def test_random_bytes_give_a_document_or_a_reason(raw, charset):
    extract(raw, charset=charset, min_chars=0, languages=None)


_TAGS = ["html", "head", "body", "div", "p", "article", "main", "script", "style", "title",
         "h1", "span", "table", "td", "nav", "footer", "iframe", "svg", "math", "template",
         "noscript", "pre", "textarea", "form", "frameset", "object"]  # fmt: skip
_FRAGMENTS = st.one_of(
    st.sampled_from(_TAGS).map(lambda t: f"<{t}>"),
    st.sampled_from(_TAGS).map(lambda t: f"</{t}>"),
    st.sampled_from([
        "<!--", "-->", "<![CDATA[", "]]>", "&", "&amp;", "&#0;", "&#xD800;", "&#99999999;",
        "<meta charset='x-bogus'>", '<meta http-equiv="content-language" content="-">',
        "<html lang='123'>", "<meta property='og:locale' content=''>",
        "<meta name='date' content='9999-99-99'>", "<time datetime='0000-00-00'>",
        '<script type="application/ld+json">{"datePublished": "2030-13-45"', "</script>",
        "<?xml version='1.0' encoding='utf-16'?>", "<!DOCTYPE html>", "<base href='javascript:'>",
        "**", "__", "\u200b", "\r", "\x00", "<p>Ukraine security guarantees NATO said. </p>",
    ]),
    st.text(max_size=40),
)  # fmt: skip


@pytest.mark.parametrize("html", ["<iframe><html>", "<iframe><html><body><p>x</p>"])
def test_markup_that_crashes_the_date_cleaner_is_skipped_with_a_reason(html):
    # hypothesis found it: htmldate's clean-up raised an lxml AssertionError on this tree
    result = extract(html.encode(), min_chars=0, languages=None)
    assert isinstance(result, Skipped)


@settings(max_examples=80)
@given(st.lists(_FRAGMENTS, max_size=60).map("".join), st.booleans())
def test_hostile_html_soup_gives_a_document_or_a_reason(html, strict):
    raw = html.encode("utf-8", "surrogatepass")
    if strict:
        extract(raw, keywords=KEYWORDS)
    else:
        extract(raw, min_chars=0, languages=None)


@st.composite
def garbled_pages(draw: st.DrawFn) -> bytes:
    data = bytearray(PAGES[draw(st.sampled_from(sorted(PAGES)))])
    for _ in range(draw(st.integers(1, 4))):
        where = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["truncate", "replace", "insert", "delete"]))
        if action == "truncate":
            del data[where:]
        elif action == "replace" and where < len(data):
            data[where] = draw(st.integers(0, 255))
        elif action == "insert":
            data[where:where] = draw(st.binary(max_size=30) | st.sampled_from([b"<", b"<script>"]))
        else:
            del data[where : where + draw(st.integers(1, 200))]
    return bytes(data)


@settings(max_examples=60)
@given(garbled_pages())
def test_truncated_and_garbled_pages_give_a_document_or_a_reason(raw):
    extract(raw, keywords=KEYWORDS)


PARAGRAPH = (
    "<p>Ukraine's allies discussed security guarantees and a reassurance force on Monday, "
    "and NATO ministers said the talks would continue next week in Brussels.</p>"
)


# Five different paragraphs (identical ones would be dropped as repeats): a real article.
BODY = "".join(PARAGRAPH.replace("Monday", f"day {i}") for i in range(5))


def _page(body: str, head: str = "<title>T</title>") -> bytes:
    return f"<!DOCTYPE html><html lang='en'><head>{head}</head><body>{body}</body></html>".encode()


HOSTILE = {
    "empty": b"",
    "whitespace": b" \n\t " * 100,
    "nul-bytes": b"\x00" * 5000,
    "png": b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20,
    "pdf": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + bytes(range(256)) * 20,
    "gzip-of-a-page": gzip.compress(GOOD),
    "no-body": b"<html><head><title>Only a head</title></head></html>",
    "scripts-only": _page("<script>" + "var a = 'Ukraine NATO';" * 500 + "</script>"),
    "styles-only": _page("<style>" + "p{color:red}" * 500 + "</style>"),
    "frameset": b"<html><frameset><frame src='a'><frame src='b'></frameset></html>",
    "deep-nesting": _page("<div>" * 100_000 + BODY + "</div>" * 100_000),
    "deep-unclosed": _page("<span><b><i>" * 30_000 + BODY),
    "huge-page": _page("".join(PARAGRAPH.replace("Monday", f"day {i}") for i in range(8_000))),
    "huge-attribute": _page(f"<div data-x='{'x' * 3_000_000}'>" + BODY + "</div>"),
    "one-huge-word": _page("<p>" + "Ukraine" * 500_000 + "</p>"),
    "many-tiny-paragraphs": _page("<p>NATO.</p>" * 10_000),
    "utf16-no-bom": _page(BODY).decode().encode("utf-16-le"),
    "lying-meta-charset": _page(BODY.replace("Brussels", "Brüssel"))
    .decode()
    .encode("latin-1")
    .replace(b"<title>", b"<meta charset='utf-8'><title>"),
    "xml-declaration-utf16": b"<?xml version='1.0' encoding='utf-16'?>" + _page(BODY),
    "xhtml-with-entity-bomb": (
        b'<?xml version="1.0"?><!DOCTYPE html [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;'
        b'&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;'
        b'&c;&c;&c;&c;&c;&c;&c;&c;&c;">]><html><body><p>&d;&d;&d;&d;</p>'
        + BODY.encode()
        + b"</body></html>"
    ),
    "comment-only": b"<!--" + b"Ukraine " * 10_000 + b"-->",
    "unterminated-comment": _page("<!--" + BODY * 2),
    "cdata-everywhere": _page("<![CDATA[" + BODY * 2 + "]]>"),
    "control-characters": _page("<p>" + "".join(chr(c) for c in range(32)) * 100 + "</p>"),
}


NOTHING_TO_READ = {"empty", "whitespace", "nul-bytes", "png", "pdf", "no-body", "scripts-only",
                   "styles-only", "comment-only", "frameset"}  # fmt: skip
AN_ARTICLE = {"huge-attribute", "huge-page", "lying-meta-charset", "xml-declaration-utf16",
              "xhtml-with-entity-bomb", "cdata-everywhere", "utf16-no-bom"}  # fmt: skip


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_pages_give_a_document_or_a_reason(name):
    for options in ({"keywords": KEYWORDS}, {"min_chars": 0, "languages": None}):
        result = extract(HOSTILE[name], **options)
        if name in NOTHING_TO_READ:
            assert isinstance(result, Skipped) and result.reason == "no-text"
        if name in AN_ARTICLE:
            assert isinstance(result, Document), result
            assert "reassurance force" in result.text
            assert "aaaaaaaaaa" not in result.text  # no entity was expanded


def test_the_good_page_survives_hostile_neighbours_in_its_markup():
    document = extract(GOOD.replace(b"</body>", b"<script>" + b"x" * 100_000 + b"</script></body>"))
    assert isinstance(document, Document)
    assert isinstance(extract(GOOD), Document)


# --- decoding and normalisation on any text --------------------------------------------------


@settings(max_examples=150)
@given(
    st.binary(max_size=2000), st.none() | st.sampled_from(["utf-8", "latin-1", "koi8-r", "bogus"])
)
def test_decode_html_always_returns_text(raw, charset):
    text, codec = decode_html(raw, charset)
    assert isinstance(text, str) and codec


_LINES = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", " ", "\u00a0", "\u200b", "**bold**", "__x__", "**", "Tags", "Share",
                     "Advertisement", "Read more", "\r\n", "\r", "Ukraine said.", "a\u0301"]),
)  # fmt: skip


@settings(max_examples=200)
@given(st.lists(_LINES, max_size=30).map("\n".join))
def test_normalise_text_is_clean_and_stable(raw):
    text = normalise_text(raw)
    assert text == text.strip()
    assert "\r" not in text and "\n\n\n" not in text and "\u200b" not in text
    for paragraph in text.split("\n\n") if text else []:
        assert paragraph and paragraph == paragraph.strip() and "\n" not in paragraph
    assert normalise_text(text) == text


# --- the declared canonical URL (read from the same untrusted markup by the extract stage) ---

_HREFS = st.one_of(
    st.text(max_size=40),
    st.builds(
        "{}{}{}".format,
        st.sampled_from(["http://", "https://", "//", "", "javascript:", "HTTP://", "ftp://"]),
        st.sampled_from(["[::1", "[zz]", "[::1]:99999", "e.test:abc", "", "a@b@c", "e.test",
                         "xn--", "e.test。com", "%00", "[::ffff:127.0.0.1]"]),
        st.text(max_size=15),
    ),
)  # fmt: skip


@settings(max_examples=200)
@given(_HREFS, st.none() | _HREFS)
def test_canonical_link_is_a_usable_url_or_none(href, base):
    head = f'<link rel="canonical" href="{href}">'
    if base is not None:
        head = f'<base href="{base}">' + head
    canonical = canonical_from_html(_page("<p>x</p>", head), URL)
    if canonical is not None:
        parts = urlsplit(canonical)
        assert parts.scheme in ("http", "https") and parts.hostname
        assert canonicalize_url(canonical) == canonical
