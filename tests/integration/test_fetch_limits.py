"""Size limits: huge bodies and compression bombs are cut off with memory staying low."""

from __future__ import annotations

import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline.sources.http import FetchError
from tests.localweb import Reply, gzip_bytes, gzip_stream

MB = 1024 * 1024
HTML = (
    "<html><body>" + "<p>Security guarantees for Ukraine.</p>" * 200 + "</body></html>"
).encode()


@pytest.fixture(scope="module")
def gzip_bomb() -> bytes:
    """100 MiB of zeros, gzip-compressed to about 100 KiB."""
    return gzip_stream(100 * MB)


def _rss_bytes() -> int:
    statm = Path("/proc/self/statm")
    if not statm.exists():
        return 0
    import os

    return int(statm.read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def measure(action: Callable[[], object]) -> tuple[object, int, int]:
    """Run action; return (its result or exception, peak traced allocation, peak RSS growth)."""
    baseline = _rss_bytes()
    peak_rss = [baseline]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak_rss[0] = max(peak_rss[0], _rss_bytes())
            time.sleep(0.002)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    tracemalloc.start()
    try:
        try:
            outcome: object = action()
        except FetchError as exc:
            outcome = exc
        _, peak_traced = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        done.set()
        sampler.join()
    return outcome, peak_traced, peak_rss[0] - baseline


def test_a_50_mb_response_is_cut_off_at_max_bytes_with_low_memory(localweb, make_client):
    localweb.stream("/huge", 50 * MB)
    client = make_client(max_bytes=1 * MB)
    outcome, traced, rss_growth = measure(lambda: client.fetch(localweb.url("/huge")))
    assert isinstance(outcome, FetchError)
    assert outcome.reason == "too-large"
    assert outcome.permanent
    assert traced < 6 * MB
    assert rss_growth < 20 * MB
    assert localweb.bytes_sent("/huge") < 25 * MB  # the client stopped reading early


def test_a_declared_content_length_over_the_cap_is_refused_before_reading(localweb, make_client):
    localweb.stream("/huge", 50 * MB, declare_length=True)
    with pytest.raises(FetchError) as raised:
        make_client(max_bytes=1 * MB).fetch(localweb.url("/huge"))
    assert raised.value.reason == "too-large"
    assert "Content-Length" in raised.value.detail


def test_a_gzip_bomb_is_cut_off_at_max_bytes_decoded(localweb, make_client, gzip_bomb):
    localweb.add(
        "/bomb", Reply(200, gzip_bomb, "text/html; charset=utf-8", {"Content-Encoding": "gzip"})
    )
    client = make_client(max_bytes=2 * MB)
    outcome, traced, rss_growth = measure(lambda: client.fetch(localweb.url("/bomb")))
    assert isinstance(outcome, FetchError)
    assert outcome.reason == "decompression-bomb"
    assert outcome.permanent
    assert traced < 8 * MB
    assert rss_growth < 30 * MB


def test_a_deflate_bomb_is_cut_off_too(localweb, make_client):
    bomb = gzip_stream(50 * MB, wbits=zlib.MAX_WBITS)  # zlib-wrapped deflate
    localweb.add("/bomb", Reply(200, bomb, "text/html", {"Content-Encoding": "deflate"}))
    with pytest.raises(FetchError) as raised:
        make_client(max_bytes=1 * MB).fetch(localweb.url("/bomb"))
    assert raised.value.reason == "decompression-bomb"


def test_gzip_content_is_decoded(localweb, make_client):
    localweb.add("/page", Reply(200, gzip_bytes(HTML), "text/html", {"Content-Encoding": "gzip"}))
    response = make_client().fetch(localweb.url("/page"))
    assert response.content == HTML


def test_raw_deflate_without_zlib_header_is_decoded(localweb, make_client):
    compressor = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    raw = compressor.compress(HTML) + compressor.flush()
    localweb.add("/page", Reply(200, raw, "text/html", {"Content-Encoding": "deflate"}))
    assert make_client().fetch(localweb.url("/page")).content == HTML


def test_a_body_just_under_the_cap_is_returned_whole(localweb, make_client):
    localweb.stream("/fits", 100_000)
    response = make_client(max_bytes=100_000).fetch(localweb.url("/fits"))
    assert len(response.content) == 100_000


def test_an_unsupported_content_encoding_is_refused(localweb, make_client):
    localweb.add("/br", Reply(200, b"\x0b\x02\x80", "text/html", {"Content-Encoding": "br"}))
    with pytest.raises(FetchError) as raised:
        make_client().fetch(localweb.url("/br"))
    assert raised.value.reason == "bad-content-type"
    assert "br" in raised.value.detail


def test_corrupt_gzip_is_a_connection_error(localweb, make_client):
    localweb.add("/bad", Reply(200, b"\x1f\x8bnot gzip", "text/html", {"Content-Encoding": "gzip"}))
    with pytest.raises(FetchError) as raised:
        make_client().fetch(localweb.url("/bad"))
    assert raised.value.reason == "connection-error"
