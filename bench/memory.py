"""Peak memory of a bench process, read so that each process reports its own figure."""

from __future__ import annotations

import resource
from pathlib import Path


def peak_rss_mb(pid: int | str = "self") -> float:
    """Return a process's peak resident set (VmHWM) in MB, 0.0 if it is gone.

    Not `ru_maxrss`: Linux carries it across fork and exec, so a script started by
    `python -m bench` reported the bench process's own peak (about 560 MB after its CPU
    probe) whenever that was the higher. VmHWM belongs to the process's address space,
    which exec replaces. Without /proc, this process's `ru_maxrss` is the fallback."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    except OSError:
        if pid == "self":
            return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        return 0.0
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0
