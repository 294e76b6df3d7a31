"""The DuckLake backend of the event log: its catalog in PostgreSQL, its rows as Parquet files
in a folder, any number of writer processes.

DuckDB runs in memory and attaches the lake as its default catalog, so every query of the
DuckDB backend (the lookups, the side tables, the views in sql/views/) runs here unchanged,
and the views are built from the lake into the same DuckDB views file as from a DuckDB log.

DuckLake enforces no primary or unique key, and two transactions that append commit side by
side. So what the DuckDB file's keys and single writer kept is kept here in code: every write
takes a PostgreSQL advisory lock (session level, on a connection of its own) before its
transaction starts and releases it after the commit, so choosing the next positions, skipping
logged event ids and chaining the hashes happen one writer at a time, each seeing every row
committed before it. A process that dies holding the lock loses it with its session.

The extensions are the signed builds of the PyPI packages duckdb-extension-ducklake and
duckdb-extension-postgres-scanner, LOADed from their installed files; DuckDB's own
autoinstall and autoload are off, so nothing is ever downloaded.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb

from pipeline.errors import StoreError
from pipeline.settings import SQL_DIR, StoreLocation
from pipeline.store.checkpoint import ChainCheckpoint
from pipeline.store.duckdb_store import DuckDBRecorder, quote_ident, sql_literal
from pipeline.store.migrations import LEDGER_WITHOUT_KEYS, apply_migrations
from pipeline.store.recorder import StoreCheck

log = logging.getLogger(__name__)

LAKE_DDL_DIR = SQL_DIR / "ddl_ducklake"
LAKE_CATALOG = "lake"
# The advisory lock every writer of one lake takes (PostgreSQL's locks are per database, and
# a lake is one database): a fixed number derived from a name, so that it says what it is.
WRITE_LOCK_KEY = int.from_bytes(hashlib.sha256(b"monitor event log").digest()[:8], "big") >> 1
# (python module, extension name): the extensions the lake needs, in load order.
EXTENSIONS = (
    ("duckdb_extension_postgres_scanner", "postgres_scanner"),
    ("duckdb_extension_ducklake", "ducklake"),
)
CHECKPOINT_NAME = "monitor.chain"


def extension_file(module_name: str, extension: str) -> Path:
    """The extension binary a PyPI duckdb-extension-* package installed for this DuckDB."""
    import importlib

    try:
        module = importlib.import_module(module_name)
    except ImportError as err:
        raise StoreError(
            f"the DuckLake backend needs the {module_name.replace('_', '-')} package"
            f" ({err}); run `make setup`"
        ) from err
    path = (
        Path(module.__file__).parent
        / "extensions"
        / f"v{duckdb.__version__}"
        / f"{extension}.duckdb_extension"
    )
    if not path.is_file():
        raise StoreError(
            f"{path}: no {extension} extension for duckdb {duckdb.__version__}: pin"
            f" {module_name.replace('_', '-')} to the duckdb version"
        )
    return path


def connect_lake(location: StoreLocation, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the lake attached as its default catalog, in UTC."""
    # No extension is installed or loaded behind our back (that would be a download).
    con = duckdb.connect(
        config={"autoinstall_known_extensions": False, "autoload_known_extensions": False}
    )
    try:
        con.execute("set TimeZone = 'UTC'")
        con.execute("set enable_progress_bar = false")
        for module_name, extension in EXTENSIONS:
            # LOAD takes no parameters: the path is the installed package's, quoted.
            con.execute(f"load {sql_literal(str(extension_file(module_name, extension)))}")
        if not read_only:
            location.data_path.mkdir(parents=True, exist_ok=True)
        options = f"data_path {sql_literal(str(location.data_path))}"
        if read_only:
            options += ", read_only"
        con.execute(
            f"attach {sql_literal('ducklake:postgres:' + location.libpq)}"
            f" as {LAKE_CATALOG} ({options})"
        )
        con.execute(f"use {LAKE_CATALOG}")
    except (duckdb.Error, OSError) as err:
        con.close()
        raise StoreError(
            f"{location}: cannot open the DuckLake (catalog in PostgreSQL database"
            f" {location.database} at {location.host}:{location.port}, data in"
            f" {location.data_path}): {' '.join(str(err).split())}"
        ) from err
    return con


class DuckLakeRecorder(DuckDBRecorder):
    """Append-only, hash-chained event log in a DuckLake; writers serialise on an advisory lock."""

    def __init__(
        self,
        location: StoreLocation,
        read_only: bool = False,
        views_path: Path | str | None = None,
    ) -> None:
        self.location = location
        self.db_path = location.url  # what messages name
        self.read_only = read_only
        # No id file: the lake is shared by processes on several machines, and a lookup of
        # ids in it reads the event_id column of the files whose id range may hold them.
        self.id_index_path = None
        self.id_index_refresh_tail = 0
        self._id_index = None
        self._id_index_loaded = True
        # The chain checkpoint lives with the lake's data, where every writer finds it.
        self.checkpoint_path = location.data_path / CHECKPOINT_NAME
        self._verified: ChainCheckpoint | None = None
        self._last_row: tuple[int, str] | None = None
        self.views_path = Path(views_path) if views_path else None
        self.views_catalog: str | None = None
        self._views_generation = 0
        self._lock_connection: Any = None
        self._lock_depth = 0
        self.home = LAKE_CATALOG
        if read_only:
            self.con = connect_lake(location, read_only)
        else:
            # The first ATTACH of a new lake creates its catalog tables, and the first writer
            # its own tables: two processes doing either at once collide, so under the lock.
            try:
                with self._write_lock():
                    self.con = connect_lake(location, read_only)
                    try:
                        apply_migrations(self.con, LAKE_DDL_DIR, ledger=LEDGER_WITHOUT_KEYS)
                    except (duckdb.Error, OSError) as err:
                        self.con.close()
                        raise StoreError(
                            f"{location}: cannot prepare the event log: {err}"
                        ) from err
            except BaseException:
                self._close_lock_session()
                raise
        self.attach_views()

    # -- serialising writers -----------------------------------------------------------------

    @contextlib.contextmanager
    def _write_lock(self) -> Iterator[None]:
        """Hold the lake's advisory lock (re-entrant within this recorder)."""
        if self._lock_depth:
            self._lock_depth += 1
            try:
                yield
            finally:
                self._lock_depth -= 1
            return
        connection = self._lock_session()
        with connection.cursor() as cursor:
            cursor.execute("select pg_advisory_lock(%s)", (WRITE_LOCK_KEY,))
        self._lock_depth = 1
        try:
            yield
        finally:
            self._lock_depth = 0
            with connection.cursor() as cursor:
                cursor.execute("select pg_advisory_unlock(%s)", (WRITE_LOCK_KEY,))

    def _lock_session(self) -> Any:
        import psycopg2

        if self._lock_connection is None or self._lock_connection.closed:
            location = self.location
            try:
                self._lock_connection = psycopg2.connect(
                    dbname=location.database,
                    host=location.host,
                    port=location.port,
                    user=location.user,
                )
            except psycopg2.Error as err:
                raise StoreError(
                    f"{location}: cannot reach the lake's PostgreSQL for its write lock: {err}"
                ) from err
            self._lock_connection.autocommit = True
        return self._lock_connection

    def _append_new(self, unique: dict[str, Any], run_id: str, repeats: int) -> Any:
        # Under the lock, and inside a transaction begun after taking it: the last position
        # and the logged ids read here are the lake's, not what this recorder remembers.
        with self._write_lock():
            self._last_row = None
            return super()._append_new(unique, run_id, repeats)

    def _last_logged_row(self) -> tuple[int, str] | None:
        """The lake's last row, always read (other processes append too)."""
        return self.con.execute(
            "select seq, hash from events where seq = (select max(seq) from events)"
        ).fetchone()

    @contextlib.contextmanager
    def _side_write(self) -> Iterator[None]:
        """Side-table writes check for the row first: under the same lock as appends."""
        with self._write_lock(), super()._side_write():
            yield

    # -- the rest of DuckDBRecorder's duties ---------------------------------------------------

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        cursor = self.con.cursor()
        cursor.execute(f"use {quote_ident(LAKE_CATALOG)}")
        return cursor

    def integrity_checks(self) -> list[StoreCheck]:
        result = self.check_checkpoint()
        return [StoreCheck("checkpoint", result.ok, result.detail)]

    def checkpoint(self) -> None:
        """Nothing to write back: each commit is in the catalog and its Parquet files."""

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._close_lock_session()

    def _close_lock_session(self) -> None:
        if self._lock_connection is not None:
            with contextlib.suppress(Exception):
                self._lock_connection.close()
            self._lock_connection = None
