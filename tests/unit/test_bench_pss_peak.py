"""The e2e bench's memory figure: the summed PSS of the process and its live workers."""

from __future__ import annotations

import multiprocessing
import time

from bench.e2e_bench import PssPeak

WORKER_MB = 200


def _hold_memory(ready, release) -> None:
    block = bytearray(WORKER_MB * 2**20)
    for i in range(0, len(block), 4096):  # touch every page: resident, private to the worker
        block[i] = 1
    ready.set()
    release.wait(10)


def test_a_workers_private_memory_is_counted_once_it_is_resident():
    context = multiprocessing.get_context("fork")
    ready, release = context.Event(), context.Event()
    with PssPeak(interval=0.05) as alone:
        time.sleep(0.2)
    with PssPeak(interval=0.05) as with_worker:
        worker = context.Process(target=_hold_memory, args=(ready, release))
        worker.start()
        assert ready.wait(10)
        time.sleep(0.3)
        release.set()
        worker.join(10)
    assert with_worker.samples >= 3
    grew = with_worker.peak_mb - alone.peak_mb
    assert WORKER_MB * 0.9 <= grew <= WORKER_MB * 1.5, grew
