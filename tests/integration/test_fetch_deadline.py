"""One deadline over a whole request: a server that drips its status line and headers a
byte at a time, each byte well inside the read timeout, is cut off at `total_timeout_s`
for pages, feeds and robots.txt alike (it used to hold a fetch for as long as it liked)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from pipeline.sources.config import Source, SourcesConfig
from pipeline.sources.discover import discover
from pipeline.sources.http import FetchError
from tests.localweb import Reply

pytestmark = pytest.mark.timeout(60)

PAGE = b"<html><head><title>t</title></head><body><p>Ukraine</p></body></html>"
# 0.05 s a byte over some 300 bytes of headers: 15 s to send them all
DRIP = Reply(200, PAGE, headers={"X-Padding": "x" * 250}, head_drip=0.05)
TOTAL = 1.0


def dripping_client(make_client):
    # each byte arrives within the 2 s read timeout; only the total deadline can stop it
    return make_client(real_clock=True, total_timeout_s=TOTAL, read_timeout_s=2.0, retries=0)


def timed(work):
    started = time.monotonic()
    try:
        work()
    except FetchError as error:
        return error, time.monotonic() - started
    raise AssertionError("the dripping server was waited out")


def test_a_page_whose_headers_drip_times_out_at_the_total_deadline(localweb, make_client):
    localweb.add("/slow.html", DRIP)
    error, elapsed = timed(lambda: dripping_client(make_client).fetch(localweb.url("/slow.html")))
    assert error.reason == "timeout"
    assert f"within {TOTAL:g} s" in error.detail
    assert elapsed < TOTAL + 1.0


def test_a_robots_txt_whose_headers_drip_does_not_hold_the_fetch(localweb, make_client):
    localweb.add("/robots.txt", Reply(200, b"User-agent: *\nAllow: /\n", "text/plain",
                                      {"X-Padding": "x" * 250}, head_drip=0.05))  # fmt: skip
    localweb.route("/page.html", PAGE)
    error, elapsed = timed(lambda: dripping_client(make_client).fetch(localweb.url("/page.html")))
    assert error.reason == "timeout" and "robots.txt" in error.detail
    assert not error.permanent
    assert elapsed < TOTAL + 1.0
    assert localweb.hits("/page.html") == 0


def test_a_feed_whose_headers_drip_is_one_timeout_and_the_others_run(localweb, make_client):
    localweb.add("/slow.rss", DRIP)
    localweb.route(
        "/good.rss",
        '<?xml version="1.0"?><rss version="2.0"><channel><title>g</title><item>'
        "<title>Ukraine talks</title><link>https://news.example.com/a</link></item>"
        "</channel></rss>",
        content_type="application/rss+xml",
    )
    config = SourcesConfig(
        sources=(
            Source(name="slow", url=localweb.url("/slow.rss"), kind="feed"),
            Source(name="good", url=localweb.url("/good.rss"), kind="feed"),
        )
    )
    client = dripping_client(make_client)
    started = time.monotonic()
    result = discover(config, client=client, now=datetime(2025, 6, 1, tzinfo=UTC))
    assert time.monotonic() - started < TOTAL + 1.5
    failed = [e.payload for e in result.events if e.event_type == "fetch_failed"]
    assert [(f["source"], f["reason"]) for f in failed] == [("slow", "timeout")]
    assert [c.url for c in result.candidates] == ["https://news.example.com/a"]


def test_a_slow_but_steady_answer_within_the_deadline_is_read_whole(localweb, make_client):
    localweb.add("/steady.html", Reply(200, PAGE, head_drip=0.002))
    client = make_client(real_clock=True, total_timeout_s=5.0, retries=0)
    assert client.fetch(localweb.url("/steady.html")).content == PAGE
