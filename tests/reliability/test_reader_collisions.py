"""A reader no longer makes the pipeline fail as if a writer held the log (issue 17, item 5).

DuckDB lets no writer open a file that any other process has open, even read-only. Real
processes: an analyst's read-only session on the live log (a Python DuckDB connection, as
the DuckDB CLI's `-readonly` holds it), a writer, and the `monitor` commands beside them.
Commands wait their turn (MONITOR_LOCK_WAIT) instead of failing at once, and when they do
give up the message says whether a reader or a writer holds the file, and which process."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from pipeline.documents.extract import document_event
from pipeline.documents.model import Document, document_id
from pipeline.settings import PROJECT_DIR
from pipeline.store import open_store
from pipeline.store.views import rebuild_views
from tests.monitor_cli import run_monitor

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]

HOLD = """
import sys, time, duckdb
from pipeline.store import open_store
mode, path, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
if mode == "reader":
    held = duckdb.connect(path, read_only=True)  # an analyst's read-only session
else:
    held = open_store(path)  # a writer (the pipeline)
print("holding", flush=True)
time.sleep(seconds)
held.close()
"""


def documents(n: int) -> list:
    """Document events that pass the document suite (`monitor check` runs it)."""
    events = []
    for i in range(n):
        text = f"Report {i}: allies discussed security guarantees for Ukraine again today."
        doc = Document(
            document_id(text), "test", f"https://example.org/{i}", "T", text, text,
            date(2025, 8, 1 + i), language="en",
        )  # fmt: skip
        events.append(document_event(doc, "pipeline/test"))
    return events


@pytest.fixture
def log(tmp_path) -> Path:
    db = tmp_path / "wh" / "monitor.duckdb"
    with open_store(db) as store:
        store.append(documents(5), run_id="r1")
        rebuild_views(store)
    return db


def hold(mode: str, db: Path, seconds: float) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD, mode, str(db), str(seconds)],
        cwd=PROJECT_DIR,
        env={**os.environ, "PYTHONPATH": str(PROJECT_DIR)},
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout.readline().strip() == "holding"
    return process


def monitor(*args: str, db: Path, wait: float) -> tuple[subprocess.CompletedProcess, float]:
    started = time.monotonic()
    result = run_monitor(*args, db=db, timeout=100, MONITOR_LOCK_WAIT=str(wait))
    return result, time.monotonic() - started


def test_a_rebuild_waits_for_a_read_only_session_to_close(log):
    reader = hold("reader", log, 4)
    try:
        result, seconds = monitor("views", db=log, wait=60)
    finally:
        reader.wait(timeout=30)
    assert result.returncode == 0, result.message
    assert "another process is reading the event log" in result.message  # while it waited
    assert seconds >= 2


def test_a_reader_that_stays_is_named_as_a_reader(log):
    reader = hold("reader", log, 60)
    try:
        result, _ = monitor("views", db=log, wait=1)
    finally:
        reader.kill()
        reader.wait(timeout=30)
    assert result.returncode == 1, result.message
    assert f"another process is reading the event log (PID {reader.pid}:" in result.message
    assert "writing" not in result.message and "BI snapshot" in result.message


def test_check_waits_for_the_writer_to_finish(log):
    writer = hold("writer", log, 4)
    try:
        result, seconds = monitor("check", db=log, wait=60)
    finally:
        writer.wait(timeout=30)
    assert result.returncode == 0, result.message
    assert "ok hash chain: 5 events verified" in result.message and seconds >= 2


def test_a_writer_that_stays_is_named_as_a_writer(log):
    writer = hold("writer", log, 60)
    try:
        result, _ = monitor("check", db=log, wait=1)
    finally:
        writer.kill()
        writer.wait(timeout=30)
    assert result.returncode == 1, result.message
    assert f"another process is writing the event log (PID {writer.pid}:" in result.message
