"""rebuild_views holds DuckDB to a memory limit while it runs and restores the setting."""

from __future__ import annotations

import duckdb
import pytest

from pipeline.store import open_store
from pipeline.store.views import rebuild_views


def _limit(store) -> str:
    return store.con.execute("select current_setting('memory_limit')").fetchone()[0]


def test_rebuild_restores_the_connection_memory_limit():
    with open_store(":memory:") as store:
        store.con.execute("set memory_limit = '1GB'")
        before = _limit(store)
        rebuild_views(store, memory_limit="512MB")
        # DuckDB reports the limit rounded to 0.1 MiB; restoring it may move the last digit.
        assert abs(_mib(_limit(store)) - _mib(before)) <= 0.2


def _mib(text: str) -> float:
    number, unit = text.split()
    return float(number) * {"KiB": 1 / 1024, "MiB": 1, "GiB": 1024}[unit]


def test_rebuild_applies_the_limit_while_it_runs(monkeypatch):
    seen = []
    with open_store(":memory:") as store:
        real_execute = store.con.execute

        class Spy:
            def execute(self, sql, *args):
                if "create or replace table" in sql.lower():
                    seen.append(_limit(store))
                return real_execute(sql, *args)

            def __getattr__(self, name):
                return getattr(store.con, name)

        con = store.con
        store.con = Spy()
        try:
            rebuild_views(store, memory_limit="256MB")
        finally:
            store.con = con
    reference = duckdb.connect()
    reference.execute("set memory_limit = '256MB'")
    expected = reference.execute("select current_setting('memory_limit')").fetchone()[0]
    assert seen and set(seen) == {expected}, seen


def test_rebuild_refuses_a_malformed_limit():
    with open_store(":memory:") as store, pytest.raises(ValueError):
        rebuild_views(store, memory_limit="1GB'; drop table events; --")
