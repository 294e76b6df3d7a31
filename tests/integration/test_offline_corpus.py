"""The bundled offline corpus over real HTTP: feeds, pages, extraction and dedup add up."""

from __future__ import annotations

import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import date
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
import yaml

from pipeline.documents.dedup import NEAR, NearDuplicateIndex, deduplicate
from pipeline.documents.extract import (
    OFF_TOPIC,
    TOO_SHORT,
    WRONG_LANGUAGE,
    Skipped,
    document_from_text_file,
    extract_document,
)
from pipeline.documents.offline_server import CANONICAL_ORIGIN, serve_offline_corpus
from pipeline.documents.raw_store import RawStore
from pipeline.settings import DEFAULT_SOURCES

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def base_url():
    with serve_offline_corpus(port=0) as url:  # any free port: links are rewritten
        yield url


@pytest.fixture(scope="module")
def sources() -> dict:
    return yaml.safe_load(DEFAULT_SOURCES.read_text(encoding="utf-8"))


def get(url: str, headers: dict | None = None):
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, dict(response.headers), response.read()


def local(url: str, base_url: str) -> str:
    return url.replace(CANONICAL_ORIGIN, base_url)


def feed_entries(body: bytes) -> list[dict]:
    """Parse RSS 2.0 or Atom with the stdlib (the pipeline's own parser is tested elsewhere)."""
    root = ET.fromstring(body)
    entries = []
    if root.tag == "rss":
        for item in root.iter("item"):
            pub = item.findtext("pubDate")
            entries.append(
                {
                    "url": item.findtext("link"),
                    "title": item.findtext("title"),
                    "published": parsedate_to_datetime(pub).date() if pub else None,
                }
            )
    else:
        for entry in root.iter(f"{ATOM}entry"):
            entries.append(
                {
                    "url": entry.find(f"{ATOM}link").get("href"),
                    "title": entry.findtext(f"{ATOM}title"),
                    "published": date.fromisoformat(entry.findtext(f"{ATOM}published")[:10]),
                }
            )
    return entries


def test_sources_file_lists_served_feeds_and_existing_seed_files(sources):
    assert sources["fetch"]["allow_hosts"] == ["127.0.0.1:8123"]
    assert sources["keywords"]
    kinds = Counter(s["kind"] for s in sources["sources"])
    assert kinds["feed"] == 3 and kinds["file"] == 5 and kinds["page"] >= 1
    names = [s["name"] for s in sources["sources"]]
    assert len(names) == len(set(names))
    for source in sources["sources"]:
        if source["kind"] == "file":
            assert (DEFAULT_SOURCES.parent / source["url"]).resolve().is_file()
        else:
            assert source["url"].startswith(CANONICAL_ORIGIN + "/")


def test_server_sends_types_validators_and_304s(base_url):
    status, headers, body = get(base_url + "/feeds/world.rss")
    assert status == 200
    assert headers["Content-Type"] == "application/rss+xml; charset=utf-8"
    assert base_url.encode() in body
    assert (base_url != CANONICAL_ORIGIN) == (CANONICAL_ORIGIN.encode() not in body)
    for validator in ({"If-None-Match": headers["ETag"]},
                      {"If-Modified-Since": headers["Last-Modified"]}):  # fmt: skip
        with pytest.raises(urllib.error.HTTPError) as not_modified:
            get(base_url + "/feeds/world.rss", validator)
        assert not_modified.value.code == 304
    status, _, _ = get(base_url + "/feeds/world.rss", {"If-None-Match": '"stale"'})
    assert status == 200
    _, headers, _ = get(base_url + "/feeds/europe.atom")
    assert headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    _, headers, _ = get(base_url + "/review/statti/harantii-bezpeky-yurydychno-oboviazkovi.html")
    assert headers["Content-Type"] == "text/html; charset=windows-1251"
    _, _, robots = get(base_url + "/robots.txt")
    assert b"Disallow: /drafts/" in robots
    for missing in ("/nope.html", "/../pyproject.toml", "/%2e%2e/pyproject.toml"):
        with pytest.raises(urllib.error.HTTPError) as not_found:
            get(base_url + missing)
        assert not_found.value.code == 404


def test_whole_corpus_extracts_and_dedups_as_documented(base_url, sources, tmp_path):
    keywords = sources["keywords"]
    raw_store = RawStore(tmp_path / "raw")
    # Discover: every feed entry, plus the page sources; a URL in two feeds is fetched once.
    entries: dict[str, dict] = {}
    feed_sizes = {}
    for source in sources["sources"]:
        if source["kind"] == "feed":
            _, _, body = get(local(source["url"], base_url))
            found = feed_entries(body)
            feed_sizes[source["name"]] = len(found)
            for entry in found:
                entries.setdefault(entry["url"], {**entry, "source": source["name"]})
        elif source["kind"] == "page":
            entries.setdefault(source["url"], {"url": source["url"], "source": source["name"],
                                               "title": None, "published": None})  # fmt: skip
    assert feed_sizes == {"courier-top-stories": 5, "courier-europe": 3, "baltic-ledger": 5}
    assert len(entries) == 17  # 13 feed entries, one of them in two feeds, plus 5 pages

    documents, skipped = [], []
    for entry in entries.values():
        url = local(entry["url"], base_url)
        _, headers, body = get(url)
        ref = raw_store.put(body, {"url": url, "headers": headers})
        result = extract_document(
            body,
            url,
            source=entry["source"],
            content_type=headers["Content-Type"],
            fallback_title=entry["title"],
            fallback_published=entry["published"],
            keywords=keywords,
            raw_ref=ref,
        )
        (skipped if isinstance(result, Skipped) else documents).append(result)

    assert len(documents) == 14
    assert Counter(s.reason for s in skipped) == {OFF_TOPIC: 1, TOO_SHORT: 1, WRONG_LANGUAGE: 1}
    assert {s.url.rsplit("/", 1)[1] for s in skipped} == {
        "harbour-city-late-header-derby.html",
        "live-eu-leaders-brussels-ukraine.html",
        "harantii-bezpeky-yurydychno-oboviazkovi.html",
    }
    for doc in documents:
        assert doc.published is not None, doc.url
        assert doc.language == "en"
        assert doc.title
        assert raw_store.get(doc.raw_ref)  # re-extractable without fetching again
        for chrome in ("Accept all cookies", "I agree", "Got it!", "Reader comments",
                       "Most read", "All rights reserved", "Advertisement"):  # fmt: skip
            assert chrome not in doc.text, (chrome, doc.url)
    by_name = {doc.url.rsplit("/", 1)[1]: doc for doc in documents}
    assert by_name["article-44921.html"].published_inferred_from == "feed"
    assert by_name["article-44921.html"].published == date(2024, 11, 28)
    assert by_name["air-shield-western-ukraine-european-air-forces-47590.html"].published == date(
        2025, 4, 10
    )  # only in <meta article:published_time>, and no pubDate in the feed
    jsonld_only = by_name["peskov-guarantees-without-moscow-path-to-nowhere.html"]
    assert jsonld_only.published == date(2025, 9, 4)
    assert jsonld_only.publisher == "Danube Dispatch"

    seeds = [
        document_from_text_file((DEFAULT_SOURCES.parent / s["url"]).resolve(), s["name"])
        for s in sources["sources"]
        if s["kind"] == "file"
    ]
    index = NearDuplicateIndex()
    unique, events = deduplicate([*documents, *seeds], index, producer="dedup/test")
    assert len(unique) == 13 + 5
    [event] = events
    assert event.payload["method"] == NEAR
    assert {
        event.payload["url"].rsplit("/", 1)[1],
        event.payload["canonical_url"].rsplit("/")[-1],
    } == {
        "moscow-rules-out-western-troops-ukraine-48213.html",
        "russia-rejects-foreign-troops-ukraine-lavrov.html",
    }

    # A second pass over the same pages adds nothing new and flags nothing new.
    path = tmp_path / "dedup.npz"
    index.save(path)
    again, events_again = deduplicate(
        documents, NearDuplicateIndex.load(path), producer="dedup/test"
    )
    assert len(again) == 13
    assert [e.event_id for e in events_again] == [e.event_id for e in events]


def test_corpus_files_exist_where_the_readme_says():
    site = Path(DEFAULT_SOURCES).parent / "site"
    assert (site / "robots.txt").is_file()
    assert len(list(site.rglob("*.html"))) >= 17


def test_a_second_server_on_a_busy_port_reuses_the_first(base_url):
    port = int(base_url.rsplit(":", 1)[1])
    with serve_offline_corpus(port=port) as again:
        assert again == base_url
        status, _, _ = get(again + "/robots.txt")
        assert status == 200
    status, _, _ = get(base_url + "/robots.txt")  # the first one still serves
    assert status == 200
