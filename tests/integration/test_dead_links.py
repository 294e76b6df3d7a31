"""Dead links are not fetched for ever: a permanent failure (404, 410, an invalid URL) is
recorded once and never requested again, however often its feed changes; a transient one
(503) is tried again after 1, 2, 4 and 8 days, from the log even when no feed lists it any
more, and given up after the fifth attempt; each URL adds one event per reason and attempt,
not one a day."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from pipeline import stages
from pipeline.runner import run_pipeline
from pipeline.settings import Settings
from pipeline.sources.retries import plan_retries
from pipeline.stages import common
from pipeline.stages.batches import Pages, read_batch
from pipeline.store import open_store
from tests.localweb import RESOURCES, LocalWeb, Reply, rss_feed

# Slow (whole runs or long inputs): in `make test-slow`, CI's own step.
pytestmark = pytest.mark.slow


GOOD = (RESOURCES / "html" / "article_with_chrome.html").read_bytes()
TITLE = "Ukraine security guarantees: allies weigh a reassurance force"
DAY = date(2025, 9, 1)
DEAD = ("/a/gone.html", "/a/removed.html")


class Web:
    """A feed whose content changes on every poll, listing dead, flaky and good links."""

    def __init__(self, web: LocalWeb) -> None:
        self.web = web
        self.polls = 0
        self.listed = [*DEAD, "/a/down.html", "/a/good.html"]
        web.route("/a/gone.html", "gone", status=404, content_type="text/plain")
        web.route("/a/removed.html", "removed", status=410, content_type="text/plain")
        web.add("/a/down.html", Reply(503, b"busy", "text/plain"))
        web.route("/a/good.html", GOOD)
        web.add("/feed.rss", self._feed)

    def _feed(self, _request):
        self.polls += 1  # a new guid each poll: the feed has changed
        items = [
            {"title": TITLE, "link": self.web.url(path), "guid": f"{path}#{self.polls}"}
            for path in self.listed
        ]
        items.append({"title": TITLE, "link": "http://0177.0.0.1/x", "guid": f"bad#{self.polls}"})
        body = rss_feed("changing", items).encode()
        return Reply(200, body, "application/rss+xml")


@pytest.fixture
def site(tmp_path, monkeypatch):
    clock = {"day": DAY}
    monkeypatch.setattr(
        common, "now", lambda: datetime.combine(clock["day"], datetime.min.time(), UTC)
    )
    with LocalWeb() as web:
        sources = tmp_path / "sources.yaml"
        sources.write_text(
            f"sources:\n  - {{name: changing, url: '{web.url('/feed.rss')}', kind: feed}}\n"
            "keywords: [Ukraine]\n"
            f"fetch:\n  allow_hosts: ['{web.netloc}']\n  per_host_delay_s: 0\n  retries: 0\n",
            encoding="utf-8",
        )
        settings = replace(
            Settings(), db_path=tmp_path / "wh" / "monitor.duckdb", sources_path=sources
        )
        yield Web(web), settings, clock


def ingest(settings, day_clock, day: date) -> int:
    """discover, fetch and append one run's outcome events; return how many were appended."""
    day_clock["day"] = day
    run_id = f"run-{day.isoformat()}-{datetime.now(UTC).timestamp()}"
    candidates = stages.discover_stage(settings, run_id)
    pages = read_batch(Pages, stages.fetch_stage(settings, run_id, candidates))
    return stages.record_outcomes(settings, run_id, pages.outcomes)


def failures(settings, path: str) -> list[dict]:
    with open_store(settings.db_path, read_only=True) as store:
        return [
            dict(r.event.payload)
            for r in store.read(event_types=["fetch_failed"])
            if r.event.payload["url"].endswith(path)
        ]


def test_permanent_failures_are_recorded_once_and_never_fetched_again(site):
    web, settings, clock = site
    for offset in (0, 0, 1, 3, 30):
        ingest(settings, clock, DAY + timedelta(days=offset))
    assert web.polls == 5
    for path in DEAD:
        assert web.web.hits(path) == 1, path
        [event] = failures(settings, path)
        assert event["permanent"] and event["retry_after"] is None
    [invalid] = failures(settings, "0177.0.0.1/x")
    assert invalid["reason"] == "invalid-url"


def test_a_second_run_the_same_day_adds_no_failure_event(site):
    web, settings, clock = site
    ingest(settings, clock, DAY)
    before = len(failures(settings, ""))
    ingest(settings, clock, DAY)
    assert len(failures(settings, "")) == before
    assert web.web.hits("/a/down.html") == 1  # not due again until tomorrow


def test_transient_failures_back_off_over_days_then_give_up(site):
    web, settings, clock = site
    fetched_on = []
    for offset in range(0, 40):
        hits = web.web.hits("/a/down.html")
        ingest(settings, clock, DAY + timedelta(days=offset))
        if web.web.hits("/a/down.html") > hits:
            fetched_on.append(offset)
        if offset == 2:
            web.listed = ["/a/good.html"]  # the feed drops the link: it is retried from the log
    assert fetched_on == [0, 1, 3, 7, 15]
    events = failures(settings, "/a/down.html")
    assert [e["attempt"] for e in events] == [1, 2, 3, 4, 5]
    assert [e["retry_after"] for e in events][-1] is None  # given up after the fifth


def test_a_transient_failure_that_recovers_is_ingested_once(site):
    web, settings, clock = site
    ingest(settings, clock, DAY)
    web.web.route("/a/down.html", GOOD.replace(b"Monday", b"Friday"))
    for offset in (1, 5):  # whole runs: the page becomes a document (here: a duplicate)
        clock["day"] = DAY + timedelta(days=offset)
        run_pipeline(settings, rebuild=False)
    assert web.web.hits("/a/down.html") == 2
    assert len(failures(settings, "/a/down.html")) == 1
    with open_store(settings.db_path, read_only=True) as store:
        outcomes = {
            r.event.event_type
            for r in store.read()
            if r.event.payload.get("url", "").endswith("down.html")
        }
    assert outcomes == {"fetch_failed", "duplicate_detected"}


def test_plan_retries_reads_only_each_urls_latest_failure():
    base = {"target": "article", "permanent": False, "reason": "http-5xx", "candidate": {}}
    url = "https://news.example.com/a"
    candidate = {"url": url, "canonical_url": url, "source": "s"}
    events = [
        {**base, "canonical_url": url, "attempt": 1, "retry_after": "2025-09-02",
         "candidate": candidate},
        {**base, "canonical_url": url, "attempt": 2, "retry_after": "2025-09-04",
         "candidate": candidate},
        {**base, "canonical_url": "https://feeds.example.com/rss", "target": "feed"},
        {"canonical_url": "https://old.example.com/404", "permanent": True, "reason": "http-4xx"},
    ]  # fmt: skip
    early = plan_retries(events, date(2025, 9, 3))
    assert early.blocked == {url, "https://old.example.com/404"} and not early.due
    due = plan_retries(events, date(2025, 9, 4))
    assert [(c["url"], c["attempt"]) for c in due.due] == [(url, 3)]
