"""Whether this process may start a pool of forked worker processes, and how a forked worker
keeps its memory."""

from __future__ import annotations

import ctypes
import ctypes.util
import multiprocessing

# glibc's mallopt parameters (malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
# Blocks below this come from the heap, not from a mapping of their own (glibc's maximum).
WORKER_MMAP_THRESHOLD = 32 * 1024 * 1024
# Freed heap memory is handed back to the system only beyond this much at the top.
WORKER_TRIM_THRESHOLD = 256 * 1024 * 1024


def may_fork_workers() -> bool:
    """Return whether a process pool may be forked here: the platform forks, and this process
    is no daemon. A Celery worker's pool processes are daemonic, and so are the Airflow task
    processes they fork (CeleryExecutor); Python refuses a daemonic process children
    ("daemonic processes are not allowed to have children"), so there the stages work
    in-process, and the parallelism comes from more Celery workers."""
    return (
        "fork" in multiprocessing.get_all_start_methods()
        and not multiprocessing.current_process().daemon
    )


def keep_freed_memory() -> bool:
    """Make this (forked, long-lived) worker keep the memory it frees for its next
    allocations instead of handing it back to the system; return whether that could be set.

    glibc adapts its thresholds to a process's own history, and a forked worker starts from
    its parent's: measured on the development articles, the extractor's two workers took
    about 180,000 page faults between them (0.5 CPU s in the kernel, 7% of their time) as
    their model buffers were mapped and unmapped again, against 47,000 with fixed
    thresholds. Only on glibc; elsewhere nothing changes."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
        mallopt = getattr(libc, "mallopt", None)
    except OSError:
        return False
    if mallopt is None:
        return False
    return bool(
        mallopt(_M_TRIM_THRESHOLD, WORKER_TRIM_THRESHOLD)
        and mallopt(_M_MMAP_THRESHOLD, WORKER_MMAP_THRESHOLD)
    )
