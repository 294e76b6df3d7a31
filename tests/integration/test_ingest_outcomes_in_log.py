"""A whole run against a local web of good and hostile sources: every outcome is an event in
the log, listed in `document_outcomes`, and the bad inputs do not stop the good ones."""

from __future__ import annotations

from dataclasses import replace

import pytest

from pipeline.runner import run_pipeline
from pipeline.settings import Settings
from pipeline.store import open_store
from tests.localweb import RESOURCES, Reply, gzip_stream, rss_feed

GOOD = (RESOURCES / "html" / "article_with_chrome.html").read_bytes()
SPORT = (RESOURCES / "html" / "sport_off_topic.html").read_bytes()
TITLE = "Ukraine security guarantees: allies weigh a reassurance force"


def item(web, path: str, title: str = TITLE) -> dict[str, str]:
    return {"title": title, "link": web.url(path), "guid": path, "description": title}


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    from tests.localweb import LocalWeb

    tmp = tmp_path_factory.mktemp("hostile")
    with LocalWeb() as web:
        web.route("/robots.txt", "User-agent: *\nDisallow: /a/blocked\n", content_type="text/plain")
        web.route("/a/good.html", GOOD)
        web.route("/a/copy.html?utm_source=feed", GOOD)
        web.route("/a/sport.html", SPORT)
        web.route("/a/report.pdf", b"%PDF-1.7", content_type="application/pdf")
        web.route("/a/blocked.html", GOOD)
        web.stream("/a/huge.html", 50_000_000)
        web.route(
            "/a/bomb.html",
            gzip_stream(200_000_000),
            headers={"Content-Encoding": "gzip"},
        )
        web.redirect("/a/moved.html", "http://169.254.169.254/latest/meta-data/")
        web.sequence(
            "/a/flaky.html",
            [Reply(500, b"oops"), Reply(200, GOOD.replace(b"Monday", b"Tuesday"))],
        )
        paths = [
            "/a/good.html",
            "/a/sport.html",
            "/a/report.pdf",
            "/a/blocked.html",
            "/a/huge.html",
            "/a/bomb.html",
            "/a/moved.html",
            "/a/flaky.html",
        ]
        web.route(
            "/good.rss",
            rss_feed("good", [item(web, p) for p in paths]),
            content_type="application/rss+xml",
            etag='"v1"',
        )
        web.route(
            "/second.rss",
            rss_feed("second", [item(web, "/a/good.html")]),
            content_type="application/rss+xml",
        )
        web.resource("/laughs.rss", "feeds/billion_laughs.xml", "application/rss+xml")
        web.resource("/broken.rss", "feeds/malformed.xml", "application/rss+xml")
        web.route("/missing.rss", "gone", status=404, content_type="text/plain")
        sources = tmp / "sources.yaml"
        sources.write_text(
            "sources:\n"
            + "".join(
                f"  - {{name: {name}, url: '{web.url(path)}', kind: feed}}\n"
                for name, path in [
                    ("good", "/good.rss"),
                    ("second", "/second.rss"),
                    ("laughs", "/laughs.rss"),
                    ("broken", "/broken.rss"),
                    ("missing", "/missing.rss"),
                ]
            )
            + "keywords: [security guarantee, Ukraine, reassurance force]\n"
            + f"fetch:\n  allow_hosts: ['{web.netloc}']\n  per_host_delay_s: 0\n"
            + "  backoff_s: 0.01\n  retries: 2\n  max_bytes: 2000000\n"
            + "  read_timeout_s: 5\n  connect_timeout_s: 2\n",
            encoding="utf-8",
        )
        settings = replace(Settings(), db_path=tmp / "wh" / "monitor.duckdb", sources_path=sources)
        summary = run_pipeline(settings, rebuild=True)
        good_hits = web.hits("/a/good.html")
    # The log with its published views attached, as the pipeline itself reads them.
    with open_store(settings.db_path, read_only=True) as store:
        summary["chain"] = store.verify_chain()
        yield summary, store.con, good_hits


def outcome_of(con, path: str) -> list[str]:
    rows = con.execute(
        "select outcome from document_outcomes where url like ?", [f"%{path}%"]
    ).fetchall()
    return sorted(r[0] for r in rows)


def test_good_articles_become_documents_with_statements(hostile_run):
    _, con, _ = hostile_run
    assert outcome_of(con, "/a/good.html") == ["ok"]
    assert con.execute("select count(*) from statements").fetchone()[0] >= 1


def test_an_article_in_two_feeds_is_fetched_once(hostile_run):
    _, _, good_hits = hostile_run
    assert good_hits == 1


def test_server_error_then_success_is_retried_and_ends_as_a_duplicate(hostile_run):
    _, con, _ = hostile_run
    # the flaky page's text is the good article with one word changed: a near duplicate
    assert outcome_of(con, "/a/flaky.html") == ["duplicate"]


@pytest.mark.parametrize(
    ("path", "outcome"),
    [
        ("/a/report.pdf", "fetch-failed: bad-content-type"),
        ("/a/blocked.html", "fetch-failed: robots-disallowed"),
        ("/a/huge.html", "fetch-failed: too-large"),
        ("/a/bomb.html", "fetch-failed: decompression-bomb"),
        ("/a/moved.html", "fetch-failed: refused-ssrf"),
        ("/a/sport.html", "skipped: off-topic"),
    ],
)
def test_each_bad_page_is_recorded_with_its_reason(hostile_run, path, outcome):
    _, con, _ = hostile_run
    assert outcome_of(con, path) == [outcome]


def test_hostile_feeds_are_recorded_and_do_not_stop_the_run(hostile_run):
    _, con, _ = hostile_run
    failures = con.execute(
        "select event_type, (payload ->> 'source'), (payload ->> 'reason') from events"
        " where event_type in ('parse_failed', 'fetch_failed')"
    ).fetchall()
    reasons = {source: reason for _, source, reason in failures}
    assert reasons.get("missing") == "http-4xx"
    sources = {source for _, source, _ in failures}
    assert {"laughs", "missing"} <= sources
    assert reasons["laughs"] == "xml-forbidden-construct"
    bozo = con.execute(
        "select count(*) from events where event_type = 'feed_polled'"
        " and (payload ->> 'source') = 'broken' and (payload ->> 'bozo')::boolean"
    ).fetchone()[0]
    assert bozo == 1


def test_the_hash_chain_holds_after_a_hostile_run(hostile_run):
    summary, con, _ = hostile_run
    logged = con.execute("select count(*) from events").fetchone()[0]
    assert summary["chain"].ok and summary["chain"].checked == logged > 10
