"""URLs: canonical forms for deduplication, the page's declared canonical, forbidden addresses.

`canonicalize_url` is purely syntactic and conservative: it never guesses that two
different paths are the same article. AMP or mobile variants (`/amp/`, `?amp`,
`m.` or `amp.` hosts) are mapped to the article only through the page's own
`<link rel="canonical">` (`canonical_from_html`), never by rewriting the URL,
because outlets disagree on those conventions and a wrong guess merges articles.
A page may only name a canonical URL on its own site (`same_site`): a page is
untrusted, and one that claimed another outlet's URL would credit its text to
that outlet and mark the real article as already seen.
"""

from __future__ import annotations

import ipaddress
import re
from html.parser import HTMLParser
from urllib.parse import parse_qsl, quote, urlencode, urljoin, urlsplit, urlunsplit

from tld import get_fld

FETCHABLE_SCHEMES = frozenset({"http", "https"})
DEFAULT_PORTS = {"http": 80, "https": 443}

# Query parameters that only say how a reader arrived, never which article it is.
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "gclsrc",
        "dclid",
        "msclkid",
        "yclid",
        "twclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "ref",
        "ref_src",
        "ref_url",
        "referrer",
        "ocid",
        "cmpid",
        "cmp",
        "icid",
        "s_cid",
        "smid",
        "smtyp",
        "xtor",
        "at_medium",
        "at_campaign",
        "at_custom1",
        "at_custom2",
        "at_custom3",
        "at_custom4",
        "at_link_id",
        "at_link_type",
        "at_link_origin",
        "at_format",
        "at_ptr_name",
        "at_bbc_team",
        "_ga",
        "_gl",
        "guccounter",
        "guce_referrer",
        "guce_referrer_sig",
        "mkt_tok",
        "ito",
    }
)
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_")

_PERCENT_ESCAPE = re.compile(r"%[0-9a-fA-F]{2}")
# Characters left unescaped in a canonical path: RFC 3986 unreserved plus sub-delims, ':', '@'.
_PATH_SAFE = "/:@!$&'()*+,;="
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def is_tracking_param(name: str) -> bool:
    """Tell whether a query parameter only tracks the reader (utm_*, fbclid, ...)."""
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


# --- Which URLs from outside are fetchable at all ---

# Longer URLs are refused: no article needs one, and each is kept in events and logs.
MAX_URL_CHARS = 4096
_HOST_LABEL = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")


class InvalidUrl(ValueError):
    """A URL that cannot be fetched as it stands; the message says why, never echoing it whole."""


def check_url(url: object) -> str:
    """Return an absolute http(s) URL, stripped, if it can be fetched as it stands; else raise
    InvalidUrl saying why.

    Every URL from outside (feed links, redirects, candidates read back) passes here once,
    so nothing downstream meets one the HTTP library cannot parse. Refused: control
    characters or lone surrogates anywhere, more than MAX_URL_CHARS characters, other
    schemes, no host, a bad port, a host name that is not valid IDNA (full-width or
    zero-width characters, percent signs, spaces, empty or over-long labels), and a numeric
    host that is not a plain dotted-quad IPv4 address (`010.8.8.8` and `0177.0.0.1` are
    octal to some resolvers and decimal to others; `127.1`, `0x7f.1` and `2130706433` are
    shorthand for loopback): such hosts mean different addresses to different parsers.
    """
    if not isinstance(url, str):
        raise InvalidUrl(f"not a string but {type(url).__name__}")
    url = url.strip()
    if not url:
        raise InvalidUrl("empty")
    if len(url) > MAX_URL_CHARS:
        raise InvalidUrl(f"{len(url)} characters, more than {MAX_URL_CHARS}")
    control = _CONTROL.search(url)
    if control:
        raise InvalidUrl(f"control character {control.group()!r} at position {control.start()}")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise InvalidUrl(str(exc)) from None
    scheme = parts.scheme.lower()
    if scheme not in FETCHABLE_SCHEMES:
        raise InvalidUrl(f"scheme {scheme[:20] or '(none)'!r} is not http(s)")
    if port == 0:
        raise InvalidUrl("port 0")
    try:
        import httpx  # the client's own parser: what passes here, it can send

        parsed = httpx.URL(url)
        host = parsed.raw_host.decode("ascii").lower().rstrip(".")
    except (httpx.InvalidURL, ValueError, UnicodeError) as exc:
        raise InvalidUrl(_short(str(exc))) from None
    if not host:
        raise InvalidUrl("no host")
    if ":" in host:  # an IPv6 literal, already validated by the parser
        return url
    labels = host.split(".")
    last = labels[-1]
    if last.isdigit() or (last.startswith("0x") and _is_hex(last[2:])):
        try:
            ipaddress.IPv4Address(host)
        except ValueError:
            raise InvalidUrl(
                f"numeric host {_short(host)!r} is not a dotted-quad IPv4 address"
                " (octal, hex and shorthand forms are ambiguous)"
            ) from None
        return url
    if len(host) > 253 or not all(_HOST_LABEL.match(label) for label in labels):
        raise InvalidUrl(f"host {_short(host)!r} is not a valid host name")
    return url


_SCHEME = re.compile(r"^\s*([A-Za-z][A-Za-z0-9+.-]*):")


def url_scheme(url: str) -> str:
    """Return a URL's scheme, lower-cased ("" when it has none); never raises."""
    match = _SCHEME.match(url)
    return match.group(1).lower() if match else ""


def shorten(text: str, limit: int = 300) -> str:
    """Cut an outside value to `limit` characters for a message (an ellipsis marks the cut)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def is_valid_url(url: object) -> bool:
    """Tell whether `check_url` accepts a URL."""
    try:
        check_url(url)
    except InvalidUrl:
        return False
    return True


def parse_host_entry(entry: str) -> tuple[str, int | None]:
    """Read one `allow_hosts` entry strictly: `host`, `host:port`, `[v6]` or `[v6]:port`.

    Returns the lower-cased host (brackets dropped) and the port (None: every port). Raises
    ValueError saying what is wrong: whitespace, an empty, non-numeric or out-of-range port,
    an IPv6 address without brackets, a numeric host that is not a dotted-quad IPv4 address,
    or a host name with characters or labels no host name has. A typo must never widen the
    list (`127.0.0.1:8l25` used to allow every port of 127.0.0.1).
    """
    if not isinstance(entry, str):
        raise ValueError(f"not a string but {type(entry).__name__}")
    text = entry.strip().lower()
    if not text:
        raise ValueError("empty")
    if any(char.isspace() for char in text):
        raise ValueError("contains whitespace")
    port_text: str | None = None
    if text.startswith("["):
        host, bracket, rest = text[1:].partition("]")
        if not bracket:
            raise ValueError("'[' without ']'")
        if rest:
            if not rest.startswith(":"):
                raise ValueError(f"unexpected {shorten(rest, 20)!r} after ']'")
            port_text = rest[1:]
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise ValueError(f"{shorten(host, 60)!r} is not an IPv6 address") from None
    elif text.count(":") > 1:
        raise ValueError("write an IPv6 address in brackets: '[::1]' or '[::1]:8080'")
    else:
        host, colon, rest = text.partition(":")
        if colon:
            port_text = rest
        host = host.rstrip(".")
        labels = host.split(".")
        if labels[-1].isdigit() or labels[-1].startswith("0x"):
            try:
                ipaddress.IPv4Address(host)
            except ValueError:
                raise ValueError(
                    f"{shorten(host, 60)!r} is not a dotted-quad IPv4 address"
                ) from None
        elif len(host) > 253 or not all(_HOST_LABEL.match(label) for label in labels):
            raise ValueError(f"{shorten(host, 60)!r} is not a host name")
    port = None
    if port_text is not None:
        if not port_text.isascii() or not port_text.isdigit():
            raise ValueError(f"port {shorten(port_text, 20)!r} is not a number")
        port = int(port_text)
        if not 1 <= port <= 65535:
            raise ValueError(f"port {port} is not in 1-65535")
    return host, port


def _is_hex(text: str) -> bool:
    return all(char in "0123456789abcdef" for char in text)


def _short(text: str) -> str:
    return shorten(text, 80)


def canonicalize_url(url: str) -> str:
    """Return the canonical form of an http(s) URL used to recognise the same article.

    Lower-cases scheme and host, drops credentials, default ports, fragments and
    tracking parameters, sorts the remaining query parameters, normalises
    percent-escapes and dot segments, and gives an empty path as "/". Other schemes,
    and anything that does not parse as a URL, are returned stripped but otherwise
    unchanged. Idempotent; never raises.
    """
    url = url.strip()
    try:
        return _canonical_form(url)
    except ValueError:  # "http://[::1", a lone surrogate: not a URL, but still an event key
        return url


def _canonical_form(url: str) -> str:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in FETCHABLE_SCHEMES:
        return url
    host = (parts.hostname or "").rstrip(".")
    try:
        port = parts.port
    except ValueError:
        port = None
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = host if port is None or port == DEFAULT_PORTS[scheme] else f"{host}:{port}"
    return urlunsplit(
        (scheme, netloc, _canonical_path(parts.path), _canonical_query(parts.query), "")
    )


def _canonical_path(path: str) -> str:
    if not path:
        return "/"
    return _normalise_escapes(_remove_dot_segments(path), _PATH_SAFE)


def _remove_dot_segments(path: str) -> str:
    """Resolve "." and ".." segments as RFC 3986 section 5.2.4 does (keeps "//" and a final "/")."""
    if "." not in path:
        return path
    output: list[str] = []
    segments = path.split("/")
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment == ".":
            if last:
                output.append("")
        elif segment == "..":
            if len(output) > 1:
                output.pop()
            if last:
                output.append("")
        else:
            output.append(segment)
    result = "/".join(output)
    return result if result.startswith("/") or not path.startswith("/") else "/" + result


def _normalise_escapes(text: str, safe: str) -> str:
    """Upper-case percent-escapes, decode escaped unreserved characters, escape the rest."""
    out: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == "%" and _PERCENT_ESCAPE.match(text, index):
            decoded = chr(int(text[index + 1 : index + 3], 16))
            out.append(decoded if decoded in _UNRESERVED else text[index : index + 3].upper())
            index += 3
            continue
        out.append(char if char in _UNRESERVED or char in safe else quote(char, safe=""))
        index += 1
    return "".join(out)


def _canonical_query(query: str) -> str:
    if not query:
        return ""
    pairs = [
        (key, value)
        for key, value in parse_qsl(query, keep_blank_values=True)
        if not is_tracking_param(key)
    ]
    pairs.sort()
    return urlencode(pairs, quote_via=quote, safe="-._~")


def same_article_url(a: str, b: str) -> bool:
    """Tell whether two URLs have the same canonical form."""
    return canonicalize_url(a) == canonicalize_url(b)


def looks_like_amp(url: str) -> bool:
    """Tell whether a URL looks like an AMP or mobile variant (informational only)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    query_keys = {key.lower() for key, _ in parse_qsl(parts.query, keep_blank_values=True)}
    return (
        host.startswith(("amp.", "m."))
        or "/amp/" in parts.path
        or parts.path.endswith(("/amp", ".amp", ".amp.html"))
        or "amp" in query_keys
        or "outputtype" in query_keys
    )


class _CanonicalLinkFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.href: str | None = None
        self.base: str | None = None
        self.done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.done:
            return
        values = {name.lower(): (value or "") for name, value in attrs}
        if tag == "base" and self.base is None and values.get("href"):
            self.base = values["href"].strip()
        elif tag == "link" and self.href is None:
            rels = values.get("rel", "").lower().split()
            if "canonical" in rels and values.get("href", "").strip():
                self.href = values["href"].strip()
        elif tag == "body":
            self.done = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "head":
            self.done = True


def site_of(url: str) -> str | None:
    """Return the site a URL belongs to: its host's registrable domain, else host and port.

    The registrable domain comes from the public suffix list (`www.bbc.co.uk` and
    `m.bbc.co.uk` are both `bbc.co.uk`; `a.github.io` and `b.github.io` are two sites). A
    host the list does not cover (an IP address, `localhost`, a `.test` name) is a site of
    its own, port included. None when the URL has no usable host.
    """
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").rstrip(".").lower()
        port = parts.port
    except ValueError:
        return None
    if not host:
        return None
    domain = None
    if not _looks_numeric(host):
        try:
            domain = get_fld(f"http://{host}", fail_silently=True)
        except Exception:  # noqa: BLE001 - the suffix list's parser on a hostile host name
            domain = None
    if domain:
        return str(domain).lower()
    return host if port is None else f"{host}:{port}"


def _looks_numeric(host: str) -> bool:
    return ":" in host or host.replace(".", "").isdigit()


def same_site(url: str, other: str) -> bool:
    """Tell whether two URLs belong to the same site (see `site_of`)."""
    site = site_of(url)
    return site is not None and site == site_of(other)


def canonical_from_html(html: str | bytes, base_url: str) -> str | None:
    """Return the canonical URL the page declares with <link rel="canonical">, if usable.

    Only the document head is read; a relative href is resolved against `<base>` or
    `base_url`; anything that is not http(s) is ignored, and so is a canonical on another
    site than `base_url` (the URL the page was fetched from). The result is canonicalised.
    """
    if isinstance(html, bytes):
        html = html.decode("utf-8", errors="replace")
    finder = _CanonicalLinkFinder()
    # The head is at the top; do not parse megabytes of body to find it.
    finder.feed(html[:500_000])
    finder.close()
    if not finder.href:
        return None
    try:  # a page's markup is untrusted: an href that is not a URL is not usable
        base = urljoin(base_url, finder.base) if finder.base else base_url
        absolute = urljoin(base, finder.href)
        parts = urlsplit(absolute)
        if parts.scheme.lower() not in FETCHABLE_SCHEMES or not parts.hostname:
            return None
        if not same_site(absolute, base_url):
            return None  # a page speaks for its own site only
        return canonicalize_url(absolute)
    except ValueError:  # "http://[::1", "https://[zz]/", ...
        return None


def resolve_article_url(fetched_url: str, html: str | bytes | None = None) -> str:
    """Return the URL that names an article: its declared canonical, else its own canonical form."""
    if html:
        declared = canonical_from_html(html, fetched_url)
        if declared:
            return declared
    return canonicalize_url(fetched_url)


# --- Which addresses may be fetched (server-side request forgery protection) ---

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_CGNAT = ipaddress.ip_network("100.64.0.0/10")


def is_forbidden_address(address: str | IPAddress) -> bool:
    """Tell whether an IP address must never be fetched: anything not plainly global.

    Loopback, private, link-local (incl. 169.254.169.254), multicast, reserved,
    unspecified, shared (CGNAT), documentation and unique-local (fc00::/7) ranges are
    forbidden, and so is any IPv6 address that embeds such an IPv4 address
    (IPv4-mapped, 6to4, Teredo, NAT64). An unparsable address is forbidden too.
    """
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0] if isinstance(address, str) else address)
    except ValueError:
        return True
    if isinstance(ip, ipaddress.IPv6Address):
        embedded: list[ipaddress.IPv4Address] = []
        if ip.ipv4_mapped is not None:
            embedded.append(ip.ipv4_mapped)
        if ip.sixtofour is not None:
            embedded.append(ip.sixtofour)
        if ip.teredo is not None:
            embedded.extend(ip.teredo)
        if ip in _NAT64:
            embedded.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
        if any(is_forbidden_address(inner) for inner in embedded):
            return True
        if ip.ipv4_mapped is not None:
            return False  # the mapped IPv4 address is global
    return (
        not ip.is_global
        or ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or (isinstance(ip, ipaddress.IPv4Address) and ip in _CGNAT)
    )
