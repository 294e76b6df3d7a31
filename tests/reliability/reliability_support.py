"""Parent-side helpers of the reliability tests: start the driver, kill it, inspect a store."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import duckdb

from pipeline.store.views import view_relations, views_fingerprint

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
DRIVER = HERE / "reliability_driver.py"


def driver_env() -> dict[str, str]:
    env = dict(os.environ)
    env["GX_ANALYTICS_ENABLED"] = "False"
    env["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT), str(HERE), *filter(None, [env.get("PYTHONPATH")])]
    )
    return env


def driver_cmd(*args: object) -> list[str]:
    return [sys.executable, str(DRIVER), *map(str, args)]


def spawn(
    *args: object, preexec_fn: Callable[[], None] | None = None, stdin: bool = False
) -> subprocess.Popen:
    """Start the driver with line-buffered text stdout (and stdin when asked)."""
    errors = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - lives as long as the process
    proc = subprocess.Popen(
        driver_cmd(*args),
        cwd=ROOT,
        env=driver_env(),
        stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=errors,
        text=True,
        bufsize=1,
        preexec_fn=preexec_fn,
    )
    proc.errors_file = errors  # type: ignore[attr-defined]
    return proc


def run_driver(*args: object, timeout: float = 60) -> list[str]:
    """Run the driver to completion; return its stdout lines (fail on a non-zero exit)."""
    result = subprocess.run(
        driver_cmd(*args),
        cwd=ROOT,
        env=driver_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout.splitlines()


class DriverServer:
    """One `reliability_driver.py serve` process: imports once, forks a child per job."""

    def __init__(self) -> None:
        self.proc = spawn("serve", stdin=True)

    def run(
        self, *args: object, kill_after: str | None = None, delay: float = 0.0
    ) -> tuple[list[tuple[float, str]], int]:
        """Run one job; SIGKILL its process `delay` s after the line `kill_after`.

        Return the job's stdout lines, each stamped when the parent read it, and its exit
        status (-9 when killed).
        """
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps([str(a) for a in args]) + "\n")
        self.proc.stdin.flush()
        lines: list[tuple[float, str]] = []
        pid = None
        killed = False
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise AssertionError(f"the driver server died: {stderr_of(self.proc)}")
            words = line.split()
            if words[:1] == ["exit"]:
                return lines, int(words[1])
            if words[:1] == ["pid"] and pid is None:
                pid = int(words[1])
                continue
            lines.append((time.monotonic(), line.strip()))
            if kill_after is not None and not killed and line.strip() == kill_after:
                time.sleep(delay)
                os.kill(pid, signal.SIGKILL)
                killed = True

    def kill_at(self, args: Sequence[object], marker: str, delay: float) -> list[str]:
        """Run a job and SIGKILL it `delay` s after `marker`; return the lines it printed."""
        lines, status = self.run(*args, kill_after=marker, delay=delay)
        seen = [line for _, line in lines]
        assert status == -signal.SIGKILL, (
            f"the job ended before the kill point {marker!r} (exit {status}): {seen[-5:]} "
            f"{stderr_of(self.proc)}"
        )
        return seen

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


def stderr_of(proc: subprocess.Popen) -> str:
    proc.errors_file.seek(0)
    return proc.errors_file.read()[-3000:]


def table_names(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute("select table_name from information_schema.tables").fetchall()
    return {r[0] for r in rows}


def has_views(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether a view set exists (all its tables and views or none: a half set is a failure)."""
    present = table_names(con) & set(view_relations())
    assert present in (set(), set(view_relations())), f"half a view set: {sorted(present)}"
    return bool(present)


def snapshot_fingerprint(snapshot: Path) -> str:
    """Open a BI snapshot read-only, check it is whole, and return its fingerprint."""
    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        assert has_views(con), f"{snapshot} holds no view tables"
        # the table macro came along too
        con.execute("select count(*) from stance_as_of(date '2025-06-01')").fetchone()
        return views_fingerprint(con)
    finally:
        con.close()
