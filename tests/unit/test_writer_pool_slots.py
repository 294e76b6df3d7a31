"""The writer pool's size is a setting: one slot on the DuckDB store, more only on DuckLake."""

from __future__ import annotations

import pytest

from pipeline.errors import InputError
from pipeline.orchestration import writer_pool_slots
from pipeline.settings import load_settings

DUCKLAKE = "ducklake:postgresql://postgres@127.0.0.1:5432/monitor?data_path=/data/lake"


def test_the_pool_has_one_slot_unless_configured():
    assert writer_pool_slots(load_settings({})) == 1
    assert writer_pool_slots(load_settings({"MONITOR_WRITER_POOL_SLOTS": " "})) == 1
    assert writer_pool_slots(load_settings({"MONITOR_WRITER_POOL_SLOTS": "1"})) == 1


def test_the_ducklake_store_lifts_the_pool():
    env = {"MONITOR_STORE_URL": DUCKLAKE, "MONITOR_WRITER_POOL_SLOTS": "6"}
    assert writer_pool_slots(load_settings(env)) == 6


@pytest.mark.parametrize("store_url", ["", "duckdb:///data/warehouse/monitor.duckdb"])
def test_more_than_one_slot_on_the_duckdb_store_is_refused_naming_the_setting(store_url):
    env = {"MONITOR_STORE_URL": store_url, "MONITOR_WRITER_POOL_SLOTS": "3"}
    with pytest.raises(InputError, match=r"MONITOR_WRITER_POOL_SLOTS=3: the DuckDB store allows"):
        writer_pool_slots(load_settings(env))


@pytest.mark.parametrize("raw", ["0", "-2", "two", "1.5"])
def test_a_slot_count_that_is_not_a_positive_whole_number_is_refused(raw):
    env = {"MONITOR_STORE_URL": DUCKLAKE, "MONITOR_WRITER_POOL_SLOTS": raw}
    with pytest.raises(InputError, match=r"SLOTS=.*: expected a whole number, 1 or more"):
        writer_pool_slots(load_settings(env))
