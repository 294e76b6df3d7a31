"""Materialised views: rebuilt from the event log by sql/views/*.sql into a file of their own.

Each file creates one table, view or macro: tables hold what is computed; a view only
selects from them (it costs nothing to rebuild and copies no evidence text). The files run
in name order into a new DuckDB file written beside the published one (the BI snapshot),
each committed before the next reads it; the new file is checked, then renamed into place,
so a reader never sees a half-built set and keeps its version until it reopens. The log's
own connection attaches the published file read-only, behind the log on its search path:
`statements`, `actor_current_stance`, ... answer there as in the snapshot.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipeline.errors import StoreError
from pipeline.settings import SQL_DIR
from pipeline.store.duckdb_store import (
    DuckDBRecorder,
    damaged_store_error,
    quote_ident,
    search_path,
    sql_literal,
)
from pipeline.store.sql_files import store_sql

VIEWS_DIR = SQL_DIR / "views"
# DuckDB's memory while the views are rebuilt: the bench target is a peak under 4 GiB
# for the whole process at 10M statements (see bench/replay_bench.py).
# DuckDB's allocations outside its buffer pool add about 1 GB on top at 10M (3GB gave a
# 4.1 GB peak).
REBUILD_MEMORY_LIMIT = "2.5GB"
# The new views file is scratch until it is published: it is checkpointed once at the end,
# so no commit needs a WAL (a killed build's file is thrown away). Row groups of 30,720 rows,
# not 122,880: a table that fills no whole row group is held back until the checkpoint (at a
# million statements the documents' 95,000 texts, 0.7-1.4 s), and a view table of fewer
# rows is scanned by one thread only.
BUILD_ATTACH_OPTIONS = "recovery_mode no_wal_writes, row_group_size 30720"
# String compression DuckDB may not try while the views are written: FSST. Trying and
# applying it to every string column was 0.65 s of a 4.8 s rebuild at a million statements
# (bench/RESULTS.md); without it the strings are dictionary-encoded or stored plain, the
# views file grows (statements 52 -> 66 MB there, 153 -> 234 MB with unique evidence
# sentences) and its strings scan without decompression. The log keeps FSST.
BUILD_DISABLED_COMPRESSION = "fsst"
_MEMORY_SIZE = re.compile(r"^\d+(\.\d+)?\s*([KMGT]i?B|bytes)$", re.I)
_CREATES = re.compile(
    r"create\s+or\s+replace\s+(table|view|macro)\s+(?:([a-z_][a-z0-9_]*)\.)?([a-z_][a-z0-9_]*)",
    re.I,
)
# The schema BI tools are pointed at; what a view file creates elsewhere (`internal.`) is the
# views' own machinery, not offered to analysts, exports or reports.
PUBLIC_SCHEMA = "main"


@dataclass(frozen=True, slots=True)
class ViewFile:
    path: Path
    kind: str  # "table", "view" or "macro"
    name: str
    schema: str = PUBLIC_SCHEMA

    @property
    def is_relation(self) -> bool:
        """A table or view: something to select from (a macro is called)."""
        return self.kind in ("table", "view")

    @property
    def is_public(self) -> bool:
        """A table or view analysts read (in the public schema)."""
        return self.is_relation and self.schema == PUBLIC_SCHEMA

    def qualified(self, catalog: str | None = None) -> str:
        """The quoted name to select from: [catalog.]schema.name."""
        parts = ([catalog] if catalog else []) + [self.schema, self.name]
        return ".".join(quote_ident(part) for part in parts)


def list_view_files(views_dir: Path = VIEWS_DIR) -> list[ViewFile]:
    """List the view files in their apply order, with what each creates."""
    files = []
    for path in sorted(views_dir.glob("*.sql")):
        match = _CREATES.search(path.read_text(encoding="utf-8"))
        if not match:
            raise ValueError(f"{path}: a view file creates one table, view or macro")
        kind, schema, name = match.group(1), match.group(2), match.group(3)
        files.append(ViewFile(path, kind.lower(), name.lower(), (schema or PUBLIC_SCHEMA).lower()))
    return files


def public_relations(views_dir: Path = VIEWS_DIR) -> list[str]:
    """Name the tables and views analysts and BI tools read, in apply order."""
    return [f.name for f in list_view_files(views_dir) if f.is_public]


def view_tables(views_dir: Path = VIEWS_DIR) -> list[str]:
    """Name the tables the view files create, in apply order."""
    return [f.name for f in list_view_files(views_dir) if f.kind == "table"]


def view_relations(views_dir: Path = VIEWS_DIR) -> list[str]:
    """Name the tables and views the view files create, in apply order."""
    return [f.name for f in list_view_files(views_dir) if f.is_relation]


@dataclass(frozen=True, slots=True)
class ViewBuild:
    """A set of views built aside: attached as `catalog`, answering unqualified names on the
    recorder's connection, not yet published (`path` is its temporary file; None in memory)."""

    catalog: str
    path: Path | None
    counts: dict[str, int]


def rebuild_views(
    recorder: DuckDBRecorder,
    views_dir: Path = VIEWS_DIR,
    memory_limit: str | None = REBUILD_MEMORY_LIMIT,
) -> dict[str, int]:
    """Rebuild every view from the log and publish them; return each table's and view's
    row count. `build_views`, then `publish_views` (see them)."""
    build = build_views(recorder, views_dir, memory_limit)
    publish_views(recorder, build)
    return build.counts


def build_views(
    recorder: DuckDBRecorder,
    views_dir: Path = VIEWS_DIR,
    memory_limit: str | None = REBUILD_MEMORY_LIMIT,
) -> ViewBuild:
    """Build every view from the log into a new, empty views database, written aside.

    The files run in name order, each in its own transaction, into a temporary file next to
    the views file (in memory for an in-memory log); nothing a reader opens changes until
    `publish_views` renames it into place, and a failed or killed build leaves the published
    views as they were. Building into a fresh file, not inside the log's own transaction,
    is what keeps a rebuild fast: each table is committed before the next reads it, no old
    table is replaced, and no copy is needed to publish.

    DuckDB's own default would let it take 80 % of the machine's memory on a big log;
    during the build it is held to `memory_limit` (sorts and joins spill to disk beyond
    it) and restored afterwards. None keeps the connection's setting.
    """
    files = list_view_files(views_dir)
    con = recorder.con
    # Views are only built from a log whose chain verifies (from the last verified
    # position, with the fingerprint of the rows before it): a tampered or truncated log
    # raises ChainError here and nothing is published.
    recorder.verify_from_checkpoint(fingerprint=True)
    _drop_legacy_views(recorder, files)
    previous = recorder.views_catalog
    catalog = recorder.next_views_catalog()
    temporary = _temporary_path(recorder.views_path) if recorder.views_path else None
    try:
        # ATTACH and SET take no parameters: the path is configuration and the catalog a
        # generated name, quoted as SQL literals / identifiers.
        con.execute(
            f"attach {sql_literal(str(temporary or ':memory:'))} as {quote_ident(catalog)}"
            f" ({BUILD_ATTACH_OPTIONS})"
        )
    except duckdb.Error as err:
        raise _views_error(recorder, temporary, "cannot create the new views file", err) from err
    try:
        with (
            _memory_limit(con, memory_limit),
            _setting(con, "preserve_insertion_order", "false"),
            _setting(con, "disabled_compression_methods", BUILD_DISABLED_COMPRESSION),
        ):
            # The new catalog first: the files create their tables there and read `events`
            # from the log behind it.
            _search(con, catalog, recorder.home)
            try:
                for view in files:
                    con.execute(view.path.read_text(encoding="utf-8"))
            finally:
                recorder.search_views(previous)
            counts = {
                f.name: con.execute(f"select count(*) from {f.qualified(catalog)}").fetchone()[0]
                for f in files
                if f.is_relation
            }
            if temporary is not None:
                con.execute(f"checkpoint {quote_ident(catalog)}")
    except duckdb.Error as err:
        _discard(recorder, catalog, temporary)
        raise _views_error(recorder, temporary, "rebuilding views failed", err) from err
    except BaseException:
        _discard(recorder, catalog, temporary)
        raise
    # The new views answer from here on, so they can be checked before they are published.
    recorder.search_views(catalog)
    return ViewBuild(catalog, temporary, counts)


@dataclass(frozen=True, slots=True)
class SnapshotSource:
    """Which log a views catalog was built from (sql/views/095_snapshot_source.sql)."""

    log_first_hash: str | None
    last_seq: int
    last_hash: str | None
    n_events: int


def snapshot_source(recorder: DuckDBRecorder, catalog: str) -> SnapshotSource | None:
    """Where the views attached as `catalog` were built from (None: built before that was
    recorded)."""
    con = recorder.con
    tables = {r[0] for r in con.execute(store_sql("catalog_tables"), {"catalog": catalog})
              .fetchall()}  # fmt: skip
    if "snapshot_source" not in tables:
        return None
    row = con.execute(store_sql("snapshot_source").format(catalog=f'"{catalog}"')).fetchone()
    return SnapshotSource(row[0], int(row[1]), row[2], int(row[3]))


def replacement_refused(recorder: DuckDBRecorder, build: ViewBuild) -> str | None:
    """Why publishing `build` over the published views would lose what they show (None when
    it would not): a build of an empty log over views of a non-empty one, of another log
    (its first row differs), or of a log shorter than, or different from, the one the
    published views were built from."""
    previous = recorder.views_catalog
    if previous is None or build.path is None:
        return None
    old, new = snapshot_source(recorder, previous), snapshot_source(recorder, build.catalog)
    if new is None:
        return None
    if old is None:  # published before their source was recorded: spare their documents
        shown = recorder.con.execute(
            store_sql("snapshot_documents").format(catalog=f'"{previous}"')
        ).fetchone()[0]
        return "the log is empty" if new.n_events == 0 and shown else None
    if old.n_events == 0:
        return None
    if new.n_events == 0:
        return f"the log is empty, and the published views show {old.n_events} events"
    if new.log_first_hash != old.log_first_hash:
        return (
            f"the published views show {old.n_events} events of another log (its first"
            f" event hashes to {str(old.log_first_hash)[:12]}, this log's to"
            f" {str(new.log_first_hash)[:12]})"
        )
    if new.last_seq < old.last_seq:
        return (
            f"the log ends at position {new.last_seq}, but the published views were built"
            f" from it up to position {old.last_seq}: events were removed"
        )
    if recorder.hash_at(old.last_seq) != old.last_hash:
        return (
            f"the log's chain hash at position {old.last_seq} is not the one the published"
            " views were built from: the log was rewritten"
        )
    return None


def publish_views(recorder: DuckDBRecorder, build: ViewBuild, replace: bool = False) -> None:
    """Make a build the published views: rename its file over the views file (readers that
    hold the old file keep reading it) and attach it read-only in its place.

    A build that would replace views of another, longer or non-empty log is discarded with
    a StoreError saying why (see `replacement_refused`), unless `replace` is set."""
    con = recorder.con
    previous = recorder.views_catalog
    refused = None if replace else replacement_refused(recorder, build)
    if refused is not None:
        discard_views(recorder, build)
        raise StoreError(
            f"{recorder.views_path}: not replaced by views of {recorder.db_path}: {refused}."
            " Check the log path (--db, MONITOR_DB); to publish these views anyway, pass"
            " --replace-snapshot"
        )
    recorder.search_views(None)
    if build.path is None:  # in memory: the new catalog simply stays attached
        recorder.adopt_views(build.catalog)
        return
    con.execute(f'detach "{build.catalog}"')
    _remove_quietly(Path(f"{build.path}.wal"))  # checkpointed: an empty WAL at most
    try:
        os.replace(build.path, recorder.views_path)
    except OSError as err:
        _remove_quietly(build.path)
        recorder.search_views(previous)  # the previous views answer again
        raise StoreError(
            f"{recorder.views_path}: cannot publish the new views, previous views kept: {err}"
        ) from err
    recorder.detach_views()
    if not recorder.attach_views(build.catalog):
        raise StoreError(f"{recorder.views_path}: published, but cannot be opened again")


def discard_views(recorder: DuckDBRecorder, build: ViewBuild) -> None:
    """Drop a build that is not to be published; the published views answer again."""
    _discard(recorder, build.catalog, build.path)
    recorder.search_views(recorder.views_catalog)


def publish_snapshot(
    recorder: DuckDBRecorder, snapshot_path: Path, views_dir: Path = VIEWS_DIR
) -> Path:
    """Copy the published views into a second file at `snapshot_path`, written aside and
    renamed into place (the views file itself is the snapshot BI tools open; this is for
    another copy)."""
    snapshot_path = Path(snapshot_path)
    if (
        recorder.views_path is not None
        and snapshot_path.resolve() == Path(recorder.views_path).resolve()
    ):
        return snapshot_path
    if recorder.views_catalog is None:
        raise StoreError(f"{recorder.db_path}: no views published yet; run `monitor views`")
    snapshot_path.parent.mkdir(parents=True, exist_ok=True)
    temporary = _temporary_path(snapshot_path)
    if recorder.views_path is not None:
        # A published views file is never written again: a plain copy is a whole version.
        shutil.copyfile(recorder.views_path, temporary)
    else:
        con = recorder.con
        with _memory_limit(con, REBUILD_MEMORY_LIMIT):
            _copy_views_into(con, recorder.views_catalog, temporary, views_dir)
    os.replace(temporary, snapshot_path)
    return snapshot_path


def _copy_views_into(
    con: duckdb.DuckDBPyConnection, source: str, temporary: Path, views_dir: Path
) -> None:
    home = con.execute("select current_database()").fetchone()[0]
    # ATTACH takes no parameters; the path is configuration, quoted as a SQL literal.
    con.execute(f"attach {sql_literal(str(temporary))} as bi_snapshot")
    try:
        for view in list_view_files(views_dir):
            if view.kind == "table":
                con.execute(f"create schema if not exists bi_snapshot.{quote_ident(view.schema)}")
                con.execute(
                    f"create table {view.qualified('bi_snapshot')} as"
                    f" select * from {view.qualified(source)}"
                )
        con.execute("use bi_snapshot")
        try:
            # Views and macros are created inside the snapshot, in apply order, so that
            # they select from its own tables when a BI tool opens the file alone.
            for view in list_view_files(views_dir):
                if view.kind != "table":
                    con.execute(view.path.read_text(encoding="utf-8"))
        finally:
            con.execute(f"use {quote_ident(home)}")
        con.execute("checkpoint bi_snapshot")
    finally:
        con.execute("detach bi_snapshot")


def _temporary_path(final: Path) -> Path:
    """A temporary file beside `final` (same file system, so the rename is atomic), after
    removing what a killed builder or publisher left there. Its name holds the builder's
    PID: a file of a process still running is another builder's (on a DuckLake several
    processes write at once) and is left alone."""
    final.parent.mkdir(parents=True, exist_ok=True)
    for pattern in (f".{final.name}.*.tmp", f".{final.name}.*.tmp.wal"):
        for leftover in final.parent.glob(pattern):
            if not _builder_alive(leftover, final):
                _remove_quietly(leftover)
    return final.with_name(f".{final.name}.{os.getpid()}.tmp")


def _builder_alive(leftover: Path, final: Path) -> bool:
    """Whether the process whose PID names a temporary views file is still running."""
    pid = leftover.name[len(final.name) + 2 :].split(".", 1)[0]
    if not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextlib.contextmanager
def views_lock(recorder: DuckDBRecorder) -> Iterator[None]:
    """Let one process at a time build and publish the views file (a DuckLake has several
    writers; a DuckDB log's single writer holds this without waiting)."""
    if recorder.views_path is None:
        yield
        return
    import fcntl

    recorder.views_path.parent.mkdir(parents=True, exist_ok=True)
    with recorder.views_path.with_name(f".{recorder.views_path.name}.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _discard(recorder: DuckDBRecorder, catalog: str, temporary: Path | None) -> None:
    with contextlib.suppress(duckdb.Error):
        recorder.con.execute(f"detach {quote_ident(catalog)}")
    if temporary is not None:
        _remove_quietly(temporary)
        _remove_quietly(Path(f"{temporary}.wal"))


def _remove_quietly(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def _views_error(
    recorder: DuckDBRecorder, temporary: Path | None, what: str, err: Exception
) -> StoreError:
    damaged = damaged_store_error(recorder.db_path, err)
    if damaged is not None:  # the log being read, not the new file, is what broke
        return StoreError(f"{damaged}; previous views kept")
    where = temporary or recorder.views_path or recorder.db_path
    return StoreError(f"{where}: {what}, previous views kept: {err}")


def _drop_legacy_views(recorder: DuckDBRecorder, files: list[ViewFile]) -> None:
    """Earlier versions kept the views inside the event log itself; drop those copies (they
    would shadow the views file's tables for unqualified names)."""
    con, home = recorder.con, recorder.home
    if recorder.read_only:
        return
    names = [view.name for view in files]
    found = con.execute(
        "select distinct kind, name from ("
        " select 'table' as kind, table_name as name, database_name, schema_name"
        " from duckdb_tables()"
        " union all select 'view', view_name, database_name, schema_name from duckdb_views()"
        " union all select 'macro table', function_name, database_name, schema_name"
        " from duckdb_functions() where function_type = 'table_macro'"
        ") where database_name = ? and schema_name = 'main' and list_contains(?, name)",
        [home, names],
    ).fetchall()
    for kind, name in found:
        # The name comes from a checked view file (see _CREATES), not from data.
        con.execute(f"drop {kind} if exists {quote_ident(home)}.main.{quote_ident(name)}")


def _search(con: duckdb.DuckDBPyConnection, first: str, then: str) -> None:
    # The first entry is also where unqualified CREATEs go.
    con.execute(f"set search_path = {sql_literal(search_path(first, then))}")


@contextlib.contextmanager
def _setting(con: duckdb.DuckDBPyConnection, name: str, value: str) -> Iterator[None]:
    """Set a DuckDB option (a constant name and value) inside the block, then restore it."""
    before = con.execute("select current_setting(?)", [name]).fetchone()[0]
    # SET takes no parameters; the values are constants or checked, quoted as SQL literals.
    con.execute(f"set {name} = {sql_literal(value)}")
    try:
        yield
    finally:
        con.execute(f"set {name} = {sql_literal(str(before))}")


@contextlib.contextmanager
def _memory_limit(con: duckdb.DuckDBPyConnection, limit: str | None) -> Iterator[None]:
    """Hold DuckDB to `limit` (e.g. "3GB") inside the block, then restore the setting."""
    if limit is None:
        yield
        return
    if not _MEMORY_SIZE.match(limit):
        raise ValueError(f"memory limit must look like '3GB' or '512MiB', got {limit!r}")
    with _setting(con, "memory_limit", limit):
        yield


def views_fingerprint(con: duckdb.DuckDBPyConnection, views_dir: Path = VIEWS_DIR) -> str:
    """Hash every view table's and view's full contents in a fixed order (rebuilds must
    match)."""
    digest = hashlib.sha256()
    for view in list_view_files(views_dir):
        if not view.is_relation:
            continue
        digest.update(view.name.encode())
        rows = con.execute(f"select * from {_resolve(con, view)} order by all").fetchall()
        for row in rows:
            digest.update(repr(row).encode("utf-8"))
    return digest.hexdigest()


def _resolve(con: duckdb.DuckDBPyConnection, view: ViewFile) -> str:
    """The name to select `view` by on `con`: unqualified for a public one (the search path
    finds it); for an internal one, qualified with the first catalog on the search path that
    holds it (the search path reaches only `main` schemas), else the current database."""
    if view.schema == PUBLIC_SCHEMA:
        return quote_ident(view.name)
    holders = [
        row[0]
        for row in con.execute(
            "select database_name from duckdb_tables() where schema_name = ? and table_name = ?",
            [view.schema, view.name],
        ).fetchall()
    ]
    setting = con.execute("select current_setting('search_path')").fetchone()[0] or ""
    path = [entry.strip().rsplit(".", 1)[0].strip('"') for entry in setting.split(",")]
    on_path = sorted((path.index(c), c) for c in holders if c in path)
    if on_path:
        return view.qualified(on_path[0][1])
    return view.qualified()
