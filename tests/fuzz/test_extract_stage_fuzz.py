"""The extract stage over one batch mixing good and hostile pages: the good pages become
documents, each bad page becomes exactly one skip with a named reason and one outcome
event, nothing stops the batch, and the outcomes reach `document_outcomes` once appended."""

from __future__ import annotations

import gzip
import random
from dataclasses import replace
from pathlib import Path

import pytest

from pipeline.documents.extract import SKIP_REASONS, Skipped
from pipeline.documents.model import Document
from pipeline.documents.raw_store import RawStore
from pipeline.events import DOCUMENT_SKIPPED
from pipeline.run_folder import run_dir
from pipeline.settings import Settings
from pipeline.stages import extract, extract_stage
from pipeline.stages.batches import ExtractedDocuments, Pages, read_batch, write_batch
from pipeline.store.duckdb_store import DuckDBRecorder
from pipeline.store.views import rebuild_views

pytestmark = pytest.mark.timeout(120)

HTML = Path(__file__).resolve().parents[1] / "resources" / "html"
GOOD = (HTML / "article_with_chrome.html").read_bytes()
HOST = "https://news.example.test"


def _page(body: str, head: str = "<title>T</title>") -> bytes:
    return f"<!DOCTYPE html><html lang='en'><head>{head}</head><body>{body}</body></html>".encode()


def _hostile_pages() -> dict[str, bytes]:
    noise = random.Random(20250610)
    pages = {
        "empty": b"",
        "binary": bytes(noise.randrange(256) for _ in range(5000)),
        "png": b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 10,
        "gzip": gzip.compress(GOOD),
        "no-body": b"<html><head><title>Head only</title></head></html>",
        "scripts-only": _page("<script>var s = 'Ukraine security guarantee';</script>" * 200),
        "deep-nesting": _page("<div>" * 50_000 + "text" + "</div>" * 50_000),
        "too-short": (HTML / "too_short.html").read_bytes(),
        "off-topic": (HTML / "sport_off_topic.html").read_bytes(),
        "german": (HTML / "german_article.html").read_bytes(),
        "truncated-good": GOOD[:300],
        # a page whose declared canonical URL is not a URL
        "bad-canonical-ipv6": GOOD.replace(
            b"<head>", b'<head><link rel="canonical" href="http://[::1/a">', 1
        ),
        "bad-canonical-host": GOOD.replace(
            b"<head>", b'<head><link rel="canonical" href="https://[zz]/a">', 1
        ),
    }
    for number in range(4):  # garbled copies of the good page, cut short
        data = bytearray(GOOD[: noise.randrange(200, 900)])
        for _ in range(20):
            data[noise.randrange(len(data))] = noise.randrange(256)
        pages[f"garbled-{number}"] = bytes(data)
    return pages


HOSTILE = _hostile_pages()
GOOD_PAGES = {
    "good": GOOD,
    "good-variant": GOOD.replace(b"Monday", b"Thursday").replace(
        b"</article>", b"<p>" + b"Kyiv said the allies must act. " * 3 + b"</p></article>", 1
    ),
    # bad-canonical pages are otherwise good: their own URL is kept
}


@pytest.fixture(scope="module")
def stage_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("extract-stage")
    sources = tmp / "sources.yaml"
    sources.write_text(
        "sources:\n"
        f"  - {{name: fuzz, url: '{HOST}/feed.xml', kind: feed}}\n"
        "keywords: [security guarantee, Ukraine, reassurance force]\n",
        encoding="utf-8",
    )
    settings = replace(Settings(), db_path=tmp / "wh" / "monitor.duckdb", sources_path=sources)
    raw_store = RawStore(settings.raw_store_dir)
    rows = []
    for name, raw in {**GOOD_PAGES, **HOSTILE}.items():
        rows.append(
            {
                "via": "web",
                "source": "fuzz",
                "url": f"{HOST}/a/{name}.html",
                "final_url": f"{HOST}/a/{name}.html",
                "raw_ref": raw_store.put(raw, {"url": f"{HOST}/a/{name}.html"}),
                "charset": None,
                "content_type": "text/html",
                "title": f"Feed title of {name}",
                "published": "2025-06-10",
            }
        )
    run_id = "fuzz-run"
    pages_ref = write_batch(run_dir(settings.warehouse_dir, run_id), Pages(tuple(rows)))
    documents = read_batch(ExtractedDocuments, extract_stage(settings, run_id, pages_ref))
    items, events = list(documents.items), list(documents.outcomes)
    return settings, rows, items, events


def _name(url: str) -> str:
    return url.rsplit("/", 1)[-1].removesuffix(".html")


def test_every_page_has_exactly_one_outcome(stage_run):
    _, rows, items, _ = stage_run
    assert len(items) == len(rows)


def test_good_pages_become_documents(stage_run):
    _, _, items, _ = stage_run
    documents = {_name(i.url): i for i in items if isinstance(i, Document)}
    assert set(GOOD_PAGES) <= set(documents)
    for name in GOOD_PAGES:
        assert "reassurance force" in documents[name].text


def test_a_page_with_an_unusable_canonical_keeps_its_own_url(stage_run):
    _, _, items, _ = stage_run
    documents = {i.url: i for i in items if isinstance(i, Document)}
    for name in ("bad-canonical-ipv6", "bad-canonical-host"):
        assert f"{HOST}/a/{name}.html" in documents


def test_each_bad_page_is_one_skip_event_with_a_reason(stage_run):
    _, _, items, events = stage_run
    skipped = [i for i in items if isinstance(i, Skipped)]
    assert {_name(s.url) for s in skipped} >= set(HOSTILE) - {
        "bad-canonical-ipv6",
        "bad-canonical-host",
    }
    assert all(s.reason in SKIP_REASONS and s.detail for s in skipped)
    assert len(events) == len(skipped)
    assert all(e.event_type == DOCUMENT_SKIPPED for e in events)
    assert sorted(e.payload["url"] for e in events) == sorted(s.url for s in skipped)
    assert all(e.payload["reason"] in SKIP_REASONS for e in events)
    expected = {"too-short": "too-short", "off-topic": "off-topic", "german": "wrong-language"}
    reasons = {_name(s.url): s.reason for s in skipped}
    for name, reason in expected.items():
        assert reasons[name] == reason


def test_the_outcomes_are_listed_once_appended(stage_run):
    _, _, items, events = stage_run
    store = DuckDBRecorder(":memory:")
    try:
        result = store.append(events, run_id="fuzz-run")
        assert result.appended == len(events)
        assert store.append(events, run_id="fuzz-run").appended == 0
        rebuild_views(store)
        outcomes = store.con.execute("select url, outcome from document_outcomes").fetchall()
    finally:
        store.close()
    skipped = {s.url: f"skipped: {s.reason}" for s in items if isinstance(s, Skipped)}
    assert dict(outcomes) == skipped
    assert len(outcomes) == len(skipped)


def test_the_worker_pool_gives_the_same_documents_and_skips_in_order(stage_run, monkeypatch):
    settings, rows, items, events = stage_run
    # Every batch goes to the forked pool (normally only batches of 64 pages or more).
    monkeypatch.setattr(extract, "EXTRACT_POOL_MIN_PAGES", 1)
    pages_ref = write_batch(run_dir(settings.warehouse_dir, "fuzz-run-pooled"), Pages(tuple(rows)))
    pooled = read_batch(ExtractedDocuments, extract_stage(settings, "fuzz-run-pooled", pages_ref))
    assert list(pooled.items) == items
    pooled_events = pooled.outcomes
    assert [e.event_id for e in pooled_events] == [e.event_id for e in events]
