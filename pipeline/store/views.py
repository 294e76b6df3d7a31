"""Materialised views: rebuilt from the event log by sql/views/*.sql, published as a snapshot.

The files run in name order (010_, 020_, ...) inside one transaction, so a reader of the
warehouse never sees a half-built set. Each file creates one table, view or macro: tables
hold what is computed; a view only selects from them (it costs nothing to rebuild and
copies no evidence text). After each rebuild the tables are copied into a separate DuckDB
file, its views and macros are created there too, and the file, written aside, is renamed
into place: BI tools open that snapshot read-only and keep their version until they
reopen it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipeline.errors import StoreError
from pipeline.settings import SQL_DIR
from pipeline.store.duckdb_store import DuckDBRecorder

VIEWS_DIR = SQL_DIR / "views"
# DuckDB's memory while the views are rebuilt: the bench target is a peak under 4 GiB
# for the whole process at 10M statements (see bench/replay_bench.py).
# DuckDB's allocations outside its buffer pool add about 1 GB on top at 10M (3GB gave a
# 4.1 GB peak).
REBUILD_MEMORY_LIMIT = "2.5GB"
_MEMORY_SIZE = re.compile(r"^\d+(\.\d+)?\s*([KMGT]i?B|bytes)$", re.I)
_CREATES = re.compile(r"create\s+or\s+replace\s+(table|view|macro)\s+([a-z_][a-z0-9_]*)", re.I)


@dataclass(frozen=True, slots=True)
class ViewFile:
    path: Path
    kind: str  # "table", "view" or "macro"
    name: str

    @property
    def is_relation(self) -> bool:
        """A table or view: something to select from (a macro is called)."""
        return self.kind in ("table", "view")


def list_view_files(views_dir: Path = VIEWS_DIR) -> list[ViewFile]:
    """List the view files in their apply order, with what each creates."""
    files = []
    for path in sorted(views_dir.glob("*.sql")):
        match = _CREATES.search(path.read_text(encoding="utf-8"))
        if not match:
            raise ValueError(f"{path}: a view file creates one table, view or macro")
        files.append(ViewFile(path, match.group(1).lower(), match.group(2).lower()))
    return files


def view_tables(views_dir: Path = VIEWS_DIR) -> list[str]:
    """Name the tables the view files create, in apply order."""
    return [f.name for f in list_view_files(views_dir) if f.kind == "table"]


def view_relations(views_dir: Path = VIEWS_DIR) -> list[str]:
    """Name the tables and views the view files create, in apply order."""
    return [f.name for f in list_view_files(views_dir) if f.is_relation]


def rebuild_views(
    recorder: DuckDBRecorder,
    views_dir: Path = VIEWS_DIR,
    memory_limit: str | None = REBUILD_MEMORY_LIMIT,
) -> dict[str, int]:
    """Rebuild every view from the log in one transaction; return each table's and view's
    row count.

    DuckDB's own default would let it take 80 % of the machine's memory on a big log;
    during the rebuild it is held to `memory_limit` (sorts and joins spill to disk
    beyond it) and restored afterwards. None keeps the connection's setting.
    """
    files = list_view_files(views_dir)
    con = recorder.con
    with _memory_limit(con, memory_limit):
        con.execute("begin transaction")
        try:
            for view in files:
                _drop_if_other_kind(con, view)
                con.execute(view.path.read_text(encoding="utf-8"))
            con.execute("commit")
        except duckdb.Error as err:
            con.execute("rollback")
            raise StoreError(f"rebuilding views failed, previous views kept: {err}") from err
    return {
        f.name: con.execute(f'select count(*) from "{f.name}"').fetchone()[0]
        for f in files
        if f.is_relation
    }


def _drop_if_other_kind(con: duckdb.DuckDBPyConnection, view: ViewFile) -> None:
    """`create or replace` cannot turn a table into a view (or back): a warehouse built by
    an earlier version holds the old kind, dropped here inside the rebuild's transaction."""
    if view.kind == "macro":
        return
    kinds = {
        row[0]
        for row in con.execute(
            "select 'table' from duckdb_tables() where table_name = ? and database_name ="
            " current_database() and schema_name = current_schema()"
            " union all select 'view' from duckdb_views() where view_name = ? and"
            " database_name = current_database() and schema_name = current_schema()",
            [view.name, view.name],
        ).fetchall()
    }
    for other in kinds - {view.kind}:
        # The name comes from a checked view file (see _CREATES), not from data.
        con.execute(f'drop {other} "{view.name}"')


def publish_snapshot(
    recorder: DuckDBRecorder, snapshot_path: Path, views_dir: Path = VIEWS_DIR
) -> Path:
    """Copy the view tables and macros into a new DuckDB file and rename it into place."""
    snapshot_path.parent.mkdir(parents=True, exist_ok=True)
    temporary = snapshot_path.with_name(f".{snapshot_path.name}.{os.getpid()}.tmp")
    # A publisher killed midway leaves its temporary file (and WAL) behind. This process holds
    # the event log for writing, so no other publisher is running: remove them all.
    for pattern in (f".{snapshot_path.name}.*.tmp", f".{snapshot_path.name}.*.tmp.wal"):
        for leftover in snapshot_path.parent.glob(pattern):
            leftover.unlink(missing_ok=True)
    con = recorder.con
    # Copying the views is bounded like the rebuild (unbounded it peaked at 8.8 GB at 10M).
    with _memory_limit(con, REBUILD_MEMORY_LIMIT):
        _copy_views_into(con, temporary, views_dir)
    os.replace(temporary, snapshot_path)
    return snapshot_path


def _copy_views_into(con: duckdb.DuckDBPyConnection, temporary: Path, views_dir: Path) -> None:
    home = con.execute("select current_database()").fetchone()[0]
    # ATTACH takes no parameters; the path is configuration, quoted as a SQL literal.
    con.execute(f"attach {_sql_literal(str(temporary))} as bi_snapshot")
    try:
        for view in list_view_files(views_dir):
            if view.kind == "table":
                source = f'"{home}"."{view.name}"'
                con.execute(f'create table bi_snapshot."{view.name}" as select * from {source}')
        con.execute("use bi_snapshot")
        try:
            # Views and macros are created inside the snapshot, in apply order, so that
            # they select from its own tables when a BI tool opens the file alone.
            for view in list_view_files(views_dir):
                if view.kind != "table":
                    con.execute(view.path.read_text(encoding="utf-8"))
        finally:
            con.execute(f'use "{home}"')
        con.execute("checkpoint bi_snapshot")
    finally:
        con.execute("detach bi_snapshot")


@contextlib.contextmanager
def _memory_limit(con: duckdb.DuckDBPyConnection, limit: str | None) -> Iterator[None]:
    """Hold DuckDB to `limit` (e.g. "3GB") inside the block, then restore the setting."""
    if limit is None:
        yield
        return
    if not _MEMORY_SIZE.match(limit):
        raise ValueError(f"memory limit must look like '3GB' or '512MiB', got {limit!r}")
    before = con.execute("select current_setting('memory_limit')").fetchone()[0]
    # SET takes no parameters; both values are checked sizes, quoted as SQL literals.
    con.execute(f"set memory_limit = {_sql_literal(limit)}")
    try:
        yield
    finally:
        con.execute(f"set memory_limit = {_sql_literal(before)}")


def views_fingerprint(con: duckdb.DuckDBPyConnection, views_dir: Path = VIEWS_DIR) -> str:
    """Hash every view table's and view's full contents in a fixed order (rebuilds must
    match)."""
    digest = hashlib.sha256()
    for name in view_relations(views_dir):
        digest.update(name.encode())
        rows = con.execute(f'select * from "{name}" order by all').fetchall()
        for row in rows:
            digest.update(repr(row).encode("utf-8"))
    return digest.hexdigest()


def _sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
