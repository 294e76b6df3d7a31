"""A Celery worker's pool processes are daemonic, and so are the Airflow task processes they
fork; Python refuses a daemonic process children. The statement extractor asked for a pool
there extracts in-process instead of failing the task (found by the Celery smoke test)."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from pipeline.processes import may_fork_workers

SEEDS_DIR = Path(__file__).resolve().parents[2] / "seeds"


def _in_daemonic_process(target, *args):
    """Run target(queue, *args) in a forked daemonic process; return what it put."""
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    process = context.Process(target=target, args=(results, *args), daemon=True)
    process.start()
    try:
        return results.get(timeout=120)
    finally:
        process.join(timeout=30)


def _report_may_fork(results):
    results.put(may_fork_workers())


def _extract_pooled(results, text):
    from pipeline.statements import load_extractor
    from pipeline.statements.model import ArticleText

    extractor = load_extractor(workers=2)
    try:
        statements = next(extractor.extract_many([ArticleText(text=text, published=None)]))
        results.put(([s.evidence for s in statements], extractor.worker_pids))
    except Exception as error:  # reported to the test, which fails naming it
        results.put(f"{type(error).__name__}: {error}")
    finally:
        extractor.close()


def test_a_daemonic_process_may_not_fork_workers_and_this_one_may():
    assert may_fork_workers()
    assert _in_daemonic_process(_report_may_fork) is False


@pytest.mark.timeout(180)
def test_the_extractor_asked_for_workers_extracts_in_a_daemonic_process_in_process():
    from pipeline.statements import load_extractor
    from pipeline.statements.model import ArticleText

    text = sorted(SEEDS_DIR.glob("0*.txt"))[0].read_text(encoding="utf-8")
    serial = load_extractor(workers=1)
    expected = [s.evidence for s in serial.extract(ArticleText(text=text, published=None))]
    assert expected, "the seed article should hold statements"

    outcome = _in_daemonic_process(_extract_pooled, text)
    assert not isinstance(outcome, str), outcome
    evidence, worker_pids = outcome
    assert evidence == expected
    assert worker_pids == [], "no pool may be forked from a daemonic process"


def test_a_forked_worker_keeps_the_memory_it_frees():
    import platform
    import subprocess
    import sys

    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        pytest.skip("mallopt is glibc's")
    # Each measure in a fresh interpreter: glibc's thresholds adapt to a process's history
    # (this test process's included), which a forked child would inherit.
    faults = {}
    for keep in (True, False):
        done = subprocess.run(
            [sys.executable, "-c", _BIG_BUFFERS, str(keep)],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).resolve().parents[2],
        )
        faults[keep] = int(done.stdout.strip())
    # About 8,200 faults per round by default; kept, only the first round's.
    assert faults[False] > 40_000
    assert faults[True] < faults[False] / 4


# 32 MiB of 1 MiB blocks, every page written, then all freed, ten times: by default glibc
# hands the freed top of its heap back and the next round faults it in again.
_BIG_BUFFERS = """
import resource, sys
from pipeline.processes import keep_freed_memory
if sys.argv[1] == "True":
    assert keep_freed_memory() is True
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(10):
    buffers = [b"\\x01" * (1 << 20) for _ in range(32)]
    del buffers
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""
