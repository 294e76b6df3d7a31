"""Fuzzing URLs from outside: whatever string a feed gives as a link, or a candidate batch
holds, nothing raises out of discovery or fetch but a FetchError with a reason from the
closed set, and what discovery hands on is a URL the client can send.

Hostile forms are drawn on purpose: octal, hex and shorthand IPv4 hosts, full-width,
zero-width and soft-hyphen characters in names, brackets, percent signs, control
characters and lone surrogates in paths, bad ports, other schemes. Nothing leaves the
machine: names resolve to 127.0.0.1, and the client's connections go through a network
backend that refuses any address but 127.0.0.1 (a public IP literal is a connection error).
"""

from __future__ import annotations

from datetime import UTC, datetime
from xml.sax.saxutils import escape

import httpcore
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.events import DOCUMENT_SKIPPED, FETCH_FAILED
from pipeline.sources.config import FetchSettings, Source, SourcesConfig
from pipeline.sources.discover import discover
from pipeline.sources.http import FETCH_FAILURE_REASONS, FetchError, HttpClient
from pipeline.sources.urls import (
    InvalidUrl,
    canonicalize_url,
    check_url,
    is_valid_url,
)
from tests.localweb import LocalWeb

pytestmark = pytest.mark.timeout(300)

_HOST_CHARS = "abxyz0179.-_:[]%@ \u200b\u00ad\uff11\uff41\u0430\x00\x7f/\\"
_octets = st.one_of(
    st.integers(0, 300).map(str),
    st.integers(0, 255).map(lambda n: f"0{n:o}"),
    st.integers(0, 255).map(hex),
    st.integers(0, 2**32).map(str),
)
hosts = st.one_of(
    st.text(_HOST_CHARS, max_size=30),
    st.lists(_octets, min_size=1, max_size=5).map(".".join),
    st.sampled_from(
        [
            "127.0.0.1",
            "localhost",
            "[::1]",
            "[::ffff:127.0.0.1]",
            "[fe80::1%25eth0]",
            "news.example.com",
            "пример.рф",
            "xn--e1afmkfd.xn--p1ai",
            "a" * 64 + ".com",
            "[::1",
            "::1]",
            "[zz]",
            "",
        ]
    ),  # fmt: skip
)
ports = st.one_of(
    st.just(""),
    st.integers(-1, 70_000).map(lambda port: f":{port}"),
    st.text("0123456789x: ", max_size=6).map(lambda text: ":" + text),
)
paths = st.lists(
    st.one_of(
        st.characters(),
        st.sampled_from(["\x00", "\x01", "\n", "\t", "\x7f", "\ud800", "%", "%zz", "/../", "#"]),
    ),
    max_size=30,
).map("".join)
schemes = st.sampled_from(
    ["http", "https", "HTTP", "hTtPs", "ftp", "file", "javascript", "", "http:", " http"]
)
structured = st.builds(
    lambda scheme, host, port, path: f"{scheme}://{host}{port}/{path}", schemes, hosts, ports, paths
)
urls = st.one_of(st.text(max_size=120), structured)


@settings(max_examples=500)
@given(urls)
def test_check_url_accepts_or_says_why(url):
    try:
        checked = check_url(url)
    except InvalidUrl as exc:
        assert str(exc) and len(str(exc)) < 300
        return
    assert checked == url.strip()
    assert canonicalize_url(checked)  # a checked URL always has a canonical form


@settings(max_examples=500)
@given(urls)
def test_canonicalize_url_never_raises(url):
    assert isinstance(canonicalize_url(url), str)


@pytest.fixture(scope="module")
def web():
    with LocalWeb() as server:
        server.route("/robots.txt", "", status=404, content_type="text/plain")
        yield server


def to_loopback(_host: str, _port: int) -> list[str]:
    """Every name is 127.0.0.1: the client's checks run, nothing is looked up or leaves."""
    return ["127.0.0.1"]


class LoopbackOnly(httpcore.SyncBackend):
    """The real socket backend, refusing to connect anywhere but 127.0.0.1."""

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        if host != "127.0.0.1":
            raise httpcore.ConnectError(f"test guard: no connection to {host}")
        return super().connect_tcp(host, port, timeout, local_address, socket_options)


@pytest.fixture(scope="module")
def client(web):
    settings_ = FetchSettings(
        allow_hosts=(web.netloc,),
        per_host_delay_s=0,
        retries=0,
        connect_timeout_s=1,
        read_timeout_s=1,
        total_timeout_s=2,
    )
    with HttpClient(
        settings_, resolver=to_loopback, sleep=lambda _s: None, network_backend=LoopbackOnly()
    ) as http:
        yield http


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(urls)
def test_fetch_raises_nothing_but_a_fetch_error(client, url):
    try:
        client.fetch(url)
    except FetchError as error:
        assert error.reason in FETCH_FAILURE_REASONS
        assert len(str(error)) < 2000
        if not is_valid_url(url):
            assert error.reason in ("invalid-url", "refused-scheme")


def _feed(links: list[str]) -> bytes:
    def xml_text(text: str) -> str:
        # characters XML cannot hold travel as references, which feedparser decodes
        return "".join(
            c if c in "\t\n\r" or (" " <= c < "\ud800") or ("\ue000" <= c <= "\ufffd")
            or c > "\uffff" else f"&#{ord(c)};"
            for c in escape(text)
        )  # fmt: skip

    items = "".join(
        f"<item><title>Ukraine security guarantee {n}</title><link>{xml_text(link)}</link>"
        f"<guid>g{n}</guid></item>"
        for n, link in enumerate(links)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>f</title>'
        f"{items}</channel></rss>"
    ).encode("utf-8", "surrogatepass")


@settings(max_examples=120, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(urls, min_size=1, max_size=8))
def test_discovery_turns_any_link_into_a_candidate_or_an_outcome(web, client, links):
    web.route("/feed.rss", _feed(links), content_type="application/rss+xml")
    config = SourcesConfig(
        sources=(Source(name="fuzz", url=web.url("/feed.rss"), kind="feed"),),
        keywords=("Ukraine",),
        fetch=client.settings,
    )
    result = discover(config, client=client, now=datetime(2025, 6, 1, tzinfo=UTC))
    kinds = {event.event_type for event in result.events}
    assert kinds <= {"feed_polled", "parse_failed", FETCH_FAILED, DOCUMENT_SKIPPED}
    for candidate in result.candidates:
        assert check_url(candidate.url) == candidate.url
    for event in result.events:
        if event.event_type == FETCH_FAILED:
            assert event.payload["reason"] == "invalid-url"


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(paths, st.sampled_from(["", "?", "?q=", "#", "?a=%zz&b=\u00e9"]))
def test_hostile_paths_on_an_allowed_host_are_fetched_or_refused(web, client, path, tail):
    url = web.url("/") + path + tail
    with pytest.raises(FetchError) as raised:
        client.fetch(url)  # nothing is routed there: 404 at best
    if is_valid_url(url):  # sent, and a real answer came back from the local server
        assert (raised.value.reason, raised.value.status) == ("http-4xx", 404)
    else:
        assert raised.value.reason == "invalid-url"
