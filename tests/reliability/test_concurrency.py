"""Two writers on one DuckDB file, and a BI reader holding the snapshot during a rebuild.

DuckDB lets one process open a file for writing and no other process open it at all
meanwhile. In production Airflow serialises every task that opens the event log through
the pool `duckdb_writer`, which has one slot (pipeline/orchestration.py, dags/*.py: `@task(
pool=DUCKDB_WRITER_POOL)`); outside Airflow (`monitor run` beside a DAG run, two CLIs) the
store itself refuses the second process with StoreBusyError naming the file and "another
process". These tests check that refusal, that a writer that waits and retries gets its turn,
and that nothing is lost or corrupted either way.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from reliability_driver import batch_events, batch_size, freeze_clock, run_id
from reliability_support import ROOT, driver_env, snapshot_fingerprint, spawn, stderr_of

from pipeline.store.duckdb_store import DuckDBRecorder
from pipeline.store.views import publish_snapshot, rebuild_views, views_fingerprint

pytestmark = pytest.mark.timeout(90)
DOCS = 20
SIZE = batch_size(DOCS)


def log_counts(db: Path) -> dict[str, int]:
    store = DuckDBRecorder(db)
    try:
        report = store.verify_chain()
        assert report.ok, report
        first, last, n = store.con.execute(
            "select min(seq), max(seq), count(*) from events"
        ).fetchone()
        assert (first, last) == (1, n), "contiguous positions"
        return dict(store.con.execute("select run_id, count(*) from events group by 1").fetchall())
    finally:
        store.close()


def test_second_writer_is_refused_with_a_clear_message_then_gets_its_turn(tmp_path):
    db = tmp_path / "wh" / "monitor.duckdb"
    freeze_clock()
    holder = DuckDBRecorder(db)
    try:
        holder.append(batch_events(1, DOCS), run_id(1))
        # a second writer that does not wait: refused, naming the file and the cause
        refused = spawn("writer", db, "--tag", "b", "--batches", 1, "--docs", DOCS)
        out, _ = refused.communicate(timeout=60)
        assert refused.returncode == 3, f"{out} {stderr_of(refused)}"
        assert out.startswith("error StoreBusyError"), out
        assert str(db) in out and "another process" in out
        # the CLI beside a writer fails the same way, with exit status 1
        cli = subprocess.run(
            [str(Path(sys.executable).parent / "monitor"), "views", "--db", str(db)],
            cwd=ROOT,
            env={**driver_env(), "MONITOR_LOCK_WAIT": "0"},  # fail at once, do not wait
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert cli.returncode == 1, cli.stdout + cli.stderr
        assert "another process" in cli.stderr and str(db) in " ".join(cli.stderr.split())
        # a writer that waits (as the DAG retries do) starts now, and gets in once we close
        waiting = spawn("writer", db, "--tag", "b", "--batches", 1, "--docs", DOCS, "--wait", 60)
        assert waiting.stdout.readline().startswith("busy"), stderr_of(waiting)
        holder.append(batch_events(2, DOCS), run_id(2))
    finally:
        holder.close()
    out, _ = waiting.communicate(timeout=60)
    assert waiting.returncode == 0, f"{out} {stderr_of(waiting)}"
    assert f"end append 1 {SIZE}" in out
    assert log_counts(db) == {run_id(1): SIZE, run_id(2): SIZE, "b1": SIZE}


def test_two_writers_at_once_both_finish_and_nothing_is_lost(tmp_path):
    db = tmp_path / "wh" / "monitor.duckdb"
    batches = 5
    writers = [
        spawn("writer", db, "--tag", tag, "--batches", batches, "--docs", DOCS, "--wait", 60)
        for tag in ("a", "b")
    ]
    outs = [w.communicate(timeout=80)[0] for w in writers]
    for writer, out in zip(writers, outs, strict=True):
        assert writer.returncode == 0, f"{out} {stderr_of(writer)}"
        assert out.count("end append") == batches
    expected = {f"{tag}{k}": SIZE for tag in ("a", "b") for k in range(1, batches + 1)}
    assert log_counts(db) == expected


def test_bi_reader_keeps_its_snapshot_during_a_rebuild_and_sees_the_new_one_on_reopen(tmp_path):
    db, snapshot = tmp_path / "wh" / "monitor.duckdb", tmp_path / "bi" / "monitor_bi.duckdb"
    store = DuckDBRecorder(db)
    try:
        store.append(batch_events(1, DOCS), run_id(1))
        rebuild_views(store)
        publish_snapshot(store, snapshot)
        first = snapshot_fingerprint(snapshot)
        reader = spawn("reader", snapshot, stdin=True)

        def ask(command: str) -> str:
            reader.stdin.write(command + "\n")
            reader.stdin.flush()
            line = reader.stdout.readline().split()
            assert line[:1] == ["fingerprint"], f"{line} {stderr_of(reader)}"
            return line[1]

        assert reader.stdout.readline().split() == ["fingerprint", first]
        store.append(batch_events(2, DOCS), run_id(2))
        rebuild_views(store)
        assert ask("again") == first  # views rebuilt in the warehouse, snapshot untouched
        publish_snapshot(store, snapshot)  # renamed over the file the reader holds open
        assert ask("again") == first
        second = views_fingerprint(store.con)
        assert second != first
        store.append(batch_events(3, DOCS), run_id(3))
        rebuild_views(store)
        publish_snapshot(store, snapshot)
        assert ask("again") == first  # still its version, read whole, after two publishes
        third = views_fingerprint(store.con)
        assert ask("reopen") == third == snapshot_fingerprint(snapshot)
        reader.stdin.write("quit\n")
        reader.stdin.flush()
        assert reader.wait(timeout=30) == 0, stderr_of(reader)
    finally:
        store.close()
    assert not [p for p in snapshot.parent.iterdir() if p != snapshot], os.listdir(snapshot.parent)


_HOLD_FOR_WRITING = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])  # read-write, as the DuckDB CLI opens a file by default
count = "select count(*) from statements"
print("holding", con.execute(count).fetchone()[0], flush=True)
sys.stdin.readline()
print("still", con.execute(count).fetchone()[0], flush=True)
"""


def test_an_analyst_holding_the_snapshot_for_writing_does_not_stop_a_rebuild(tmp_path):
    """Someone opened the views file without read-only: it is locked for every other
    process. The pipeline still appends, rebuilds and publishes; the analyst keeps their
    version and sees the new one on reopening."""
    db = tmp_path / "wh" / "monitor.duckdb"
    freeze_clock()
    with DuckDBRecorder(db) as store:
        store.append(batch_events(1, DOCS), run_id(1))
        rebuild_views(store)
        first = views_fingerprint(store.con)
    snapshot = db.parent / "snapshot" / "monitor_bi.duckdb"
    analyst = subprocess.Popen(
        [sys.executable, "-c", _HOLD_FOR_WRITING, str(snapshot)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        held = analyst.stdout.readline().split()
        assert held[0] == "holding"
        with DuckDBRecorder(db) as store:  # the views file cannot be attached: logged, no error
            assert store.views_catalog is None
            store.append(batch_events(2, DOCS), run_id(2))
            counts = rebuild_views(store)  # built aside, renamed over the locked file
            assert counts["statements"] > 0
            second = views_fingerprint(store.con)
        assert second != first
        assert snapshot_fingerprint(snapshot) == second
    finally:
        out, _ = analyst.communicate("\n", timeout=30)
    assert analyst.returncode == 0
    assert out.split() == ["still", held[1]]  # the analyst kept their version
