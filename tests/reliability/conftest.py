"""The reliability tests freeze the store's clock (`reliability_driver.freeze_clock`) so
fingerprints compare across stores: give every later module the real clock back."""

import pytest

from pipeline.store import duckdb_store


@pytest.fixture(autouse=True, scope="module")
def _real_clock_after_the_module():
    real = duckdb_store.datetime
    yield
    duckdb_store.datetime = real
