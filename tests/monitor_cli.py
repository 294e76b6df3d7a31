"""Run the `monitor` command line in a real process against one event log, for tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from pipeline.settings import PROJECT_DIR


def run_monitor(
    *args: str, db: Path, timeout: float = 300, **env: str
) -> subprocess.CompletedProcess:
    """Run `python -m pipeline ARGS` with MONITOR_DB set (and no snapshot override); the
    result carries `message`, its stdout and stderr as one line of words."""
    environment = {**os.environ, "MONITOR_DB": str(db), **env}
    environment.pop("MONITOR_SNAPSHOT", None)
    result = subprocess.run(
        [sys.executable, "-m", "pipeline", *args],
        cwd=PROJECT_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    result.message = " ".join((result.stdout + result.stderr).split())  # type: ignore[attr-defined]
    return result
