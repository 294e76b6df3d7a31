"""Malformed links from feeds (leading-zero or shorthand IPv4 hosts, full-width or
zero-width host names, control characters) are each one `fetch_failed: invalid-url`
outcome: checked once at discovery, refused again by the client, and never able to stop a
stage, whichever source they come from."""

from __future__ import annotations

from dataclasses import replace

import pytest

from pipeline.run_folder import run_dir
from pipeline.runner import run_pipeline
from pipeline.settings import Settings
from pipeline.sources.config import SourcesConfigError, load_sources
from pipeline.stages import fetch_stage
from pipeline.stages.batches import Candidates, Pages, read_batch, write_batch
from pipeline.store import open_store
from tests.localweb import RESOURCES, LocalWeb, rss_feed

GOOD = (RESOURCES / "html" / "article_with_chrome.html").read_bytes()
TITLE = "Ukraine security guarantees: allies weigh a reassurance force"
HOSTILE = [
    "http://010.8.8.8/news/a.html",
    "http://0177.0.0.1/admin",
    "http://127.1/x",
    "http://2130706433/x",
    "http://\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45.com/a",  # full-width "example"
    "http://exa\u200bmple.com/a",  # zero-width space
    "http://news.example.com/a\x01b",  # a control character in the path
    "http://news.example.com:80abc/",
]


@pytest.fixture(scope="module")
def invalid_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("invalid-urls")
    with LocalWeb() as web:
        web.route("/a/good.html", GOOD)
        items = [{"title": TITLE, "link": url, "guid": f"g{n}"} for n, url in enumerate(HOSTILE)]
        items.append({"title": TITLE, "link": web.url("/a/good.html"), "guid": "good"})
        # Control characters cannot be written in XML: the feed carries them as references,
        # which feedparser hands on as the characters themselves.
        feed = rss_feed("hostile", items).replace("\x01", "&#1;")
        web.route("/feed.rss", feed, content_type="application/rss+xml")
        sources = tmp / "sources.yaml"
        sources.write_text(
            f"sources:\n  - {{name: hostile, url: '{web.url('/feed.rss')}', kind: feed}}\n"
            "keywords: [security guarantee, Ukraine, reassurance force]\n"
            f"fetch:\n  allow_hosts: ['{web.netloc}']\n  per_host_delay_s: 0\n",
            encoding="utf-8",
        )
        settings = replace(Settings(), db_path=tmp / "wh" / "monitor.duckdb", sources_path=sources)
        summary = run_pipeline(settings, rebuild=False)
        with open_store(settings.db_path, read_only=True) as store:
            rows = store.con.execute(
                "select event_type, payload ->> 'url', payload ->> 'reason' from events"
            ).fetchall()
        yield web, settings, summary, rows


def test_the_good_article_is_ingested_despite_the_bad_links(invalid_run):
    web, _, _, rows = invalid_run
    assert ("document_ingested", web.url("/a/good.html")) in {(r[0], r[1]) for r in rows}
    assert web.hits("/a/good.html") == 1


def test_every_malformed_link_is_one_invalid_url_failure(invalid_run):
    _, _, _, rows = invalid_run
    failed = [(url, reason) for kind, url, reason in rows if kind == "fetch_failed"]
    assert sorted(failed) == sorted((url, "invalid-url") for url in HOSTILE)
    assert not [r for r in rows if r[0] == "task_failed"]


def test_a_batch_of_bad_candidates_never_stops_the_fetch_stage(invalid_run):
    web, settings, _, _ = invalid_run
    rows = [
        {"via": "web", "source": "hostile", "url": url, "canonical_url": url, "kind": "feed"}
        for url in [*HOSTILE, "http://[::1/a", "http://[zz]/x", "", "javascript:alert(1)"]
    ]
    rows.append({"via": "web", "source": "hostile", "url": web.url("/a/good.html"), "kind": "feed"})
    folder = run_dir(settings.warehouse_dir, "bad-candidates")
    candidates_ref = write_batch(folder, Candidates(tuple(rows)))
    pages = read_batch(Pages, fetch_stage(settings, "bad-candidates", candidates_ref))
    assert [page["url"] for page in pages.rows] == [web.url("/a/good.html")]
    failures = pages.outcomes
    assert len(failures) == len(rows) - 1
    reasons = {event.payload["reason"] for event in failures}
    assert reasons == {"invalid-url", "refused-scheme"}


@pytest.mark.parametrize(
    "url", ["http://010.8.8.8/feed", "http://exa\u200bmple.com/rss", "https://news.example.com:x/"]
)
def test_a_sources_file_with_an_unusable_url_is_refused_naming_the_entry(tmp_path, url):
    path = tmp_path / "sources.yaml"
    path.write_text(f'sources:\n  - {{name: bad, url: "{url}", kind: feed}}\n', encoding="utf-8")
    with pytest.raises(SourcesConfigError, match=r"sources\[0\] \('bad'\).*http\(s\) URL"):
        load_sources(path)
