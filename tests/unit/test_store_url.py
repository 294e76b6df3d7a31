"""MONITOR_STORE_URL: which log the settings name, and clear errors for a bad URL."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.errors import InputError
from pipeline.settings import Settings, load_settings, parse_store_url


def test_default_store_is_the_duckdb_file_at_the_db_path(tmp_path):
    settings = load_settings({"MONITOR_DB": str(tmp_path / "w" / "monitor.duckdb")})
    assert settings.store.kind == "duckdb"
    assert settings.store.path == tmp_path / "w" / "monitor.duckdb"


def test_a_duckdb_url_sets_the_log_file_and_its_warehouse(tmp_path):
    settings = load_settings({"MONITOR_STORE_URL": f"duckdb://{tmp_path}/w/log.duckdb"})
    assert settings.db_path == tmp_path / "w" / "log.duckdb"
    assert settings.bi_snapshot_path == tmp_path / "w" / "snapshot" / "log_bi.duckdb"


def test_a_ducklake_url_names_catalog_and_data_and_keeps_the_warehouse(tmp_path):
    url = f"ducklake:postgresql://postgres@127.0.0.1:5433/monitor?data_path={tmp_path}/lake"
    settings = load_settings({"MONITOR_STORE_URL": url, "MONITOR_DB": str(tmp_path / "w.duckdb")})
    store = settings.store
    assert (store.kind, store.user, store.host, store.port, store.database) == (
        "ducklake",
        "postgres",
        "127.0.0.1",
        5433,
        "monitor",
    )
    assert store.data_path == tmp_path / "lake"
    assert store.libpq == "dbname=monitor host=127.0.0.1 port=5433 user=postgres"
    assert settings.warehouse_dir == tmp_path  # run folders and views stay on this machine


def test_db_option_overrides_a_store_url(tmp_path):
    url = f"ducklake:postgresql://postgres@localhost/monitor?data_path={tmp_path}"
    settings = Settings(store_url=url).with_db(tmp_path / "other.duckdb")
    assert settings.store.kind == "duckdb" and settings.store.path == Path(
        tmp_path / "other.duckdb"
    )


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("sqlite:///x.db", "unknown store kind 'sqlite'"),
        ("duckdb://relative.duckdb", "three slashes"),
        ("duckdb:///tmp/monitor.db", "should end in .duckdb"),
        ("ducklake:mysql://u@h/db?data_path=/d", "lives in PostgreSQL"),
        ("ducklake:postgresql://u@h:port/db?data_path=/d", "port is not a number"),
        ("ducklake:postgresql://h/db?data_path=/d", "no user given"),
        ("ducklake:postgresql://u@h/?data_path=/d", "no database given"),
        ("ducklake:postgresql://u@h/db", "no data_path=DIR given"),
        ("ducklake:postgresql://u@h/db?data_path=/d&x=1", "unknown option(s) x"),
        ("ducklake:postgresql://u:secret@h/db?data_path=/d", "no password"),
        ("ducklake:postgresql://u@h/my%20db?data_path=/d", "may hold only letters"),
    ],
)
def test_a_bad_store_url_is_refused_naming_it_and_why(url, why):
    with pytest.raises(InputError) as raised:
        load_settings({"MONITOR_STORE_URL": url})
    assert url in str(raised.value) and why in str(raised.value)


def test_parse_store_url_reads_the_memory_log():
    assert parse_store_url("duckdb://:memory:").path == ":memory:"
