"""Disk full and a read-only warehouse during an append: a clear error, the log unchanged.

We run as root, so chmod alone blocks nothing. Disk full: the child runs with RLIMIT_FSIZE
at the log's current size and SIGXFSZ ignored, so its writes fail with EFBIG ("File too
large"), as on a full disk. Read-only: the child drops CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
and CAP_FOWNER from its bounding set before exec, so root obeys file modes (switching to
`nobody` would not do: the Python interpreter lives under /root, mode 0700); the parent
makes the warehouse folder and file read-only after the child opened the log. No mount, no
privilege beyond what the test process has.
"""

from __future__ import annotations

import ctypes
import json
import resource
import signal
from pathlib import Path

import pytest
from reliability_driver import batch_events, freeze_clock, run_id
from reliability_support import spawn, stderr_of

from pipeline.store.duckdb_store import DuckDBRecorder

pytestmark = [pytest.mark.slow, pytest.mark.timeout(60)]
DOCS = 20
PR_CAPBSET_DROP = 24
CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER = 1, 2, 3


def seeded_log(db: Path) -> tuple[int, str]:
    """A log with one batch, checkpointed and closed; return its last position and hash."""
    freeze_clock()
    store = DuckDBRecorder(db)
    store.append(batch_events(1, DOCS), run_id(1))
    store.con.execute("checkpoint")
    head = log_head(store)
    store.close()
    return head


def log_head(store: DuckDBRecorder) -> tuple[int, str]:
    row = store.con.execute("select seq, hash from events order by seq desc limit 1").fetchone()
    return (int(row[0]), row[1])


def reopened_head(db: Path) -> tuple[int, str]:
    store = DuckDBRecorder(db)
    try:
        assert store.verify_chain().ok
        return log_head(store)
    finally:
        store.close()


def append_in_child(db: Path, docs: int, preexec, before_append=None) -> str:
    """Run `append-once` in a child; return the error line it reports (fail if none)."""
    proc = spawn("append-once", db, "--batch", 2, "--docs", docs, preexec_fn=preexec, stdin=True)
    first = proc.stdout.readline().strip()
    assert first == "ready", f"{first} {stderr_of(proc)}"
    if before_append is not None:
        before_append()
    proc.stdin.write("go\n")
    proc.stdin.flush()
    out = proc.stdout.read()
    proc.wait(timeout=30)
    errors = [line for line in out.splitlines() if line.startswith("error ")]
    assert errors, f"the append did not fail: {out} {stderr_of(proc)}"
    kind, message = errors[0].split(" ", 2)[1:]
    assert kind == "StoreError"
    return json.loads(message)


def test_disk_full_during_append_names_the_file_and_leaves_the_log_unchanged(tmp_path):
    db = tmp_path / "wh" / "monitor.duckdb"
    before = seeded_log(db)
    limit = db.stat().st_size

    def small_disk():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    message = append_in_child(db, 3000, small_disk)
    assert str(db) in message
    assert "disk full" in message and "File too large" in message
    assert "log is unchanged" in message
    assert reopened_head(db) == before


def drop_file_permission_override():
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER):
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def test_read_only_warehouse_during_append_names_the_file_and_leaves_the_log_unchanged(
    tmp_path,
):
    folder = tmp_path / "wh"
    db = folder / "monitor.duckdb"
    before = seeded_log(db)

    def make_read_only():
        db.chmod(0o444)
        folder.chmod(0o555)

    try:
        message = append_in_child(db, DOCS, drop_file_permission_override, make_read_only)
    finally:
        folder.chmod(0o755)
        db.chmod(0o644)
    assert str(db) in message
    assert "read-only" in message and "Permission denied" in message
    assert "log is unchanged" in message
    assert reopened_head(db) == before


def test_read_only_warehouse_at_open_names_the_file(tmp_path):
    folder = tmp_path / "wh"
    db = folder / "monitor.duckdb"
    before = seeded_log(db)
    db.chmod(0o444)
    folder.chmod(0o555)
    try:
        proc = spawn("append-once", db, "--batch", 2, "--docs", DOCS, stdin=True,
                     preexec_fn=drop_file_permission_override)  # fmt: skip
        out, _ = proc.communicate("go\n", timeout=30)
    finally:
        folder.chmod(0o755)
        db.chmod(0o644)
    kind, message = out.strip().split(" ", 2)[1:]
    message = json.loads(message)
    assert kind == "StoreError", out
    assert str(db) in message and "read-only" in message and "Permission denied" in message
    assert reopened_head(db) == before
