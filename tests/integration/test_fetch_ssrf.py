"""Server-side request forgery protection: private addresses refused on every hop."""

from __future__ import annotations

import pytest

from pipeline.sources.http import FetchError
from tests.localweb import LocalWeb

HTML = "<html><body>ok</body></html>"


def refused(client, url):
    with pytest.raises(FetchError) as raised:
        client.fetch(url)
    return raised.value


def test_loopback_is_refused_without_the_allow_list(localweb, make_client):
    localweb.route("/page", HTML)
    error = refused(make_client(allow_hosts=()), localweb.url("/page"))
    assert error.reason == "refused-ssrf"
    assert error.permanent
    assert "127.0.0.1" in error.detail
    assert localweb.requests == []  # not even robots.txt was asked for


def test_a_name_resolving_to_loopback_is_refused(localweb, make_client):
    localweb.route("/page", HTML)
    error = refused(make_client(allow_hosts=()), f"http://localhost:{localweb.port}/page")
    assert error.reason == "refused-ssrf"
    assert localweb.requests == []


@pytest.mark.parametrize(
    "addresses",
    [
        ["127.0.0.1"],
        ["93.184.216.34", "10.1.2.3"],  # any forbidden address is enough
        ["169.254.169.254"],
        ["::1"],
        ["::ffff:127.0.0.1"],
        ["fd00::5"],
        ["100.64.10.1"],
    ],
)
def test_names_resolving_to_any_private_address_are_refused(make_client, addresses):
    client = make_client(allow_hosts=(), resolver=lambda host, port: addresses)
    error = refused(client, "https://news.example.test/world/article")
    assert error.reason == "refused-ssrf"
    assert "news.example.test resolves to" in error.detail


@pytest.mark.parametrize(
    "target",
    [
        "http://10.0.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]:8080/",
        "http://0.0.0.0/",
    ],
)
def test_redirect_to_a_private_address_is_refused(localweb, make_client, target):
    localweb.redirect("/out", target)
    error = refused(make_client(), localweb.url("/out"))
    assert error.reason == "refused-ssrf"
    assert error.url == localweb.url("/out")
    assert "redirect target" in error.detail
    assert localweb.hits("/out") == 1


def test_redirect_to_another_port_of_an_allowed_host_is_refused(localweb, make_client):
    with LocalWeb() as other:
        other.route("/secret", HTML)
        localweb.redirect("/out", other.url("/secret"))
        error = refused(make_client(allow_hosts=(localweb.netloc,)), localweb.url("/out"))
        assert error.reason == "refused-ssrf"
        assert other.requests == []


@pytest.mark.parametrize(
    "target", ["file:///etc/passwd", "ftp://ftp.example.org/x", "gopher://127.0.0.1:70/"]
)
def test_redirect_to_a_non_http_scheme_is_refused(localweb, make_client, target):
    localweb.redirect("/out", target)
    error = refused(make_client(), localweb.url("/out"))
    assert error.reason == "refused-scheme"
    assert error.permanent


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/", "javascript:alert(1)"])
def test_non_http_urls_are_refused(make_client, url):
    assert refused(make_client(), url).reason == "refused-scheme"


def test_an_http_url_without_a_host_is_invalid(make_client):
    assert refused(make_client(), "http:///nohost").reason == "invalid-url"


def test_allow_list_entry_without_port_allows_every_port(localweb, make_client):
    localweb.route("/page", HTML)
    assert make_client(allow_hosts=("127.0.0.1",)).fetch(localweb.url("/page")).status == 200


def test_connection_goes_to_the_checked_address(localweb, make_client):
    """A name is resolved once, checked, and the request pinned to that address.

    "pinned.test" does not exist in DNS, so the request can only succeed if the client
    connects to the address our resolver returned, sending the original Host header.
    """
    localweb.route("/page", HTML)
    calls = []

    def resolver(host, port):
        calls.append((host, port))
        return ["127.0.0.1"]

    client = make_client(allow_hosts=(f"127.0.0.1:{localweb.port}",), resolver=resolver)
    response = client.fetch(f"http://pinned.test:{localweb.port}/page")
    assert response.status == 200
    assert response.final_url == f"http://pinned.test:{localweb.port}/page"
    assert calls == [("pinned.test", localweb.port)] * 2  # robots.txt, then the page
    assert localweb.requests_to("/page")[0].headers["host"] == f"pinned.test:{localweb.port}"
