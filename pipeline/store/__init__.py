"""The event log and what is derived from it. The only code that knows where it lives, and
the only code that touches the database driver: everything else asks `open_store`."""

from __future__ import annotations

from pathlib import Path

from pipeline.settings import (
    DUCKDB_SCHEME,
    DUCKLAKE_SCHEME,
    Settings,
    StoreLocation,
    parse_store_url,
)
from pipeline.store.recorder import AppendResult, ChainReport, EventRecorder, StoreCheck

__all__ = [
    "AppendResult",
    "ChainReport",
    "EventRecorder",
    "StoreCheck",
    "log_exists",
    "open_store",
    "store_location",
]


def store_location(target: Settings | StoreLocation | Path | str) -> StoreLocation:
    """Where `target` says the log lives: settings (MONITOR_STORE_URL, else MONITOR_DB), a
    store URL (duckdb:..., ducklake:...), or the path of a DuckDB file (or ':memory:')."""
    if isinstance(target, Settings):
        return target.store
    if isinstance(target, StoreLocation):
        return target
    text = str(target)
    if text.startswith((f"{DUCKDB_SCHEME}:", f"{DUCKLAKE_SCHEME}:")):
        return parse_store_url(text)
    return StoreLocation(text, DUCKDB_SCHEME, path=text if text == ":memory:" else Path(text))


def open_store(
    target: Settings | StoreLocation | Path | str,
    read_only: bool = False,
    views_path: Path | str | None = None,
    create: bool = True,
    wait: float | None = None,
) -> EventRecorder:
    """Open the event log `target` names (see `store_location`) with its published views
    attached (`views_path`; from settings their snapshot path, else for a DuckDB file
    `<log folder>/snapshot/<log name>_bi.duckdb`). With `create=False` a DuckDB path where no
    log exists is an error, not a new empty log. While another process holds a DuckDB file
    the open is retried for up to `wait` seconds (from settings: MONITOR_LOCK_WAIT) before
    StoreBusyError, which names the holder."""
    location = store_location(target)
    if isinstance(target, Settings):
        views_path = views_path or target.bi_snapshot_path
        wait = target.lock_wait_s if wait is None else wait
    if location.kind == DUCKLAKE_SCHEME:
        from pipeline.store.ducklake_store import DuckLakeRecorder

        return DuckLakeRecorder(location, read_only=read_only, views_path=views_path)
    from pipeline.store.duckdb_store import DuckDBRecorder

    return DuckDBRecorder(
        location.path, read_only=read_only, views_path=views_path, create=create, wait=wait or 0.0
    )


def log_exists(target: Settings | StoreLocation | Path | str) -> bool:
    """Whether there is a log to ask yet (a stage's lookups answer "nothing" before the first
    append). A DuckLake's catalog is created as it is first opened, so it always answers."""
    location = store_location(target)
    if location.kind == DUCKLAKE_SCHEME or location.path == ":memory:":
        return True
    return Path(location.path).exists()
