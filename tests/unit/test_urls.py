"""URL canonicalisation, declared canonical links, and which addresses may never be fetched."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.sources.urls import (
    canonical_from_html,
    canonicalize_url,
    is_forbidden_address,
    is_tracking_param,
    looks_like_amp,
    resolve_article_url,
)

PAGES = Path(__file__).resolve().parents[1] / "resources" / "pages"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTPS://WorldDesk.Example.COM/News/A", "https://worlddesk.example.com/News/A"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("http://example.com:80/a", "http://example.com/a"),
        ("http://example.com:8080/a", "http://example.com:8080/a"),
        ("https://example.com/a#comments", "https://example.com/a"),
        ("https://example.com", "https://example.com/"),
        ("https://user:secret@example.com/a", "https://example.com/a"),
        ("https://example.com./a", "https://example.com/a"),
        ("  https://example.com/a  ", "https://example.com/a"),
        ("https://example.com/a/./b/../c", "https://example.com/a/c"),
        ("https://example.com/a/b/", "https://example.com/a/b/"),
        ("https://example.com/%7euser/%e2%82%ac", "https://example.com/~user/%E2%82%AC"),
        ("https://example.com/caf\u00e9", "https://example.com/caf%C3%A9"),
        ("https://example.com/a?b=2&a=1", "https://example.com/a?a=1&b=2"),
        ("https://example.com/a?q=a+b", "https://example.com/a?q=a%20b"),
        ("http://[2001:DB8::1]:80/x", "http://[2001:db8::1]/x"),
    ],
)
def test_canonicalize_url_normalises_syntax(url, expected):
    assert canonicalize_url(url) == expected


@pytest.mark.parametrize(
    "query",
    [
        "utm_source=rss&utm_medium=feed&utm_campaign=x",
        "UTM_Source=twitter",
        "fbclid=IwAR0abc",
        "gclid=123",
        "mc_cid=1&mc_eid=2",
        "ref=homepage",
        "ocid=msn",
        "cmpid=social",
        "CMP=share_btn_tw",
        "at_medium=RSS&at_campaign=KARANGA",
        "xtor=RSS-1",
    ],
)
def test_tracking_params_are_dropped(query):
    assert canonicalize_url(f"https://example.com/news/1?{query}") == "https://example.com/news/1"


def test_tracking_variants_of_one_url_share_a_canonical_form():
    variants = [
        "https://www.example.com/world/article-1?id=7",
        "https://WWW.example.com:443/world/article-1?utm_source=rss&id=7",
        "https://www.example.com/world/article-1?id=7&fbclid=abc#top",
        "https://www.example.com/world/article-1?gclid=x&id=7&utm_campaign=y",
    ]
    assert len({canonicalize_url(v) for v in variants}) == 1


def test_meaningful_query_params_are_kept():
    assert canonicalize_url("https://example.com/story?id=7&page=2") == (
        "https://example.com/story?id=7&page=2"
    )
    assert canonicalize_url("https://example.com/story?id=7") != canonicalize_url(
        "https://example.com/story?id=8"
    )


def test_amp_and_mobile_urls_are_not_rewritten_without_a_declared_canonical():
    assert canonicalize_url("https://example.com/news/a/amp/") == "https://example.com/news/a/amp/"
    assert canonicalize_url("https://m.example.com/news/a") == "https://m.example.com/news/a"
    assert canonicalize_url("https://example.com/news/a?amp") == "https://example.com/news/a?amp="
    assert looks_like_amp("https://example.com/news/a/amp/")
    assert looks_like_amp("https://amp.example.com/news/a")
    assert not looks_like_amp("https://example.com/news/ample-supplies")


def test_non_http_urls_are_returned_stripped_only():
    assert canonicalize_url(" mailto:desk@example.com ") == "mailto:desk@example.com"
    assert canonicalize_url("file:///tmp/A.txt") == "file:///tmp/A.txt"


def test_is_tracking_param_knows_prefixes_and_names():
    assert is_tracking_param("utm_content")
    assert is_tracking_param("FBCLID")
    assert not is_tracking_param("id")
    assert not is_tracking_param("q")


_path_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="#?"), max_size=20
)


@given(
    host=st.from_regex(r"[A-Za-z][A-Za-z0-9-]{0,10}\.(com|org|net)", fullmatch=True),
    path=_path_text,
    params=st.lists(
        st.tuples(
            st.sampled_from(["id", "page", "utm_source", "fbclid", "q", "ref", "x"]), _path_text
        ),
        max_size=4,
    ),
    fragment=st.text(max_size=5),
)
def test_canonicalize_url_is_idempotent(host, path, params, fragment):
    query = "&".join(f"{k}={v}" for k, v in params)
    url = f"https://{host}/{path}" + (f"?{query}" if query else "") + f"#{fragment}"
    once = canonicalize_url(url)
    assert canonicalize_url(once) == once
    assert "#" not in once
    assert "utm_source" not in once and "fbclid" not in once


def test_canonical_from_html_reads_the_declared_link():
    html = (PAGES / "article.html").read_text()
    assert canonical_from_html(html, "https://amp.worlddesk.example.com/amp/macron") == (
        "https://worlddesk.example.com/news/macron-guarantees"
    )


def test_canonical_from_html_resolves_relative_href_against_base():
    html = (PAGES / "amp.html").read_bytes()
    assert canonical_from_html(html, "https://amp.worlddesk.example.com/x") == (
        "https://worlddesk.example.com/news/macron-guarantees"
    )


def test_canonical_from_html_ignores_links_outside_the_head():
    html = (PAGES / "no_canonical.html").read_text()
    assert canonical_from_html(html, "https://example.org/page") is None


@pytest.mark.parametrize(
    "tag",
    [
        '<link rel="canonical" href="javascript:alert(1)">',
        '<link rel="canonical" href="">',
        '<link rel="stylesheet" href="https://example.org/s.css">',
    ],
)
def test_canonical_from_html_ignores_unusable_links(tag):
    assert canonical_from_html(f"<html><head>{tag}</head></html>", "https://a.org/") is None


def test_resolve_article_url_maps_amp_variant_to_its_declared_canonical():
    amp_url = "https://amp.worlddesk.example.com/news/macron-guarantees/amp?utm_source=x"
    html = (PAGES / "article.html").read_text()
    assert resolve_article_url(amp_url, html) == (
        "https://worlddesk.example.com/news/macron-guarantees"
    )
    assert resolve_article_url(amp_url, "<html><head></head></html>") == (
        "https://amp.worlddesk.example.com/news/macron-guarantees/amp"
    )


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.8.9.10",
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "192.0.2.10",
        "::1",
        "::",
        "fc00::1",
        "fd12:3456::1",
        "fe80::1",
        "fe80::1%eth0",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:169.254.169.254",
        "::ffff:10.0.0.1",
        "2002:7f00:1::",
        "64:ff9b::a9fe:a9fe",
        "2001:db8::1",
        "not-an-address",
    ],
)
def test_is_forbidden_address_refuses_non_global_addresses(address):
    assert is_forbidden_address(address)


@pytest.mark.parametrize(
    "address",
    ["8.8.8.8", "151.101.1.69", "2a00:1450:4001:81c::200e", "::ffff:8.8.8.8", "2002:0808:0808::"],
)
def test_is_forbidden_address_allows_global_addresses(address):
    assert not is_forbidden_address(address)
