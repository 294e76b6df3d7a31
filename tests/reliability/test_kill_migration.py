"""SIGKILL while migration 004 copies the events table (to drop 001's unique index).

The copy runs in one transaction with its record in schema_migrations, so a kill at any
point leaves either the table of 001-003 (version 3) or the new one (version 4), never a
half copy: the same rows, an intact chain. The next writer to open the log finishes it.
"""

from __future__ import annotations

import random
import shutil
from datetime import date

import duckdb
import pytest
from reliability_support import DriverServer

from pipeline.events import new_event
from pipeline.store.duckdb_store import DuckDBRecorder
from pipeline.store.migrations import DDL_DIR, apply_migrations, list_migrations

EVENTS = 40_000
LATEST = list_migrations()[-1].version  # what a writer migrates to
KILLS = 8

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]


def old_schema_log(folder):
    """A log made under migrations 001-003 (event_id still unique), with EVENTS events."""
    source = folder / "source.duckdb"
    with DuckDBRecorder(source) as store:
        for start in range(0, EVENTS, 5000):
            store.append(
                [
                    new_event(
                        "feed_polled",
                        f"feed:f{i % 50}",
                        date(2025, 1, 1 + i % 28),
                        {"i": i, "text": "word " * 40},
                        "test/1",
                    )
                    for i in range(start, start + 5000)
                ],
                run_id=f"r{start}",
            )
    old_ddl = folder / "ddl"
    old_ddl.mkdir()
    for name in ("001_event_log.sql", "002_quarantine.sql", "003_validation_results.sql"):
        shutil.copy(DDL_DIR / name, old_ddl / name)
    db = folder / "wh" / "monitor.duckdb"
    db.parent.mkdir()
    con = duckdb.connect(str(db))
    apply_migrations(con, old_ddl)
    con.execute(f"attach '{source}' as source (read_only)")
    con.execute("insert into events select * from source.events")
    con.execute("detach source")
    con.close()
    source.unlink()
    return db


def state(db) -> tuple[int, bool, list]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        version = con.execute("select max(version) from schema_migrations").fetchone()[0]
        unique = con.execute(
            "select count(*) from duckdb_constraints()"
            " where table_name = 'events' and constraint_type = 'UNIQUE'"
        ).fetchone()[0]
        rows = con.execute("select seq, event_id, hash from events order by seq").fetchall()
    finally:
        con.close()
    return version, bool(unique), rows


def test_kills_during_the_copy_leave_the_old_table_or_the_new_one(tmp_path):
    db = old_schema_log(tmp_path)
    _, _, original = state(db)
    assert len(original) == EVENTS

    driver = DriverServer()
    try:
        # how long opening (the copy) takes, on a spare copy of the log
        spare = tmp_path / "spare" / "monitor.duckdb"
        spare.parent.mkdir()
        shutil.copy(db, spare)
        lines, status = driver.run("open", spare)
        assert status == 0, lines
        stamps = dict((line, stamp) for stamp, line in lines)
        duration = stamps["end open"] - stamps["begin open"]
        assert state(spare)[:2] == (LATEST, False)

        rng = random.Random(404)
        outcomes = []
        for _ in range(KILLS):
            delay = rng.uniform(0, 1.1 * duration)
            driver.kill_at(["open", db, "--linger", 30], "begin open", delay)
            version, unique, rows = state(db)
            done = {(v, False) for v in range(4, LATEST + 1)}  # 004, and any later one
            assert (version, unique) in {(3, True)} | done, "a half-done migration"
            assert rows == original, "a kill changed the logged events"
            outcomes.append(version)
            if version >= 4:
                break  # a kill after the commit: the migration is done
        # the next writer finishes the work and the log verifies
        lines, status = driver.run("open", db)
        assert status == 0, lines
    finally:
        driver.close()
    assert state(db)[:2] == (LATEST, False) and state(db)[2] == original
    with DuckDBRecorder(db) as store:
        report = store.verify_chain()
        assert report.ok and report.checked == EVENTS
        logged = new_event(
            "feed_polled", "feed:f1", date(2025, 1, 2), {"i": 1, "text": "word " * 40}, "test/1"
        )
        assert store.append([logged], run_id="again").appended == 0
    assert 3 in outcomes, "no kill landed inside the copy"
