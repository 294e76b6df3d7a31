"""`fetch.allow_hosts` is read strictly: a typo in an entry refuses the sources file with an
error naming the entry, where it used to allow every port of the host (a local server on
any port could then be fetched)."""

from __future__ import annotations

import pytest

from pipeline.sources.config import FetchSettings, SourcesConfigError, load_sources
from pipeline.sources.http import FetchError, HttpClient

BAD = [
    ("127.0.0.1:8l25", "port '8l25' is not a number"),
    ("127.0.0.1: 8125", "whitespace"),
    ("127.0.0.1:", "port '' is not a number"),
    ("127.0.0.1:0", "not in 1-65535"),
    ("127.0.0.1:70000", "not in 1-65535"),
    ("127.1:8125", "not a dotted-quad"),
    ("0177.0.0.1", "not a dotted-quad"),
    ("::1", "IPv6 address in brackets"),
    ("[::1", "'[' without ']'"),
    ("[::1]8125", "after ']'"),
    ("local host", "whitespace"),
    ("exa_mple..com", "not a host name"),
    ("x" * 5000, "not a host name"),
]


def sources_file(tmp_path, entry: str):
    path = tmp_path / "sources.yaml"
    path.write_text(
        "sources:\n  - {name: local, url: 'http://127.0.0.1:8125/feed.xml', kind: feed}\n"
        f"fetch:\n  allow_hosts: ['127.0.0.1:8123', '{entry}']\n",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(("entry", "why"), BAD)
def test_a_malformed_allow_list_entry_refuses_the_sources_file(tmp_path, entry, why):
    with pytest.raises(SourcesConfigError) as raised:
        load_sources(sources_file(tmp_path, entry))
    message = str(raised.value)
    assert "allow_hosts[1]" in message and why in message
    assert len(message) < 600  # the entry is shown cut short, never whole


@pytest.mark.parametrize(("entry", "why"), BAD[:6])
def test_a_client_is_never_built_on_a_malformed_entry(localweb, entry, why):
    with pytest.raises(ValueError, match="allow_hosts"):
        HttpClient(FetchSettings(allow_hosts=(entry.replace("8125", str(localweb.port)),)))


def test_a_typo_no_longer_opens_every_port_of_the_host(localweb, tmp_path):
    localweb.route("/page.html", "<html><body><p>private</p></body></html>")
    # before: "127.0.0.1:8l25" was read as "127.0.0.1, every port"
    with pytest.raises(SourcesConfigError):
        load_sources(sources_file(tmp_path, "127.0.0.1:8l25"))
    # a well-formed entry for another port still refuses this one
    config = load_sources(sources_file(tmp_path, "127.0.0.1:8125"))
    with HttpClient(config.fetch) as client, pytest.raises(FetchError) as refused:
        client.fetch(localweb.url("/page.html"))
    assert refused.value.reason == "refused-ssrf"
    assert localweb.hits("/page.html") == 0


@pytest.mark.parametrize(
    "entry", ["127.0.0.1", "127.0.0.1:8123", "LocalHost", "[::1]", "[::1]:8080", "db.internal."]
)
def test_well_formed_entries_are_accepted(tmp_path, entry):
    allowed = load_sources(sources_file(tmp_path, entry)).fetch.allow_hosts
    assert allowed == ("127.0.0.1:8123", entry.lower())
