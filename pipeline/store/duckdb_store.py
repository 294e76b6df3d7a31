"""The DuckDB backend of the event log: one file, one writer process at a time."""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import random
import re
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from pipeline.errors import ChainError, StoreBusyError, StoreError
from pipeline.events import (
    GENESIS_HASH,
    Event,
    RecordedEvent,
    as_utc,
    canonical_json,
    chain_hash,
    row_hash,
)
from pipeline.settings import default_snapshot_path
from pipeline.store import query, runs, side_tables
from pipeline.store.checkpoint import (
    ChainCheckpoint,
    checkpoint_path,
    read_checkpoint,
    write_checkpoint,
)
from pipeline.store.id_index import (
    EventIdIndex,
    IdIndexCheck,
    IdIndexUnusable,
    encode_ids,
    id_index_path,
    merge_ids,
    read_id_index,
    remove_stale_temporaries,
    sorted_unique,
    write_id_index,
)
from pipeline.store.migrations import apply_migrations
from pipeline.store.recorder import AppendResult, ChainReport, EventRecorder, StoreCheck
from pipeline.store.sql_files import store_sql

_COLUMNS = (
    "seq, event_id, event_type, stream, occurred_at, recorded_at, payload,"
    " schema_version, producer, run_id, prev_hash, hash"
)
log = logging.getLogger(__name__)

_READ_CHUNK = 5000
# Appends retried when another connection in this process took the same positions first.
_APPEND_ATTEMPTS = 20
# DuckDB 1.5 rewrites a table's whole index at every automatic checkpoint, which by default
# comes each 16 MiB of WAL (duckdb/duckdb#24848): at ten million events one such checkpoint
# made a 1,000-event append take 8 s while event_id had a unique index, and the seq key is
# still rewritten. The writer instead lets the WAL grow to this size (several hundred
# thousand events) and checkpoints when it closes.
WRITER_CHECKPOINT_THRESHOLD = "1GB"
# A writer rewrites the sorted event-id file (pipeline.store.id_index) as it closes once this
# many events lie beyond it: until then appends look those up in the log's tail, a range
# scan of at most this many ids (a few ms), and the rewrite (about 2 s at twelve million
# events) comes at most once per this many events.
ID_INDEX_REFRESH_TAIL = 100_000
_ID_CHUNK = 1_000_000  # positions per read when the id file is (re)built


def _busy_message(path: Path, message: str) -> str:
    """Say which kind of process holds the log (DuckDB names its PID; the kernel's lock
    table says whether it holds a read or a write lock) and what to do about it."""
    found = re.search(r"\(PID (\d+)\)", message)
    pid = int(found.group(1)) if found else None
    holder = f"PID {pid}: {_command_of(pid)}" if pid else "a process DuckDB did not name"
    if pid is not None and _lock_kind(path, pid) == "READ":
        return (
            f"{path}: another process is reading the event log ({holder}), and while a"
            " reader has it open no writer can start. Query the BI snapshot instead of the"
            " live log, or close that session; the pipeline retries meanwhile"
        )
    return (
        f"{path}: another process is writing the event log ({holder}); wait for it to"
        " finish (one writer at a time)"
    )


def _command_of(pid: int) -> str:
    """The command line of a process (Linux /proc), shortened; '?' when unreadable."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return "?"
    text = " ".join(part.decode("utf-8", "replace") for part in raw.split(b"\0") if part)
    return text if len(text) <= 160 else text[:157] + "..."


def _lock_kind(path: Path, pid: int) -> str | None:
    """READ or WRITE: the POSIX lock `pid` holds on `path` (Linux /proc/locks), if known."""
    try:
        stat = path.stat()
        table = Path("/proc/locks").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    device = f"{os.major(stat.st_dev):02x}:{os.minor(stat.st_dev):02x}:{stat.st_ino}"
    for line in table.splitlines():
        fields = line.split()
        # "1: POSIX  ADVISORY  READ 7699 fe:00:2146522 0 EOF"
        if len(fields) >= 6 and fields[4] == str(pid) and fields[5] == device:
            return fields[3]
    return None


def connect(
    db_path: Path | str, read_only: bool = False, create: bool = True
) -> duckdb.DuckDBPyConnection:
    """Open a DuckDB connection in UTC, turning lock and disk errors into clear messages.
    A missing file is created only by a writer that may create one (`create`)."""
    target = str(db_path)
    if target != ":memory:":
        path = Path(target)
        if (read_only or not create) and not path.exists():
            raise StoreError(
                f"{path}: no event log here; check the path (--db, MONITOR_DB), or run"
                " `monitor run` to create one"
            )
        if not read_only:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as err:
                raise StoreError(
                    f"{path.parent}: cannot create the warehouse folder: {err}"
                ) from err
    try:
        con = duckdb.connect(target, read_only=read_only)
    except duckdb.IOException as err:
        message = str(err)
        if "lock" in message.lower():
            raise StoreBusyError(_busy_message(Path(target), message)) from err
        if "permission denied" in message.lower() and not read_only:
            raise StoreError(
                f"{target}: cannot open the event log for writing: the warehouse is read-only"
                f" (permission denied) ({message})"
            ) from err
        raise damaged_store_error(target, err) or StoreError(
            f"{target}: cannot open the event log: {message}"
        ) from err
    con.execute("set TimeZone = 'UTC'")
    # A long statement (a migration, a rebuild) would otherwise draw a progress bar into
    # the task logs ops staff read.
    con.execute("set enable_progress_bar = false")
    return con


def _connect_waiting(
    db_path: Path | str, read_only: bool, create: bool, wait: float
) -> duckdb.DuckDBPyConnection:
    """`connect`, retried with backoff while another process holds the file, for up to
    `wait` seconds (each wait is logged with the holder)."""
    deadline = time.monotonic() + max(wait, 0.0)
    delay = 0.25
    while True:
        try:
            return connect(db_path, read_only=read_only, create=create)
        except StoreBusyError as err:
            left = deadline - time.monotonic()
            if left <= 0:
                raise
            log.warning("%s; waiting up to %.0f s more", err, left)
            time.sleep(min(delay, left))
            delay = min(delay * 2, 5.0)


class DuckDBRecorder(EventRecorder):
    """Append-only, hash-chained event log in a DuckDB file."""

    def __init__(
        self,
        db_path: Path | str,
        read_only: bool = False,
        views_path: Path | str | None = None,
        id_index_refresh_tail: int = ID_INDEX_REFRESH_TAIL,
        create: bool = True,
        wait: float = 0.0,
    ) -> None:
        self.db_path = db_path
        self.read_only = read_only
        in_memory = str(db_path) == ":memory:"
        self.id_index_path = None if in_memory else id_index_path(db_path)
        self.checkpoint_path = None if in_memory else checkpoint_path(db_path)
        self._verified: ChainCheckpoint | None = None  # what this session verified up to
        self.id_index_refresh_tail = id_index_refresh_tail
        self._id_index: EventIdIndex | None = None
        self._id_index_loaded = False
        self._last_row: tuple[int, str] | None = None  # (seq, hash) this recorder appended last
        # The views live in their own file (see pipeline.store.views), attached read-only so
        # that unqualified names (statements, actor_current_stance, ...) answer from it.
        self.views_path = Path(views_path) if views_path else default_snapshot_path(db_path)
        self.views_catalog: str | None = None
        self._views_generation = 0
        self.con = _connect_waiting(db_path, read_only, create, wait)
        self.home = self.con.execute("select current_database()").fetchone()[0]
        if not read_only:
            try:
                self.con.execute(f"set checkpoint_threshold = '{WRITER_CHECKPOINT_THRESHOLD}'")
                apply_migrations(self.con)
                if self.id_index_path is not None:
                    for leftover in remove_stale_temporaries(self.id_index_path):
                        log.info("%s: removed a killed writer's temporary id file", leftover)
            except (duckdb.IOException, OSError) as err:
                self.con.close()
                raise damaged_store_error(db_path, err) or StoreError(
                    f"{db_path}: cannot prepare the event log: {err}"
                ) from err
        self.attach_views()

    # -- the views file ----------------------------------------------------------------------

    def next_views_catalog(self) -> str:
        """A new catalog name for a views database (each build gets its own)."""
        self._views_generation += 1
        return f"views_{self._views_generation}"

    def attach_views(self, catalog: str | None = None) -> bool:
        """Attach the published views file read-only, if there is one. A file another process
        holds for writing is left unattached (logged): the log itself stays usable."""
        if self.views_path is None or not self.views_path.exists():
            return False
        catalog = catalog or self.next_views_catalog()
        try:
            # ATTACH takes no parameters: the path is configuration, quoted as a literal.
            self.con.execute(
                f"attach {sql_literal(str(self.views_path))} as {quote_ident(catalog)} (read_only)"
            )
        except duckdb.Error as err:
            log.warning("%s: views not attached: %s", self.views_path, err)
            return False
        self.views_catalog = catalog
        self.search_views(catalog)
        return True

    def adopt_views(self, catalog: str) -> None:
        """Make an attached views catalog (built in memory) the published one."""
        self.detach_views()
        self.views_catalog = catalog
        self.search_views(catalog)

    def detach_views(self) -> None:
        """Detach the published views (the log alone answers until others are attached)."""
        if self.views_catalog:
            self.search_views(None)
            self.con.execute(f"detach {quote_ident(self.views_catalog)}")
            self.views_catalog = None

    def search_views(self, catalog: str | None) -> None:
        """Resolve unqualified names in the log, then in `catalog` (None: the log only)."""
        path = search_path(self.home, *([catalog] if catalog else []))
        self.con.execute("set search_path = ?", [path])

    # -- writing ---------------------------------------------------------------------------

    def append(self, events: Sequence[Event], run_id: str) -> AppendResult:
        """Append a batch atomically; events already logged (by id) are skipped."""
        if self.read_only:
            raise StoreError(f"{self.db_path}: opened read-only; cannot append")
        unique: dict[str, Event] = {}
        for event in events:
            unique.setdefault(event.event_id, event)
        if not unique:
            return AppendResult(appended=0, already_present=0)
        if self._verified is None:
            self.verify_from_checkpoint()  # never chain new events onto a broken log
        try:
            for attempt in range(_APPEND_ATTEMPTS):
                try:
                    result = self._append_new(unique, run_id, repeats=len(events) - len(unique))
                    break
                except (duckdb.ConstraintException, duckdb.TransactionException):
                    # Another connection in this process appended meanwhile (the seq key
                    # refused the position, or the commit conflicted): read the log again.
                    self._rollback_quietly()
                    if attempt == _APPEND_ATTEMPTS - 1:
                        raise
                    self._last_row = None
                    # The other connection may be mid-way through its next append: a short,
                    # growing, jittered pause lets one of the two go first.
                    time.sleep(random.uniform(0, 0.005 * (attempt + 1)))
        except duckdb.Error as err:
            self._rollback_quietly()
            raise _store_error(self.db_path, err) from err
        except BaseException:
            self._rollback_quietly()
            raise
        if result.appended:
            self._advance_checkpoint(result)
        return result

    def _advance_checkpoint(self, result: AppendResult) -> None:
        """Move the checkpoint over the rows this append wrote (their fingerprint is read
        back from the log: a range of positions just written). Rows another connection
        appended in between are verified first."""
        verified = self._verified
        if self.checkpoint_path is None or verified is None or self._last_row is None:
            return
        try:
            if result.first_seq != verified.seq + 1:
                self.verify_from_checkpoint()
                return
            digest = None
            if verified.digest is not None:
                digest = verified.digest ^ self._row_digest(verified.seq, self._last_row[0])
            self._save_checkpoint(ChainCheckpoint(self._last_row[0], self._last_row[1], digest))
        except (OSError, duckdb.Error) as err:
            log.warning("%s: checkpoint not moved forward: %s", self.checkpoint_path, err)

    def _append_new(self, unique: dict[str, Event], run_id: str, repeats: int) -> AppendResult:
        """One transaction: find which ids are logged, insert the others, commit."""
        self.con.execute("begin transaction")
        # Two appends racing in one process both claim the next positions, and the primary
        # key on seq lets only the first commit; across processes DuckDB's file lock allows
        # one writer.
        present = self._known_ids(list(unique))
        fresh = [e for e in unique.values() if e.event_id not in present]
        result, last_row = self._insert(fresh, run_id, already=repeats + len(present))
        self.con.execute("commit")
        if last_row is not None:
            self._last_row = last_row
        return result

    def _insert(
        self, fresh: list[Event], run_id: str, already: int
    ) -> tuple[AppendResult, tuple[int, str] | None]:
        """Insert new events after the last position, chaining their hashes; return the
        result and the new last row (position, hash)."""
        if not fresh:
            return AppendResult(appended=0, already_present=already), None
        row = self._last_logged_row()
        seq, prev = (row[0], row[1]) if row else (0, GENESIS_HASH)
        recorded_at = datetime.now(UTC)
        rows = []
        first_seq = seq + 1
        for event in fresh:
            seq += 1
            payload_json = canonical_json(event.payload)  # stored and hashed: encoded once
            digest = chain_hash(prev, seq, event, recorded_at, run_id, payload_json)
            rows.append(_row(seq, event, payload_json, recorded_at, run_id, prev, digest))
            prev = digest
        frame = pd.DataFrame.from_records(rows, columns=[c.strip() for c in _COLUMNS.split(",")])
        self.con.register("incoming_events", frame)
        try:
            self.con.execute(
                f"insert into events ({_COLUMNS}) select {_COLUMNS} from incoming_events"
            )
        finally:
            self.con.unregister("incoming_events")
        result = AppendResult(
            appended=len(fresh), already_present=already, first_seq=first_seq, last_seq=seq
        )
        return result, (seq, prev)

    def _last_logged_row(self) -> tuple[int, str] | None:
        """(seq, hash) of the last row: the one this recorder appended last, else the log's.
        max(seq) comes from the table statistics while they are exact, but once this
        session has appended it is a scan of every position (18 ms at ten million)."""
        if self._last_row is not None:
            return self._last_row
        return self.con.execute(
            "select seq, hash from events where seq = (select max(seq) from events)"
        ).fetchone()

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        """A second connection to the same database, for a long read beside other queries."""
        return self.con.cursor()

    def _rollback_quietly(self) -> None:
        with contextlib.suppress(duckdb.Error):
            self.con.execute("rollback")

    # -- reading ---------------------------------------------------------------------------

    def read(
        self,
        after: int = 0,
        event_types: Iterable[str] | None = None,
        stream: str | None = None,
        limit: int | None = None,
    ) -> Iterator[RecordedEvent]:
        """Yield logged events after position `after`, in order."""
        sql = f"select {_COLUMNS} from events where seq > ?"
        params: list[object] = [after]
        if event_types is not None:
            sql += " and event_type in (select unnest(?::varchar[]))"
            params.append(list(event_types))
        if stream is not None:
            sql += " and stream = ?"
            params.append(stream)
        sql += " order by seq"
        if limit is not None:
            sql += " limit ?"
            params.append(int(limit))
        cursor = self._cursor()
        try:
            result = cursor.execute(sql, params)
            while True:
                chunk = result.fetchmany(_READ_CHUNK)
                if not chunk:
                    break
                for row in chunk:
                    yield _recorded(row)
        finally:
            cursor.close()

    def max_seq(self) -> int:
        """Return the last position in the log (0 when empty)."""
        return int(self.con.execute("select coalesce(max(seq), 0) from events").fetchone()[0])

    def last_row(self) -> tuple[int, str] | None:
        """Return the last position and its chain hash (None when the log is empty)."""
        row = self._last_logged_row()
        return (int(row[0]), str(row[1])) if row else None

    def hash_at(self, seq: int) -> str | None:
        """Return the chain hash at a position (None when the log does not reach it)."""
        row = self.con.execute(store_sql("hash_at"), {"seq": int(seq)}).fetchone()
        return None if row is None else str(row[0])

    def known_ids(self, event_ids: Iterable[str]) -> set[str]:
        """Return which of these event ids are already logged."""
        return self._known_ids(list(event_ids))

    def _known_ids(self, ids: list[str]) -> set[str]:
        """The sorted id file answers for the positions it covers; the log's tail beyond
        them is scanned (its row groups are found by their seq ranges)."""
        if not ids:
            return set()
        index = self._current_id_index()
        present = index.contains(ids) if index is not None else set()
        rest = [i for i in ids if i not in present]
        if rest:
            rows = self.con.execute(
                "select event_id from events"
                " where seq > ? and event_id in (select unnest(?::varchar[]))",
                [index.covered_seq if index is not None else 0, rest],
            ).fetchall()
            present.update(r[0] for r in rows)
        return present

    # -- the sorted event-id file --------------------------------------------------------

    def _current_id_index(self) -> EventIdIndex | None:
        """The id file, once checked against the log (the log only grows, so a file that
        matched at first use keeps matching); None when there is no usable one."""
        if not self._id_index_loaded:
            self._id_index = self._checked_id_index()
            self._id_index_loaded = True
        return self._id_index

    def _checked_id_index(self) -> EventIdIndex | None:
        if self.id_index_path is None:
            return None
        try:
            index = read_id_index(self.id_index_path)
        except (IdIndexUnusable, OSError, ValueError) as err:
            log.warning("%s; ids are looked up in the log instead", err)
            return None
        if index is None:
            return None
        mismatch = self._id_index_mismatch(index)
        if mismatch is not None:
            log.warning("%s: %s; ignored", self.id_index_path, mismatch)
            return None
        return index

    def _id_index_mismatch(self, index: EventIdIndex) -> str | None:
        """Why the id file does not belong to this log (None when the log's chain hash at
        the position the file covers is the one the file records)."""
        row = self.con.execute(
            "select hash from events where seq = ?", [index.covered_seq]
        ).fetchone()
        if row is not None and row[0] == index.covered_hash:
            return None
        return (
            f"covers position {index.covered_seq} with hash {index.covered_hash[:12]}, which"
            " this log " + ("does not reach" if row is None else f"has as {row[0][:12]}")
        )

    def check_id_index(self) -> IdIndexCheck:
        """Compare the id file with the log, id for id (what `monitor check` reports). A file
        the store would ignore is only noted; one it would trust but that holds other ids
        than the log is a failure, since appends would skip or repeat events by it."""
        if self.id_index_path is None:
            return IdIndexCheck(True, "in-memory log: no id file")
        path = self.id_index_path
        try:
            index = read_id_index(path)
        except (IdIndexUnusable, OSError) as err:
            return IdIndexCheck(True, f"unusable, so ignored; the next writer rewrites it: {err}")
        last = self.max_seq()
        if index is None:
            return IdIndexCheck(True, f"{path}: none yet; appends look ids up in the log")
        mismatch = self._id_index_mismatch(index)
        if mismatch is not None and last < index.covered_seq:
            return IdIndexCheck(
                False,
                f"{path}: {mismatch}: the log ends at {last}, so events were deleted, or an"
                " older copy of the log was restored (then delete this file and the"
                " checkpoint beside it to accept it)",
            )
        if mismatch is not None:
            return IdIndexCheck(
                True, f"{path}: {mismatch}, so ignored; the next writer rewrites it"
            )
        try:
            logged = self._logged_ids(after=0, upto=index.covered_seq)
        except ValueError as err:  # an id the file cannot hold: the store never wrote this
            return IdIndexCheck(False, f"{path}: covers ids it cannot hold ({err}); delete it")
        width = max(logged.dtype.itemsize, index.width)
        if not np.array_equal(
            logged.astype(f"S{width}"), np.asarray(index.ids).astype(f"S{width}")
        ):
            return IdIndexCheck(
                False,
                f"{path}: holds {len(index)} ids where the log's positions"
                f" 1..{index.covered_seq} hold {len(logged)} others; appends trust it:"
                " delete the file (the next writer rebuilds it)",
            )
        return IdIndexCheck(
            True,
            f"covers positions 1..{index.covered_seq}, every id as in the log;"
            f" {last - index.covered_seq} events beyond it",
        )

    def refresh_id_index(self, min_tail: int = 1) -> bool:
        """Rewrite the sorted id file to cover the whole log, if at least `min_tail` events
        lie beyond what it covers. Returns whether it wrote."""
        if self.read_only or self.id_index_path is None:
            return False
        index = self._current_id_index()
        covered = index.covered_seq if index is not None else 0
        last = self._last_logged_row()
        if last is None or last[0] - covered < max(min_tail, 1):
            return False
        tail = self._logged_ids(after=covered, upto=last[0])
        ids = merge_ids(index.ids, tail) if index is not None else tail
        write_id_index(self.id_index_path, ids, covered_seq=last[0], covered_hash=last[1])
        self._id_index = read_id_index(self.id_index_path)
        return True

    def _logged_ids(self, after: int, upto: int) -> np.ndarray:
        """The ids logged at positions after..upto, as a sorted fixed-width array (read a
        million positions at a time: Python strings cost about 80 bytes each)."""
        chunks = []
        for low in range(after, upto, _ID_CHUNK):
            column = self.con.execute(
                "select event_id from events where seq > ? and seq <= ?",
                [low, min(low + _ID_CHUNK, upto)],
            ).fetchnumpy()["event_id"]
            chunks.append(encode_ids(column))
        if not chunks:
            return encode_ids([])
        return sorted_unique(np.concatenate(chunks)) if len(chunks) > 1 else chunks[0]

    def verify_chain(self, after: int = 0, prev: str | None = None) -> ChainReport:
        """Recompute every row's hash after position `after` (whose chain hash is `prev`;
        the genesis hash from the start) in order; report the first row that was edited or
        removed. The payload is hashed as stored (canonical JSON when appended), so a
        changed byte shows, and no payload is decoded and encoded again.

        A row whose content no longer gives its hash is the edited one. A row that still
        hashes right but does not chain to the row before names that row when the row
        before was rewritten together with its hash (the row after still holds the old
        one), else itself (its prev_hash was edited). A missing position is named itself."""
        expected_prev = GENESIS_HASH if prev is None else prev
        position = after
        cursor = self._cursor()
        try:
            result = cursor.execute(
                f"select {_COLUMNS} from events where seq > ? order by seq", [after]
            )
            while chunk := result.fetchmany(_READ_CHUNK):
                for row in chunk:
                    seq, prev_hash, digest = row[0], row[10], row[11]
                    checked = position - after
                    if seq != position + 1:
                        return ChainReport(
                            checked,
                            position + 1,
                            f"gap: position {position + 1} is missing (deleted);"
                            f" the next row is {seq}",
                        )
                    intact = _recompute(row) == digest
                    if prev_hash != expected_prev:
                        if intact and position > 0:
                            return ChainReport(
                                max(checked - 1, 0),
                                position,
                                f"row {position} was rewritten: its hash is not the one row"
                                f" {seq} chains to",
                            )
                        return ChainReport(checked, seq, "prev_hash does not match the row before")
                    if not intact:
                        return ChainReport(checked, seq, "row content does not match its hash")
                    expected_prev = digest
                    position = seq
        finally:
            cursor.close()
        return ChainReport(position - after)

    # -- the chain checkpoint ----------------------------------------------------------------

    def verify_from_checkpoint(self, fingerprint: bool = False) -> ChainReport:
        """Verify the chain from the last verified position (see pipeline.store.checkpoint)
        and move the checkpoint to the log's end; raise ChainError, naming the first edited
        row where it can, when the log is shorter than that position, was rewritten there,
        or breaks after it. With `fingerprint` the rows up to the checkpoint are also checked
        against its fingerprint (edits in place; about 0.6 s per million events)."""
        if self.checkpoint_path is None:
            return ChainReport(0)
        recorded = self._recorded_checkpoint()
        last = self._last_logged_row()
        last_seq, last_hash = (int(last[0]), str(last[1])) if last else (0, GENESIS_HASH)
        start, prev, digest = 0, GENESIS_HASH, 0
        if recorded is not None:
            if last_seq < recorded.seq:
                raise ChainError(
                    f"{self.db_path}: the log ends at position {last_seq}, but positions"
                    f" 1..{recorded.seq} were verified before ({self.checkpoint_path}):"
                    " events were deleted, or an older copy of the log was restored; nothing"
                    " is appended or published. If the log was restored from a backup on"
                    f" purpose, delete {self.checkpoint_path} to accept it"
                )
            if recorded.seq and self.hash_at(recorded.seq) != recorded.hash:
                self._raise_broken(
                    f"the chain hash at position {recorded.seq} is not the one verified there"
                )
            if not fingerprint:
                start, prev, digest = recorded.seq, recorded.hash, recorded.digest
            elif recorded.digest_usable:
                if self._row_digest(0, recorded.seq) != recorded.digest:
                    self._raise_broken(
                        f"rows at positions 1..{recorded.seq} changed since they were verified"
                    )
                start, prev, digest = recorded.seq, recorded.hash, recorded.digest
        report = self.verify_chain(after=start, prev=prev)
        if not report.ok:
            raise ChainError(self._broken_message(report, "verifying the new rows"))
        if digest is not None:
            digest ^= self._row_digest(start, last_seq)
        checkpoint = ChainCheckpoint(last_seq, last_hash, digest)
        if recorded != checkpoint:
            self._save_checkpoint(checkpoint)
        self._verified = checkpoint
        return ChainReport(last_seq)

    def check_checkpoint(self) -> IdIndexCheck:
        """Compare the log with its checkpoint (what `monitor check` reports)."""
        if self.checkpoint_path is None:
            return IdIndexCheck(True, "in-memory log: no checkpoint")
        try:
            recorded = read_checkpoint(self.checkpoint_path)
        except (OSError, ValueError) as err:
            return IdIndexCheck(True, f"unreadable, so the next writer verifies all: {err}")
        if recorded is None:
            return IdIndexCheck(True, "none yet; the next writer verifies the whole chain")
        last = self.max_seq()
        if last < recorded.seq:
            return IdIndexCheck(
                False,
                f"{self.checkpoint_path}: positions 1..{recorded.seq} were verified, but the"
                f" log ends at {last}: events were deleted (or an older copy restored: then"
                " delete the checkpoint to accept it)",
            )
        if recorded.seq and self.hash_at(recorded.seq) != recorded.hash:
            return IdIndexCheck(
                False,
                f"{self.checkpoint_path}: the log's chain hash at position {recorded.seq} is"
                " not the one verified there: the log was rewritten",
            )
        return IdIndexCheck(True, f"positions 1..{recorded.seq} verified; log ends at {last}")

    def trust_as_verified(self) -> None:
        """Record the log as it is now as verified, without verifying it: for logs built in
        bulk outside the recorder (the benchmarks), never for a log of unknown origin."""
        last = self._last_logged_row()
        seq, digest = (int(last[0]), str(last[1])) if last else (0, GENESIS_HASH)
        self._save_checkpoint(ChainCheckpoint(seq, digest, self._row_digest(0, seq)))

    def _recorded_checkpoint(self) -> ChainCheckpoint | None:
        try:
            return read_checkpoint(self.checkpoint_path)
        except (OSError, ValueError) as err:
            log.warning("%s; the whole chain is verified instead", err)
            return None

    def _save_checkpoint(self, checkpoint: ChainCheckpoint) -> None:
        self._verified = checkpoint
        if self.read_only or self.checkpoint_path is None:
            return
        write_checkpoint(self.checkpoint_path, checkpoint)

    def _row_digest(self, low: int, high: int) -> int:
        if high <= low:
            return 0
        row = self.con.execute(store_sql("row_digest"), {"low": low, "high": high}).fetchone()
        return int(row[0])

    def _raise_broken(self, why: str) -> None:
        """Name the first edited row (verifying the whole chain once), then raise."""
        report = self.verify_chain()
        if not report.ok:
            raise ChainError(self._broken_message(report, why))
        raise ChainError(
            f"{self.db_path}: {why}, though the chain itself verifies: the log was rewritten"
            f" consistently, or {self.checkpoint_path} belongs to another log. Nothing is"
            f" appended or published; if this log is the right one, delete"
            f" {self.checkpoint_path} to accept it"
        )

    def _broken_message(self, report: ChainReport, why: str) -> str:
        return (
            f"{self.db_path}: hash chain broken at position {report.first_broken_seq}:"
            f" {report.reason} ({why}); nothing is appended or published. Restore the log"
            " from a backup; `monitor check` reports the same position"
        )

    # -- what `monitor check` reports beside the chain --------------------------------------

    def integrity_checks(self) -> list[StoreCheck]:
        """The chain checkpoint and the sorted id file, each compared with the log."""
        return [
            StoreCheck(name, result.ok, result.detail)
            for name, result in (
                ("checkpoint", self.check_checkpoint()),
                ("id file", self.check_id_index()),
            )
        ]

    # -- the stages' lookups -------------------------------------------------------------------

    def logged_urls(self, event_types: Iterable[str]) -> set[str]:
        return query.logged_urls(self.con, list(event_types))

    def logged_content_hashes(self, event_type: str) -> set[str]:
        return query.logged_content_hashes(self.con, event_type)

    def logged_texts(self, event_type: str, doc_ids: set[str]) -> dict[str, str]:
        return query.logged_texts(self.con, event_type, doc_ids)

    def logged_payloads_published_between(
        self, event_type: str, low: date | None, high: date | None
    ) -> list[dict[str, Any]]:
        return query.logged_payloads_published_between(self.con, event_type, low, high)

    def logged_file_documents(self) -> set[tuple[str, str]]:
        return query.logged_file_documents(self.con)

    def count_events(self, event_type: str | None = None) -> int:
        row = self.con.execute(store_sql("count_events"), {"event_type": event_type}).fetchone()
        return int(row[0])

    # -- side tables -------------------------------------------------------------------------

    @contextlib.contextmanager
    def _side_write(self) -> Iterator[None]:
        """One transaction around a write to the side tables."""
        if self.read_only:
            raise StoreError(f"{self.db_path}: opened read-only; cannot record")
        self.con.execute("begin transaction")
        try:
            yield
            self.con.execute("commit")
        except BaseException:
            self._rollback_quietly()
            raise

    def record_quarantine(self, rows: Sequence[Any], run_id: str) -> int:
        if not rows:
            return 0
        with self._side_write():
            return side_tables.insert_quarantine(self.con, rows, run_id)

    def record_validations(self, summaries: Sequence[Mapping[str, Any]]) -> int:
        if self.read_only or not summaries or not self._has_table("validation_results"):
            return 0
        with self._side_write():
            return side_tables.insert_validations(self.con, summaries)

    def record_run_outcome(self, run_id: str, kind: str, appended: int) -> None:
        with self._side_write():
            runs.record_run_outcome(self, run_id, kind, appended)

    def run_states(self) -> list[runs.RunState]:
        return runs.run_states(self)

    def _has_table(self, name: str) -> bool:
        return bool(self.con.execute(store_sql("table_exists"), {"name": name}).fetchone()[0])

    # -- the published views -----------------------------------------------------------------

    def view_frame(self, name: str) -> pd.DataFrame | None:
        from pipeline.store.views import view_relations

        if name not in view_relations():
            raise ValueError(f"{name!r} is not a view relation (sql/views/)")
        if not self._has_relation(name):
            return None
        return self.con.execute(f"select * from {quote_ident(name)}").df()  # a checked name

    def current_statement_count(self) -> int:
        if not self._has_relation("statements"):
            return 0
        return int(self.con.execute(store_sql("current_statements")).fetchone()[0])

    def _has_relation(self, name: str) -> bool:
        return bool(self.con.execute(store_sql("relation_exists"), {"name": name}).fetchone()[0])

    def checkpoint(self) -> None:
        """Write the WAL into the database file (what closing a writer does anyway)."""
        if self.read_only:
            return
        try:
            self.con.execute("checkpoint")
        except duckdb.Error as err:
            raise StoreError(
                f"{self.db_path}: checkpoint failed; committed events stay in the write-ahead"
                f" log and are replayed on the next open ({err})"
            ) from err

    def __exit__(self, exc_type: object, exc: object, traceback: object) -> None:
        """Close; a DuckDB error escaping the block becomes a StoreError naming the file."""
        if not isinstance(exc, duckdb.Error | StoreError):
            self.close()
            return
        # The file failed us: read nothing more from it (no id file refresh), just close.
        self.con.close()
        if isinstance(exc, duckdb.Error):
            damaged = damaged_store_error(self.db_path, exc)
            raise damaged or StoreError(f"{self.db_path}: {_one_line(exc)}") from exc

    def close(self) -> None:
        """Close the connection (DuckDB checkpoints a writer's WAL as it shuts down). A
        writer first brings the id file up to date if enough events lie beyond it; that
        file is a cache, so failing to write it is logged and the close goes on."""
        try:
            if not self.read_only:
                self.refresh_id_index(min_tail=self.id_index_refresh_tail)
        except (OSError, ValueError, duckdb.Error) as err:
            log.warning("%s: id file not refreshed: %s", self.id_index_path, err)
        finally:
            # Even when the rewrite is interrupted (a task timeout raises in it), the log
            # is closed and checkpointed.
            self.con.close()


def sql_literal(text: str) -> str:
    """Quote configuration (a path, a setting) as a SQL string literal, for the statements
    that take no parameters (ATTACH, SET)."""
    return "'" + text.replace("'", "''") + "'"


def quote_ident(name: str) -> str:
    """Quote a name (a catalog: the log's is its file name, `mon,itor"x`) as a SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def search_path(*catalogs: str) -> str:
    """The `search_path` value for these catalogs' main schemas, each name quoted (a comma or
    a quote in a file name must not split or end it)."""
    return ",".join(f"{quote_ident(catalog)}.main" for catalog in catalogs)


def _row(
    seq: int,
    event: Event,
    payload_json: str,
    recorded_at: datetime,
    run_id: str,
    prev: str,
    digest: str,
) -> tuple:
    return (
        seq,
        event.event_id,
        event.event_type,
        event.stream,
        _naive_utc(event.occurred_at),
        _naive_utc(recorded_at),
        payload_json,
        event.schema_version,
        event.producer,
        run_id,
        prev,
        digest,
    )


def _recompute(row: tuple) -> str:
    """The chain hash a stored row should have, from its columns and its stored prev_hash."""
    (seq, event_id, event_type, stream, occurred_at, recorded_at, payload) = row[:7]
    (schema_version, producer, run_id, prev_hash, _digest) = row[7:]
    return row_hash(
        prev_hash,
        seq,
        event_id,
        event_type,
        stream,
        occurred_at,
        recorded_at,
        payload,
        producer,
        schema_version,
        run_id,
    )


def _naive_utc(moment: datetime) -> datetime:
    return as_utc(moment).replace(tzinfo=None)


def _recorded(row: tuple) -> RecordedEvent:
    (seq, event_id, event_type, stream, occurred_at, recorded_at, payload) = row[:7]
    (schema_version, producer, run_id, prev_hash, digest) = row[7:]
    event = Event(
        event_id=event_id,
        event_type=event_type,
        stream=stream,
        occurred_at=as_utc(occurred_at),
        payload=json.loads(payload),
        producer=producer,
        schema_version=schema_version,
    )
    return RecordedEvent(
        seq=seq,
        event=event,
        recorded_at=as_utc(recorded_at),
        run_id=run_id,
        prev_hash=prev_hash,
        hash=digest,
    )


def _one_line(err: BaseException) -> str:
    return " ".join(str(err).split())


_DAMAGE_SIGNS = (
    "corrupt",
    "checksum",
    "could not read enough bytes",
    "not a valid duckdb database",
    "invalid database",
)


def damaged_store_error(db_path: Path | str, err: BaseException) -> StoreError | None:
    """A one-line StoreError when DuckDB says the file is damaged (a checksum that does not
    match, a truncated file, not a DuckDB file) or the disk is full; None otherwise."""
    message = _one_line(err)
    lowered = message.lower()
    if any(sign in lowered for sign in _DAMAGE_SIGNS):
        return StoreError(
            f"{db_path}: the event log is damaged (corrupt or truncated); restore it from a"
            f" backup, or move it aside to start a new log ({message})"
        )
    if "no space left" in lowered or "file too large" in lowered:
        return StoreError(f"{db_path}: disk full ({message})")
    return None


def _store_error(db_path: Path | str, err: duckdb.Error) -> StoreError:
    """Name the file and the reason; DuckDB's own text (with the OS error) is kept at the end."""
    message = str(err)
    lowered = message.lower()
    if "no space left" in lowered or f"errno {errno.ENOSPC}" in lowered:
        reason = "disk full while appending"
    elif "file too large" in lowered or f"errno {errno.EFBIG}" in lowered:
        reason = "disk full (file-size limit reached) while appending"
    elif "read-only" in lowered or "permission denied" in lowered:
        reason = "the warehouse is read-only (permission denied) while appending"
    else:
        reason = "append failed"
    return StoreError(f"{db_path}: {reason}; the log is unchanged ({message})")
