"""A tampered or truncated log is refused, not published (issue 17, item 4).

A real log of the five seeds is edited from outside the code base, as someone with file
access would (the DuckDB library, not the store), then real `monitor` processes run on it.
Before: `monitor views` and `monitor run` exited 0 and published the tampered stance, a
log missing its last events was "ok", and `check` named the row after an edited one.
Now appends and rebuilds verify the chain from the checkpoint beside the log (and rebuilds
the fingerprint of the rows before it), refuse with the position, and `check` names the
edited row."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest

from pipeline.events import row_hash
from pipeline.runner import run_pipeline
from pipeline.settings import PROJECT_DIR, Settings
from tests.monitor_cli import run_monitor

# Slow (a full run or many processes): in `make test-slow`, CI's own step.
pytestmark = pytest.mark.slow


SEEDS = PROJECT_DIR / "seeds" / "sources.yaml"
STANCE = "select stance from actor_current_stance where actor_name = 'Donald Trump' and topic = ?"


def monitor(*args: str, db: Path) -> subprocess.CompletedProcess:
    return run_monitor(*args, db=db)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    """A warehouse with a real log of the seeds and its published views."""
    folder = tmp_path_factory.mktemp("pristine") / "wh"
    settings = replace(Settings(), db_path=folder / "monitor.duckdb", sources_path=SEEDS)
    run_pipeline(settings, rebuild=True)
    return folder


@pytest.fixture
def warehouse(pristine, tmp_path) -> Path:
    """A copy of the pristine warehouse to damage; returns its log."""
    shutil.copytree(pristine, tmp_path / "wh")
    return tmp_path / "wh" / "monitor.duckdb"


def snapshot_stance(db: Path, topic: str = "troops_in_ukraine") -> str:
    path = db.parent / "snapshot" / "monitor_bi.duckdb"
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(STANCE, [topic]).fetchone()[0]


def trump_statement(con: duckdb.DuckDBPyConnection) -> tuple[int, str]:
    return con.execute(
        "select seq, payload from events where event_type = 'statement_extracted'"
        " and json_extract_string(payload, '$.actor_name') = 'Donald Trump'"
        " and json_extract_string(payload, '$.topic') = 'troops_in_ukraine'"
        " order by seq limit 1"
    ).fetchone()


def test_an_edited_payload_is_not_published_and_check_names_its_row(warehouse):
    before = snapshot_stance(warehouse)
    with duckdb.connect(str(warehouse)) as con:
        seq, payload = trump_statement(con)
        forged = payload.replace(f'"stance":"{before}"', '"stance":"support"')
        assert forged != payload
        con.execute("update events set payload = ? where seq = ?", [forged, seq])
    for command in (["views"], ["run", "--sources", str(SEEDS)]):
        result = monitor(*command, db=warehouse)
        assert result.returncode == 1, result.message
        assert f"hash chain broken at position {seq}" in result.message
    assert snapshot_stance(warehouse) == before, "the tampered stance reached BI"
    check = monitor("check", db=warehouse)
    assert check.returncode == 1 and f"broken at position {seq}:" in check.message


def test_a_row_rewritten_with_its_hash_is_named_not_the_row_after_it(warehouse):
    with duckdb.connect(str(warehouse)) as con:
        seq, payload = trump_statement(con)
        row = con.execute("select * from events where seq = ?", [seq]).fetchone()
        forged = payload.replace('"stance":"', '"stance":"x', 1)
        digest = row_hash(
            row[10], row[0], row[1], row[2], row[3], row[4], row[5], forged, row[8], row[7], row[9]
        )
        con.execute("update events set payload = ?, hash = ? where seq = ?", [forged, digest, seq])
    check = monitor("check", db=warehouse)
    assert check.returncode == 1 and f"broken at position {seq}: row {seq} was rewritten" in (
        check.message
    )


def test_a_log_missing_its_last_events_is_refused(warehouse):
    with duckdb.connect(str(warehouse)) as con:
        last = con.execute("select max(seq) from events").fetchone()[0]
        con.execute("delete from events where seq > ?", [last - 5])
    result = monitor("views", db=warehouse)  # an append refuses it too: test_chain_checkpoint
    assert result.returncode == 1, result.message
    assert f"ends at position {last - 5}" in result.message
    assert f"1..{last} were verified" in result.message
    check = monitor("check", db=warehouse)
    assert check.returncode == 1, check.message
    assert "FAIL checkpoint" in check.message and f"log ends at {last - 5}" in check.message


def test_a_deleted_row_in_the_middle_is_named(warehouse):
    with duckdb.connect(str(warehouse)) as con:
        con.execute("delete from events where seq = 7")
    check = monitor("check", db=warehouse)
    assert check.returncode == 1 and "broken at position 7: gap" in check.message


def test_an_untouched_log_still_runs_and_publishes(warehouse):
    result = monitor("run", "--sources", str(SEEDS), db=warehouse)
    assert result.returncode == 0, result.message
