"""One undated article does not block ingestion (issue 17, item 3).

Whole runs against real pages served over HTTP on 127.0.0.1 and a real event log. Two
dated articles and one whose page carries no date: the undated article's statements fail
the `stated_on` expectation. They are quarantined once; the two dated articles, their
statements, the undated document itself and every outcome event are appended; the next
run fetches nothing again and quarantines nothing again. Failures spread over several
documents (a broken extractor) still stop the batch."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from pipeline.quality.gates import QualityGateError
from pipeline.runner import run_pipeline
from pipeline.settings import Settings
from pipeline.store import open_store
from tests.localweb import LocalWeb

ARTICLES = {
    "/a/binding.html": (
        "2025-08-20",
        "Ukrainian President Volodymyr Zelensky said Ukraine needs legally binding security"
        " guarantees from its partners before any ceasefire. Kyiv wants the commitments"
        " ratified by parliaments, officials said.",
    ),
    "/a/troops.html": (
        "2025-08-21",
        "French President Emmanuel Macron said France is ready to send troops to Ukraine as"
        " part of a reassurance force after a ceasefire. British officials said London would"
        " take part in the planning.",
    ),
    "/a/undated.html": (
        None,
        "Russian Foreign Minister Sergei Lavrov said Moscow rejects any deployment of Western"
        " troops in Ukraine. German Chancellor Friedrich Merz said Germany supports security"
        " guarantees for Ukraine backed by the United States.",
    ),
}
FILLER = (
    "Diplomats from several European capitals met again to discuss how security guarantees"
    " for Ukraine could work in practice, which forces would be needed and who would lead"
    " them. No decision was announced after the talks, and further meetings are planned."
)


def page(title: str, published: str | None, text: str) -> str:
    meta = f'<meta property="article:published_time" content="{published}T08:00:00Z">'
    return (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{title}</title>"
        f"{meta if published else ''}</head><body><article><h1>{title}</h1>"
        f"<p>{text}</p><p>{FILLER}</p></article></body></html>"
    )


def serve(web: LocalWeb, articles: dict, folder) -> Settings:
    sources = folder / "sources.yaml"
    lines = ["sources:"]
    for n, (path, (published, text)) in enumerate(articles.items()):
        web.route(path, page(f"Security guarantees report {n}", published, text))
        lines.append(f"  - {{name: page-{n}, url: '{web.url(path)}', kind: page}}")
    lines += [
        "keywords: [security guarantees, Ukraine]",
        f"fetch:\n  allow_hosts: ['{web.netloc}']\n  per_host_delay_s: 0\n  retries: 0",
    ]
    sources.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return replace(Settings(), db_path=folder / "wh" / "monitor.duckdb", sources_path=sources)


def log_facts(settings: Settings) -> tuple[dict[str, int], dict[str, set], int]:
    with open_store(settings.db_path, read_only=True) as store:
        counts: dict[str, int] = {}
        urls: dict[str, set] = {}
        for record in store.read():
            counts[record.event_type] = counts.get(record.event_type, 0) + 1
            url = record.payload.get("doc_url") or record.payload.get("url")
            urls.setdefault(record.event_type, set()).add(url)
        quarantined = store.con.execute("select count(*) from quarantine").fetchone()[0]
    return counts, urls, quarantined


def test_an_undated_article_is_quarantined_and_the_rest_lands(tmp_path):
    with LocalWeb() as web:
        settings = serve(web, ARTICLES, tmp_path)
        run_pipeline(settings, rebuild=False)
        counts, urls, quarantined = log_facts(settings)
        undated = web.url("/a/undated.html")
        assert urls["document_ingested"] == {web.url(p) for p in ARTICLES}
        assert undated not in urls["statement_extracted"]
        assert {web.url("/a/binding.html"), web.url("/a/troops.html")} <= urls[
            "statement_extracted"
        ]
        assert quarantined >= 1
        with open_store(settings.db_path, read_only=True) as store:
            refused = store.con.execute(
                "select distinct expectation from quarantine where event_type = ?",
                ["statement_extracted"],
            ).fetchall()
        assert refused == [("expect_column_values_to_not_be_null:stated_on",)]

        run_pipeline(settings, rebuild=False)  # the next run: nothing fetched nor refused again
        assert web.hits("/a/undated.html") == 1
        again, _, quarantined_again = log_facts(settings)
        assert again == counts and quarantined_again == quarantined


def test_failures_across_several_documents_still_stop_the_batch(tmp_path):
    undated = {f"/b/{n}.html": (None, text) for n, (_, text) in enumerate(ARTICLES.values())}
    with LocalWeb() as web:
        settings = serve(web, undated, tmp_path)
        with pytest.raises(QualityGateError, match="from 3 documents") as raised:
            run_pipeline(settings, rebuild=False)
    # The error names each broken expectation and how many rows broke it.
    assert re.search(
        r"Failed: statement_events expect_column_values_to_not_be_null:stated_on \(\d+ rows\)",
        str(raised.value),
    ), raised.value
    counts, _, quarantined = log_facts(settings)
    assert "statement_extracted" not in counts and quarantined >= 3


def test_a_refused_document_is_logged_as_skipped_with_its_statements_quarantined(tmp_path):
    articles = {**ARTICLES, "/a/undated.html": ("2010-05-01", ARTICLES["/a/undated.html"][1])}
    with LocalWeb() as web:
        settings = serve(web, articles, tmp_path)
        run_pipeline(settings, rebuild=False)
        run_pipeline(settings, rebuild=False)
        assert web.hits("/a/undated.html") == 1
        old = web.url("/a/undated.html")
        counts, urls, _ = log_facts(settings)
    assert old not in urls["document_ingested"] | urls["statement_extracted"]
    with open_store(settings.db_path, read_only=True) as store:
        skips = [r.payload for r in store.read(event_types=["document_skipped"])]
        reasons = store.con.execute(
            "select distinct expectation from quarantine where event_type = ?",
            ["statement_extracted"],
        ).fetchall()
    assert [(s["url"], s["reason"]) for s in skips] == [(old, "quarantined")]
    assert "published" in skips[0]["detail"]
    assert ("document_refused",) in reasons or (
        "expect_column_values_to_be_between:stated_on",
    ) in reasons
