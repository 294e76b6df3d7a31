"""robots.txt: fetched once per host through the same client, cached, obeyed."""

from __future__ import annotations

import pytest

from pipeline.sources.http import FetchError
from tests.localweb import Reply

HTML = "<html><body>ok</body></html>"
ROBOTS = """
User-agent: *
Disallow: /private/
Allow: /private/press-release
"""


def test_a_path_disallowed_by_robots_is_not_fetched(localweb, make_client):
    localweb.route("/robots.txt", ROBOTS, content_type="text/plain")
    localweb.route("/private/report", HTML)
    with pytest.raises(FetchError) as raised:
        make_client().fetch(localweb.url("/private/report"))
    assert raised.value.reason == "robots-disallowed"
    assert raised.value.permanent
    assert localweb.hits("/private/report") == 0


def test_allowed_paths_are_fetched_and_robots_is_read_once_per_host(localweb, make_client):
    localweb.route("/robots.txt", ROBOTS, content_type="text/plain")
    localweb.route("/news/a", HTML)
    localweb.route("/private/press-release", HTML)
    client = make_client()
    assert client.fetch(localweb.url("/news/a")).status == 200
    assert client.fetch(localweb.url("/private/press-release")).status == 200
    assert client.fetch(localweb.url("/news/a")).status == 200
    assert localweb.hits("/robots.txt") == 1
    seen = localweb.requests_to("/robots.txt")[0]
    assert seen.headers["user-agent"].startswith("UkraineGuaranteesMonitor/")


def test_rules_for_our_user_agent_apply_to_us(localweb, make_client):
    localweb.route(
        "/robots.txt",
        "User-agent: UkraineGuaranteesMonitor\nDisallow: /\n\nUser-agent: *\nAllow: /\n",
        content_type="text/plain",
    )
    localweb.route("/news/a", HTML)
    with pytest.raises(FetchError) as raised:
        make_client().fetch(localweb.url("/news/a"))
    assert raised.value.reason == "robots-disallowed"


def test_a_missing_robots_txt_allows_everything(localweb, make_client):
    localweb.route("/news/a", HTML)
    assert make_client().fetch(localweb.url("/news/a")).status == 200
    assert localweb.hits("/robots.txt") == 1


def test_a_failing_robots_txt_disallows_for_now(localweb, make_client):
    localweb.route("/robots.txt", b"", status=503, content_type="text/plain")
    localweb.route("/news/a", HTML)
    with pytest.raises(FetchError) as raised:
        make_client(retries=0).fetch(localweb.url("/news/a"))
    assert raised.value.reason == "robots-disallowed"
    assert not raised.value.permanent  # try again on a later run
    assert localweb.hits("/news/a") == 0


def test_a_redirect_into_a_disallowed_path_is_refused(localweb, make_client):
    localweb.route("/robots.txt", ROBOTS, content_type="text/plain")
    localweb.redirect("/go", "/private/report")
    localweb.route("/private/report", HTML)
    with pytest.raises(FetchError) as raised:
        make_client().fetch(localweb.url("/go"))
    assert raised.value.reason == "robots-disallowed"
    assert localweb.hits("/private/report") == 0


def test_crawl_delay_spaces_requests_to_the_host(localweb, make_client, fake_clock):
    localweb.route("/robots.txt", "User-agent: *\nCrawl-delay: 4\n", content_type="text/plain")
    localweb.route("/a", HTML)
    client = make_client(per_host_delay_s=0.5)
    client.fetch(localweb.url("/a"))
    client.fetch(localweb.url("/a"))
    assert fake_clock.sleeps == [4.0, 4.0]


def test_robots_txt_may_be_plain_text_and_redirected(localweb, make_client):
    localweb.redirect("/robots.txt", "/static/robots.txt")
    localweb.add("/static/robots.txt", Reply(200, b"User-agent: *\nDisallow: /x\n", "text/plain"))
    localweb.route("/x", HTML)
    with pytest.raises(FetchError) as raised:
        make_client().fetch(localweb.url("/x"))
    assert raised.value.reason == "robots-disallowed"
