"""End to end: `monitor run` on the five seed files, then the views and the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[2]
MONITOR = [sys.executable, "-m", "pipeline"]


def monitor(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*MONITOR, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def seeded_run(tmp_path_factory):
    warehouse = tmp_path_factory.mktemp("warehouse")
    env = {**os.environ, "MONITOR_DB": str(warehouse / "monitor.duckdb")}
    first = monitor("run", "--sources", str(ROOT / "seeds" / "sources.yaml"), env=env)
    return warehouse, env, first


def test_run_on_seeds_exits_zero_and_prints_stances(seeded_run):
    _, _, first = seeded_run
    assert first.returncode == 0, first.stderr
    assert "Current stances" in first.stdout


def test_run_on_seeds_logs_five_documents_and_statements(seeded_run):
    warehouse, _, _ = seeded_run
    con = duckdb.connect(str(warehouse / "snapshot" / "monitor_bi.duckdb"), read_only=True)
    assert con.execute("select count(*) from documents").fetchone() == (5,)
    statements = con.execute("select count(*) from statements where is_current").fetchone()[0]
    assert statements >= 20
    pairs = con.execute("select count(*) from actor_current_stance").fetchone()[0]
    assert pairs >= 15
    con.close()


def test_every_evidence_slices_out_of_its_stored_document_text(seeded_run):
    warehouse, _, _ = seeded_run
    con = duckdb.connect(str(warehouse / "snapshot" / "monitor_bi.duckdb"), read_only=True)
    rows = con.execute(
        "select s.evidence, substring(d.text, s.evidence_start + 1,"
        " s.evidence_end - s.evidence_start) from statements s join documents d using (doc_id)"
    ).fetchall()
    con.close()
    assert rows and all(evidence == sliced for evidence, sliced in rows)


def test_second_run_appends_nothing(seeded_run):
    warehouse, env, _ = seeded_run
    second = monitor("run", "--sources", str(ROOT / "seeds" / "sources.yaml"), env=env)
    assert second.returncode == 0, second.stderr
    assert "events appended          0" in second.stdout


def test_check_verifies_the_chain(seeded_run):
    _, env, _ = seeded_run
    result = monitor("check", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "hash chain" in result.stdout


def test_stance_filters_and_jsonl_output(seeded_run):
    _, env, _ = seeded_run
    result = monitor("stance", "--topic", "troops_in_ukraine", "--format", "jsonl", env=env)
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows and {r["topic"] for r in rows} == {"troops_in_ukraine"}


def test_stance_as_of_before_any_statement_is_empty(seeded_run):
    _, env, _ = seeded_run
    result = monitor("stance", "--as-of", "2020-01-01", "--format", "jsonl", env=env)
    assert result.returncode == 0 and result.stdout.strip() == ""


def test_unknown_topic_is_a_usage_error(seeded_run):
    _, env, _ = seeded_run
    result = monitor("stance", "--topic", "nonsense", env=env)
    assert result.returncode == 2 and "unknown topic" in result.stderr


def test_missing_database_is_a_clear_failure(tmp_path):
    env = {**os.environ, "MONITOR_DB": str(tmp_path / "none.duckdb")}
    result = monitor("stance", env=env)
    assert result.returncode == 1 and "none.duckdb" in result.stderr
