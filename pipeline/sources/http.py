"""The one HTTP client: every feed, page and robots.txt request goes through `HttpClient`.

Safety first, then politeness:
- only http(s); every hop's host is resolved and refused if any address is not
  plainly global (loopback, private, link-local, metadata, ...) unless the
  `allow_hosts` list names it; redirects are followed by hand so each hop is checked;
- the connection is pinned to the address that was checked (the request goes to the
  IP, with the original Host header and TLS server name), so a DNS answer that
  changes between check and connect (DNS rebinding) cannot redirect us; hosts named
  in `allow_hosts` are connected to by name;
- bodies are streamed and cut off at `max_bytes`, counted after gzip/deflate
  decoding, which we do ourselves in bounded steps so a compression bomb never
  inflates in memory; only HTML and XML (RSS/Atom) content types are accepted;
- one deadline (`total_timeout_s`) over connect, TLS, status line, headers and body of
  every request, robots.txt included: a server dripping its headers cannot hold us;
- a clear User-Agent, robots.txt obeyed, a minimum delay between requests to one
  host, and retries with exponential backoff for 429 and 5xx honouring Retry-After;
- back-pressure that cannot add up: each wait is capped (`max_retry_after_s`), so is the
  sum of one host's waits in a run (`max_host_wait_s`: then it fails without retrying),
  and a host that fails `circuit_failures` fetches in a row is not asked again this run
  (`circuit-open`).

Outcomes are values: `fetch` returns a `FetchResponse` (2xx, or 304 for a
conditional request) or raises `FetchError` with a reason from a closed set.
The client is meant for one worker at a time (not thread-safe).
"""

from __future__ import annotations

import ipaddress
import socket
import time
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from pipeline.errors import InputError
from pipeline.events import Event
from pipeline.payloads import FetchFailed
from pipeline.sources.config import FetchSettings
from pipeline.sources.deadline import Deadline, deadline_transport
from pipeline.sources.retries import ARTICLE, FEED, retry_after
from pipeline.sources.robots import (
    DISALLOWED,
    ROBOTS_MAX_BYTES,
    UNREACHABLE,
    RobotsAnswer,
    RobotsCache,
)
from pipeline.sources.urls import (
    DEFAULT_PORTS,
    FETCHABLE_SCHEMES,
    MAX_URL_CHARS,
    InvalidUrl,
    canonicalize_url,
    check_url,
    is_forbidden_address,
    parse_host_entry,
    shorten,
    url_scheme,
)

PRODUCER = "sources/0.1"

# The closed set of reasons a fetch fails, each with whether it is permanent (retrying the
# same URL cannot help).
FETCH_FAILURE_REASONS: Mapping[str, bool] = {
    "invalid-url": True,
    "refused-ssrf": True,
    # local `file` sources (pipeline.sources.files): outside the allowed folders, or not a
    # regular file (a FIFO, a device, a folder)
    "refused-path": True,
    "not-a-file": True,
    "refused-scheme": True,
    "robots-disallowed": True,
    "too-large": True,
    "decompression-bomb": True,
    "timeout": False,
    "http-4xx": True,
    "http-5xx": False,
    "too-many-redirects": True,
    "bad-content-type": True,
    "connection-error": False,
    # not attempted: the host failed `circuit_failures` times in a row this run
    "circuit-open": False,
    # not attempted: the fetch stage's time budget was spent (recorded by the stage)
    "deferred": False,
    # a bug met on one URL: recorded as that URL's failure so the batch goes on
    "unexpected-error": False,
    "not-found": True,  # a `file` source whose file does not exist
}

# Content types we read: HTML pages and XML feeds.
DOCUMENT_TYPES = frozenset(
    {
        "text/html",
        "application/xhtml+xml",
        "application/xml",
        "text/xml",
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/x-rss+xml",
        "application/x-atom+xml",
    }
)
ACCEPT_HEADER = (
    "text/html,application/xhtml+xml,application/rss+xml,application/atom+xml,"
    "application/rdf+xml;q=0.9,application/xml;q=0.9,text/xml;q=0.9"
)
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024

Resolver = Callable[[str, int], list[str]]


class FetchError(InputError):
    """A fetch that did not produce a usable response; `reason` is from a closed set."""

    def __init__(
        self,
        url: str,
        reason: str,
        detail: str = "",
        permanent: bool | None = None,
        status: int | None = None,
    ) -> None:
        if reason not in FETCH_FAILURE_REASONS:
            raise ValueError(f"unknown fetch failure reason {reason!r}")
        self.url = url
        self.reason = reason
        self.detail = detail
        self.permanent = FETCH_FAILURE_REASONS[reason] if permanent is None else permanent
        self.status = status
        shown = shorten(url) if isinstance(url, str) else repr(url)[:300]
        super().__init__(f"{shown}: {reason}" + (f": {shorten(detail, 1000)}" if detail else ""))

    def to_dict(self) -> dict[str, Any]:
        """Return the failure as plain data."""
        return {
            "url": self.url,
            "reason": self.reason,
            "detail": self.detail,
            "permanent": self.permanent,
            "status": self.status,
        }


@dataclass(frozen=True, slots=True)
class FetchResponse:
    """A response we accepted: final URL after redirects, status, headers and body bytes."""

    url: str
    final_url: str
    status: int
    headers: Mapping[str, str]
    content: bytes
    content_type: str | None
    charset: str | None
    elapsed: float
    redirects: tuple[str, ...] = ()

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified")

    def text(self) -> str:
        """Decode the body with the declared charset (UTF-8 when absent or unknown)."""
        try:
            return self.content.decode(self.charset or "utf-8", errors="replace")
        except LookupError:
            return self.content.decode("utf-8", errors="replace")


def fetch_failed_event(
    error: FetchError,
    source: str,
    run_day: date,
    *,
    target: str = ARTICLE,
    attempt: int = 1,
    candidate: Mapping[str, Any] | None = None,
) -> Event:
    """Build the FETCH_FAILED event for a failure.

    An article URL's failure is one event per URL and reason, and per attempt when it is
    transient; it carries when the URL may be tried again (`retry_after`, None for never)
    and, when it will be, the candidate to try (see `retries.plan_retries`). A feed is
    polled every run: its failure is one event per feed, reason and day.
    """
    url = canonicalize_url(error.url)
    identity: dict[str, Any] = {"url": url, "reason": error.reason}
    retry: dict[str, Any] = {}
    if target == FEED:
        identity.update(source=source, day=run_day.isoformat())
    else:
        after = retry_after(error.reason, error.permanent, attempt, run_day)
        retry.update(attempt=attempt, retry_after=after.isoformat() if after else None)
        if after is not None and candidate:
            retry["candidate"] = {k: v for k, v in candidate.items() if k not in ("via", "attempt")}
        if not error.permanent:
            identity["attempt"] = attempt
    payload = FetchFailed(
        source=source,
        url=shorten(error.url, MAX_URL_CHARS),
        canonical_url=url,
        reason=error.reason,
        detail=shorten(error.detail, 1000),
        permanent=error.permanent,
        status=error.status,
        day=run_day.isoformat(),
        target=target,
        **retry,
    )
    return payload.event(f"url:{url}", run_day, PRODUCER, identity=identity)


def system_resolver(host: str, port: int) -> list[str]:
    """Resolve a host name to its IP addresses with getaddrinfo."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


@dataclass(frozen=True, slots=True)
class _Target:
    url: str
    host: str
    port: int
    pinned_ip: str | None


@dataclass(frozen=True, slots=True)
class _Answer:
    status: int
    headers: dict[str, str]
    content: bytes
    content_type: str | None
    charset: str | None


class HttpClient:
    """Fetch http(s) URLs safely and politely; see the module docstring for the rules."""

    def __init__(
        self,
        settings: FetchSettings | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        resolver: Resolver = system_resolver,
        transport: httpx.BaseTransport | None = None,
        network_backend: httpcore.NetworkBackend | None = None,
    ) -> None:
        self.settings = settings or FetchSettings()
        self._sleep = sleep
        self._clock = clock
        self._resolver = resolver
        self._allow = _parse_allow_hosts(self.settings.allow_hosts)
        self._last_request: dict[str, float] = {}
        self._host_waited: dict[str, float] = {}  # retry waits per host, this client's life
        self._host_failures: dict[str, int] = {}  # failed fetches in a row per host
        self.robots = RobotsCache(self._fetch_robots, self.settings.user_agent)
        self.requests_made = 0
        timeout = httpx.Timeout(
            connect=self.settings.connect_timeout_s,
            read=self.settings.read_timeout_s,
            write=self.settings.read_timeout_s,
            pool=self.settings.connect_timeout_s,
        )
        # One deadline over connect, headers and body of each request (see deadline.py).
        self._deadline = Deadline(self._clock)
        # No keep-alive: a pooled connection is keyed by the pinned IP, and reusing a TLS
        # connection made for one host name for another would skip its certificate check.
        # trust_env=False: proxies from the environment would bypass the address pinning.
        self._http = httpx.Client(
            timeout=timeout,
            follow_redirects=False,
            trust_env=False,
            limits=httpx.Limits(max_keepalive_connections=0),
            transport=transport or deadline_transport(self._deadline, network_backend),
        )

    def close(self) -> None:
        """Release the connection pool."""
        self._http.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def fetch(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> FetchResponse:
        """Fetch an HTML page or XML feed; pass etag/last_modified for a conditional GET."""
        conditional: dict[str, str] = {}
        if etag:
            conditional["If-None-Match"] = etag
        if last_modified:
            conditional["If-Modified-Since"] = last_modified
        host = _host_key(url)
        failures = self._host_failures.get(host, 0) if host else 0
        if failures >= self.settings.circuit_failures:
            raise FetchError(
                url,
                "circuit-open",
                f"{failures} fetches in a row from {host} failed; not asked again this run",
            )
        try:
            response = self._fetch(
                url,
                extra_headers=conditional,
                accept_types=DOCUMENT_TYPES,
                max_bytes=self.settings.max_bytes,
                check_robots=True,
            )
        except FetchError as error:
            if host and not error.permanent and error.reason not in _NOT_HOST_TROUBLE:
                self._host_failures[host] = failures + 1
            raise
        if host:
            self._host_failures.pop(host, None)
        return response

    # --- the request loop -------------------------------------------------------------

    def _fetch(
        self,
        url: str,
        *,
        extra_headers: Mapping[str, str],
        accept_types: frozenset[str] | None,
        max_bytes: int,
        check_robots: bool,
        truncate: bool = False,
    ) -> FetchResponse:
        started = self._clock()
        current = url
        redirects: list[str] = []
        while True:
            try:
                target = self._check_target(current)
                delay = self.settings.per_host_delay_s
                if check_robots:
                    self._check_robots(current)
                    delay = max(delay, self.robots.crawl_delay(current) or 0.0)
                answer = self._send_with_retries(
                    target, extra_headers, accept_types, max_bytes, truncate, delay
                )
            except FetchError as exc:
                if current == url:
                    raise
                raise FetchError(
                    url,
                    exc.reason,
                    f"{exc.detail} (at redirect target {shorten(current)})",
                    exc.permanent,
                    exc.status,
                ) from exc
            if answer.status in REDIRECT_STATUSES:
                location = answer.headers.get("location", "").strip()
                if not location:
                    raise FetchError(
                        current, "connection-error", f"{answer.status} without Location", True
                    )
                if len(redirects) >= self.settings.max_redirects:
                    raise FetchError(
                        url,
                        "too-many-redirects",
                        f"more than {self.settings.max_redirects} redirects (last to {location})",
                        status=answer.status,
                    )
                try:
                    current = urljoin(current, location)
                except ValueError as exc:
                    raise FetchError(
                        url, "invalid-url", f"redirect to an unusable Location: {exc}"
                    ) from None
                redirects.append(current)
                continue
            return FetchResponse(
                url=url,
                final_url=current,
                status=answer.status,
                headers=answer.headers,
                content=answer.content,
                content_type=answer.content_type,
                charset=answer.charset,
                elapsed=self._clock() - started,
                redirects=tuple(redirects),
            )

    def _send_with_retries(
        self,
        target: _Target,
        extra_headers: Mapping[str, str],
        accept_types: frozenset[str] | None,
        max_bytes: int,
        truncate: bool,
        delay: float,
    ) -> _Answer:
        attempt = 0
        while True:
            self._wait_turn(target, delay)
            answer = self._send(target, extra_headers, accept_types, max_bytes, truncate)
            status = answer.status
            if status == 429 or status >= 500:
                wait = self._retry_wait(answer.headers, attempt)
                host = f"{target.host}:{target.port}"
                waited = self._host_waited.get(host, 0.0)
                spent = waited + wait > self.settings.max_host_wait_s
                if attempt < self.settings.retries and not spent:
                    self._host_waited[host] = waited + wait
                    self._sleep(wait)
                    attempt += 1
                    continue
                reason = "http-4xx" if status < 500 else "http-5xx"
                detail = f"HTTP {status} after {attempt + 1} attempt(s)"
                if spent and attempt < self.settings.retries:
                    detail += (
                        f"; not retried: {host} has had its {self.settings.max_host_wait_s:g} s"
                        " of retry waits this run"
                    )
                raise FetchError(target.url, reason, detail, permanent=False, status=status)
            if 400 <= status < 500:
                # 408 (request timeout) and 425 (too early) are worth another try later.
                transient = status in (408, 425)
                raise FetchError(target.url, "http-4xx", f"HTTP {status}", not transient, status)
            return answer

    def _retry_wait(self, headers: Mapping[str, str], attempt: int) -> float:
        cap = self.settings.max_retry_after_s
        after = parse_retry_after(headers.get("retry-after"), datetime.now(UTC))
        wait = after if after is not None else self.settings.backoff_s * (2**attempt)
        return max(0.0, min(wait, cap))

    def _send(
        self,
        target: _Target,
        extra_headers: Mapping[str, str],
        accept_types: frozenset[str] | None,
        max_bytes: int,
        truncate: bool,
    ) -> _Answer:
        headers = {
            "User-Agent": self.settings.user_agent,
            "Accept": ACCEPT_HEADER if accept_types else "text/plain,*/*;q=0.5",
            "Accept-Encoding": "gzip, deflate",
            **extra_headers,
        }
        request_url = httpx.URL(target.url)
        extensions: dict[str, Any] = {}
        if target.pinned_ip is not None:
            request_url = request_url.copy_with(host=target.pinned_ip)
            default = DEFAULT_PORTS[request_url.scheme]
            headers["Host"] = _host_header(target.host, target.port, default)
            if request_url.scheme == "https":
                extensions["sni_hostname"] = target.host
        deadline = self._clock() + self.settings.total_timeout_s
        self.requests_made += 1
        try:
            with (
                self._deadline.running(deadline),
                self._http.stream(
                    "GET", request_url, headers=headers, extensions=extensions
                ) as response,
            ):
                return self._read(target, response, accept_types, max_bytes, truncate, deadline)
        except httpx.TimeoutException as exc:
            detail = type(exc).__name__
            if self._clock() >= deadline:
                spent = f"no complete answer within {self.settings.total_timeout_s:g} s"
                detail = f"{spent} ({detail})"
            raise FetchError(target.url, "timeout", detail) from None
        except (httpx.TransportError, httpx.InvalidURL) as exc:
            raise FetchError(
                target.url, "connection-error", f"{type(exc).__name__}: {exc}"
            ) from None

    def _read(
        self,
        target: _Target,
        response: httpx.Response,
        accept_types: frozenset[str] | None,
        max_bytes: int,
        truncate: bool,
        deadline: float,
    ) -> _Answer:
        status = response.status_code
        resp_headers = {k.lower(): v for k, v in response.headers.items()}
        content_type, charset = parse_content_type(resp_headers.get("content-type"))
        if status in REDIRECT_STATUSES or status == 304 or status >= 400:
            # The body of these is never used: do not read it.
            return _Answer(status, resp_headers, b"", content_type, charset)
        if accept_types is not None and content_type and content_type not in accept_types:
            raise FetchError(
                target.url, "bad-content-type", f"{content_type} is not HTML or XML", status=status
            )
        declared = resp_headers.get("content-length", "")
        encoding = resp_headers.get("content-encoding", "").strip().lower()
        if declared.isdigit() and int(declared) > max_bytes and not truncate:
            raise FetchError(
                target.url,
                "too-large",
                f"Content-Length {declared} exceeds {max_bytes} bytes",
                status=status,
            )
        body = bytearray()
        received = 0
        decoder = _Decoder(encoding)
        if decoder.unsupported:
            raise FetchError(
                target.url, "bad-content-type", f"unsupported Content-Encoding {encoding!r}"
            )
        for chunk in response.iter_raw():  # pieces as they arrive (at most 64 KiB each)
            received += len(chunk)
            if received > max_bytes and not truncate:
                raise FetchError(
                    target.url, "too-large", f"body exceeds {max_bytes} bytes", status=status
                )
            for piece in decoder.feed(chunk, target.url):
                body += piece
                if len(body) > max_bytes:
                    if truncate:
                        return _Answer(
                            status, resp_headers, bytes(body[:max_bytes]), content_type, charset
                        )
                    reason = "decompression-bomb" if decoder.active else "too-large"
                    raise FetchError(
                        target.url,
                        reason,
                        f"{'decoded ' if decoder.active else ''}body exceeds {max_bytes} bytes "
                        f"(after {received} bytes received)",
                        status=status,
                    )
            if self._clock() > deadline:
                raise FetchError(
                    target.url,
                    "timeout",
                    f"body not complete after {self.settings.total_timeout_s:g} s",
                )
        return _Answer(status, resp_headers, bytes(body), content_type, charset)

    # --- safety and politeness ----------------------------------------------------------

    def _check_target(self, url: str) -> _Target:
        """Refuse unusable URLs, non-http(s) schemes and hosts with any forbidden address;
        pick the address."""
        if isinstance(url, str) and url_scheme(url) not in FETCHABLE_SCHEMES:
            scheme = url_scheme(url)
            raise FetchError(
                url, "refused-scheme", f"scheme {shorten(scheme, 20) or '(none)'!r} is not http(s)"
            )
        try:
            url = check_url(url)
        except InvalidUrl as exc:
            raise FetchError(str(url), "invalid-url", str(exc)) from None
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        host = (parts.hostname or "").rstrip(".").lower()
        port = parts.port or DEFAULT_PORTS[scheme]
        if (host, port) in self._allow or (host, None) in self._allow:
            return _Target(url, host, port, None)
        try:
            ipaddress.ip_address(host)
            addresses = [host]
        except ValueError:
            try:
                addresses = self._resolver(host, port)
            except (OSError, UnicodeError) as exc:
                raise FetchError(url, "connection-error", f"cannot resolve {host}: {exc}") from None
        if not addresses:
            raise FetchError(url, "connection-error", f"{host} has no address")
        for address in addresses:
            plain = address.split("%", 1)[0]
            allowed = (plain, port) in self._allow or (plain, None) in self._allow
            if is_forbidden_address(plain) and not allowed:
                detail = f"{host}" if plain == host else f"{host} resolves to {plain}, which"
                raise FetchError(url, "refused-ssrf", f"{detail} is not a public address")
        pinned = addresses[0].split("%", 1)[0]
        return _Target(url, host, port, None if pinned == host else pinned)

    def _check_robots(self, url: str) -> None:
        verdict = self.robots.verdict(url)
        if verdict == DISALLOWED:
            raise FetchError(url, "robots-disallowed", "robots.txt disallows this path")
        if verdict == UNREACHABLE:
            reason, detail = self.robots.failure(url) or ("robots-disallowed", "")
            if reason not in ("connection-error", "timeout"):
                reason = "robots-disallowed"  # RFC 9309: a 5xx robots.txt disallows all
            raise FetchError(
                url, reason, f"robots.txt unavailable, try again later: {detail}".strip(), False
            )

    def _fetch_robots(self, robots_txt_url: str) -> RobotsAnswer:
        try:
            response = self._fetch(
                robots_txt_url,
                extra_headers={},
                accept_types=None,
                max_bytes=ROBOTS_MAX_BYTES,
                check_robots=False,
                truncate=True,
            )
        except FetchError as exc:
            if exc.status is not None and exc.reason in ("http-4xx", "http-5xx"):
                return RobotsAnswer(exc.status, failure=(exc.reason, exc.detail))
            if exc.reason in ("refused-ssrf", "refused-scheme", "too-many-redirects"):
                # RFC 9309: robots.txt that cannot be followed counts as absent.
                return RobotsAnswer(404)
            return RobotsAnswer(None, failure=(exc.reason, exc.detail))
        return RobotsAnswer(response.status, response.content)

    def _wait_turn(self, target: _Target, delay: float) -> None:
        """Sleep until `delay` seconds have passed since the last request to this host."""
        key = f"{target.host}:{target.port}"
        last = self._last_request.get(key)
        if last is not None:
            wait = last + delay - self._clock()
            if wait > 0:
                self._sleep(wait)
        self._last_request[key] = self._clock()


# Transient failures say the host is in trouble (5xx, 429, timeouts, connection errors, an
# unreachable robots.txt) and count towards its circuit; these say nothing about the host.
_NOT_HOST_TROUBLE = frozenset({"circuit-open", "deferred", "unexpected-error"})


def _host_key(url: str) -> str | None:
    """Return "host:port" of a URL (None when it has none); never raises."""
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").rstrip(".").lower()
        port = parts.port or DEFAULT_PORTS.get(parts.scheme.lower(), 0)
    except (ValueError, AttributeError):
        return None
    return f"{host}:{port}" if host else None


def _host_header(host: str, port: int, default_port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return shown if port == default_port else f"{shown}:{port}"


def _parse_allow_hosts(entries: tuple[str, ...]) -> set[tuple[str, int | None]]:
    """Read the allow-list strictly (`parse_host_entry`); a bad entry is a ValueError."""
    allowed: set[tuple[str, int | None]] = set()
    for entry in entries:
        try:
            allowed.add(parse_host_entry(entry))
        except ValueError as exc:
            shown = shorten(str(entry), 60)
            raise ValueError(f"fetch.allow_hosts entry {shown!r}: {exc}") from None
    return allowed


def parse_content_type(value: str | None) -> tuple[str | None, str | None]:
    """Split a Content-Type header into the lower-cased media type and the charset."""
    if not value:
        return None, None
    media, *params = value.split(";")
    charset = None
    for param in params:
        name, _, raw = param.partition("=")
        if name.strip().lower() == "charset":
            charset = raw.strip().strip("\"'").lower() or None
    return media.strip().lower() or None, charset


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Return the seconds a Retry-After header asks for (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - now).total_seconds())


class _Decoder:
    """Undo gzip/deflate Content-Encoding in bounded steps (never more than 64 KiB at once)."""

    def __init__(self, encoding: str) -> None:
        codings = [c.strip() for c in encoding.split(",") if c.strip() and c.strip() != "identity"]
        self.unsupported = len(codings) > 1 or any(
            c not in ("gzip", "x-gzip", "deflate") for c in codings
        )
        self.coding = codings[0] if codings and not self.unsupported else None
        self.active = self.coding is not None
        self._inflater = self._new_inflater()
        self._raw_deflate_tried = False

    def _new_inflater(self) -> Any:
        if self.coding in ("gzip", "x-gzip"):
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        if self.coding == "deflate":
            return zlib.decompressobj(zlib.MAX_WBITS)
        return None

    def feed(self, data: bytes, url: str) -> Iterator[bytes]:
        """Yield decoded pieces of a chunk, each at most 64 KiB."""
        if self._inflater is None:
            yield data
            return
        pending = data
        while pending:
            try:
                piece = self._inflater.decompress(pending, _CHUNK)
            except zlib.error as exc:
                if self.coding == "deflate" and not self._raw_deflate_tried:
                    # Some servers send raw deflate without the zlib header.
                    self._raw_deflate_tried = True
                    self._inflater = zlib.decompressobj(-zlib.MAX_WBITS)
                    continue
                raise FetchError(
                    url, "connection-error", f"corrupt {self.coding} body: {exc}"
                ) from None
            self._raw_deflate_tried = True
            if piece:
                yield piece
            pending = self._inflater.unconsumed_tail
            if self._inflater.eof:
                rest = self._inflater.unused_data
                if not rest or self.coding == "deflate":
                    return
                self._inflater = self._new_inflater()  # another gzip member follows
                pending = rest
            elif not piece and not pending:
                return
