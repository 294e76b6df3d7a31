"""The HTML report in a real browser: the seeds' log plus one hostile statement and one
failed task, `monitor report`, then every page in headless Chromium (Debian's, driven by
Playwright), from file:// and from a static server on 127.0.0.1."""

from __future__ import annotations

import functools
import http.server
import threading
from datetime import date
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from pipeline.documents.model import Document, document_id
from pipeline.settings import PROJECT_DIR, Settings
from pipeline.stages.outcomes import record_task_failure
from pipeline.statements.events import statement_events
from pipeline.statements.model import Actor, Statement
from pipeline.store import open_store
from tests.monitor_cli import run_monitor

CHROMIUM = Path("/usr/bin/chromium")
HOSTILE_NAME = 'Mallory <img src=x onerror="window.__pwned=1">'
HOSTILE_EVIDENCE = (
    'Mallory said <script>window.__pwned = 1</script> that <b>troops</b> "must" stay home.'
)
HOSTILE_URL = "javascript:window.__pwned=1"
HOSTILE_PAGE = "actors/person-test-mallory.html"
# Vega draws a bar chart's bars and a point chart's symbols as paths inside these groups.
CHART_MARKS = "svg g.role-mark.mark-rect path, svg g.role-mark.mark-symbol path"


@pytest.fixture(scope="module")
def report_site(tmp_path_factory):
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium to run the browser tests")
    warehouse = tmp_path_factory.mktemp("warehouse")
    db = warehouse / "monitor.duckdb"
    text = HOSTILE_EVIDENCE + " More words follow here."
    document = Document(document_id(text), "test", HOSTILE_URL, "A <i>hostile</i> title", text,
                        text, date(2025, 9, 2))  # fmt: skip
    mallory = Actor("person:test-mallory", HOSTILE_NAME, "person", "ZZ", needs_review=True)
    statement = Statement(mallory, "troops_in_ukraine", "oppose", HOSTILE_EVIDENCE, 0,
                          len(HOSTILE_EVIDENCE), date(2025, 9, 2), 0.9)  # fmt: skip
    with open_store(db) as store:
        store.append(statement_events([statement], document, "rules/1", date(2025, 9, 2)), "t")
    record_task_failure(Settings(db_path=db), "ingest_news", "fetch", "manual__t", "<boom> & co")
    ran = run_monitor("run", "--sources", str(PROJECT_DIR / "seeds" / "sources.yaml"), db=db)
    assert ran.returncode == 0, ran.message
    out = warehouse / "site"
    written = run_monitor("report", "--out", str(out), db=db)
    assert written.returncode == 0, written.message
    assert f"open {out / 'index.html'}" in written.stdout
    pages, topics, actors = (
        len(list(out.glob(g))) for g in ("**/*.html", "topics/*.html", "actors/*.html")
    )
    assert f"report: {pages} pages ({topics} topics, {actors} actors)" in written.stdout
    return out


class Tab:
    """One browser tab reused for every page (a new tab per page doubled the test's time),
    recording console errors and requests outside the allowed origin of the current visit."""

    def __init__(self, page):
        self.page = page
        self.errors: list[str] = []
        self.outside: list[str] = []
        self.allowed = "file://"
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("request", self._request)

    def _request(self, request):
        if not request.url.startswith((self.allowed, "data:")):
            self.outside.append(request.url)

    def visit(self, url, allowed="file://"):
        """Open one page and wait for its charts; return (console errors, outside requests)."""
        self.errors, self.outside, self.allowed = [], [], allowed
        self.page.goto(url)
        self.page.wait_for_function(
            "() => [...document.querySelectorAll('.chart-view')]"
            ".every(c => c.dataset.rendered === 'true' || c.textContent)",
            timeout=15_000,
        )
        return self.errors, self.outside


@pytest.fixture(scope="module")
def tab(report_site):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM))
        yield Tab(browser.new_page(viewport={"width": 1280, "height": 900}))
        browser.close()


@pytest.fixture(scope="module")
def static_server(report_site):
    """Python's own static file server on a free loopback port, serving the report."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(report_site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def chart_marks(page):
    """How many marks each chart on the page drew."""
    return page.eval_on_selector_all(
        ".chart-view",
        f"views => views.map(v => v.querySelectorAll({CHART_MARKS!r}).length)",
    )


def repeated_axis_labels(page):
    """Labels that appear twice on one axis (a count axis ticking at 0.5 shows "1" twice)."""
    return page.eval_on_selector_all(
        ".chart-view svg g.role-axis",
        "axes => axes.flatMap(axis => {"
        " const labels = [...axis.querySelectorAll('g.role-axis-label text')]"
        ".map(t => t.textContent);"
        " return labels.filter((label, i) => labels.indexOf(label) !== i); })",
    )


def test_every_page_loads_clean_from_file_urls_with_charts_and_working_links(report_site, tab):
    pages = sorted(report_site.rglob("*.html"))
    assert len(pages) >= 10
    root = report_site.resolve()
    charts_seen = 0
    for path in pages:
        name = path.relative_to(report_site)
        errors, outside = tab.visit(path.as_uri())
        assert errors == [], (name, errors)
        assert outside == [], (name, outside)
        marks = chart_marks(tab.page)
        assert all(n > 0 for n in marks), (name, marks)
        assert repeated_axis_labels(tab.page) == [], name
        charts_seen += len(marks)
        hrefs = tab.page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
        for href in hrefs:
            target = Path(unquote(urlsplit(href).path)).resolve()
            if href.startswith("file://") and root in target.parents:
                assert target.is_file(), (name, href)
    # the overview's two charts and one on each topic's page at least
    assert charts_seen >= 2 + len(list((report_site / "topics").glob("*.html")))


def test_the_pages_work_from_a_static_server_on_loopback(report_site, tab, static_server):
    topic = next((report_site / "topics").glob("*.html")).relative_to(report_site)
    for name in ("index.html", "runs.html", HOSTILE_PAGE, str(topic)):
        errors, outside = tab.visit(f"{static_server}{name}", allowed=static_server)
        assert errors == [] and outside == [], (name, errors, outside)
        assert all(n > 0 for n in chart_marks(tab.page)), name
        assert tab.page.locator("h1").count() == 1, name


def test_hostile_text_is_shown_escaped_and_flagged_actors_are_marked(report_site, tab):
    errors, _ = tab.visit((report_site / HOSTILE_PAGE).as_uri())
    page = tab.page
    assert errors == []
    assert page.evaluate("window.__pwned") is None
    assert HOSTILE_EVIDENCE in page.locator("blockquote.evidence").all_inner_texts()
    assert page.locator("h1").inner_text() == HOSTILE_NAME
    assert page.locator(".review-banner").count() == 1
    assert page.locator('a[href^="javascript:"]').count() == 0
    assert "A <i>hostile</i> title" in page.locator("span.article").all_inner_texts()
    tab.visit((report_site / "index.html").as_uri())
    flagged = page.locator("table.matrix tr.needs-review th").all_inner_texts()
    assert any(HOSTILE_NAME in row and "needs review" in row for row in flagged)
    assert page.evaluate("window.__pwned") is None


def test_evidence_links_point_at_the_articles_real_urls(report_site, tab):
    import duckdb

    snapshot = report_site.parent / "snapshot" / "monitor_bi.duckdb"
    con = duckdb.connect(str(snapshot), read_only=True)
    query = "select doc_url from statements where is_current and actor_id = ?"
    urls = {row[0] for row in con.execute(query, ["person:volodymyr-zelensky"]).fetchall()}
    con.close()
    tab.visit((report_site / "actors" / "person-volodymyr-zelensky.html").as_uri())
    links = tab.page.eval_on_selector_all("a.article", "links => links.map(a => a.href)")
    assert urls and set(links) == urls


def test_the_runs_page_shows_outcomes_and_the_recorded_failure(report_site, tab):
    tab.visit((report_site / "runs.html").as_uri())
    assert "ok 5" in tab.page.locator("table.runs").inner_text()
    failures = tab.page.locator("table.failures").inner_text()
    assert "<boom> & co" in failures and "ingest_news.fetch" in failures
