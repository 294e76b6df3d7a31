"""Shared fixtures for the unit tests."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def extractor():
    """The default statement extractor, loaded once for the whole session."""
    from pipeline.statements import load_extractor

    return load_extractor()
