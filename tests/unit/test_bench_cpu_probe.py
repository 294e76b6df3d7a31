"""The bench's CPU probe: one query timed on 1 and on 2 threads, recorded with the figures."""

from __future__ import annotations

import pytest

from bench.__main__ import cpu_probe


def test_probe_times_both_thread_counts_and_their_ratio():
    probe = cpu_probe(rows=20_000_000)
    assert probe["one_thread_s"] > 0 and probe["two_threads_s"] > 0
    assert probe["parallel_speedup"] == pytest.approx(
        probe["one_thread_s"] / probe["two_threads_s"], rel=0.1
    )


def test_more_rows_take_longer_on_one_thread():
    small, large = cpu_probe(rows=1_000_000), cpu_probe(rows=40_000_000)
    assert large["one_thread_s"] > small["one_thread_s"]
