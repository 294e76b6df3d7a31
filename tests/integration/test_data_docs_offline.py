"""The Data Docs render with no request leaving the machine (issue 17, item 9).

A real pipeline run writes the Great Expectations Data Docs; headless Chromium opens them
from a local HTTP server with every other address routed to a recording proxy that answers
nothing (as on a machine without network). Before: the pages asked 16 CDN addresses and
GX's web bucket (with the data context's id) for their scripts, styles and logo, and the
index's table was never drawn. Now nothing reaches the proxy and bootstrap-table draws the
tables. Skipped, saying why, where Chromium is not installed (.ci/run installs it)."""

from __future__ import annotations

import functools
import shutil
import socketserver
import subprocess
import threading
from dataclasses import replace
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from pipeline.runner import run_pipeline
from pipeline.settings import PROJECT_DIR, Settings

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Chromium's own calls home (component updates, time), which no flag quite stops: not the page.
CHROMIUM_OWN = ("google.com", "googleapis.com", "gstatic.com", "gvt1.com")


class Recorder(socketserver.StreamRequestHandler):
    """A proxy that writes down what it is asked for and answers nothing."""

    asked: list[str] = []

    def handle(self) -> None:
        line = self.rfile.readline(4096).decode("latin-1").strip()
        if line:
            Recorder.asked.append(line)
        self.wfile.write(b"HTTP/1.1 502 No network\r\nContent-Length: 0\r\n\r\n")


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        return


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    tmp = tmp_path_factory.mktemp("docs")
    settings = replace(
        Settings(),
        db_path=tmp / "wh" / "monitor.duckdb",
        sources_path=PROJECT_DIR / "seeds" / "sources.yaml",
    )
    run_pipeline(settings, rebuild=True)
    root = settings.warehouse_dir / "gx" / "uncommitted" / "data_docs" / "local_site"
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=root))
    proxy = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Recorder)
    for serving in (server, proxy):
        threading.Thread(target=serving.serve_forever, daemon=True).start()
    yield root, f"http://127.0.0.1:{server.server_port}", proxy.server_address[1], tmp
    server.shutdown()
    proxy.shutdown()


def page_requests() -> list[str]:
    """What reached the proxy from the page (Chromium's own calls left out)."""
    return [r for r in Recorder.asked if not any(host in r for host in CHROMIUM_OWN)]


def render(site, page: str) -> str:
    """The page's DOM after its scripts ran (what it asked the outside for: page_requests)."""
    _, base, proxy_port, tmp = site
    Recorder.asked.clear()
    done = subprocess.run(
        [
            CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            f"--user-data-dir={tmp / 'chromium'}",
            f"--proxy-server=http://127.0.0.1:{proxy_port}",  # every address but loopback
            "--virtual-time-budget=10000", "--dump-dom", f"{base}/{page}",
        ],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_the_index_draws_its_tables_and_asks_nothing_outside(site):
    dom = render(site, "index.html")
    assert page_requests() == [], f"requests that left the machine: {page_requests()}"
    assert 'class="bootstrap-table bootstrap4"' in dom, "bootstrap-table did not draw"
    for suite in ("statement_events", "documents", "actor_current_stance"):
        assert suite in dom


def test_a_validation_page_renders_offline(site):
    root = site[0]
    page = next((root / "validations" / "statement_events").rglob("*.html"))
    dom = render(site, page.relative_to(root).as_posix())
    assert page_requests() == [], f"requests that left the machine: {page_requests()}"
    assert "stated_on" in dom and "<table" in dom  # its expectations, as tables
    assert "static/vendor/bootstrap-4.3.1/bootstrap.min.css" in dom
