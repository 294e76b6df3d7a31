"""Feed parsing: RSS 0.91/1.0/2.0 and Atom, malformed and hostile feeds, the topic filter."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from pipeline.events import FEED_POLLED, new_event
from pipeline.sources.feeds import (
    FORBIDDEN_XML,
    NOT_A_FEED,
    FeedEntry,
    check_xml_safety,
    feed_polled_event,
    feed_state_from_events,
    filter_on_topic,
    match_topic,
    parse_feed,
)

FEEDS = Path(__file__).resolve().parents[1] / "resources" / "feeds"


def parse_resource(name: str, url: str = "https://feeds.example.org/feed", **kwargs):
    return parse_feed((FEEDS / name).read_bytes(), url, **kwargs)


def test_rss_091_is_parsed_despite_its_external_dtd():
    feed = parse_resource("rss091.xml")
    assert feed.version == "rss091n"
    assert not feed.bozo
    assert [e.title for e in feed.entries] == [
        "Zelensky asks allies for binding security guarantees",
        "Café prices rise in Lyon",
    ]
    assert feed.entries[0].link == "https://oldwire.example.org/2025/08/zelensky-guarantees.html"
    assert feed.entries[0].published is None


def test_rss_10_rdf_is_parsed():
    feed = parse_resource("rss10.rdf")
    assert feed.version == "rss10"
    assert not feed.bozo
    first = feed.entries[0]
    assert first.title == "Coalition of the willing meets in Paris"
    assert first.link == "https://rdfnews.example.org/a/coalition-of-the-willing"
    assert first.published == date(2025, 9, 4)


def test_rss_20_is_parsed_with_guids_dates_and_plain_summaries():
    feed = parse_resource("rss20.xml")
    assert feed.version == "rss20"
    assert feed.title == "World Desk (RSS 2.0)"
    first, second, _ = feed.entries
    assert first.guid == "worlddesk-1001"
    assert first.summary == "The NATO secretary general said security guarantees are being drafted."
    assert first.published == date(2025, 9, 2)
    assert second.guid == "https://worlddesk.example.com/news/kremlin-troops"
    assert second.published == date(2025, 9, 3)  # 12:00 +0200 is 10:00 UTC


def test_atom_is_parsed_and_relative_links_resolved_against_the_feed_url():
    feed = parse_resource("atom.xml", url="https://europewatch.example.net/atom.xml")
    assert feed.version == "atom10"
    first = feed.entries[0]
    assert first.title == "Starmer: UK ready to deploy troops to Ukraine"
    assert first.link == "https://europewatch.example.net/2025/09/05/starmer-troops"
    assert first.guid == "urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a"
    assert first.published == date(2025, 9, 5)


def test_a_malformed_feed_is_parsed_as_far_as_it_goes_and_flagged():
    feed = parse_resource("malformed.xml")
    assert feed.bozo
    assert feed.bozo_reason and "not well-formed" in feed.bozo_reason
    assert feed.failure is None
    assert (
        feed.entries[0].title == "Merz backs long-term military aid as part of Ukraine guarantees"
    )
    assert feed.entries[0].link == "https://brokenwire.example.org/merz-aid"


def test_a_billion_laughs_feed_is_rejected_fast():
    started = time.perf_counter()
    feed = parse_resource("billion_laughs.xml")
    assert time.perf_counter() - started < 0.5
    assert feed.rejected
    assert feed.failure == FORBIDDEN_XML
    assert feed.entries == ()
    assert "EntitiesForbidden" in feed.bozo_reason


def test_an_external_entity_feed_is_rejected_without_reading_the_file():
    feed = parse_resource("xxe.xml")
    assert feed.rejected
    assert "root:" not in repr(feed)


def test_entity_declarations_in_a_malformed_document_are_still_refused():
    content = b'<!DOCTYPE r [<!ENTITY a "aaaa">]><rss><channel><item>&a;</chan'
    assert check_xml_safety(content) is not None
    assert parse_feed(content, "https://x.example/").rejected


def test_an_empty_feed_has_no_entries_and_is_not_an_error():
    feed = parse_resource("empty.xml")
    assert feed.entries == ()
    assert not feed.bozo
    assert feed.failure is None
    assert feed.version == "rss20"


@pytest.mark.parametrize("content", [b"", b"<html><body>Not a feed</body></html>", b"\x00\xff"])
def test_a_document_that_is_not_a_feed_is_flagged(content):
    feed = parse_feed(content, "https://x.example/feed")
    assert feed.failure == NOT_A_FEED
    assert feed.bozo
    assert feed.entries == ()


def test_the_declared_charset_is_used():
    body = (FEEDS / "rss091.xml").read_bytes().replace(b' encoding="ISO-8859-1"', b"")
    feed = parse_feed(body, "https://x.example/", charset="iso-8859-1")
    assert feed.entries[1].title == "Café prices rise in Lyon"


@pytest.mark.parametrize(
    ("title", "summary", "expected"),
    [
        ("Allies discuss SECURITY GUARANTEES", "", "security guarantee"),
        ("Talks in Paris", "a plan for Ukraine's future", "Ukraine"),
        ("Ukrainian forces advance", "", "Ukrain"),
        ("Senator opens library", "", None),  # "NATO" must not match inside "senator"
        ("Football results", "Arsenal won", None),
    ],
)
def test_match_topic_is_case_insensitive_and_word_anchored(title, summary, expected):
    assert match_topic(title, summary, ["security guarantee", "Ukraine", "Ukrain", "NATO"]) == (
        expected
    )


def test_match_topic_with_no_keywords_keeps_everything():
    assert match_topic("Anything", "", []) == ""


def test_filter_on_topic_says_which_entries_were_dropped_and_why():
    on = FeedEntry(link="https://a.example/1", title="NATO and Ukraine", summary="")
    off = FeedEntry(link="https://a.example/2", title="Weather", summary="Sunny in Rome")
    in_summary = FeedEntry(link="https://a.example/3", title="Talks", summary="guarantees for Kyiv")
    kept, dropped = filter_on_topic([on, off, in_summary], ["Ukraine", "guarantee"])
    assert kept == [on, in_summary]
    assert dropped == [(off, "off-topic: no keyword in title or summary")]


def test_feed_state_is_rebuilt_from_feed_polled_events():
    t = datetime(2025, 9, 1, tzinfo=UTC)

    def poll(url, status, etag=None, modified=None):
        return feed_polled_event(
            "s", url, t, status=status, etag=etag, last_modified=modified, entries=0, new_entries=0
        )

    events = [
        poll("https://a.example/rss", 200, '"a1"', "Mon, 01 Sep 2025 00:00:00 GMT"),
        poll("https://b.example/rss", 200, '"b1"'),
        poll("https://a.example/rss", 304),  # validators not repeated: keep them
        poll("https://b.example/rss", 200, '"b2"'),
        poll("https://c.example/rss", 200, '"c1"'),
        poll("https://c.example/rss", 200),  # stopped sending validators: forget
        new_event("document_skipped", "x", t, {"url": "https://d.example/rss"}, "t/1"),
    ]
    state = feed_state_from_events(events)
    assert state == {
        "https://a.example/rss": ('"a1"', "Mon, 01 Sep 2025 00:00:00 GMT"),
        "https://b.example/rss": ('"b2"', None),
    }
    as_dicts = [{"event_type": e.event_type, "payload": dict(e.payload)} for e in events]
    assert feed_state_from_events(as_dicts) == state


def test_feed_polled_is_one_event_per_feed_version_per_day():
    def poll(moment, etag='"a"'):
        return feed_polled_event(
            "s",
            "https://a.example/rss",
            moment,
            status=304,
            etag=etag,
            last_modified=None,
            entries=0,
            new_entries=0,
        )

    first = poll(datetime(2025, 9, 1, 8, tzinfo=UTC))
    assert first.event_type == FEED_POLLED
    # A re-run the same day that sees the same feed version is the same fact...
    assert first.event_id == poll(datetime(2025, 9, 1, 9, tzinfo=UTC)).event_id
    # ...while the next day's poll, or a new version of the feed, is a new one.
    assert first.event_id != poll(datetime(2025, 9, 2, 8, tzinfo=UTC)).event_id
    assert first.event_id != poll(datetime(2025, 9, 1, 9, tzinfo=UTC), etag='"b"').event_id
