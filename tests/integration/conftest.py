"""Fixtures for integration tests: a real local HTTP server, never the network."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from pipeline.sources.config import FetchSettings
from pipeline.sources.http import HttpClient

try:
    from tests.localweb import FakeClock, LocalWeb
except ImportError:  # the repository root is not on sys.path (no editable install)
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from tests.localweb import FakeClock, LocalWeb


@pytest.fixture
def localweb() -> Iterator[LocalWeb]:
    """Serve registered routes on 127.0.0.1 at a free port for one test."""
    with LocalWeb() as web:
        yield web


@pytest.fixture
def fake_clock() -> FakeClock:
    """A monotonic clock that only moves when the code under test sleeps."""
    return FakeClock()


@pytest.fixture
def make_client(localweb: LocalWeb, fake_clock: FakeClock) -> Iterator[Callable[..., HttpClient]]:
    """Build HttpClients allowed to reach `localweb`, with fast limits and a recorded sleep.

    Keyword arguments override FetchSettings fields; `resolver=` and `real_clock=True`
    are passed to the client. Waits are recorded in `fake_clock.sleeps`.
    """
    clients: list[HttpClient] = []

    def make(*, resolver=None, real_clock: bool = False, **overrides: object) -> HttpClient:
        options: dict[str, object] = {
            "allow_hosts": (localweb.netloc,),
            "per_host_delay_s": 0.0,
            "connect_timeout_s": 2.0,
            "read_timeout_s": 2.0,
            "total_timeout_s": 10.0,
        }
        options.update(overrides)
        extra: dict[str, object] = {"sleep": fake_clock.sleep}
        if not real_clock:
            extra["clock"] = fake_clock.now
        if resolver is not None:
            extra["resolver"] = resolver
        client = HttpClient(FetchSettings(**options), **extra)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()
