"""bench/store_bench.py runs at a tiny size on both backends (so `make bench` cannot rot):
real events through the store interface, timed appends, a views replay, and on DuckLake two
writer processes at once leaving every event once and an intact chain."""

from __future__ import annotations

import json

import pytest

from bench import store_bench


def _run(tmp_path, backend: str, extra: list[str]) -> dict:
    out = tmp_path / f"{backend}.json"
    argv = ["--events", "2000", "--backends", backend, "--batch", "200"]
    argv += ["--measure-batches", "2", "--fill-batch", "1000", "--docs", str(store_bench.SEEDS)]
    assert store_bench.main([*argv, *extra, "--json", str(out)]) == 0
    return json.loads(out.read_text(encoding="utf-8"))


def test_duckdb_backend(tmp_path):
    figures = _run(tmp_path, "duckdb", [])
    assert figures["store_duckdb_2k_log_events"] >= 2000 + 2 * 200
    assert 0 < figures["store_duckdb_2k_append_ms_p50"] <= figures["store_duckdb_2k_append_ms_max"]
    assert figures["store_duckdb_2k_replay_s"] > 0
    assert not any("two_writers" in key for key in figures)  # one writer per DuckDB file
    assert figures["store_articles"] == len(list(store_bench.SEEDS.glob("*.txt")))


def test_ducklake_backend_with_two_writers(tmp_path):
    if store_bench.postgres_reachable(store_bench.PG_DEFAULT):
        pytest.skip("the DuckLake benchmark needs PostgreSQL at 127.0.0.1:5432")
    figures = _run(tmp_path, "ducklake", ["--writer-batches", "2"])
    assert figures["store_ducklake_2k_log_events"] >= 2000 + 2 * 200
    assert figures["store_ducklake_2k_append_ms_max"] > 0
    assert figures["store_ducklake_2k_two_writers_chain_ok"] is True
    assert figures["store_ducklake_2k_two_writers_events_per_s"] > 0
