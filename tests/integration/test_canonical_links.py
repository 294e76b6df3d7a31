"""A fetched page names a canonical URL only on its own site: a page claiming another site's
URL keeps the URL it was fetched from, never marks the other site's URL as seen, and a
same-site canonical (an AMP copy naming its article) still names the document."""

from __future__ import annotations

from dataclasses import replace

import pytest

from pipeline.runner import run_pipeline
from pipeline.settings import Settings
from pipeline.sources.urls import canonical_from_html, canonicalize_url, same_site
from pipeline.stages.discover import seen_urls
from pipeline.store import open_store
from tests.localweb import LocalWeb, rss_feed

OUTLET_URL = "https://www.outlet-news.com/world/2025/08/leader-backs-guarantees"
BLOG_TEXT = (
    "Prime Minister Anna Lind said on Tuesday that her government opposes any security"
    ' guarantee for Ukraine that includes troops. "We will not send soldiers," Lind told'
    " reporters in Stockholm after a cabinet meeting on the reassurance force. "
)
AMP_TEXT = (
    "Foreign ministers from the coalition of the willing met in Rome to discuss how a"
    " ceasefire in Ukraine could be monitored, and which security guarantees Kyiv would get."
    " Officials said the talks focused on air policing and maritime escorts. "
)


def article(title: str, text: str, head: str = "") -> str:
    paragraphs = "".join(f"<p>{text} Paragraph {n} adds detail.</p>" for n in range(6))
    return (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{title}</title>"
        f"{head}<meta property='article:published_time' content='2025-08-19T09:00:00Z'>"
        f"</head><body><article><h1>{title}</h1>{paragraphs}</article></body></html>"
    )


@pytest.fixture(scope="module")
def canonical_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("canonical")
    with LocalWeb() as web:
        foreign = f'<link rel="canonical" href="{OUTLET_URL}">'
        own = '<link rel="canonical" href="/news/story.html">'
        web.route("/blog/post.html", article("Leader rules out troops", BLOG_TEXT, foreign))
        web.route("/amp/story.html", article("Ministers meet in Rome", AMP_TEXT, own))
        items = [
            {"title": "Ukraine security guarantee news", "link": web.url(path), "guid": path}
            for path in ("/blog/post.html", "/amp/story.html")
        ]
        web.route("/feed.rss", rss_feed("blog", items), content_type="application/rss+xml")
        sources = tmp / "sources.yaml"
        sources.write_text(
            f"sources:\n  - {{name: blog, url: '{web.url('/feed.rss')}', kind: feed}}\n"
            "keywords: [security guarantee, Ukraine]\n"
            f"fetch:\n  allow_hosts: ['{web.netloc}']\n  per_host_delay_s: 0\n",
            encoding="utf-8",
        )
        settings = replace(Settings(), db_path=tmp / "wh" / "monitor.duckdb", sources_path=sources)
        run_pipeline(settings, rebuild=False)
        with open_store(settings.db_path, read_only=True) as store:
            documents = {
                row[0]: (row[1], row[2])
                for row in store.con.execute(
                    "select payload ->> 'title', payload ->> 'url', payload ->> 'fetched_url'"
                    " from events where event_type = 'document_ingested'"
                ).fetchall()
            }
            mentions = store.con.execute(
                "select count(*) from events where payload::varchar like '%outlet-news.com%'"
            ).fetchone()[0]
        yield web, settings, documents, mentions


def test_a_page_claiming_another_sites_url_keeps_its_own(canonical_run):
    web, _, documents, _ = canonical_run
    url, fetched = documents["Leader rules out troops"]
    assert url == canonicalize_url(web.url("/blog/post.html"))
    assert fetched is None  # the fetched URL is the document's URL


def test_another_sites_url_is_never_logged_nor_seen(canonical_run):
    _, settings, _, mentions = canonical_run
    assert mentions == 0
    assert not any("outlet-news.com" in url for url in seen_urls(settings))


def test_a_same_site_canonical_names_the_document_and_the_fetched_url_is_kept(canonical_run):
    web, settings, documents, _ = canonical_run
    url, fetched = documents["Ministers meet in Rome"]
    assert url == canonicalize_url(web.url("/news/story.html"))
    assert fetched == canonicalize_url(web.url("/amp/story.html"))
    assert {url, fetched} <= seen_urls(settings)


@pytest.mark.parametrize(
    ("page", "canonical", "kept"),
    [
        ("https://amp.bbc.co.uk/news/x", "https://www.bbc.co.uk/news/x", True),
        ("https://www.bbc.co.uk/news/x", "https://www.bbc.com/news/x", False),
        ("https://blog.example.com/p", "https://www.example.com/p", True),
        ("https://alice.github.io/p", "https://bob.github.io/p", False),
        ("https://evil.example/p", "https://www.reuters.com/world/p", False),
        ("http://127.0.0.1:8123/a", "http://127.0.0.1:8123/b", True),
        ("http://127.0.0.1:8123/a", "http://127.0.0.1:9999/b", False),
        ("http://news.example.test/a", "http://other.example.test/a", False),
    ],
)
def test_a_canonical_counts_only_on_the_pages_own_registrable_domain(page, canonical, kept):
    html = f'<html><head><link rel="canonical" href="{canonical}"></head></html>'
    assert same_site(page, canonical) is kept
    assert canonical_from_html(html, page) == (canonicalize_url(canonical) if kept else None)


def test_a_base_href_on_another_site_does_not_move_the_canonical_there():
    html = (
        '<html><head><base href="https://www.reuters.com/">'
        '<link rel="canonical" href="/world/p"></head></html>'
    )
    assert canonical_from_html(html, "https://evil.example/p") is None
