"""Whether this process may start a pool of forked worker processes."""

from __future__ import annotations

import multiprocessing


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
