"""The HTTP client against a real local server: responses, conditional GET, redirects, retries."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime

import pytest

from pipeline.events import FETCH_FAILED
from pipeline.sources.http import FETCH_FAILURE_REASONS, FetchError, fetch_failed_event
from tests.localweb import LocalWeb, Reply

HTML = "<html><head><title>t</title></head><body><p>Guarantees</p></body></html>"


def test_fetch_returns_body_headers_and_charset(localweb, make_client):
    localweb.route("/page", HTML.encode("latin-1"), content_type="text/html; charset=ISO-8859-1")
    response = make_client().fetch(localweb.url("/page"))
    assert response.status == 200
    assert response.content == HTML.encode("latin-1")
    assert response.content_type == "text/html"
    assert response.charset == "iso-8859-1"
    assert response.final_url == localweb.url("/page")
    assert response.redirects == ()
    assert response.text() == HTML


def test_fetch_sends_a_clear_user_agent(localweb, make_client):
    localweb.route("/page", HTML)
    make_client(user_agent="TestMonitor/9 (+https://example.org/bot)").fetch(localweb.url("/page"))
    (seen,) = localweb.requests_to("/page")
    assert seen.headers["user-agent"] == "TestMonitor/9 (+https://example.org/bot)"
    assert "gzip" in seen.headers["accept-encoding"]


def test_conditional_get_with_etag_gets_304_and_no_body(localweb, make_client):
    localweb.route("/feed", "<rss/>", content_type="application/rss+xml", etag='"v1"')
    client = make_client()
    first = client.fetch(localweb.url("/feed"))
    assert (first.status, first.etag) == (200, '"v1"')
    second = client.fetch(localweb.url("/feed"), etag=first.etag)
    assert second.status == 304
    assert second.not_modified
    assert second.content == b""
    assert [r.headers.get("if-none-match") for r in localweb.requests_to("/feed")] == [None, '"v1"']


def test_conditional_get_with_last_modified_gets_304(localweb, make_client):
    stamp = "Tue, 02 Sep 2025 08:30:00 GMT"
    localweb.route("/feed", "<rss/>", content_type="application/rss+xml", last_modified=stamp)
    client = make_client()
    assert client.fetch(localweb.url("/feed")).last_modified == stamp
    assert client.fetch(localweb.url("/feed"), last_modified=stamp).status == 304
    changed = client.fetch(localweb.url("/feed"), last_modified="Mon, 01 Sep 2025 00:00:00 GMT")
    assert changed.status == 200


def test_redirect_chain_is_followed_and_recorded(localweb, make_client):
    localweb.redirect("/r1", localweb.url("/r2"), status=301)
    localweb.redirect("/r2", "/r3", status=307)  # relative Location
    localweb.redirect("/r3", localweb.url("/final"), status=308)
    localweb.route("/final", HTML)
    response = make_client().fetch(localweb.url("/r1"))
    assert response.status == 200
    assert response.url == localweb.url("/r1")
    assert response.final_url == localweb.url("/final")
    assert response.redirects == (localweb.url("/r2"), localweb.url("/r3"), localweb.url("/final"))


def test_too_many_redirects_is_a_permanent_failure(localweb, make_client):
    localweb.redirect("/loop", "/loop")
    with pytest.raises(FetchError) as raised:
        make_client(max_redirects=3).fetch(localweb.url("/loop"))
    assert raised.value.reason == "too-many-redirects"
    assert raised.value.permanent
    assert localweb.hits("/loop") == 4  # the first request and three redirects


@pytest.mark.parametrize("content_type", ["application/pdf", "application/json", "image/png"])
def test_non_html_content_type_is_refused(localweb, make_client, content_type):
    localweb.route("/thing", b"%PDF-1.4 ...", content_type=content_type)
    localweb.route("/ok", HTML)
    client = make_client()
    with pytest.raises(FetchError) as raised:
        client.fetch(localweb.url("/thing"))
    assert raised.value.reason == "bad-content-type"
    assert raised.value.permanent
    assert content_type in raised.value.detail
    assert client.fetch(localweb.url("/ok")).status == 200  # the client keeps working


@pytest.mark.parametrize(
    "content_type",
    ["application/rss+xml", "application/atom+xml", "text/xml; charset=utf-8", "application/xml"],
)
def test_feed_content_types_are_accepted(localweb, make_client, content_type):
    localweb.route("/feed", "<rss/>", content_type=content_type)
    assert make_client().fetch(localweb.url("/feed")).content == b"<rss/>"


def test_not_found_is_permanent_and_not_retried(localweb, make_client, fake_clock):
    with pytest.raises(FetchError) as raised:
        make_client().fetch(localweb.url("/missing"))
    assert (raised.value.reason, raised.value.status, raised.value.permanent) == (
        "http-4xx",
        404,
        True,
    )
    assert localweb.hits("/missing") == 1
    assert fake_clock.sleeps == []


def test_429_with_retry_after_seconds_is_honoured(localweb, make_client, fake_clock):
    localweb.sequence(
        "/busy",
        [Reply(429, b"slow down", "text/plain", {"Retry-After": "7"}), Reply(200, HTML.encode())],
    )
    response = make_client().fetch(localweb.url("/busy"))
    assert response.status == 200
    assert fake_clock.sleeps == [7.0]
    assert localweb.hits("/busy") == 2


def test_retry_after_http_date_is_honoured_and_capped(localweb, make_client, fake_clock):
    later = format_datetime(datetime.now(UTC) + timedelta(hours=1), usegmt=True)
    localweb.sequence(
        "/busy",
        [Reply(503, b"", "text/plain", {"Retry-After": later}), Reply(200, HTML.encode())],
    )
    make_client(max_retry_after_s=30).fetch(localweb.url("/busy"))
    assert fake_clock.sleeps == [30.0]


def test_retry_after_http_date_in_the_near_future_is_waited_for(localweb, make_client, fake_clock):
    soon = format_datetime(datetime.now(UTC) + timedelta(seconds=20), usegmt=True)
    localweb.sequence(
        "/busy", [Reply(429, b"", "text/plain", {"Retry-After": soon}), Reply(200, b"<p/>")]
    )
    make_client().fetch(localweb.url("/busy"))
    (wait,) = fake_clock.sleeps
    assert 15 <= wait <= 20


def test_500_then_success_retries_with_backoff(localweb, make_client, fake_clock):
    localweb.sequence("/flaky", [Reply(500, b"oops", "text/plain"), Reply(200, HTML.encode())])
    response = make_client(backoff_s=1.5).fetch(localweb.url("/flaky"))
    assert response.content == HTML.encode()
    assert fake_clock.sleeps == [1.5]


def test_persistent_5xx_gives_up_with_exponential_backoff(localweb, make_client, fake_clock):
    localweb.route("/down", b"", status=503, content_type="text/plain")
    with pytest.raises(FetchError) as raised:
        make_client(retries=3, backoff_s=1.0).fetch(localweb.url("/down"))
    assert (raised.value.reason, raised.value.status) == ("http-5xx", 503)
    assert not raised.value.permanent
    assert fake_clock.sleeps == [1.0, 2.0, 4.0]
    assert localweb.hits("/down") == 4


def test_slow_server_times_out(localweb, make_client):
    localweb.route("/slow", HTML, delay=3.0)
    client = make_client(read_timeout_s=0.3, real_clock=True)
    started = time.monotonic()
    with pytest.raises(FetchError) as raised:
        client.fetch(localweb.url("/slow"))
    assert raised.value.reason == "timeout"
    assert not raised.value.permanent
    assert time.monotonic() - started < 2.0


def test_a_slowly_dripping_body_hits_the_total_timeout(localweb, make_client):
    localweb.stream("/drip", 40 * 1024, chunk_size=1024, chunk_delay=0.05)
    client = make_client(read_timeout_s=1.0, total_timeout_s=0.5, real_clock=True)
    started = time.monotonic()
    with pytest.raises(FetchError) as raised:
        client.fetch(localweb.url("/drip"))
    assert raised.value.reason == "timeout"
    assert time.monotonic() - started < 1.5


def test_connection_refused_is_a_transient_connection_error(make_client):
    with LocalWeb() as other:
        closed_url = other.url("/gone")
    client = make_client(allow_hosts=("127.0.0.1",))
    with pytest.raises(FetchError) as raised:
        client.fetch(closed_url)
    assert raised.value.reason == "connection-error"
    assert not raised.value.permanent


def test_requests_to_one_host_are_spaced_by_the_per_host_delay(localweb, make_client, fake_clock):
    localweb.route("/a", HTML)
    with LocalWeb() as other:
        other.route("/b", HTML)
        client = make_client(per_host_delay_s=0.5, allow_hosts=("127.0.0.1",))
        client.fetch(localweb.url("/a"))  # robots.txt, then the page: one wait
        client.fetch(localweb.url("/a"))  # one more wait
        assert fake_clock.sleeps == [0.5, 0.5]
        client.fetch(other.url("/b"))  # another host: its robots.txt goes first, then one wait
        assert fake_clock.sleeps == [0.5, 0.5, 0.5]


def test_fetch_failed_event_is_one_per_url_and_reason(localweb, make_client):
    with pytest.raises(FetchError) as raised:
        make_client().fetch(localweb.url("/missing?utm_source=x"))
    error = raised.value
    first = fetch_failed_event(error, "example-feed", date(2025, 9, 1))
    again = fetch_failed_event(error, "example-feed", date(2025, 9, 1))
    next_day = fetch_failed_event(error, "other-feed", date(2025, 9, 2))
    assert first.event_type == FETCH_FAILED
    assert first.event_id == again.event_id == next_day.event_id
    assert first.payload["retry_after"] is None  # a 404 is never tried again
    # a feed is polled every run: its failure is recorded once a day
    feed_day = fetch_failed_event(error, "example-feed", date(2025, 9, 1), target="feed")
    feed_next = fetch_failed_event(error, "example-feed", date(2025, 9, 2), target="feed")
    assert feed_day.event_id != feed_next.event_id
    assert first.payload["reason"] == "http-4xx"
    assert first.payload["status"] == 404
    assert first.payload["permanent"] is True
    assert first.payload["source"] == "example-feed"
    assert first.payload["canonical_url"] == localweb.url("/missing")
    assert first.stream == f"url:{localweb.url('/missing')}"


def test_fetch_error_reasons_are_a_closed_set():
    assert set(FETCH_FAILURE_REASONS) == {
        "invalid-url",
        "refused-path",
        "not-a-file",
        "unexpected-error",
        "circuit-open",
        "deferred",
        "refused-ssrf",
        "refused-scheme",
        "robots-disallowed",
        "too-large",
        "decompression-bomb",
        "timeout",
        "http-4xx",
        "http-5xx",
        "too-many-redirects",
        "bad-content-type",
        "connection-error",
        "not-found",  # a file source whose file does not exist
    }
    with pytest.raises(ValueError):
        FetchError("https://a.org/", "something-else")
