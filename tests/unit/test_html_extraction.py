"""Extraction of one page: main text without chrome, metadata, fallbacks, decoding, skips."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from pipeline.documents.extract import (
    NO_TEXT,
    OFF_TOPIC,
    TOO_SHORT,
    WRONG_LANGUAGE,
    Skipped,
    decode_html,
    document_event,
    document_from_dict,
    document_from_text_file,
    document_to_dict,
    extract_document,
    guess_language,
    read_jsonl,
    skipped_event,
    write_jsonl,
)
from pipeline.documents.model import Document, document_id
from pipeline.documents.raw_store import content_address
from pipeline.events import DOCUMENT_INGESTED, DOCUMENT_SKIPPED

HTML = Path(__file__).resolve().parents[1] / "resources" / "html"
KEYWORDS = ["security guarantee", "Ukraine", "Kyiv", "NATO"]
PRODUCER = "documents/test"


def extract(name: str, **options) -> Document | Skipped:
    options.setdefault("source", "test")
    options.setdefault("keywords", KEYWORDS)
    options.setdefault("today", date(2026, 11, 24))
    return extract_document((HTML / name).read_bytes(), f"https://example.org/{name}", **options)


def test_chrome_is_not_in_the_text():
    doc = extract("article_with_chrome.html")
    assert isinstance(doc, Document)
    assert "reassurance force for Ukraine that would deploy after a ceasefire" in doc.text
    assert "Kremlin spokesman Dmitry Peskov" in doc.text
    for chrome in (
        "We value your privacy",  # cookie banner
        "Accept all cookies",
        "Crosswords and puzzles",  # navigation
        "Luxury cruises",  # advert
        "Fjord ferry timetable",  # related links inside the body
        "utter nonsense",  # comments
        "balanced and informative",
        "sourdough",  # sidebar
        "All rights reserved",  # footer
        "Share on Facebook",
    ):
        assert chrome not in doc.text, chrome


def test_metadata_comes_from_the_page():
    doc = extract("article_with_chrome.html")
    assert isinstance(doc, Document)
    assert doc.title == "Allies weigh a reassurance force for Ukraine"
    assert doc.publisher == "Harbour Times"
    assert doc.author == "Clara Voss"
    assert doc.language == "en"
    assert doc.published == date(2025, 3, 3)
    assert doc.published_inferred_from == "page-metadata"


def test_doc_id_and_raw_ref_derive_from_text_and_bytes():
    raw = (HTML / "article_with_chrome.html").read_bytes()
    doc = extract("article_with_chrome.html")
    assert doc.doc_id == document_id(doc.text)
    assert doc.raw_ref == content_address(raw)
    assert doc.raw_text.strip()
    assert extract("article_with_chrome.html", raw_ref="sha256:" + "0" * 64).raw_ref.endswith(
        "0" * 64
    )


def test_date_only_in_meta_published_time_is_used():
    doc = extract("date_in_meta_only.html", fallback_published=date(2020, 1, 1))
    assert doc.published == date(2025, 4, 2)
    assert doc.published_inferred_from == "page-metadata"


def test_date_only_in_json_ld_is_used_with_its_publisher_and_author():
    doc = extract("date_in_jsonld_only.html", fallback_published=date(2020, 1, 1))
    assert doc.published == date(2025, 1, 20)
    assert doc.publisher == "Morava Review"
    assert doc.author == "Jan Novak"


def test_feed_date_and_title_fill_in_when_the_page_has_none():
    doc = extract(
        "no_date_no_title.html",
        fallback_title="Sybiha: guarantees need automatic commitments",
        fallback_published="2025-05-06T10:00:00Z",
    )
    assert isinstance(doc, Document)
    assert doc.published == date(2025, 5, 6)
    assert doc.published_inferred_from == "feed"
    assert doc.title == "Sybiha: guarantees need automatic commitments"


def test_page_without_any_date_has_none():
    doc = extract("no_date_no_title.html")
    assert doc.published is None
    assert doc.published_inferred_from is None
    assert doc.title  # first line of the text, never empty


def test_windows_1251_page_without_any_declaration_decodes():
    raw = (HTML / "cp1251_no_declaration.html").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    text, encoding = decode_html(raw)
    assert encoding == "cp1251"
    assert "Гарантії безпеки для України" in text
    doc = extract("cp1251_no_declaration.html", languages=["uk"], keywords=["України"])
    assert isinstance(doc, Document)
    assert doc.language == "uk"
    assert "Сибіга наголосив" in doc.text


def test_header_charset_wins_over_a_wrong_meta_declaration():
    body = "<html><head><meta charset='utf-8'></head><body><p>Київ</p></body></html>"
    text, encoding = decode_html(body.encode("cp1251"), "windows-1251")
    assert "Київ" in text
    assert encoding == "cp1251"


def test_latin1_label_means_windows_1252():
    text, _ = decode_html("<p>\u201cquote\u201d</p>".encode("cp1252"), "iso-8859-1")
    assert "\u201cquote\u201d" in text


def test_too_short_page_is_skipped():
    result = extract("too_short.html")
    assert isinstance(result, Skipped)
    assert result.reason == TOO_SHORT
    assert "< 400" in result.detail


def test_minimum_length_is_configurable():
    assert isinstance(extract("too_short.html", min_chars=20), Document)


def test_page_in_another_declared_language_is_skipped():
    result = extract("german_article.html")
    assert isinstance(result, Skipped)
    assert result.reason == WRONG_LANGUAGE
    assert "'de'" in result.detail
    kept = extract("german_article.html", languages=["en", "de"], keywords=["Ukraine"])
    assert isinstance(kept, Document)
    assert kept.language == "de"


def test_undeclared_language_is_guessed_from_stopwords():
    result = extract("french_no_lang.html")
    assert isinstance(result, Skipped)
    assert result.reason == WRONG_LANGUAGE
    assert "'fr'" in result.detail


def test_guess_language_says_und_for_too_little_text():
    assert guess_language("Kyiv NATO") == "und"
    assert guess_language("the minister said that the plan was ready and " * 5) == "en"


def test_off_topic_page_is_skipped():
    result = extract("sport_off_topic.html")
    assert isinstance(result, Skipped)
    assert result.reason == OFF_TOPIC
    assert isinstance(extract("sport_off_topic.html", keywords=None), Document)


def test_empty_and_non_html_bodies_have_no_text():
    for raw in (b"", b"   ", b"\x00\x01\x02binary"):
        result = extract_document(raw, "https://example.org/x", source="test")
        assert isinstance(result, Skipped)
        assert result.reason == NO_TEXT


def test_skip_reasons_are_a_closed_set():
    with pytest.raises(ValueError):
        Skipped("https://example.org", "test", "fetch-failed")


def test_document_event_payload():
    doc = extract("date_in_meta_only.html")
    event = document_event(doc, PRODUCER)
    assert event.event_type == DOCUMENT_INGESTED
    assert event.stream == f"document:{doc.doc_id}"
    assert event.occurred_at.date() == date(2025, 4, 2)
    assert set(event.payload) >= {
        "doc_id", "source", "url", "title", "publisher", "author", "published",
        "language", "text", "raw_text", "raw_ref", "content_hash",
    }  # fmt: skip
    assert event.payload["published"] == "2025-04-02"
    assert document_event(doc, PRODUCER).event_id == event.event_id


def test_document_event_without_a_date_occurs_today():
    doc = extract("no_date_no_title.html")
    event = document_event(doc, PRODUCER, today=date(2026, 1, 2))
    assert event.occurred_at.date() == date(2026, 1, 2)


def test_skipped_event_is_the_same_on_another_day():
    skipped = extract("too_short.html")
    first = skipped_event(skipped, PRODUCER, date(2026, 1, 1))
    again = skipped_event(skipped, PRODUCER, date(2026, 1, 2))
    assert first.event_type == DOCUMENT_SKIPPED
    assert first.payload["reason"] == TOO_SHORT
    assert first.event_id == again.event_id


def test_documents_and_skips_round_trip_through_jsonl(tmp_path):
    doc = extract("date_in_meta_only.html")
    skipped = extract("too_short.html")
    assert document_from_dict(document_to_dict(doc)) == doc
    assert Skipped.from_dict(skipped.to_dict()) == skipped
    path = tmp_path / "batch.jsonl"
    assert write_jsonl(path, [doc, skipped]) == 2
    assert list(read_jsonl(path)) == [doc, skipped]


def test_document_from_payload_of_its_event():
    doc = extract("date_in_meta_only.html")
    assert document_from_dict(document_event(doc, PRODUCER).payload) == doc


def test_plain_text_file_is_normalised_and_titled_by_its_first_line(tmp_path):
    path = tmp_path / "article.txt"
    path.write_text(
        "\n\n  Guarantees for Ukraine: the **key** questions  \n\n\n"
        "Security guarantees are the core of any settlement.\n",
        encoding="utf-8",
    )
    doc = document_from_text_file(path, "seed")
    assert doc.title == "Guarantees for Ukraine: the key questions"
    assert "**" not in doc.text
    assert "\n\n\n" not in doc.text
    assert doc.url == path.resolve().as_uri()
    assert doc.doc_id == document_id(doc.text)
    assert doc.raw_ref == content_address(path.read_bytes())


def test_html_file_source_is_extracted(tmp_path):
    path = tmp_path / "page.html"
    path.write_bytes((HTML / "date_in_meta_only.html").read_bytes())
    doc = document_from_text_file(path, "seed")
    assert doc.published == date(2025, 4, 2)
    assert "logistics hub" in doc.text


def test_seed_text_files_all_load():
    seeds = sorted((Path(__file__).resolve().parents[2] / "seeds").glob("*.txt"))
    assert len(seeds) == 5
    for path in seeds:
        doc = document_from_text_file(path, "seed")
        assert len(doc.text) > 1000
        assert doc.title


def test_text_file_title_skips_a_leading_byline_and_is_kept_short(tmp_path):
    path = tmp_path / "article.txt"
    path.write_text(
        "By: A. Reporter, Kyiv\n\nGuarantees for Ukraine\n\n" + "Body text. " * 50,
        encoding="utf-8",
    )
    assert document_from_text_file(path, "seed").title == "Guarantees for Ukraine"
    path.write_text("word " * 100, encoding="utf-8")
    title = document_from_text_file(path, "seed").title
    assert len(title) <= 151
    assert title.endswith("\u2026")


def test_extraction_opens_no_network_connection(monkeypatch):
    import socket

    def refuse(*args, **kwargs):
        raise AssertionError("extraction tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    for name in ("article_with_chrome.html", "date_in_jsonld_only.html", "french_no_lang.html"):
        extract(name)
