"""`monitor views` never publishes views of a mistyped, empty or other log over the BI
snapshot (issue 17, item 2): real `monitor` processes on real files.

The scenario ops staff met: MONITOR_SNAPSHOT points at the production snapshot and
`monitor views --db` names a path with a typo. That used to create an empty log there,
build empty views and rename them over the snapshot (71 rows became 0), exit 0."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest

from pipeline.runner import run_pipeline
from pipeline.settings import PROJECT_DIR, Settings
from pipeline.store import open_store
from tests.unit.test_store_contract import make_events

# Slow (a full run or many processes): in `make test-slow`, CI's own step.
pytestmark = pytest.mark.slow


MONITOR = [sys.executable, "-m", "pipeline"]


def monitor(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [*MONITOR, *args], cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=300
    )
    result.message = " ".join(result.stderr.split())  # the console wraps long lines
    return result


def snapshot_rows(path: Path) -> int:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("select count(*) from actor_current_stance").fetchone()[0]


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """A real log of the five seeds, its views published to a snapshot set by MONITOR_SNAPSHOT."""
    tmp = tmp_path_factory.mktemp("views")
    snapshot = tmp / "bi" / "monitor_bi.duckdb"
    db = tmp / "warehouse" / "monitor.duckdb"
    settings = replace(
        Settings(),
        db_path=db,
        snapshot_path=snapshot,
        sources_path=PROJECT_DIR / "seeds" / "sources.yaml",
    )
    run_pipeline(settings, rebuild=True)
    env = {**os.environ, "MONITOR_SNAPSHOT": str(snapshot), "MONITOR_DB": str(db)}
    return db, snapshot, env, snapshot_rows(snapshot)


def test_views_on_a_mistyped_path_fail_and_create_nothing(published):
    db, snapshot, env, rows = published
    typo = db.with_name("monitr.duckdb")
    result = monitor("views", "--db", str(typo), env=env)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "monitr.duckdb" in result.message and "no event log here" in result.message
    assert not typo.exists()
    assert snapshot_rows(snapshot) == rows > 0


def test_views_of_an_empty_log_do_not_replace_the_snapshot(published, tmp_path):
    _, snapshot, env, rows = published
    empty = tmp_path / "empty.duckdb"
    open_store(empty).close()
    result = monitor("views", "--db", str(empty), env=env)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "the log is empty" in result.message and "--replace-snapshot" in result.message
    assert snapshot_rows(snapshot) == rows


def test_views_of_another_log_do_not_replace_the_snapshot_unless_asked(published, tmp_path):
    _, published_snapshot, env, rows = published
    snapshot = tmp_path / "bi" / "monitor_bi.duckdb"  # a copy: the other tests keep theirs
    snapshot.parent.mkdir()
    shutil.copy(published_snapshot, snapshot)
    env = {**env, "MONITOR_SNAPSHOT": str(snapshot)}
    other = tmp_path / "other.duckdb"
    with open_store(other) as store:
        store.append(make_events(3), run_id="other")
    refused = monitor("views", "--db", str(other), env=env)
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "another log" in refused.message
    assert snapshot_rows(snapshot) == rows
    # No leftovers: the rebuild's lock file (`views_lock`) is the only other file, and it is
    # kept on purpose (removing a flock file while another builder may open it is a race).
    left = [p.name for p in snapshot.parent.iterdir() if p.name != f".{snapshot.name}.lock"]
    assert left == [snapshot.name]
    forced = monitor("views", "--db", str(other), "--replace-snapshot", env=env)
    assert forced.returncode == 0, forced.stdout + forced.stderr
    assert snapshot_rows(snapshot) == 0


def test_views_of_the_same_log_are_published(published):
    db, snapshot, env, rows = published
    result = monitor("views", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert snapshot_rows(snapshot) == rows
