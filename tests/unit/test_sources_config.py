"""The sources file: loading, typed values, and errors that name the file and the entry."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from pipeline.errors import InputError
from pipeline.sources.config import (
    DEFAULT_MAX_BYTES,
    FetchSettings,
    SourcesConfigError,
    load_sources,
)

REPO = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_load_sources_reads_the_interfaces_example(tmp_path):
    path = write(
        tmp_path,
        """
sources:
  - name: example-feed
    url: https://example.org/world/rss.xml
    kind: feed
    language: en
keywords:
  - security guarantee
  - Ukraine
fetch:
  allow_hosts: ["127.0.0.1:8123"]
  user_agent: "TestAgent/1.0"
  max_bytes: 5000000
""",
    )
    config = load_sources(path)
    (source,) = config.sources
    assert (source.name, source.url, source.kind, source.language) == (
        "example-feed",
        "https://example.org/world/rss.xml",
        "feed",
        "en",
    )
    assert source.keywords is None
    assert config.keywords == ("security guarantee", "Ukraine")
    assert config.keywords_for(source) == ("security guarantee", "Ukraine")
    assert config.fetch.allow_hosts == ("127.0.0.1:8123",)
    assert config.fetch.user_agent == "TestAgent/1.0"
    assert config.fetch.max_bytes == 5_000_000
    assert config.path == path


def test_fetch_settings_default_to_safe_values(tmp_path):
    config = load_sources(
        write(tmp_path, "sources:\n  - {name: a, url: 'https://a.org/', kind: page}\n")
    )
    assert config.fetch == FetchSettings()
    assert config.fetch.allow_hosts == ()
    assert config.fetch.max_bytes == DEFAULT_MAX_BYTES
    assert config.fetch.user_agent.startswith("UkraineGuaranteesMonitor/")


def test_optional_fetch_settings_are_read(tmp_path):
    config = load_sources(
        write(
            tmp_path,
            """
sources: [{name: a, url: 'https://a.org/', kind: page}]
fetch:
  connect_timeout_s: 2
  read_timeout_s: 3.5
  max_redirects: 3
  per_host_delay_s: 0.5
  retries: 4
""",
        )
    )
    assert config.fetch.connect_timeout_s == 2.0
    assert config.fetch.read_timeout_s == 3.5
    assert config.fetch.max_redirects == 3
    assert config.fetch.per_host_delay_s == 0.5
    assert config.fetch.retries == 4


def test_a_source_may_override_or_disable_the_keywords(tmp_path):
    config = load_sources(
        write(
            tmp_path,
            """
sources:
  - {name: search, url: 'https://news.example/rss?q=x', kind: feed, keywords: []}
  - {name: narrow, url: 'https://b.example/rss', kind: feed, keywords: [NATO]}
keywords: [Ukraine]
""",
        )
    )
    search, narrow = config.sources
    assert config.keywords_for(search) == ()
    assert config.keywords_for(narrow) == ("NATO",)


def test_file_sources_resolve_relative_to_the_sources_file(tmp_path):
    config = load_sources(
        write(tmp_path, "sources:\n  - {name: seed, url: articles/one.txt, kind: file}\n")
    )
    assert config.file_path(config.sources[0]) == tmp_path / "articles" / "one.txt"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "expected a mapping"),
        ("- just a list\n", "expected a mapping"),
        ("keywords: [a]\n", "'sources:' must be a non-empty list"),
        ("sources: []\n", "'sources:' must be a non-empty list"),
        ("sources:\n  - just-a-string\n", "sources[0]: expected a mapping"),
        ("sources:\n  - {url: 'https://a.org/', kind: feed}\n", "sources[0]: missing 'name'"),
        (
            "sources:\n  - {name: a, url: 'https://a.org/', kind: rss}\n",
            "sources[0] ('a'): unknown kind 'rss': use one of feed, page, file",
        ),
        ("sources:\n  - {name: a, kind: feed}\n", "sources[0] ('a'): missing 'url'"),
        (
            "sources:\n  - {name: a, url: 'ftp://a.org/x', kind: feed}\n",
            "sources[0] ('a'): url 'ftp://a.org/x' must be an absolute http(s) URL",
        ),
        (
            "sources:\n  - {name: a, url: 'https://a.org/', kind: feed}\n"
            "  - {name: a, url: 'https://b.org/', kind: feed}\n",
            "sources[1] ('a'): duplicate name, already used by sources[0]",
        ),
        (
            "sources:\n  - {name: a, url: 'https://a.org/', kind: feed, lang: en}\n",
            "sources[0] ('a'): unknown key(s) lang",
        ),
        ("sources: [{name: a, url: 'https://a.org/', kind: feed}]\nkeyword: [x]\n", "keyword"),
        (
            "sources: [{name: a, url: 'https://a.org/', kind: feed}]\nkeywords: Ukraine\n",
            "keywords: must be a list",
        ),
        (
            "sources: [{name: a, url: 'https://a.org/', kind: feed}]\nfetch: {max_bytes: -1}\n",
            "fetch: max_bytes must be a whole number >= 1",
        ),
        (
            "sources: [{name: a, url: 'https://a.org/', kind: feed}]\nfetch: {retries: 1.5}\n",
            "fetch: retries must be a whole number",
        ),
        (
            "sources: [{name: a, url: 'https://a.org/', kind: feed}]\nfetch: {allow_hosts: x}\n",
            "fetch: allow_hosts must be a list",
        ),
        (
            "sources: [{name: a, url: 'https://a.org/', kind: feed}]\nfetch: {timeout: 3}\n",
            "fetch: unknown key(s) timeout",
        ),
        ("sources: [{name: a, url: 'https://a.org/', kind: feed}\n", "not valid YAML"),
    ],
)
def test_invalid_sources_files_are_refused_with_file_and_entry_named(tmp_path, text, expected):
    path = write(tmp_path, text)
    with pytest.raises(SourcesConfigError) as raised:
        load_sources(path)
    message = str(raised.value)
    assert message.startswith(str(path))
    assert expected in message


def test_a_missing_sources_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="sources file not found"):
        load_sources(tmp_path / "nope.yaml")


def test_the_shipped_sources_file_is_valid_and_names_real_public_feeds():
    config = load_sources(REPO / "sources.yaml")
    feeds = [s for s in config.sources if s.kind == "feed"]
    assert len(feeds) >= 8
    assert config.fetch.allow_hosts == ()
    hosts = {urlsplit(s.url).hostname for s in feeds}
    assert "news.google.com" in hosts
    assert "feeds.bbci.co.uk" in hosts
    assert all(s.url.startswith("https://") for s in feeds)
    assert config.keywords
