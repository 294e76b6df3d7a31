"""One wall-clock deadline over every network operation of a request: connect, TLS, writing
the request, reading the status line, the headers and the body.

httpx's own timeouts bound each operation on its own: a server that drips its status line
or headers a byte at a time, each byte inside the read timeout, holds a request for as
long as it likes. Here the connection's reads and writes are each given at most the time
left before the request's deadline, and one that starts after it fails at once with the
timeout the HTTP library already maps (`httpx.TimeoutException`). The client sets the
deadline before it sends a request and clears it after (`Deadline.running`).
"""

from __future__ import annotations

import ssl
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import httpcore
import httpx


class Deadline:
    """The moment the request under way must be done by (None: no request under way)."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self.at: float | None = None

    @contextmanager
    def running(self, at: float) -> Iterator[None]:
        """Hold the deadline `at` (a time of `clock`) while the block runs."""
        self.at = at
        try:
            yield
        finally:
            self.at = None

    def passed(self) -> bool:
        """Tell whether a deadline is set and has passed."""
        return self.at is not None and self._clock() >= self.at

    def bound(self, timeout: float | None, error: type[Exception]) -> float | None:
        """Return `timeout` cut to the time left; raise `error` when none is left."""
        if self.at is None:
            return timeout
        left = self.at - self._clock()
        if left <= 0:
            raise error("the request's total time is spent")
        return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, stream: httpcore.NetworkStream, deadline: Deadline) -> None:
        self._stream = stream
        self._deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, self._deadline.bound(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, self._deadline.bound(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        bounded = self._deadline.bound(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(
            self._stream.start_tls(ssl_context, server_hostname, bounded), self._deadline
        )

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's network backend with every operation bounded by a shared `Deadline`."""

    def __init__(self, deadline: Deadline, inner: httpcore.NetworkBackend | None = None) -> None:
        self._deadline = deadline
        self._inner = inner or httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        bounded = self._deadline.bound(timeout, httpcore.ConnectTimeout)
        stream = self._inner.connect_tcp(host, port, bounded, local_address, socket_options)
        return _DeadlineStream(stream, self._deadline)

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("unix sockets are never used")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def deadline_transport(
    deadline: Deadline, inner: httpcore.NetworkBackend | None = None
) -> httpx.HTTPTransport:
    """An httpx transport (no proxies from the environment, no keep-alive) whose connections
    all run under `deadline`."""
    limits = httpx.Limits(max_keepalive_connections=0)
    transport = httpx.HTTPTransport(trust_env=False, limits=limits)
    # HTTPTransport takes no network backend: swap in a pool built like its own (no proxy,
    # HTTP/1.1, the same TLS context) around ours. The fetch tests that drip a status line
    # fail if a new httpx stops sending requests through `_pool`.
    transport._pool = httpcore.ConnectionPool(
        ssl_context=httpx.create_ssl_context(trust_env=False),
        max_keepalive_connections=0,
        network_backend=DeadlineBackend(deadline, inner),
    )
    return transport
