"""Runs with nothing new leave little behind (issue 17, item 13): whole runs over the five
seed files into a real warehouse.

Before: every run wrote a new runs/ folder with several copies of every text (+216 KB a run
with nothing new), re-read and re-extracted every file source, and each rebuild added
Great Expectations results and Data Docs pages for good."""

from __future__ import annotations

import os
import time
from dataclasses import replace
from pathlib import Path

import pytest

from pipeline.runner import run_pipeline
from pipeline.settings import PROJECT_DIR, Settings
from pipeline.stages import rebuild_stage

# Slow (a full run or many processes): in `make test-slow`, CI's own step.
pytestmark = pytest.mark.slow


SEEDS = PROJECT_DIR / "seeds" / "sources.yaml"


def size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def test_a_run_with_nothing_new_reads_no_file_again_and_writes_little(tmp_path):
    settings = replace(Settings(), db_path=tmp_path / "wh" / "monitor.duckdb", sources_path=SEEDS)
    first = run_pipeline(settings, rebuild=False)
    second = run_pipeline(settings, rebuild=False)
    runs = settings.warehouse_dir / "runs"
    grown = size(runs / second["run_id"])
    assert size(runs / first["run_id"]) > 200_000
    assert grown < 5_000, f"a run with nothing new wrote {grown} bytes"
    assert second["events appended"] == 0 and "document_ingested" not in second


def test_a_changed_file_is_read_again(tmp_path):
    folder = tmp_path / "own"
    folder.mkdir()
    seed = sorted((PROJECT_DIR / "seeds").glob("001_*.txt"))[0]
    article = folder / "article.txt"
    article.write_bytes(seed.read_bytes())
    sources = folder / "sources.yaml"
    sources.write_text("sources:\n  - {name: own, url: article.txt, kind: file}\n", "utf-8")
    settings = replace(Settings(), db_path=tmp_path / "wh" / "m.duckdb", sources_path=sources)
    assert run_pipeline(settings, rebuild=False)["document_ingested"] == 1
    article.write_bytes(seed.read_bytes() + b"\nAn update at the end.\n")
    again = run_pipeline(settings, rebuild=False)
    assert again.get("document_ingested") == 1 or again.get("duplicate_detected") == 1, again


def test_old_run_folders_are_removed_and_recent_ones_kept(tmp_path):
    settings = replace(Settings(), db_path=tmp_path / "wh" / "monitor.duckdb", sources_path=SEEDS)
    runs = settings.warehouse_dir / "runs"
    old, recent = runs / "manual__old", runs / "manual__recent"
    for folder, days in ((old, 15), (recent, 13)):
        folder.mkdir(parents=True)
        (folder / "unique.jsonl").write_text("{}\n")
        moment = time.time() - days * 86400
        os.utime(folder / "unique.jsonl", (moment, moment))
    run_pipeline(settings, rebuild=False)
    assert not old.exists() and recent.exists()


def test_data_docs_keep_the_last_runs_only(tmp_path):
    settings = replace(
        Settings(), db_path=tmp_path / "wh" / "monitor.duckdb", sources_path=SEEDS, docs_keep_runs=2
    )
    gx = settings.warehouse_dir / "gx" / "uncommitted"
    seen = []
    run_pipeline(settings, rebuild=True)  # the gates' run, then the views' checks
    for _ in range(3):
        before = {p.name for p in (gx / "validations").glob("*/*")}
        rebuild_stage(settings)
        seen += sorted({p.name for p in (gx / "validations").glob("*/*")} - before)
    kept = {p.name for p in (gx / "validations").glob("*/*")}
    assert kept == set(seen[-2:]), (kept, seen)
    pages = {p.name for p in (gx / "data_docs" / "local_site" / "validations").glob("*/*")}
    assert pages == kept
    index = (gx / "data_docs" / "local_site" / "index.html").read_text(encoding="utf-8")
    assert seen[-1] in index and seen[0] not in index
