"""Fuzzing the feed path: whatever bytes a feed URL returns, `parse_feed` returns a
ParsedFeed (entries, or a failure with a reason) without raising, within the test's time
limit, and never expands entities or loads anything from the network."""

from __future__ import annotations

import socket
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.sources.feeds import (
    FORBIDDEN_XML,
    MAX_SUMMARY_CHARS,
    NOT_A_FEED,
    ParsedFeed,
    parse_feed,
)

pytestmark = pytest.mark.timeout(60)

FEEDS = Path(__file__).resolve().parents[1] / "resources" / "feeds"
GOOD_FEEDS = {
    name: (FEEDS / name).read_bytes()
    for name in ("rss20.xml", "atom.xml", "rss10.rdf", "rss091.xml", "empty.xml")
}
URL = "https://feeds.example.test/feed.xml"


def check(parsed: ParsedFeed) -> ParsedFeed:
    """What every caller relies on, whatever the input was."""
    assert isinstance(parsed, ParsedFeed)
    assert parsed.failure in (None, FORBIDDEN_XML, NOT_A_FEED)
    if parsed.failure is not None:
        assert parsed.entries == ()
        assert parsed.bozo and parsed.bozo_reason
        assert parsed.bozo_reason.startswith(parsed.failure)
    else:
        assert parsed.version or parsed.entries  # something feed-like was found
    if parsed.bozo:
        assert parsed.bozo_reason
    assert parsed.bozo_reason is None or len(parsed.bozo_reason) <= 500
    for entry in parsed.entries:
        assert entry.link is None or (
            isinstance(entry.link, str) and entry.link == entry.link.strip()
        )
        assert isinstance(entry.title, str) and "\n" not in entry.title
        assert isinstance(entry.summary, str) and len(entry.summary) <= MAX_SUMMARY_CHARS
        assert entry.published is None or isinstance(entry.published, date)
        assert entry.guid is None or isinstance(entry.guid, str)
    return parsed


@settings(max_examples=150)
@given(st.binary(max_size=3000), st.sampled_from([None, "utf-8", "latin-1", "utf-16", "bogus"]))
def test_random_bytes_never_crash(content, charset):
    check(parse_feed(content, URL, charset))


@st.composite
def garbled(draw: st.DrawFn) -> bytes:
    """A real feed, then truncated, with bytes replaced, inserted or deleted."""
    data = bytearray(GOOD_FEEDS[draw(st.sampled_from(sorted(GOOD_FEEDS)))])
    for _ in range(draw(st.integers(1, 4))):
        where = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["truncate", "replace", "insert", "delete"]))
        if action == "truncate":
            del data[where:]
        elif action == "replace" and where < len(data):
            data[where] = draw(st.integers(0, 255))
        elif action == "insert":
            data[where:where] = draw(
                st.binary(max_size=20)
                | st.sampled_from([b"<", b">", b"&", b"]]>", b"<![CDATA[", b"</item>", b"\x00"])
            )
        else:
            del data[where : where + draw(st.integers(1, 50))]
    return bytes(data)


@settings(max_examples=150)
@given(garbled())
def test_truncated_and_garbled_feeds_never_crash(content):
    check(parse_feed(content, URL))


_TAGS = ["rss", "channel", "item", "title", "link", "description", "guid", "pubDate", "feed",
         "entry", "summary", "updated", "rdf:RDF", "content:encoded"]  # fmt: skip
_FRAGMENTS = st.one_of(
    st.sampled_from(_TAGS).map(lambda t: f"<{t}>"),
    st.sampled_from(_TAGS).map(lambda t: f"</{t}>"),
    st.sampled_from(["&amp;", "&", "&#0;", "&#xD800;", "&#99999999;", "&nbsp;", "<![CDATA[",
                     "]]>", "<!--", "-->", "<?xml version='1.0'?>", "<br/>", "<script>",
                     'href="', "Mon, 32 Foo 2025 25:61:00 +9999", "javascript:alert(1)"]),
    st.text(max_size=30),
)  # fmt: skip


@settings(max_examples=150)
@given(st.lists(_FRAGMENTS, max_size=40).map("".join), st.sampled_from(["utf-8", "utf-16"]))
def test_feed_shaped_soup_never_crashes(text, encoding):
    check(parse_feed(text.encode(encoding, "surrogatepass"), URL))


# --- XML bombs and external entities ---------------------------------------------------------

LAUGHS = (FEEDS / "billion_laughs.xml").read_bytes()
XXE = (FEEDS / "xxe.xml").read_bytes()


def _quadratic_blowup() -> bytes:
    big = "x" * 100_000
    body = "&big;" * 20_000  # 2 GB once expanded
    return (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY big "{big}">]>'
        f"<rss version='2.0'><channel><title>t</title><item><title>{body}</title></item>"
        "</channel></rss>"
    ).encode()


def _parameter_entity(port: int) -> bytes:
    return (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY % remote SYSTEM '
        f'"http://127.0.0.1:{port}/evil.dtd"> %remote;]><rss version="2.0"><channel>'
        "<title>t</title></channel></rss>"
    ).encode()


BOMBS = {
    "billion-laughs": LAUGHS,
    "external-entity": XXE,
    "quadratic-blowup": _quadratic_blowup(),
    "laughs-utf16-bom": LAUGHS.decode()
    .replace('"1.0"?>', '"1.0" encoding="UTF-16"?>', 1)
    .encode("utf-16"),
    "laughs-utf16le-no-bom": LAUGHS.decode().encode("utf-16-le"),
    "laughs-truncated": LAUGHS[: len(LAUGHS) * 2 // 3],
    "laughs-garbled-after-doctype": LAUGHS.replace(b"<rss", b"<rss <<", 1),
    "entity-uppercase-in-broken-doc": b"<!DOCTYPE x [<!ENTITY a 'b'>]><rss><<",
    "laughs-latin1-declared": LAUGHS.replace(b'"1.0"?>', b'"1.0" encoding="ISO-8859-1"?>', 1),
}


@pytest.mark.parametrize("name", sorted(BOMBS))
def test_entity_bombs_are_refused_before_parsing(name):
    parsed = check(parse_feed(BOMBS[name], URL))
    assert parsed.rejected, parsed
    assert parsed.failure == FORBIDDEN_XML


@pytest.fixture
def listener():
    """A local TCP port that records whether anything connected to it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    server.setblocking(False)
    yield server
    server.close()


def _connected(server: socket.socket) -> bool:
    try:
        connection, _ = server.accept()
    except BlockingIOError:
        return False
    connection.close()
    return True


def test_external_dtd_and_parameter_entities_are_never_fetched(listener):
    port = listener.getsockname()[1]
    external_dtd = (
        f'<?xml version="1.0"?><!DOCTYPE rss SYSTEM "http://127.0.0.1:{port}/rss.dtd">'
        '<rss version="0.91"><channel><title>t</title><item><title>Ukraine</title>'
        "<link>https://e.test/a</link></item></channel></rss>"
    ).encode()
    allowed = check(parse_feed(external_dtd, URL))
    assert [e.link for e in allowed.entries] == ["https://e.test/a"]
    refused = check(parse_feed(_parameter_entity(port), URL))
    assert refused.rejected
    assert not _connected(listener)


# --- huge inputs and wrong encodings ---------------------------------------------------------


def _rss(items: str, head: str = '<?xml version="1.0" encoding="UTF-8"?>') -> bytes:
    return f'{head}<rss version="2.0"><channel><title>T</title>{items}</channel></rss>'.encode()


def test_huge_attribute_and_text_are_parsed_or_refused_not_crashed():
    huge_attribute = _rss(
        f'<item><title a="{"a" * 5_000_000}">x</title><link>https://e.test/1</link></item>'
    )
    huge_text = _rss(
        f"<item><title>t</title><description>{'word ' * 1_000_000}</description></item>"
    )
    for content in (huge_attribute, huge_text):
        parsed = check(parse_feed(content, URL))
        assert parsed.failure is None and len(parsed.entries) == 1


def test_many_items_are_all_parsed():
    items = "".join(
        f"<item><title>n{i}</title><link>https://e.test/{i}</link></item>" for i in range(3000)
    )
    parsed = check(parse_feed(_rss(items), URL))
    assert [e.link for e in parsed.entries] == [f"https://e.test/{i}" for i in range(3000)]


def test_deeply_nested_elements_do_not_crash():
    depth = 20_000
    nested = "<x>" * depth + "text" + "</x>" * depth
    check(parse_feed(_rss(f"<item><title>t</title>{nested}</item>"), URL))
    check(parse_feed(("<a>" * depth).encode(), URL))


ITEM = "<item><title>Київ: гарантії безпеки — café</title><link>https://e.test/k</link></item>"
ENCODINGS = {
    "latin1-bytes-declared-utf8": ITEM.replace("Київ: гарантії безпеки — ", "").encode("latin-1"),
    "utf8-declared-latin1": _rss(ITEM, '<?xml version="1.0" encoding="ISO-8859-1"?>'),
    "utf8-declared-bogus": _rss(ITEM, '<?xml version="1.0" encoding="x-no-such-codec"?>'),
    "utf16-no-bom-no-declaration": _rss(ITEM, "").decode().encode("utf-16-le"),
    "utf16-declared-utf8": _rss(ITEM).decode().encode("utf-16"),
    "cp1251-declared-utf8": _rss(ITEM).decode().encode("cp1251", "replace"),
    "utf32": _rss(ITEM, "").decode().encode("utf-32"),
    "nul-bytes-inside": _rss(ITEM).replace(b"<item>", b"<item>\x00\x00", 1),
}


@pytest.mark.parametrize("name", sorted(ENCODINGS))
@pytest.mark.parametrize("charset", [None, "utf-8", "windows-1251", "no-such-charset"])
def test_wrong_encodings_never_crash(name, charset):
    check(parse_feed(ENCODINGS[name], URL, charset))


@pytest.mark.parametrize("name", sorted(GOOD_FEEDS))
def test_the_good_feeds_still_parse(name):
    parsed = check(parse_feed(GOOD_FEEDS[name], URL))
    assert parsed.failure is None
    assert parsed.version


# Found by the soup test: feedparser's loose parser raised ValueError / UnicodeEncodeError.
BAD_REFERENCES = {
    "surrogate-hex": "&#xD800;",
    "surrogate-decimal": "&#56320;",
    "past-unicode": "&#99999999;",
    "past-unicode-hex": "&#x110000;",
    "more-digits-than-int-takes": "&#" + "9" * 5000 + ";",
}


@pytest.mark.parametrize("name", sorted(BAD_REFERENCES))
@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
@pytest.mark.parametrize("well_formed", [True, False])
def test_character_references_to_no_character_do_not_crash(name, encoding, well_formed):
    title = f"Ukraine {BAD_REFERENCES[name]} guarantees"
    text = _rss(f"<item><title>{title}</title><link>https://e.test/r</link></item>", "").decode()
    if not well_formed:
        text = text.replace("</channel></rss>", "")
    parsed = check(parse_feed(text.encode(encoding), URL))
    if encoding == "utf-8":  # the reference is replaced, the item kept
        assert [e.link for e in parsed.entries] == ["https://e.test/r"]
