"""Shared fixtures: fresh and seeded event logs."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")


@pytest.fixture
def fresh_db(tmp_path):
    """A path for a new, empty DuckDB event log."""
    return tmp_path / "warehouse" / "monitor.duckdb"
