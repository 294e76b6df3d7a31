"""The sorted event-id file beside the log (pipeline.store.id_index) and how the store uses it:
lookups agree with a Python set, a file that does not match the log is ignored, a torn or
foreign file is never trusted, and a killed rewrite leaves nothing the next writer keeps."""

from __future__ import annotations

import logging
import random
import shutil
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import duckdb
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.events import new_event
from pipeline.store.duckdb_store import DuckDBRecorder
from pipeline.store.id_index import (
    HEADER,
    IdIndexUnusable,
    encode_ids,
    id_index_path,
    merge_ids,
    read_id_index,
    write_id_index,
)
from pipeline.store.migrations import DDL_DIR, apply_migrations, list_migrations

_IDS = st.text(st.characters(codec="utf-8"), max_size=40).filter(lambda i: not i.endswith("\0"))


def make_events(n: int, start: int = 0) -> list:
    day = datetime(2025, 3, 1, tzinfo=UTC)
    return [
        new_event("feed_polled", f"feed:f{i}", day + timedelta(days=i), {"i": i}, "test/1")
        for i in range(start, start + n)
    ]


def log_and_cover(db, events: list, run_id: str = "r1") -> None:
    """Append through a writer that rewrites the id file as it closes, whatever the tail:
    the file then covers the whole log."""
    store = DuckDBRecorder(db, id_index_refresh_tail=1)
    store.append(events, run_id=run_id)
    store.close()


# -- the file -------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(stored=st.lists(_IDS, max_size=40), asked=st.lists(_IDS, max_size=40))
def test_lookups_agree_with_a_set(tmp_path_factory, stored, asked):
    path = tmp_path_factory.mktemp("ids") / "log.duckdb.ids"
    write_id_index(path, encode_ids(stored), covered_seq=len(stored), covered_hash="h" * 64)
    index = read_id_index(path)
    assert index is not None and index.covered_seq == len(stored)
    probes = asked + stored[:3]
    assert index.contains(probes) == set(probes) & set(stored)


@pytest.mark.parametrize("width", [32, 30, 5000])
@pytest.mark.parametrize("count", [127, 128, 129, 3000])
def test_lookups_across_many_blocks(tmp_path, width, count):
    """Full blocks, a partial last block, widths that do or do not divide a page, and ids
    wider than a page; present ids, absent ids between them, before and after them all."""
    rng = random.Random(width * count)
    stored = {f"{rng.getrandbits(120):030x}".ljust(width, "x")[:width] for _ in range(count)}
    stored = sorted(stored)
    path = tmp_path / "many.ids"
    write_id_index(path, encode_ids(stored), covered_seq=count, covered_hash="h")
    index = read_id_index(path)
    assert len(index) == len(stored) and index.block_ids == max(1, 4096 // width)
    absent = [s[:-1] + "!" for s in stored[::7]] + ["", "0" * width, "~" * width]
    present = stored[::3] + [stored[0], stored[-1]]
    assert index.contains(present + absent) == set(present)
    assert index.contains(stored) == set(stored)


@settings(max_examples=60, deadline=None)
@given(first=st.lists(_IDS, max_size=30), second=st.lists(_IDS, max_size=30))
def test_merge_is_the_sorted_union(first, second):
    merged = merge_ids(encode_ids(first), encode_ids(second))
    decoded = [raw.decode("utf-8") for raw in merged.tolist()]
    assert decoded == sorted(set(first) | set(second), key=lambda s: s.encode("utf-8"))


def test_a_longer_id_is_not_matched_by_its_prefix(tmp_path):
    path = tmp_path / "x.ids"
    write_id_index(path, encode_ids(["abc", "abd"]), covered_seq=2, covered_hash="h")
    index = read_id_index(path)
    assert index.contains(["abcd", "ab", "abc"]) == {"abc"}


def test_an_id_ending_in_nul_is_refused_and_other_odd_ids_round_trip(tmp_path):
    with pytest.raises(ValueError, match="ends in NUL"):
        encode_ids(["fine", "bad\0"])
    odd = ["", "a\0b", "é", "ab", "a", "\U0001f600" * 3]
    path = tmp_path / "odd.ids"
    write_id_index(path, encode_ids(odd), covered_seq=len(odd), covered_hash="h")
    index = read_id_index(path)
    assert index.contains(odd + ["a\0", "b", "\0"]) == set(odd)


def test_a_missing_file_is_none_and_a_torn_or_foreign_one_is_refused(tmp_path):
    path = tmp_path / "log.duckdb.ids"
    assert read_id_index(path) is None
    write_id_index(path, encode_ids(["a" * 32, "b" * 32]), covered_seq=2, covered_hash="h")
    whole = path.read_bytes()
    path.write_bytes(whole[:-5])
    with pytest.raises(IdIndexUnusable, match="torn"):
        read_id_index(path)
    path.write_bytes(whole[: HEADER.size - 1])
    with pytest.raises(IdIndexUnusable, match="shorter than the header"):
        read_id_index(path)
    path.write_bytes(b"SQLite format 3\0" + whole[16:])
    with pytest.raises(IdIndexUnusable, match="not an event-id file"):
        read_id_index(path)


def test_a_write_that_fails_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "log.duckdb.ids"
    write_id_index(path, encode_ids(["old"]), covered_seq=1, covered_hash="h1")

    def refuse(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("pipeline.store.id_index.os.fsync", refuse)
    with pytest.raises(OSError, match="No space"):
        write_id_index(path, encode_ids(["old", "new"]), covered_seq=2, covered_hash="h2")
    monkeypatch.undo()
    index = read_id_index(path)
    assert (index.covered_seq, index.contains(["old", "new"])) == (1, {"old"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["log.duckdb.ids"]


# -- the store with the file ------------------------------------------------------------------


def test_closing_a_writer_writes_the_file_once_enough_events_lie_beyond_it(tmp_path):
    db = tmp_path / "log.duckdb"
    store = DuckDBRecorder(db, id_index_refresh_tail=10)
    store.append(make_events(9), run_id="r1")
    store.close()
    assert not id_index_path(db).exists(), "9 events are fewer than the refresh tail"
    store = DuckDBRecorder(db, id_index_refresh_tail=10)
    store.append(make_events(3, start=9), run_id="r2")
    store.close()
    index = read_id_index(id_index_path(db))
    assert index is not None and (index.covered_seq, len(index)) == (12, 12)
    assert index.contains(e.event_id for e in make_events(12)) == {
        e.event_id for e in make_events(12)
    }


def test_appends_skip_ids_found_in_the_file_and_in_the_tail(tmp_path):
    db = tmp_path / "log.duckdb"
    log_and_cover(db, make_events(20))  # the file covers 1..20
    store = DuckDBRecorder(db)
    store.append(make_events(5, start=20), run_id="r2")  # 21..25: the tail
    index = store._current_id_index()
    assert index is not None and index.covered_seq == 20
    # the scan that finds ids in the tail starts after the file's position
    again = store.append(make_events(30), run_id="r3")  # 20 in the file, 5 in the tail, 5 new
    assert (again.appended, again.already_present) == (5, 25)
    assert store.max_seq() == 30
    assert store.known_ids(e.event_id for e in make_events(32)) == {
        e.event_id for e in make_events(30)
    }
    assert store.verify_chain().ok
    store.close()


def test_the_lookup_trusts_the_file_for_the_positions_it_covers(tmp_path):
    """Shows the file is used: an id it holds is reported even though the log was asked only
    for positions after it (so the lookup did not fall back to a whole-log scan)."""
    db = tmp_path / "log.duckdb"
    log_and_cover(db, make_events(4))
    store = DuckDBRecorder(db)
    store.append(make_events(2, start=4), run_id="r2")
    queries = []
    store.con = _Recording(store.con, queries)
    known = store.known_ids([e.event_id for e in make_events(6)])
    store.con = store.con.inner
    assert known == {e.event_id for e in make_events(6)}
    tail_scans = [params for sql, params in queries if "event_id in" in sql]
    assert tail_scans and all(params[0] == 4 for params in tail_scans)
    assert all(len(params[1]) == 2 for params in tail_scans), "only the tail's ids are asked"
    store.close()


class _Recording:
    """Wraps a connection and notes each statement with its parameters."""

    def __init__(self, inner, queries):
        self.inner, self.queries = inner, queries

    def execute(self, sql, params=None):
        self.queries.append((sql, params))
        return self.inner.execute(sql, params) if params is not None else self.inner.execute(sql)

    def __getattr__(self, name):
        return getattr(self.inner, name)


@pytest.mark.parametrize("damage", ["other_log", "ahead_of_log", "torn", "garbage"])
def test_a_file_that_does_not_match_the_log_is_ignored_and_replaced(tmp_path, caplog, damage):
    db = tmp_path / "log.duckdb"
    log_and_cover(db, make_events(6))
    path = id_index_path(db)
    if damage == "other_log":
        # the file of a log holding other events, at the same position
        other = tmp_path / "other.duckdb"
        log_and_cover(other, make_events(6, start=100))
        shutil.copyfile(id_index_path(other), path)
    elif damage == "ahead_of_log":
        write_id_index(path, encode_ids(["x"]), covered_seq=99, covered_hash="0" * 64)
    elif damage == "torn":
        path.write_bytes(path.read_bytes()[:-7])
    else:
        path.write_bytes(b"\x00garbage" * 40)
    store = DuckDBRecorder(db, id_index_refresh_tail=1)
    with caplog.at_level(logging.WARNING, logger="pipeline.store.duckdb_store"):
        again = store.append(make_events(8), run_id="r2")
    assert (again.appended, again.already_present) == (2, 6), "no duplicates, none lost"
    assert str(path) in caplog.text
    store.close()
    index = read_id_index(path)
    assert index.covered_seq == 8
    assert index.contains(e.event_id for e in make_events(8, start=0)) == {
        e.event_id for e in make_events(8)
    }


def test_an_older_file_of_the_same_log_is_used_with_a_longer_tail(tmp_path):
    db = tmp_path / "log.duckdb"
    log_and_cover(db, make_events(3))
    older = tmp_path / "older.ids"
    shutil.copyfile(id_index_path(db), older)
    log_and_cover(db, make_events(3, start=3), run_id="r2")
    shutil.copyfile(older, id_index_path(db))  # e.g. restored from an earlier backup
    store = DuckDBRecorder(db)
    assert store._current_id_index().covered_seq == 3
    again = store.append(make_events(7), run_id="r3")
    assert (again.appended, again.already_present) == (1, 6)
    store.close()


def test_a_killed_rewrites_temporary_file_is_removed_by_the_next_writer(tmp_path):
    db = tmp_path / "log.duckdb"
    with DuckDBRecorder(db) as store:
        store.append(make_events(2), run_id="r1")
    leftover = tmp_path / "log.duckdb.ids.tmp-999999-0a1b2c3d"
    leftover.write_bytes(b"half a file")
    with DuckDBRecorder(db, read_only=True) as reader:
        assert reader._current_id_index() is None, "a temporary file is never read"
    assert leftover.exists(), "a reader leaves it (a writer may be writing it)"
    store = DuckDBRecorder(db)  # holds the writer's lock: no one else can be writing it
    assert not leftover.exists()
    store.close()


def test_a_read_only_folder_keeps_the_close_from_failing(tmp_path, caplog):
    db = tmp_path / "wh" / "log.duckdb"
    store = DuckDBRecorder(db, id_index_refresh_tail=1)
    store.append(make_events(2), run_id="r1")

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    import pipeline.store.duckdb_store as duckdb_store

    original = duckdb_store.write_id_index
    duckdb_store.write_id_index = refuse
    try:
        with caplog.at_level(logging.WARNING, logger="pipeline.store.duckdb_store"):
            store.close()
    finally:
        duckdb_store.write_id_index = original
    assert "id file not refreshed" in caplog.text and "Permission denied" in caplog.text
    assert not id_index_path(db).exists()
    with DuckDBRecorder(db, read_only=True) as reader:
        assert reader.max_seq() == 2


def test_an_in_memory_log_has_no_file():
    store = DuckDBRecorder(":memory:", id_index_refresh_tail=1)
    store.append(make_events(3), run_id="r1")
    assert store.refresh_id_index() is False
    assert store.append(make_events(3), run_id="r2").already_present == 3
    store.close()


# -- the migration from the unique index --------------------------------------------------


def test_migration_keeps_every_event_and_drops_the_unique_index(tmp_path):
    """A log made under 001-003 (event_id unique) moves to 004: same rows, same chain, no
    unique constraint left, and appends stay idempotent."""
    source = tmp_path / "source.duckdb"
    with DuckDBRecorder(source) as store:
        store.append(make_events(40), run_id="r1")
        store.append(make_events(10, start=40), run_id="r2")
        before = store.con.execute("select * from events order by seq").fetchall()
    old_ddl = tmp_path / "ddl"
    old_ddl.mkdir()
    for name in ("001_event_log.sql", "002_quarantine.sql", "003_validation_results.sql"):
        shutil.copy(DDL_DIR / name, old_ddl / name)
    db = tmp_path / "old.duckdb"
    con = duckdb.connect(str(db))
    assert apply_migrations(con, old_ddl) == [1, 2, 3]
    con.execute(f"attach '{source}' as source (read_only)")
    con.execute("insert into events select * from source.events")
    con.execute("detach source")
    assert _unique_columns(con) == [["event_id"]]
    con.close()

    store = DuckDBRecorder(db)
    try:
        assert _unique_columns(store.con) == []
        latest = list_migrations()[-1].version
        assert store.con.execute("select max(version) from schema_migrations").fetchone() == (
            latest,
        )
        assert store.con.execute("select * from events order by seq").fetchall() == before
        assert store.verify_chain().ok and store.verify_chain().checked == 50
        again = store.append(make_events(52), run_id="r3")
        assert (again.appended, again.already_present) == (2, 50)
    finally:
        store.close()


def _unique_columns(con) -> list[list[str]]:
    rows = con.execute(
        "select constraint_column_names from duckdb_constraints()"
        " where table_name = 'events' and constraint_type = 'UNIQUE'"
    ).fetchall()
    return [list(r[0]) for r in rows]


def test_a_fresh_log_has_the_seq_key_and_no_event_id_index(tmp_path):
    with DuckDBRecorder(tmp_path / "log.duckdb") as store:
        kinds = store.con.execute(
            "select constraint_type, constraint_column_names from duckdb_constraints()"
            " where table_name = 'events' and constraint_type in ('PRIMARY KEY', 'UNIQUE')"
        ).fetchall()
    assert [(k, list(c)) for k, c in kinds] == [("PRIMARY KEY", ["seq"])]


def test_widths_of_ids_in_the_file_and_the_tail_may_differ(tmp_path):
    """Ids made elsewhere (tests, older producers) need not be 32 characters."""
    db = tmp_path / "log.duckdb"
    short = make_events(3)
    log_and_cover(db, short)
    assert read_id_index(id_index_path(db)).width == 32
    long_ids = [
        new_event("feed_polled", "feed:z", datetime(2025, 1, 1, tzinfo=UTC), {"k": k}, "t/1")
        for k in range(2)
    ]
    long_ids = [replace(e, event_id=e.event_id * 2) for e in long_ids]
    log_and_cover(db, long_ids, run_id="r2")
    index = read_id_index(id_index_path(db))
    assert index.covered_seq == 5
    assert index.contains(e.event_id for e in short + long_ids) == {
        e.event_id for e in short + long_ids
    }
    assert np.all(index.ids[1:] > index.ids[:-1])


# -- monitor check ----------------------------------------------------------------------------


def test_check_compares_the_file_with_the_log_id_for_id(tmp_path):
    db = tmp_path / "log.duckdb"
    log_and_cover(db, make_events(300))
    store = DuckDBRecorder(db)
    store.append(make_events(2, start=300), run_id="r2")
    report = store.check_id_index()
    assert report.ok and "1..300" in report.detail and "2 events beyond" in report.detail
    store.close()

    # a file with the log's hash at its position but other ids: appends would trust it
    index = read_id_index(id_index_path(db))
    forged = make_events(300, start=1000)
    write_id_index(
        id_index_path(db),
        encode_ids(e.event_id for e in forged),
        covered_seq=index.covered_seq,
        covered_hash=index.covered_hash,
    )
    with DuckDBRecorder(db, read_only=True) as reader:
        report = reader.check_id_index()
    assert not report.ok and "delete the file" in report.detail

    # one made for another state of the log is ignored by appends: noted, not a failure
    write_id_index(id_index_path(db), encode_ids(["x"]), covered_seq=2, covered_hash="0" * 64)
    with DuckDBRecorder(db, read_only=True) as reader:
        report = reader.check_id_index()
    assert report.ok and "ignored" in report.detail


def test_monitor_check_fails_on_a_file_that_disagrees_with_the_log(tmp_path):
    from typer.testing import CliRunner

    from pipeline.cli import app

    db = tmp_path / "wh" / "monitor.duckdb"
    log_and_cover(db, make_events(5))
    runner = CliRunner()
    clean = runner.invoke(app, ["check", "--db", str(db)])
    assert "ok    id file: covers positions 1..5" in clean.output, clean.output
    index = read_id_index(id_index_path(db))
    write_id_index(
        id_index_path(db),
        encode_ids(e.event_id for e in make_events(5, start=50)),
        covered_seq=index.covered_seq,
        covered_hash=index.covered_hash,
    )
    broken = runner.invoke(app, ["check", "--db", str(db)])
    assert broken.exit_code == 1
    assert "FAIL  id file:" in broken.output and "delete the file" in broken.output


def test_an_interrupted_rewrite_still_closes_the_log(tmp_path):
    """A task timeout raises inside the rewrite: the error goes up, and the log is closed
    (its WAL checkpointed) all the same, so the next writer opens it at once."""
    db = tmp_path / "log.duckdb"
    store = DuckDBRecorder(db, id_index_refresh_tail=1)
    store.append(make_events(3), run_id="r1")

    class TaskTimeout(BaseException):
        pass

    def interrupt(*args, **kwargs):
        raise TaskTimeout

    import pipeline.store.duckdb_store as duckdb_store

    original = duckdb_store.write_id_index
    duckdb_store.write_id_index = interrupt
    try:
        with pytest.raises(TaskTimeout):
            store.close()
    finally:
        duckdb_store.write_id_index = original
    assert not (tmp_path / "log.duckdb.wal").exists(), "closed and checkpointed"
    with DuckDBRecorder(db) as again:
        assert again.max_seq() == 3
