"""SIGKILL at random (seeded) points of append, the id-file rewrite, rebuild_views and
publish_snapshot.

A child process (reliability_driver.py `work`) appends batches 1..N, each with its own run
id, rewriting the sorted event-id file, rebuilding the views and publishing the BI snapshot
after each. The parent kills it a random delay after a chosen `begin <phase> <batch>`
marker, reopens the store and checks: whole batches only, contiguous positions, an intact
hash chain, a complete view set equal to the one a never-killed store had at some batch,
and a readable, whole snapshot. The next run re-appends every batch: it adds exactly what
was missing, and a last re-append adds 0.
"""

from __future__ import annotations

import random
import statistics
from pathlib import Path

import pytest
from reliability_driver import batch_events, batch_size, run_id
from reliability_support import DriverServer, has_views, snapshot_fingerprint

from pipeline.store.duckdb_store import DuckDBRecorder
from pipeline.store.views import views_fingerprint

BATCHES = 6
DOCS = 60  # 180 events a batch
SIZE = batch_size(DOCS)
# per sequence: 4 kills during append, 2 during the id-file rewrite, 3 during rebuild_views,
# 1 during publish_snapshot
PHASES = ["append"] * 4 + ["ids"] * 2 + ["rebuild"] * 3 + ["publish"]
SEQUENCES = (11, 22, 33)  # seeds; 3 x 10 = 30 kill points

pytestmark = [pytest.mark.slow, pytest.mark.timeout(90)]


def work_args(db: Path, snapshot: Path, *extra: str) -> list[object]:
    return ["work", db, "--batches", BATCHES, "--docs", DOCS, "--rebuild", "--ids"] + [
        "--snapshot",
        snapshot,
        *extra,
    ]


@pytest.fixture(scope="module")
def driver():
    server = DriverServer()
    yield server
    server.close()


@pytest.fixture(scope="module")
def reference(tmp_path_factory, driver):
    """A never-killed run: the views' fingerprint after each batch, and each phase's duration."""
    folder = tmp_path_factory.mktemp("reference")
    snapshot = folder / "bi.duckdb"
    lines, status = driver.run(*work_args(folder / "ref.duckdb", snapshot, "--fingerprints"))
    assert status == 0, lines
    fingerprints, began, durations = {}, {}, {}
    for stamp, line in lines:
        words = line.split()
        if words[0] == "begin":
            began[(words[1], int(words[2]))] = stamp
        elif words[0] == "end":
            key = (words[1], int(words[2]))
            durations.setdefault(words[1], []).append(stamp - began[key])
            if words[1] == "rebuild":
                fingerprints[key[1]] = words[3]
    assert sorted(fingerprints) == list(range(1, BATCHES + 1))
    assert len(set(fingerprints.values())) == BATCHES, "each batch changes the views"
    assert snapshot_fingerprint(snapshot) == fingerprints[BATCHES]
    return fingerprints, {phase: statistics.median(d) for phase, d in durations.items()}


def batches_present(db: Path, reference_fingerprints: dict[int, str]) -> int:
    """Reopen the store after a kill, check it, and return how many batches it holds."""
    store = DuckDBRecorder(db)
    try:
        counts = dict(
            store.con.execute("select run_id, count(*) from events group by run_id").fetchall()
        )
        done = len(counts)
        assert counts == {run_id(k): SIZE for k in range(1, done + 1)}, "whole batches only"
        first, last, n = store.con.execute(
            "select coalesce(min(seq), 1), coalesce(max(seq), 0), count(*) from events"
        ).fetchone()
        assert (first, last, n) == (1, done * SIZE, done * SIZE), "contiguous positions"
        report = store.verify_chain()
        assert report.ok, report
        assert report.checked == done * SIZE
        if has_views(store.con):
            # a complete set from a finished rebuild at some batch already logged
            fingerprint = views_fingerprint(store.con)
            matches = [k for k, fp in reference_fingerprints.items() if fp == fingerprint]
            assert matches and matches[0] <= done, "views match no finished rebuild"
        return done
    finally:
        store.close()


def check_snapshot(snapshot: Path, reference_fingerprints: dict[int, str], done: int) -> None:
    if not snapshot.exists():
        return
    fingerprint = snapshot_fingerprint(snapshot)
    matches = [k for k, fp in reference_fingerprints.items() if fp == fingerprint]
    assert matches and matches[0] <= done, "the snapshot matches no published version"


@pytest.mark.parametrize("seed", SEQUENCES)
def test_kills_leave_whole_batches_views_and_snapshot(tmp_path, driver, reference, seed):
    fingerprints, durations = reference
    rng = random.Random(seed)
    db, snapshot = tmp_path / "wh" / "monitor.duckdb", tmp_path / "bi" / "monitor_bi.duckdb"
    args = work_args(db, snapshot)
    phases = PHASES[:]
    rng.shuffle(phases)
    done = 0
    for phase in phases:
        batch = min(done + 1, BATCHES)
        delay = rng.uniform(0, 1.25 * durations[phase])
        seen = driver.kill_at([*args, "--linger", 30], f"begin {phase} {batch}", delay)
        # every append the driver reported before the kill is in the log; nothing is lost
        reported = [int(w[2]) for w in map(str.split, seen) if w[:2] == ["end", "append"]]
        now_done = batches_present(db, fingerprints)
        assert now_done >= max([done, *reported]), "a kill lost a committed batch"
        done = now_done
        check_snapshot(snapshot, fingerprints, done)

    # the same batches again, to the end: only what is missing is appended
    lines, status = driver.run(*args)
    assert status == 0, lines
    words = [line.split() for _, line in lines]
    appended = {int(w[2]): int(w[3]) for w in words if w[:2] == ["end", "append"]}
    assert appended == {k: 0 if k <= done else SIZE for k in range(1, BATCHES + 1)}
    assert batches_present(db, fingerprints) == BATCHES
    store = DuckDBRecorder(db)
    try:
        assert views_fingerprint(store.con) == fingerprints[BATCHES]
        for k in range(1, BATCHES + 1):
            again = store.append(batch_events(k, DOCS), run_id(k))
            assert (again.appended, again.already_present) == (0, SIZE)
        assert store.max_seq() == BATCHES * SIZE
    finally:
        store.close()
    assert snapshot_fingerprint(snapshot) == fingerprints[BATCHES]
    leftovers = sorted(p.name for p in snapshot.parent.iterdir() if p != snapshot)
    assert leftovers == [], "killed publishers' temporary files are cleaned up"
    # the id file covers the whole log, and no killed rewrite's temporary file is left
    assert sorted(p.name for p in db.parent.iterdir() if ".ids" in p.name) == [db.name + ".ids"]
    covering = DuckDBRecorder(db, read_only=True)
    try:
        index = covering._current_id_index()
        assert index is not None and index.covered_seq == BATCHES * SIZE
    finally:
        covering.close()
