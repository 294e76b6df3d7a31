"""`monitor statements` on many files extracts in a worker pool: same JSONL, pool closed."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest
from typer.testing import CliRunner

import pipeline.statements as statements
from pipeline.cli import app
from pipeline.statements import batch

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
LOAD_EXTRACTOR = statements.load_extractor


def _statements_jsonl(files: list[Path], monkeypatch, pool_min: int) -> tuple[str, list[int]]:
    asked: list[int] = []

    def recording_load(workers: int = 1):
        asked.append(workers)
        return LOAD_EXTRACTOR(workers=workers)

    monkeypatch.setattr(batch, "POOL_MIN_DOCUMENTS", pool_min)
    monkeypatch.setattr(statements, "load_extractor", recording_load)
    result = CliRunner().invoke(app, ["statements", "--format", "jsonl", *map(str, files)])
    assert result.exit_code == 0, result.output
    return result.stdout, asked


@pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="the pool forks its workers"
)
def test_pooled_statements_command_prints_the_serial_jsonl(monkeypatch):
    # Each seed four times over: several tasks of 8 articles, spread over both workers.
    files = sorted(SEEDS.glob("*.txt")) * 4
    serial, serial_workers = _statements_jsonl(files, monkeypatch, pool_min=10**9)
    pooled, pooled_workers = _statements_jsonl(files, monkeypatch, pool_min=2)
    assert serial_workers == [1]
    assert pooled_workers == [batch.statement_workers(len(files))]
    assert serial.count("\n") > 40
    assert pooled == serial
    assert not multiprocessing.active_children()  # the pool was shut down


def test_a_small_batch_is_extracted_in_process():
    assert batch.statement_workers(batch.POOL_MIN_DOCUMENTS - 1) == 1
    assert batch.statement_workers(batch.POOL_MIN_DOCUMENTS) >= 1
