"""Shared fixtures: fresh and seeded event logs."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")


@pytest.fixture
def fresh_db(tmp_path):
    """A path for a new, empty DuckDB event log."""
    return tmp_path / "warehouse" / "monitor.duckdb"


POSTGRES = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}


def _postgres_admin():
    """An autocommit connection to the local PostgreSQL's maintenance database, or None."""
    import psycopg2

    try:
        connection = psycopg2.connect(dbname="postgres", connect_timeout=3, **POSTGRES)
    except psycopg2.OperationalError:
        return None
    connection.autocommit = True
    return connection


@pytest.fixture
def lake_url(tmp_path):
    """A store URL of a new, empty DuckLake: a PostgreSQL database of its own (created here,
    dropped after the test) for the catalog, a folder under tmp_path for the data. Skipped
    when no PostgreSQL answers at 127.0.0.1:5432."""
    import uuid

    admin = _postgres_admin()
    if admin is None:
        pytest.skip("the DuckLake tests need PostgreSQL at 127.0.0.1:5432 (user postgres, trust)")
    name = f"monitor_test_{uuid.uuid4().hex[:12]}"
    with admin.cursor() as cursor:
        cursor.execute(f"create database {name}")  # a generated name, not data
    try:
        yield (
            f"ducklake:postgresql://{POSTGRES['user']}@{POSTGRES['host']}:{POSTGRES['port']}"
            f"/{name}?data_path={tmp_path / 'lake'}"
        )
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f"drop database if exists {name} with (force)")
        admin.close()
