"""End to end on the DuckLake backend: two `monitor run` on the seeds at once, into one lake
(MONITOR_STORE_URL=ducklake:...), then `monitor check` passes and each event is logged once."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.store import open_store

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_two_runs_at_once_on_a_ducklake_then_check_passes(lake_url, tmp_path):
    env = {
        **os.environ,
        "MONITOR_DB": str(tmp_path / "warehouse" / "monitor.duckdb"),
        "MONITOR_STORE_URL": lake_url,
    }
    command = [
        sys.executable,
        "-m",
        "pipeline",
        "run",
        "--sources",
        str(ROOT / "seeds" / "sources.yaml"),
    ]
    runs = [
        subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )  # fmt: skip
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=600) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], [err[-2000:] for _, err in outputs]
    assert all("Current stances" in out for out, _ in outputs)
    assert not (tmp_path / "warehouse" / "monitor.duckdb").exists()  # the lake holds the log
    check = subprocess.run(
        [sys.executable, "-m", "pipeline", "check"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert check.returncode == 0, check.stdout + check.stderr
    with open_store(lake_url, read_only=True) as store:
        ids = [r.event.event_id for r in store.read()]
        assert ids and len(ids) == len(set(ids))
        assert store.count_events("document_ingested") == 5
        assert store.verify_chain().ok
    snapshot = tmp_path / "warehouse" / "snapshot" / "monitor_bi.duckdb"
    assert snapshot.exists()
