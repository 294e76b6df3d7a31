"""`monitor check` after a failed run says so (issue 17, item 8): real `monitor` processes.

Before: a run that failed at validate left a clean chain and clean suites behind, and
`check` printed ok everywhere, exit 0. Now it reports the task failures and the quarantined
rows since the last run that finished, and exits 1 while the last run is a failed one."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from pipeline.settings import PROJECT_DIR
from tests.monitor_cli import run_monitor

# Slow (a full run or many processes): in `make test-slow`, CI's own step.
pytestmark = pytest.mark.slow


SEEDS = PROJECT_DIR / "seeds"


def monitor(*args: str, db: Path) -> subprocess.CompletedProcess:
    return run_monitor(*args, db=db)


def seed_sources(folder: Path, seeds: list[Path], published: str | None = None) -> Path:
    """A folder with copies of some seed articles, dated as in the seeds' manifest or all on
    `published`, and a sources file listing them."""
    folder.mkdir()
    manifest = yaml.safe_load((SEEDS / "manifest.yaml").read_text(encoding="utf-8"))
    for seed in seeds:
        shutil.copy(seed, folder / seed.name)
    if published:
        manifest = {
            "documents": [{"file": s.name, "title": "T", "published": published} for s in seeds]
        }
    (folder / "manifest.yaml").write_text(yaml.safe_dump(manifest), encoding="utf-8")
    sources = {
        "sources": [
            {"name": f"seed-{n}", "url": s.name, "kind": "file"} for n, s in enumerate(seeds)
        ]
    }
    path = folder / "sources.yaml"
    path.write_text(yaml.safe_dump(sources), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """A good run over two seeds, then a run that fails at validate (three seeds dated 2099:
    refused in three documents, as a broken extractor's would be); `check` after each."""
    tmp = tmp_path_factory.mktemp("check_runs")
    db = tmp / "wh" / "monitor.duckdb"
    seeds = sorted(SEEDS.glob("0*.txt"))
    good = monitor("run", "--sources", str(seed_sources(tmp / "good", seeds[:2])), db=db)
    assert good.returncode == 0, good.message
    clean = monitor("check", db=db)
    future = seed_sources(tmp / "future", seeds[2:], "2099-01-01")
    bad = monitor("run", "--sources", str(future), db=db)
    after = monitor("check", db=db)
    later = seed_sources(tmp / "later", seeds[2:])
    return db, clean, bad, after, later


def test_check_after_a_good_run_names_it(history):
    _, clean, _, _, _ = history
    assert clean.returncode == 0, clean.message
    assert "ok last ingest run: cli__" in clean.message and "finished at" in clean.message
    assert "ok last views run: views__" in clean.message


def test_check_after_a_failed_run_fails_with_the_reason(history):
    _, _, bad, after, _ = history
    assert bad.returncode == 1 and "rows failed the data-quality suites" in bad.message
    assert after.returncode == 1, after.message
    assert "FAIL last ingest run: monitor run.validate failed in run cli__" in after.message
    assert "QualityGateError: document batch of run" in after.message
    assert "since cli__" in after.message  # the last run that finished


def test_check_reports_the_rows_quarantined_since_the_last_good_run(history):
    _, _, _, after, _ = history
    assert "note quarantine:" in after.message
    assert "expect_column_values_to_be_between:published" in after.message


def test_a_good_run_after_the_failure_clears_it(history):
    db, _, _, _, later = history
    again = monitor("run", "--sources", str(later), db=db)
    assert again.returncode == 0, again.message
    check = monitor("check", db=db)
    assert check.returncode == 0, check.message
    assert "ok last ingest run:" in check.message
