"""Damaged logs and full disks are one line, never a traceback: `monitor` on a log whose
blocks fail their checksums, a truncated log or a file that is no DuckDB database, and
`monitor run` under a file-size limit (writes fail with EFBIG, as on a full disk) or with
a batch file on /dev/full (ENOSPC), exit 1 with one `error:` line naming the file and the
reason, and leave no partial `*.tmp` batch behind."""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from reliability_driver import batch_events, freeze_clock, run_id
from reliability_support import driver_env

from pipeline.errors import StoreError
from pipeline.run_folder import write_rows
from pipeline.store.duckdb_store import DuckDBRecorder

pytestmark = pytest.mark.timeout(300)
MONITOR = Path(sys.executable).parent / "monitor"
SOURCES = Path(__file__).resolve().parents[2] / "seeds" / "offline" / "sources.yaml"


@pytest.fixture(scope="module")
def damaged(tmp_path_factory) -> dict[str, Path]:
    """A good log, and three damaged copies of it: flipped blocks, cut short, garbage."""
    folder = tmp_path_factory.mktemp("damaged")
    freeze_clock()
    good = folder / "good.duckdb"
    store = DuckDBRecorder(good)
    store.append(batch_events(1, 200), run_id(1))
    store.con.execute("checkpoint")
    store.close()
    size = good.stat().st_size
    logs = {}
    for name in ("flipped", "truncated", "garbage"):
        copy = folder / name / "monitor.duckdb"
        copy.parent.mkdir()
        shutil.copy(good, copy)
        logs[name] = copy
    with logs["flipped"].open("r+b") as handle:
        for offset in range(300_000, size, 4096):
            handle.seek(offset)
            handle.write(b"\xde\xad\xbe\xef" * 4)
    with logs["truncated"].open("r+b") as handle:
        handle.truncate(min(size // 2, 500_000))  # cut inside the events table
    logs["garbage"].write_bytes(b"not a database " * 1000)
    return logs


def monitor(*args: object, preexec=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(MONITOR), *map(str, args)],
        capture_output=True,
        text=True,
        env=driver_env(),
        preexec_fn=preexec,
        timeout=240,
    )


def one_error_line(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 1, result.stderr[-2000:]
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr[-2000:]
    assert lines[0].startswith("error: ")
    return lines[0]


@pytest.mark.parametrize("name", ["flipped", "truncated", "garbage"])
@pytest.mark.parametrize("command", [["check"], ["views"], ["ingest", "--sources", SOURCES]])
def test_a_damaged_log_is_one_line_naming_it(damaged, name, command):
    line = one_error_line(monitor(*command, "--db", damaged[name]))
    assert str(damaged[name]) in line
    assert "damaged (corrupt or truncated)" in line and "restore it from a backup" in line


def no_limit_on_files(limit: int):
    def preexec() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return preexec


@pytest.mark.slow
@pytest.mark.parametrize("limit", [20_000, 300_000])  # the run folder, then the GX files
def test_a_full_disk_during_a_run_is_one_line_and_leaves_no_temp_batch(tmp_path, limit):
    db = tmp_path / "wh" / "monitor.duckdb"
    line = one_error_line(monitor("run", "--db", db, preexec=no_limit_on_files(limit)))
    assert "disk full" in line and str(tmp_path) in line
    leftovers = [p for p in (tmp_path / "wh").rglob("*.tmp")]
    assert leftovers == []


def test_enospc_writing_a_batch_is_one_line_and_leaves_no_temp_file(tmp_path):
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full on this system")
    batch = tmp_path / "candidates.jsonl"
    (tmp_path / "candidates.jsonl.tmp").symlink_to("/dev/full")  # every write: ENOSPC
    with pytest.raises(StoreError) as raised:
        write_rows(batch, [{"url": "https://a.org/"}] * 10_000)
    assert str(raised.value).startswith(f"{batch}: disk full")
    assert "\n" not in str(raised.value)
    assert list(tmp_path.iterdir()) == []
