"""Offline server: the bundled corpus (seeds/offline/site) over real HTTP on 127.0.0.1.

The run and the tests fetch through it, so the production HTTP client, feed parser,
conditional requests and robots handling are exercised without a network. Pages carry
absolute links to http://127.0.0.1:8123; on any other port they are rewritten to the real
origin as they are served.
"""

from __future__ import annotations

import errno
import hashlib
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email.utils import formatdate, parsedate_to_datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from pipeline.settings import SEEDS_DIR

SITE_DIR = SEEDS_DIR / "offline" / "site"
DEFAULT_PORT = 8123
CANONICAL_ORIGIN = "http://127.0.0.1:8123"
HOST = "127.0.0.1"

_TYPES = {
    ".html": "text/html",
    ".htm": "text/html",
    ".rss": "application/rss+xml",
    ".atom": "application/atom+xml",
    ".xml": "application/xml",
    ".txt": "text/plain",
    ".json": "application/json",
}
_META_CHARSET = re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9_:.\-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""^<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9_.\-]+)""", re.I)


def _charset(body: bytes, suffix: str) -> str:
    pattern = _XML_ENCODING if suffix in {".rss", ".atom", ".xml"} else _META_CHARSET
    match = pattern.search(body[:2048])
    return match.group(1).decode("ascii").lower() if match else "utf-8"


class _CorpusHandler(BaseHTTPRequestHandler):
    """Serve files under the server's root with validators and 304s; nothing else."""

    server: _CorpusServer
    server_version = "OfflineCorpus/1"
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib name
        """Keep test and run output quiet."""

    def do_HEAD(self) -> None:  # noqa: N802 - stdlib name
        """Answer like GET without the body."""
        self._serve(head=True)

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        """Serve one file."""
        self._serve(head=False)

    def _resolve(self) -> Path | None:
        path = unquote(urlsplit(self.path).path)
        if path.endswith("/"):
            path += "index.html"
        root = self.server.root
        target = (root / path.lstrip("/")).resolve()
        if not target.is_relative_to(root) or not target.is_file():
            return None
        return target

    def _serve(self, head: bool) -> None:
        target = self._resolve()
        if target is None:
            self._send_plain(HTTPStatus.NOT_FOUND, b"not found\n", head)
            return
        body = target.read_bytes()
        if self.server.origin != CANONICAL_ORIGIN:
            body = body.replace(CANONICAL_ORIGIN.encode(), self.server.origin.encode())
        suffix = target.suffix.lower()
        content_type = _TYPES.get(suffix, "application/octet-stream")
        if content_type.startswith("text/") or content_type.endswith("xml"):
            content_type += f"; charset={_charset(body, suffix)}"
        etag = '"' + hashlib.sha256(body).hexdigest()[:24] + '"'
        mtime = int(target.stat().st_mtime)
        headers = {
            "ETag": etag,
            "Last-Modified": formatdate(mtime, usegmt=True),
            "Cache-Control": "max-age=60",
        }
        if self._not_modified(etag, mtime):
            self.send_response(HTTPStatus.NOT_MODIFIED)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _not_modified(self, etag: str, mtime: int) -> bool:
        if_none_match = self.headers.get("If-None-Match")
        if if_none_match is not None:  # takes precedence over If-Modified-Since (RFC 9110)
            tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
            return etag in tags or "*" in tags
        if_modified_since = self.headers.get("If-Modified-Since")
        if if_modified_since:
            try:
                since = parsedate_to_datetime(if_modified_since)
            except (TypeError, ValueError):
                return False
            return since is not None and mtime <= since.timestamp()
        return False

    def _send_plain(self, status: HTTPStatus, body: bytes, head: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)


class _CorpusServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int, root: Path) -> None:
        super().__init__((HOST, port), _CorpusHandler)
        self.root = root.resolve()
        self.origin = f"http://{HOST}:{self.server_address[1]}"


class OfflineServer:
    """A running corpus server; `stop()` shuts it down."""

    def __init__(self, port: int = DEFAULT_PORT, root: Path | str = SITE_DIR) -> None:
        self._server = _CorpusServer(port, Path(root))
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="offline-corpus", daemon=True
        )
        self._thread.start()

    @property
    def base_url(self) -> str:
        """Return the origin it serves, e.g. http://127.0.0.1:8123."""
        return self._server.origin

    @property
    def port(self) -> int:
        """Return the port it listens on."""
        return int(self._server.server_address[1])

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def start_offline_server(port: int = DEFAULT_PORT, root: Path | str = SITE_DIR) -> OfflineServer:
    """Start serving the corpus in a background thread (port 0: any free port)."""
    return OfflineServer(port, root)


def _already_serving(port: int) -> bool:
    """Return True when another offline corpus server answers on the port."""
    import urllib.request

    try:
        with urllib.request.urlopen(f"http://{HOST}:{port}/robots.txt", timeout=2) as response:
            return response.headers.get("Server", "").startswith(_CorpusHandler.server_version)
    except OSError:
        return False


@contextmanager
def serve_offline_corpus(port: int = DEFAULT_PORT, root: Path | str = SITE_DIR) -> Iterator[str]:
    """Serve the corpus for the duration of a with-block; yield its base URL.

    If another corpus server (say, a parallel task's) already listens on the port, use it.
    """
    try:
        server = start_offline_server(port, root)
    except OSError as err:
        if port and err.errno == errno.EADDRINUSE and _already_serving(port):
            yield f"http://{HOST}:{port}"
            return
        raise
    try:
        yield server.base_url
    finally:
        server.stop()
