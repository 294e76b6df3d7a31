"""A page's charset is read from what the bytes can be, not from the header alone: a UTF-8
page served as `iso-8859-1` (a server default) is stored as UTF-8, not as "Ukraineâ€™s",
and is then an exact duplicate of the same page served correctly; a page's own `<meta>`
charset is preferred over a header it contradicts; a genuine Latin-1 page still reads
right. Served by a local server, through the fetch, extract and dedupe stages."""

from __future__ import annotations

from dataclasses import replace

import pytest

from pipeline import stages
from pipeline.settings import Settings
from pipeline.stages.batches import ExtractedDocuments, NewDocuments, read_batch
from tests.localweb import LocalWeb

ENGLISH = (
    "Ukraine’s foreign minister said on Monday that the ‘coalition of the willing’ had agreed"
    " a security guarantee framework, and that the café talks in Paris would resume next week."
    " Officials from France and Germany said the reassurance force would deploy after a"
    " ceasefire, while Kyiv’s army would remain the first line of defence. "
)
CYRILLIC = (
    "Міністр закордонних справ України заявив, що гарантії безпеки для України мають бути"
    " юридично обов’язковими, а партнери готові обговорити розміщення сил підтримки після"
    " припинення вогню. Київ очікує рішень найближчими тижнями, сказав він журналістам. "
)


def page(text: str, title: str, head: str = "") -> str:
    body = "".join(f"<p>{text} ({number})</p>" for number in ("one", "two", "three", "four"))
    return (
        f"<!DOCTYPE html><html><head>{head}<title>{title}</title></head>"
        f"<body><article><h1>{title}</h1>{body}</article></body></html>"
    )


PAGES = {
    # path: (bytes, Content-Type header, source language)
    "/lying.html": (page(ENGLISH, "Guarantees agreed").encode("utf-8"),
                    "text/html; charset=iso-8859-1", "en"),
    "/truthful.html": (page(ENGLISH, "Guarantees agreed").encode("utf-8"),
                       "text/html; charset=utf-8", "en"),
    "/meta-over-header.html": (
        page(CYRILLIC, "Гарантії безпеки", '<meta charset="windows-1251">').encode("cp1251"),
        "text/html; charset=iso-8859-1", "uk"),
    "/latin1.html": (page(ENGLISH.replace("’", "'").replace("‘", "'"),
                          "Latin-1 guarantees").encode("latin-1"),
                     "text/html; charset=iso-8859-1", "en"),
}  # fmt: skip


@pytest.fixture(scope="module")
def charset_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("charsets")
    with LocalWeb() as web:
        for path, (body, content_type, _) in PAGES.items():
            web.route(path, body, content_type=content_type)
        entries = "".join(
            f"  - {{name: '{path.strip('/')}', url: '{web.url(path)}', kind: page,"
            f" language: {language}}}\n"
            for path, (_, _, language) in PAGES.items()
        )
        sources = tmp / "sources.yaml"
        sources.write_text(
            f"sources:\n{entries}keywords: [Ukraine, України]\n"
            f"fetch:\n  allow_hosts: ['{web.netloc}']\n  per_host_delay_s: 0\n",
            encoding="utf-8",
        )
        settings = replace(Settings(), db_path=tmp / "wh" / "monitor.duckdb", sources_path=sources)
        run = "charsets"
        candidates = stages.discover_stage(settings, run)
        pages = stages.fetch_stage(settings, run, candidates)
        documents = stages.extract_stage(settings, run, pages)
        unique = stages.dedupe_stage(settings, run, documents)
    docs = {d.source: d for d in read_batch(ExtractedDocuments, documents).documents}
    duplicates = [
        e.payload for e in read_batch(NewDocuments, unique).outcomes
        if e.event_type == "duplicate_detected"
    ]  # fmt: skip
    return docs, duplicates


def test_a_utf8_page_labelled_latin1_is_read_as_utf8(charset_run):
    docs, _ = charset_run
    text = docs["lying.html"].text
    assert "Ukraine’s" in text and "‘coalition of the willing’" in text and "café" in text
    assert "â€" not in text and "Ã©" not in text


def test_it_is_then_an_exact_duplicate_of_the_page_served_correctly(charset_run):
    docs, duplicates = charset_run
    assert docs["lying.html"].text == docs["truthful.html"].text
    [copy] = [d for d in duplicates if {d["source"], d["canonical_url"].rsplit("/", 1)[1]}
              == {"lying.html", "truthful.html"}]  # fmt: skip
    assert copy["method"] == "exact"


def test_the_pages_own_meta_charset_wins_over_a_contradicting_header(charset_run):
    docs, _ = charset_run
    assert "гарантії безпеки для України" in docs["meta-over-header.html"].text


def test_a_genuine_latin1_page_still_reads_right(charset_run):
    docs, _ = charset_run
    assert "café talks in Paris" in docs["latin1.html"].text
