"""Discover over a real local server: polls, conditional GETs, dedup, filter, isolation."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from pipeline.events import (
    DOCUMENT_SKIPPED,
    FEED_POLLED,
    FETCH_FAILED,
    PARSE_FAILED,
    TASK_FAILED,
)
from pipeline.sources.config import parse_sources
from pipeline.sources.discover import (
    Candidate,
    DiscoverResult,
    discover,
    fetch_candidate,
    read_candidates_jsonl,
    write_candidates_jsonl,
)
from pipeline.sources.feeds import feed_state_from_events
from pipeline.sources.http import FetchError
from tests.localweb import RESOURCES, Reply, gzip_stream, rss_feed

FEEDS = RESOURCES / "feeds"
NOW = datetime(2025, 9, 6, 7, 30, tzinfo=UTC)
RSS = "application/rss+xml"
FEED_POLLED_KEYS = {
    "source",
    "url",
    "status",
    "etag",
    "last_modified",
    "entries",
    "new_entries",
    "bozo",
    "bozo_reason",
}


def config_for(web, sources, keywords=("Ukraine", "guarantee"), file_roots=None, **fetch):
    return parse_sources(
        {
            "sources": [
                {"name": name, "url": _url(web, path, kind), "kind": kind}
                for name, path, kind in sources
            ],
            "keywords": list(keywords),
            "fetch": {"allow_hosts": [web.netloc], "per_host_delay_s": 0, "retries": 0, **fetch},
            **({"file_roots": file_roots} if file_roots else {}),
        },
        origin="test",
    )


def _url(web, path, kind):
    return web.url(path) if kind != "file" and path.startswith("/") else path


def run(web, make_client, sources, seen=(), state=None, **kwargs):
    config = config_for(web, sources, **kwargs)
    return discover(config, seen, make_client(retries=0), state, now=NOW)


def of_type(result, event_type, source=None):
    return [
        e
        for e in result.events
        if e.event_type == event_type and (source is None or e.payload.get("source") == source)
    ]


def test_rss_091_10_20_and_atom_feeds_all_yield_candidates(localweb, make_client):
    localweb.resource("/091.xml", "feeds/rss091.xml", RSS)
    localweb.resource("/10.rdf", "feeds/rss10.rdf", "application/rdf+xml")
    localweb.resource("/20.xml", "feeds/rss20.xml", RSS)
    localweb.resource("/atom.xml", "feeds/atom.xml", "application/atom+xml")
    result = run(
        localweb,
        make_client,
        [
            ("old", "/091.xml", "feed"),
            ("rdf", "/10.rdf", "feed"),
            ("desk", "/20.xml", "feed"),
            ("watch", "/atom.xml", "feed"),
        ],
        keywords=("Ukraine", "guarantee", "coalition"),
    )
    titles = {c.source: [] for c in result.candidates}
    for c in result.candidates:
        titles[c.source].append(c.title)
    assert titles == {
        "old": ["Zelensky asks allies for binding security guarantees"],
        "rdf": ["Coalition of the willing meets in Paris"],
        "desk": [
            "Rutte: NATO allies weigh Article 5-like guarantees for Ukraine",
            "Kremlin rejects European troops in Ukraine",
        ],
        "watch": ["Starmer: UK ready to deploy troops to Ukraine"],
    }
    rutte = result.candidates[2]
    assert rutte.canonical_url == "https://worlddesk.example.com/news/rutte-article-5"
    assert rutte.published == date(2025, 9, 2)
    assert rutte.feed_url == localweb.url("/20.xml")
    assert rutte.matched_keyword == "Ukraine"
    assert len(of_type(result, FEED_POLLED)) == 4
    assert of_type(result, FETCH_FAILED) == []


def test_feed_polled_payload_has_the_documented_fields(localweb, make_client):
    localweb.resource("/20.xml", "feeds/rss20.xml", RSS, etag='"abc"')
    result = run(localweb, make_client, [("desk", "/20.xml", "feed")])
    (polled,) = of_type(result, FEED_POLLED)
    assert set(polled.payload) >= FEED_POLLED_KEYS
    assert polled.payload["source"] == "desk"
    assert polled.payload["url"] == localweb.url("/20.xml")
    assert polled.payload["status"] == 200
    assert polled.payload["etag"] == '"abc"'
    assert (polled.payload["entries"], polled.payload["new_entries"]) == (3, 2)
    assert polled.payload["off_topic"] == 1
    assert polled.payload["bozo"] is False
    assert polled.stream == f"feed:{localweb.url('/20.xml')}"
    assert polled.occurred_at == NOW


def test_an_unchanged_feed_costs_one_304_on_the_next_run(localweb, make_client):
    localweb.resource("/20.xml", "feeds/rss20.xml", RSS, etag='"v1"')
    localweb.resource(
        "/atom.xml",
        "feeds/atom.xml",
        "application/atom+xml",
        last_modified="Fri, 05 Sep 2025 18:30:02 GMT",
    )
    sources = [("desk", "/20.xml", "feed"), ("watch", "/atom.xml", "feed")]
    first = run(localweb, make_client, sources)
    state = feed_state_from_events(first.events)
    assert state == first.feed_state
    assert state[localweb.url("/20.xml")] == ('"v1"', None)
    assert state[localweb.url("/atom.xml")] == (None, "Fri, 05 Sep 2025 18:30:02 GMT")

    second = run(localweb, make_client, sources, state=state)
    assert second.candidates == []
    assert [e.payload["status"] for e in of_type(second, FEED_POLLED)] == [304, 304]
    assert localweb.hits("/20.xml") == 2
    assert localweb.requests_to("/20.xml")[1].headers["if-none-match"] == '"v1"'
    assert localweb.requests_to("/atom.xml")[1].headers["if-modified-since"] == (
        "Fri, 05 Sep 2025 18:30:02 GMT"
    )
    assert feed_state_from_events([*first.events, *second.events]) == state


def test_an_article_in_two_feeds_becomes_one_candidate(localweb, make_client):
    shared = {"title": "Macron: Ukraine guarantees ready", "link": "https://desk.example/macron"}
    localweb.route("/a.xml", rss_feed("A", [shared]), content_type=RSS)
    localweb.route(
        "/b.xml",
        rss_feed(
            "B",
            [
                {**shared, "link": "https://desk.example/macron?utm_source=b#x"},
                {"title": "Ukraine talks", "link": "https://desk.example/talks"},
            ],
        ),
        content_type=RSS,
    )
    result = run(localweb, make_client, [("a", "/a.xml", "feed"), ("b", "/b.xml", "feed")])
    assert [(c.source, c.canonical_url) for c in result.candidates] == [
        ("a", "https://desk.example/macron"),
        ("b", "https://desk.example/talks"),
    ]
    (polled_b,) = of_type(result, FEED_POLLED, "b")
    assert polled_b.payload["duplicates"] == 1
    assert polled_b.payload["new_entries"] == 1


def test_tracking_param_variants_in_one_feed_are_deduplicated(localweb, make_client):
    items = [
        {"title": f"Ukraine guarantees {n}", "link": link}
        for n, link in enumerate(
            [
                "https://desk.example/story?id=7&utm_source=rss",
                "https://DESK.example:443/story?fbclid=zz&id=7",
                "https://desk.example/story?id=7#comments",
                "https://desk.example/story?id=8",
            ]
        )
    ]
    localweb.route("/f.xml", rss_feed("F", items), content_type=RSS)
    result = run(localweb, make_client, [("f", "/f.xml", "feed")])
    assert [c.canonical_url for c in result.candidates] == [
        "https://desk.example/story?id=7",
        "https://desk.example/story?id=8",
    ]


def test_entries_with_the_same_guid_are_deduplicated_across_feeds(localweb, make_client):
    one = {"title": "Ukraine guarantees", "link": "https://a.example/x", "guid": "urn:story:42"}
    two = {**one, "link": "https://mirror.example/x"}
    localweb.route("/a.xml", rss_feed("A", [one]), content_type=RSS)
    localweb.route("/b.xml", rss_feed("B", [two]), content_type=RSS)
    result = run(localweb, make_client, [("a", "/a.xml", "feed"), ("b", "/b.xml", "feed")])
    assert [c.url for c in result.candidates] == ["https://a.example/x"]


def test_bare_guids_from_different_sites_do_not_collide(localweb, make_client):
    first = {"title": "Ukraine 1", "link": "https://a.example/1", "guid": "1001"}
    second = {"title": "Ukraine 2", "link": "https://b.example/2", "guid": "1001"}
    localweb.route("/a.xml", rss_feed("A", [first]), content_type=RSS)
    localweb.route("/b.xml", rss_feed("B", [second]), content_type=RSS)
    other_host = f"localhost:{localweb.port}"  # the same server under another host name
    config = parse_sources(
        {
            "sources": [
                {"name": "a", "url": localweb.url("/a.xml"), "kind": "feed"},
                {"name": "b", "url": f"http://{other_host}/b.xml", "kind": "feed"},
            ],
            "keywords": ["Ukraine"],
        }
    )
    client = make_client(allow_hosts=(localweb.netloc, other_host))
    result = discover(config, (), client, None, now=NOW)
    assert [c.url for c in result.candidates] == ["https://a.example/1", "https://b.example/2"]


def test_urls_seen_on_earlier_runs_are_not_candidates_again(localweb, make_client):
    localweb.resource("/20.xml", "feeds/rss20.xml", RSS)
    seen = {"https://worlddesk.example.com/news/rutte-article-5?utm_campaign=other"}
    result = run(localweb, make_client, [("desk", "/20.xml", "feed")], seen=seen)
    assert [c.canonical_url for c in result.candidates] == [
        "https://worlddesk.example.com/news/kremlin-troops"
    ]
    (polled,) = of_type(result, FEED_POLLED)
    assert polled.payload["already_seen"] == 1


def test_off_topic_entries_are_recorded_as_skipped_once_per_url(localweb, make_client):
    localweb.resource("/20.xml", "feeds/rss20.xml", RSS)
    first = run(localweb, make_client, [("desk", "/20.xml", "feed")])
    (skipped,) = of_type(first, DOCUMENT_SKIPPED)
    assert skipped.payload["reason"] == "off-topic"
    assert skipped.payload["canonical_url"] == "https://worlddesk.example.com/news/library"
    assert skipped.payload["title"] == "Senator opens new library"
    again = run(localweb, make_client, [("desk", "/20.xml", "feed")])
    assert of_type(again, DOCUMENT_SKIPPED)[0].event_id == skipped.event_id


def test_a_source_with_empty_keywords_keeps_every_entry(localweb, make_client):
    localweb.resource("/20.xml", "feeds/rss20.xml", RSS)
    config = parse_sources(
        {
            "sources": [
                {"name": "desk", "url": localweb.url("/20.xml"), "kind": "feed", "keywords": []}
            ],
            "keywords": ["Ukraine"],
        }
    )
    result = discover(config, (), make_client(), None, now=NOW)
    assert len(result.candidates) == 3
    assert of_type(result, DOCUMENT_SKIPPED) == []


def test_broken_feeds_are_recorded_and_never_stop_the_others(localweb, make_client):
    localweb.resource("/good-1.xml", "feeds/rss20.xml", RSS)
    localweb.route("/down.xml", b"", status=500, content_type="text/plain")
    localweb.resource("/laughs.xml", "feeds/billion_laughs.xml", RSS)
    localweb.resource("/malformed.xml", "feeds/malformed.xml", RSS)
    localweb.resource("/empty.xml", "feeds/empty.xml", RSS)
    localweb.route("/html.xml", "<html><body>Moved</body></html>")
    localweb.route("/pdf.xml", b"%PDF", content_type="application/pdf")
    localweb.redirect("/evil.xml", "http://169.254.169.254/latest/meta-data/")
    localweb.resource("/good-2.xml", "feeds/atom.xml", "application/atom+xml")
    sources = [
        ("good-1", "/good-1.xml", "feed"),
        ("down", "/down.xml", "feed"),
        ("missing", "/missing.xml", "feed"),
        ("laughs", "/laughs.xml", "feed"),
        ("malformed", "/malformed.xml", "feed"),
        ("empty", "/empty.xml", "feed"),
        ("html", "/html.xml", "feed"),
        ("pdf", "/pdf.xml", "feed"),
        ("evil", "/evil.xml", "feed"),
        ("good-2", "/good-2.xml", "feed"),
    ]
    result = run(localweb, make_client, sources)

    assert {c.source for c in result.candidates} == {"good-1", "malformed", "good-2"}
    failed = {e.payload["source"]: e.payload["reason"] for e in of_type(result, FETCH_FAILED)}
    assert failed == {
        "down": "http-5xx",
        "missing": "http-4xx",
        "pdf": "bad-content-type",
        "evil": "refused-ssrf",
    }
    parse_failed = {e.payload["source"]: e.payload["reason"] for e in of_type(result, PARSE_FAILED)}
    assert parse_failed == {"laughs": "xml-forbidden-construct", "html": "not-a-feed"}

    polled = {e.payload["source"]: e.payload for e in of_type(result, FEED_POLLED)}
    assert set(polled) == {"good-1", "laughs", "malformed", "empty", "html", "good-2"}
    assert polled["laughs"]["bozo"] is True
    assert "EntitiesForbidden" in polled["laughs"]["bozo_reason"]
    assert polled["malformed"]["bozo"] is True
    assert polled["malformed"]["entries"] == 2
    assert polled["malformed"]["new_entries"] == 1
    assert polled["malformed"]["unusable"] == 1
    assert (polled["empty"]["entries"], polled["empty"]["bozo"]) == (0, False)
    assert of_type(result, TASK_FAILED) == []


def test_a_failing_response_hook_is_recorded_and_the_rest_continue(localweb, make_client):
    localweb.resource("/a.xml", "feeds/rss20.xml", RSS)
    localweb.resource("/b.xml", "feeds/atom.xml", "application/atom+xml")
    config = config_for(localweb, [("a", "/a.xml", "feed"), ("b", "/b.xml", "feed")])
    received = []

    def hook(source, response):
        if source.name == "a":
            raise OSError("disk full")
        received.append((source.name, response.content))

    result = discover(config, (), make_client(), None, now=NOW, on_response=hook)
    (failed,) = of_type(result, TASK_FAILED)
    assert failed.payload["source"] == "a"
    assert "disk full" in failed.payload["error"]
    assert [c.source for c in result.candidates] == ["b"]
    assert [name for name, _ in received] == ["b"]
    assert received[0][1] == (FEEDS / "atom.xml").read_bytes()


def test_page_and_file_sources_become_candidates_directly(localweb, make_client, tmp_path):
    article = tmp_path / "article.txt"
    article.write_text("Ukraine needs guarantees.", encoding="utf-8")
    sources = [
        ("one-page", "https://desk.example/news/one?utm_medium=x", "page"),
        ("local", str(article), "file"),
    ]
    config = config_for(localweb, sources, file_roots=[str(tmp_path)])
    assert [c.kind for c in discover(config, (), make_client(), None).candidates] == ["page"]
    result = discover(config, {"https://other.example/"}, make_client(), None, include_files=True)
    page, local = result.candidates
    assert (page.kind, page.canonical_url) == ("page", "https://desk.example/news/one")
    assert (local.kind, local.url) == ("file", article.resolve().as_uri())
    assert localweb.requests == []  # nothing is fetched during discovery of pages and files
    response = fetch_candidate(make_client(), local)
    assert response.content == b"Ukraine needs guarantees."
    assert response.content_type == "text/plain"


def test_fetch_candidate_fetches_pages_over_http(localweb, make_client):
    localweb.resource("/article.html", "pages/article.html", "text/html; charset=utf-8")
    candidate = Candidate(url=localweb.url("/article.html"), canonical_url="x", source="s")
    response = fetch_candidate(make_client(), candidate)
    assert b"Macron" in response.content


def test_fetch_candidate_never_reads_files_for_feed_candidates(make_client, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("secret")
    candidate = Candidate(url=secret.as_uri(), canonical_url=secret.as_uri(), source="feed")
    with pytest.raises(FetchError) as raised:
        fetch_candidate(make_client(), candidate)
    assert raised.value.reason == "refused-scheme"


def test_links_with_other_schemes_are_not_candidates(localweb, make_client):
    items = [
        {"title": "Ukraine 1", "link": "file:///etc/passwd"},
        {"title": "Ukraine 2", "link": "javascript:alert(1)"},
        {"title": "Ukraine 3", "link": "https://desk.example/ok"},
    ]
    localweb.route("/f.xml", rss_feed("F", items), content_type=RSS)
    result = run(localweb, make_client, [("f", "/f.xml", "feed")])
    assert [c.url for c in result.candidates] == ["https://desk.example/ok"]


def test_discover_result_round_trips_through_json(localweb, make_client, tmp_path):
    localweb.resource("/20.xml", "feeds/rss20.xml", RSS, etag='"v9"')
    localweb.route("/down.xml", b"", status=503, content_type="text/plain")
    result = run(
        localweb, make_client, [("desk", "/20.xml", "feed"), ("down", "/down.xml", "feed")]
    )
    text = json.dumps(result.to_dict())
    restored = DiscoverResult.from_dict(json.loads(text))
    assert restored == result
    path = tmp_path / "batch.jsonl"
    assert write_candidates_jsonl(path, result.candidates) == 2
    assert read_candidates_jsonl(path) == result.candidates


def test_hostile_feeds_are_cut_off_and_never_stop_the_others(localweb, make_client, fake_clock):
    localweb.route("/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    localweb.resource("/good.xml", "feeds/rss20.xml", RSS)
    localweb.route("/slow.xml", "<rss/>", content_type=RSS, delay=3.0)
    localweb.stream("/huge.xml", 50 * 1024 * 1024, content_type=RSS)
    localweb.add(
        "/bomb.xml", Reply(200, gzip_stream(20 * 1024 * 1024), RSS, {"Content-Encoding": "gzip"})
    )
    localweb.resource("/private/feed.xml", "feeds/atom.xml", "application/atom+xml")
    busy = (FEEDS / "atom.xml").read_bytes()
    localweb.sequence(
        "/busy.xml",
        [
            Reply(429, b"", "text/plain", {"Retry-After": "3"}),
            Reply(200, busy, "application/atom+xml"),
        ],
    )
    sources = [
        ("slow", "/slow.xml", "feed"),
        ("huge", "/huge.xml", "feed"),
        ("bomb", "/bomb.xml", "feed"),
        ("private", "/private/feed.xml", "feed"),
        ("busy", "/busy.xml", "feed"),
        ("good", "/good.xml", "feed"),
    ]
    client = make_client(read_timeout_s=0.3, max_bytes=1024 * 1024, retries=1)
    result = discover(config_for(localweb, sources), (), client, None, now=NOW)

    failed = {e.payload["source"]: e.payload["reason"] for e in of_type(result, FETCH_FAILED)}
    assert failed == {
        "slow": "timeout",
        "huge": "too-large",
        "bomb": "decompression-bomb",
        "private": "robots-disallowed",
    }
    assert fake_clock.sleeps == [3.0]  # Retry-After honoured once, then the feed was read
    assert {c.source for c in result.candidates} == {"busy", "good"}
    assert {e.payload["source"] for e in of_type(result, FEED_POLLED)} == {"busy", "good"}
