"""A run's folder: where one run's batches wait between its stages.

`<warehouse>/runs/<run_id>/` holds one file per stage output. Run ids come from anywhere
(Airflow's contain ':' and '+'), so they are made folder-safe first. Every file is written
whole or not at all (a temporary file, then a rename), and a write that fails says in one
line which file and why. Folders whose files are older than the retention are pruned: a
run's batches are only needed while its tasks may be cleared and run again.

Nothing here knows what a stage is; it deals in paths and JSON rows.
"""

from __future__ import annotations

import errno
import json
import logging
import re
import shutil
import time
import uuid
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipeline.errors import InputError, StoreError

log = logging.getLogger(__name__)

RUNS = "runs"


def new_run_id(prefix: str = "manual") -> str:
    """Make a run id: prefix, UTC time and a short random part."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    return f"{prefix}__{stamp}__{uuid.uuid4().hex[:6]}"


def safe_run_id(run_id: str) -> str:
    """Make any run id (e.g. Airflow's) safe to use as a folder name."""
    cleaned = re.sub(r"[^A-Za-z0-9_.+-]+", "_", run_id).strip("._")
    if not cleaned:
        raise InputError(f"run id {run_id!r} has no usable characters")
    return cleaned[:200]


def run_dir(warehouse: Path, run_id: str) -> Path:
    """Return (and create) the folder holding one run's batches under `warehouse`."""
    path = warehouse / RUNS / safe_run_id(run_id)
    path.mkdir(parents=True, exist_ok=True)
    return path


def write_rows(path: Path, rows: Iterable[dict[str, Any]]) -> int:
    """Write JSON lines atomically (temp file, then rename); return the count. A write that
    fails (disk full) leaves neither the batch nor its temp file, and says so in one line."""
    temporary = path.with_name(path.name + ".tmp")
    count = 0
    try:
        with temporary.open("w", encoding="utf-8") as out:
            for row in rows:
                out.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
                count += 1
        temporary.replace(path)
    except OSError as err:
        temporary.unlink(missing_ok=True)
        raise disk_error(path, err) from err
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return count


def disk_error(path: Path, err: OSError) -> StoreError:
    """Say in one line that a file of the run could not be written, and why."""
    if err.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        why = "disk full" if err.errno != errno.EFBIG else "disk full (file-size limit reached)"
    else:
        why = "cannot write"
    return StoreError(f"{path}: {why} ({err.strerror or err})")


def read_rows(path: Path | str) -> Iterator[dict[str, Any]]:
    """Read JSON lines; a bad line is an error naming the file and line."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: batch file missing; run the previous stage first")
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if line.strip():
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as err:
                    raise InputError(f"{path}:{number}: not JSON ({err})") from err
                if not isinstance(row, dict):
                    raise InputError(f"{path}:{number}: not a JSON object")
                yield row


def prune_run_folders(
    warehouse: Path, retention_days: float, keep: Path | None = None, now: float | None = None
) -> list[Path]:
    """Remove the run folders under `warehouse` whose newest file is older than
    `retention_days` (never `keep`; nothing when the retention is 0 or less); return them."""
    if retention_days <= 0:
        return []
    root = warehouse / RUNS
    cutoff = (time.time() if now is None else now) - retention_days * 86400
    removed = []
    for folder in sorted(root.iterdir()) if root.is_dir() else ():
        if folder == keep or not folder.is_dir():
            continue
        newest = max((p.stat().st_mtime for p in folder.iterdir()), default=folder.stat().st_mtime)
        if newest < cutoff:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    if removed:
        log.info("housekeeping: removed %d run folders older than %s days", len(removed),
                 retention_days)  # fmt: skip
    return removed
