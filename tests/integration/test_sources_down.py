"""An outage is not a quiet day (issue 17, item 6): real `monitor run` processes against
feeds and pages on 127.0.0.1 whose ports are closed (no network needed to lose it).

Before: every feed failed, each as a fetch_failed event, and the run exited 0 with an
empty table; in Airflow nothing failed, so nothing was retried or alerted. Now a run whose
sources all fail, or more than MONITOR_SOURCE_FAILURE_THRESHOLD of them, records every
failure in the log and then fails (exit 1 on the CLI; the task fails and is retried)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from pipeline.settings import PROJECT_DIR
from tests.localweb import LocalWeb, rss_feed

# Slow (whole runs or long inputs): in `make test-slow`, CI's own step.
pytestmark = pytest.mark.slow


ARTICLE = (PROJECT_DIR / "tests" / "resources" / "html" / "date_in_meta_only.html").read_bytes()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def sources_file(folder: Path, sources: list[tuple[str, str, str]], hosts: list[str]) -> Path:
    lines = ["sources:"]
    lines += [f"  - {{name: {name}, url: '{url}', kind: {kind}}}" for name, url, kind in sources]
    lines += [
        "keywords: [Ukraine, guarantees]",
        f"fetch:\n  allow_hosts: {hosts!r}\n  per_host_delay_s: 0\n  retries: 0",
        "  connect_timeout_s: 2\n  read_timeout_s: 2",
    ]
    path = folder / "sources.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def monitor_run(sources: Path, db: Path, **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "MONITOR_DB": str(db), **env}
    for key in ("MONITOR_SNAPSHOT", "MONITOR_SOURCE_FAILURE_THRESHOLD"):
        if key not in env:
            environment.pop(key, None)
    result = subprocess.run(
        [sys.executable, "-m", "pipeline", "run", "--sources", str(sources)],
        cwd=PROJECT_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    result.message = " ".join((result.stdout + result.stderr).split())
    return result


def logged(db: Path, event_type: str) -> list[str]:
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            "select json_extract_string(payload, '$.source') from events where event_type = ?",
            [event_type],
        ).fetchall()
    return sorted(r[0] for r in rows)


def dead_feeds(n: int) -> list[tuple[str, str, str]]:
    return [(f"down-{i}", f"http://127.0.0.1:{closed_port()}/feed.xml", "feed") for i in range(n)]


def test_every_feed_down_fails_the_run_after_logging_each_failure(tmp_path):
    db = tmp_path / "wh" / "monitor.duckdb"
    sources = sources_file(tmp_path, dead_feeds(3), ["127.0.0.1"])
    result = monitor_run(sources, db)
    assert result.returncode == 1, result.message
    assert "3 of 3 feed sources failed" in result.message
    assert logged(db, "fetch_failed") == ["down-0", "down-1", "down-2"]
    assert not (db.parent / "snapshot").exists(), "no views published for an outage"


@pytest.mark.parametrize(("threshold", "code"), [("0.5", 1), (None, 0)])
def test_a_failure_share_above_the_threshold_fails_the_run(tmp_path, threshold, code):
    db = tmp_path / "wh" / "monitor.duckdb"
    with LocalWeb() as web:
        web.route("/a/tusk.html", ARTICLE)
        item = {"title": "Ukraine guarantees", "link": web.url("/a/tusk.html"), "guid": "t"}
        web.route("/good.rss", rss_feed("good", [item]), content_type="application/rss+xml")
        sources = sources_file(
            tmp_path, [("good", web.url("/good.rss"), "feed"), *dead_feeds(2)], [web.netloc]
        )
        env = {} if threshold is None else {"MONITOR_SOURCE_FAILURE_THRESHOLD": threshold}
        result = monitor_run(sources, db, **env)
    assert result.returncode == code, result.message
    assert logged(db, "fetch_failed") == ["down-0", "down-1"]
    if code:
        assert "2 of 3 feed sources failed (67%; the run fails above 50%" in result.message


def test_every_article_fetch_failing_fails_the_run(tmp_path):
    db = tmp_path / "wh" / "monitor.duckdb"
    pages = [(f"page-{i}", f"http://127.0.0.1:{closed_port()}/a.html", "page") for i in range(2)]
    result = monitor_run(sources_file(tmp_path, pages, ["127.0.0.1"]), db)
    assert result.returncode == 1, result.message
    assert "2 of 2 article fetches failed" in result.message
    assert logged(db, "fetch_failed") == ["page-0", "page-1"]
