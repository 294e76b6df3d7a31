"""A real local HTTP server for tests: 127.0.0.1, a free port, a route table per test.

Tests register what each path answers (status, headers, body, delay, streamed
bodies, ETag / Last-Modified validation, redirects, a sequence of answers) and read
back what the server saw (`requests`, `hits`, `bytes_sent`). Nothing leaves the machine.

    with LocalWeb() as web:
        web.route("/feed.xml", body, content_type="application/rss+xml", etag='"v1"')
        client.fetch(web.url("/feed.xml"))
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

RESOURCES = Path(__file__).resolve().parent / "resources"


@dataclass
class Reply:
    """What the server sends: status, headers, a body (bytes or an iterable of chunks)."""

    status: int = 200
    body: bytes | Iterable[bytes] = b""
    content_type: str | None = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering
    chunk_delay: float = 0.0  # seconds to wait between streamed chunks
    head_drip: float = 0.0  # seconds to wait between bytes of the status line and headers


@dataclass(frozen=True)
class SeenRequest:
    """A request the server received."""

    method: str
    path: str
    query: str
    headers: dict[str, str]


Handler = Callable[[SeenRequest], Reply]


class LocalWeb:
    """A threaded HTTP server on 127.0.0.1 with a route table; use as a context manager."""

    host = "127.0.0.1"

    def __init__(self) -> None:
        self._routes: dict[str, Handler] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self.requests: list[SeenRequest] = []
        self._sent: dict[str, int] = {}
        self._server = ThreadingHTTPServer((self.host, 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    # --- lifecycle ---

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def netloc(self) -> str:
        return f"{self.host}:{self.port}"

    def url(self, path: str = "/") -> str:
        return f"http://{self.netloc}{path}"

    def start(self) -> LocalWeb:
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> LocalWeb:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- routes ---

    def add(self, path: str, handler: Handler | Reply) -> None:
        """Answer `path` (query ignored) with a handler, or always with one reply."""
        with self._lock:
            self._routes[path] = handler if callable(handler) else (lambda _req, r=handler: r)

    def route(
        self,
        path: str,
        body: bytes | str = b"",
        *,
        status: int = 200,
        content_type: str | None = "text/html; charset=utf-8",
        headers: dict[str, str] | None = None,
        delay: float = 0.0,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> None:
        """Serve a fixed body; with etag/last_modified, answer matching validators with 304."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        extra = dict(headers or {})
        if etag:
            extra["ETag"] = etag
        if last_modified:
            extra["Last-Modified"] = last_modified

        def handle(request: SeenRequest) -> Reply:
            if (etag and request.headers.get("if-none-match") == etag) or (
                not etag
                and last_modified
                and request.headers.get("if-modified-since") == last_modified
            ):
                return Reply(304, b"", None, extra, delay)
            return Reply(status, data, content_type, extra, delay)

        self.add(path, handle)

    def resource(self, path: str, name: str, content_type: str, **options: object) -> None:
        """Serve a file from tests/resources/ (e.g. "feeds/rss20.xml")."""
        self.route(path, (RESOURCES / name).read_bytes(), content_type=content_type, **options)

    def redirect(self, path: str, location: str, status: int = 302) -> None:
        """Redirect `path` to `location` (absolute, or a path on this server)."""
        self.add(path, Reply(status, b"", None, {"Location": location}))

    def sequence(self, path: str, replies: list[Reply]) -> None:
        """Answer successive requests with successive replies; the last one repeats."""
        remaining = list(replies)

        def handle(_request: SeenRequest) -> Reply:
            with self._lock:
                return remaining.pop(0) if len(remaining) > 1 else remaining[0]

        self.add(path, handle)

    def stream(
        self,
        path: str,
        total_bytes: int,
        *,
        chunk_size: int = 64 * 1024,
        content_type: str = "text/html; charset=utf-8",
        declare_length: bool = False,
        chunk_delay: float = 0.0,
    ) -> None:
        """Stream `total_bytes` of filler without holding them in memory."""

        def handle(_request: SeenRequest) -> Reply:
            headers = {"Content-Length": str(total_bytes)} if declare_length else {}
            return Reply(
                200,
                _filler(total_bytes, chunk_size),
                content_type,
                headers,
                chunk_delay=chunk_delay,
            )

        self.add(path, handle)

    # --- what happened ---

    def hits(self, path: str) -> int:
        """Count requests received for a path."""
        with self._lock:
            return sum(1 for r in self.requests if r.path == path)

    def requests_to(self, path: str) -> list[SeenRequest]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def bytes_sent(self, path: str) -> int:
        """Count body bytes the server managed to write for a path."""
        with self._lock:
            return self._sent.get(path, 0)

    # --- the request handler ---

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        web = self

        class _Handler(BaseHTTPRequestHandler):
            server_version = "LocalWeb/1.0"

            def do_GET(self) -> None:  # noqa: N802 (http.server naming)
                web._serve(self)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                return

        return _Handler

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        request = SeenRequest(
            handler.command,
            parts.path,
            parts.query,
            {k.lower(): v for k, v in handler.headers.items()},
        )
        with self._lock:
            self.requests.append(request)
            route = self._routes.get(parts.path)
        reply = route(request) if route else Reply(404, b"not found", "text/plain")
        if reply.delay and self._stopping.wait(reply.delay):
            return
        if reply.head_drip:
            self._drip(handler, parts.path, reply)
            return
        try:
            handler.send_response(reply.status)
            if reply.content_type:
                handler.send_header("Content-Type", reply.content_type)
            for name, value in reply.headers.items():
                handler.send_header(name, value)
            if isinstance(reply.body, bytes):
                if "Content-Length" not in reply.headers:
                    handler.send_header("Content-Length", str(len(reply.body)))
                handler.end_headers()
                handler.wfile.write(reply.body)
                self._count(parts.path, len(reply.body))
                return
            handler.end_headers()
            for chunk in reply.body:
                if reply.chunk_delay and self._stopping.wait(reply.chunk_delay):
                    return
                handler.wfile.write(chunk)
                self._count(parts.path, len(chunk))
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            return  # the client stopped reading, as clients with limits should

    def _drip(self, handler: BaseHTTPRequestHandler, path: str, reply: Reply) -> None:
        """Send the status line and headers a byte at a time, then the (bytes) body."""
        body = reply.body if isinstance(reply.body, bytes) else b"".join(reply.body)
        lines = [f"HTTP/1.1 {reply.status} OK"]
        if reply.content_type:
            lines.append(f"Content-Type: {reply.content_type}")
        lines += [f"{name}: {value}" for name, value in reply.headers.items()]
        lines += [f"Content-Length: {len(body)}", "Connection: close", "", ""]
        try:
            for byte in "\r\n".join(lines).encode("latin-1"):
                if self._stopping.wait(reply.head_drip):
                    return
                handler.wfile.write(bytes([byte]))
                handler.wfile.flush()
            handler.wfile.write(body)
            self._count(path, len(body))
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            return

    def _count(self, path: str, sent: int) -> None:
        with self._lock:
            self._sent[path] = self._sent.get(path, 0) + sent


def _filler(total: int, chunk_size: int) -> Iterator[bytes]:
    block = b"<p>" + b"x" * (chunk_size - 7) + b"</p>\n"
    sent = 0
    while sent < total:
        piece = block[: min(chunk_size, total - sent)]
        sent += len(piece)
        yield piece


def gzip_stream(total_bytes: int, *, wbits: int = 16 + zlib.MAX_WBITS) -> bytes:
    """Return gzip (default) or zlib-compressed zeros of `total_bytes`, built in 1 MiB steps."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, wbits)
    block = b"\0" * (1 << 20)
    parts = []
    left = total_bytes
    while left > 0:
        parts.append(compressor.compress(block[: min(left, len(block))]))
        left -= len(block)
    parts.append(compressor.flush())
    return b"".join(parts)


def gzip_bytes(data: bytes) -> bytes:
    """Return `data` gzip-compressed."""
    compressor = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


class FakeClock:
    """A monotonic clock for tests: `sleep` records the wait and moves time forward."""

    def __init__(self) -> None:
        self.time = 1000.0
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self.time

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.time += seconds


def rss_feed(title: str, items: list[dict[str, str]]) -> str:
    """Build a small RSS 2.0 document; each item may have title, link, guid, description."""
    from xml.sax.saxutils import escape

    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<rss version="2.0"><channel>',
        f"<title>{escape(title)}</title><link>https://example.org/</link>",
    ]
    for item in items:
        parts.append("<item>")
        for key in ("title", "link", "guid", "description", "pubDate"):
            if key in item:
                parts.append(f"<{key}>{escape(item[key])}</{key}>")
        parts.append("</item>")
    parts.append("</channel></rss>")
    return "\n".join(parts)
