"""Back-pressure from a host cannot add up without limit: each Retry-After is capped, so is
the sum of one host's retry waits in a run, a host failing fetch after fetch has its
circuit opened for the rest of the run, and the fetch stage stops starting fetches when
its time budget is spent, recording what is left as deferred, which the next run fetches
even though its feed has not changed."""

from __future__ import annotations

from dataclasses import replace

import pytest

from pipeline import stages
from pipeline.settings import Settings
from pipeline.sources.http import FetchError
from pipeline.stages.batches import Pages, read_batch
from tests.localweb import RESOURCES, LocalWeb, Reply, rss_feed

pytestmark = pytest.mark.timeout(120)

GOOD = (RESOURCES / "html" / "article_with_chrome.html").read_bytes()
BUSY = Reply(503, b"busy", "text/plain", {"Retry-After": "120"})


def failure(client, url) -> FetchError:
    with pytest.raises(FetchError) as raised:
        client.fetch(url)
    return raised.value


def test_ten_fetches_from_a_host_asking_for_120_s_each_wait_minutes_not_40(
    localweb, make_client, fake_clock
):
    for n in range(10):
        localweb.add(f"/a/{n}.html", BUSY)
    client = make_client(retries=2, max_retry_after_s=60, max_host_wait_s=180)
    errors = [failure(client, localweb.url(f"/a/{n}.html")) for n in range(10)]
    assert max(fake_clock.sleeps) <= 60  # per response
    assert sum(fake_clock.sleeps) <= 180  # per host: it used to ask for 2,400 s
    assert [e.reason for e in errors] == ["http-5xx"] * 3 + ["circuit-open"] * 7
    assert all(not e.permanent for e in errors)
    # once its circuit is open the host is not asked again this run
    assert sum(localweb.hits(f"/a/{n}.html") for n in range(3, 10)) == 0


def test_an_open_circuit_is_one_hosts_and_a_success_closes_the_count(localweb, make_client):
    with LocalWeb() as other:
        other.route("/ok.html", GOOD)
        localweb.add("/down.html", Reply(500, b"", "text/plain"))
        localweb.route("/ok.html", GOOD)
        client = make_client(
            retries=0, circuit_failures=3, allow_hosts=(localweb.netloc, other.netloc)
        )
        for _ in range(2):
            failure(client, localweb.url("/down.html"))
        client.fetch(localweb.url("/ok.html"))  # a success: the count starts again
        for _ in range(2):
            failure(client, localweb.url("/down.html"))
        assert client.fetch(localweb.url("/ok.html")).status == 200
        for _ in range(3):
            failure(client, localweb.url("/down.html"))
        assert failure(client, localweb.url("/ok.html")).reason == "circuit-open"
        assert client.fetch(other.url("/ok.html")).status == 200


def test_a_permanent_failure_does_not_count_towards_the_circuit(localweb, make_client):
    client = make_client(retries=0, circuit_failures=2)
    for n in range(4):
        assert failure(client, localweb.url(f"/missing-{n}")).reason == "http-4xx"


@pytest.fixture
def slow_site(tmp_path):
    with LocalWeb() as web:
        paths = [f"/a/{n}.html" for n in range(8)]
        for n, path in enumerate(paths):
            page = GOOD.replace(b"Monday", f"day {n}".encode())
            web.add(path, Reply(200, page, delay=0.4))
        items = [
            {"title": "Ukraine security guarantees", "link": web.url(p), "guid": p} for p in paths
        ]
        web.route(
            "/feed.rss", rss_feed("slow", items), content_type="application/rss+xml", etag='"v1"'
        )
        sources = tmp_path / "sources.yaml"
        text = (
            f"sources:\n  - {{name: slow, url: '{web.url('/feed.rss')}', kind: feed}}\n"
            f"fetch:\n  allow_hosts: ['{web.netloc}']\n  per_host_delay_s: 0\n"
        )
        sources.write_text(text + "  stage_budget_s: 1\n", encoding="utf-8")
        settings = replace(
            Settings(), db_path=tmp_path / "wh" / "monitor.duckdb", sources_path=sources
        )
        yield web, settings, paths, sources, text


def run_fetch(settings, run_id):
    candidates = stages.discover_stage(settings, run_id)
    pages = read_batch(Pages, stages.fetch_stage(settings, run_id, candidates))
    stages.record_outcomes(settings, run_id, pages.outcomes)
    return list(pages.rows), [e for e in pages.outcomes if e.event_type == "fetch_failed"]


def test_the_fetch_stage_defers_what_its_budget_leaves_and_the_next_run_fetches_it(slow_site):
    web, settings, paths, sources, text = slow_site
    pages, events = run_fetch(settings, "first")
    fetched = {page["url"] for page in pages}
    deferred = {e.payload["url"] for e in events if e.payload["reason"] == "deferred"}
    assert 1 <= len(fetched) <= 4  # 0.4 s each against a 1 s budget
    assert fetched | deferred == {web.url(p) for p in paths} and not fetched & deferred
    assert all(e.payload["candidate"]["url"] == e.payload["url"] for e in events)
    # the next run: the feed has not changed (304), the deferred URLs are fetched all the same
    sources.write_text(text + "  stage_budget_s: 60\n", encoding="utf-8")
    pages, events = run_fetch(settings, "second")
    assert web.requests_to("/feed.rss")[-1].headers.get("if-none-match") == '"v1"'
    assert {page["url"] for page in pages} == deferred
    assert events == []
    assert all(web.hits(p) == 1 for p in paths)
