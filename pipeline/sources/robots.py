"""robots.txt: fetched once per origin through the one HTTP client, cached, obeyed.

Availability rules follow RFC 9309: a 2xx answer is parsed; a 4xx answer means no
restrictions; a 5xx answer or no answer means "assume everything is disallowed"
(reported as unreachable, a transient condition). Rules are matched by
`urllib.robotparser` (most specific rule first, as the RFC says), which knows `Allow`,
`Disallow` and `Crawl-delay` but not the `*`/`$` path wildcards some sites use.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit
from urllib.robotparser import RobotFileParser

ALLOWED = "allowed"
DISALLOWED = "disallowed"
UNREACHABLE = "unreachable"
ROBOTS_MAX_BYTES = 512 * 1024
MAX_CRAWL_DELAY_S = 30.0


@dataclass(frozen=True, slots=True)
class RobotsAnswer:
    """What fetching robots.txt gave: a status (None when unreachable) and the body."""

    status: int | None
    content: bytes = b""
    failure: tuple[str, str] | None = None  # (reason, detail) when there was no answer


# Fetches a robots.txt URL; must not itself consult robots.txt.
RobotsFetcher = Callable[[str], RobotsAnswer]


def robots_url(url: str) -> str:
    """Return the robots.txt URL for the origin (scheme, host, port) of a URL."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), "/robots.txt", "", ""))


@dataclass(slots=True)
class _Rules:
    parser: RobotFileParser | None  # None: no restrictions
    unreachable: bool = False
    failure: tuple[str, str] | None = None


class RobotsCache:
    """Answer "may this URL be fetched?" per origin, fetching each robots.txt once."""

    def __init__(self, fetcher: RobotsFetcher, user_agent: str) -> None:
        self._fetcher = fetcher
        self._user_agent = user_agent
        self._rules: dict[str, _Rules] = {}

    def verdict(self, url: str) -> str:
        """Return "allowed", "disallowed" or "unreachable" for a URL."""
        rules = self._rules_for(url)
        if rules.unreachable:
            return UNREACHABLE
        if rules.parser is None:
            return ALLOWED
        return ALLOWED if rules.parser.can_fetch(self._user_agent, url) else DISALLOWED

    def allowed(self, url: str) -> bool:
        """Tell whether robots.txt lets us fetch a URL."""
        return self.verdict(url) == ALLOWED

    def crawl_delay(self, url: str) -> float | None:
        """Return the origin's Crawl-delay for our agent (capped), if it sets one."""
        rules = self._rules_for(url)
        if rules.parser is None:
            return None
        delay = rules.parser.crawl_delay(self._user_agent)
        return None if delay is None else min(float(delay), MAX_CRAWL_DELAY_S)

    def failure(self, url: str) -> tuple[str, str] | None:
        """Return (reason, detail) of the failed robots.txt fetch for a URL's origin, if any."""
        return self._rules_for(url).failure

    def fetched_origins(self) -> list[str]:
        """Return the robots.txt URLs fetched so far."""
        return list(self._rules)

    def _rules_for(self, url: str) -> _Rules:
        key = robots_url(url)
        if key not in self._rules:
            self._rules[key] = _parse(self._fetcher(key))
        return self._rules[key]


def _parse(answer: RobotsAnswer) -> _Rules:
    if answer.status is None or answer.status >= 500 or answer.status == 429:
        return _Rules(parser=None, unreachable=True, failure=answer.failure)
    if answer.status >= 400:
        return _Rules(parser=None)
    parser = RobotFileParser()
    text = answer.content[:ROBOTS_MAX_BYTES].decode("utf-8", errors="replace")
    parser.parse(text.splitlines())
    _prefer_longest_match(parser)
    return _Rules(parser=parser)


def _prefer_longest_match(parser: RobotFileParser) -> None:
    """Order each group's rules longest path first, so the most specific rule wins.

    `urllib.robotparser` applies the first matching rule in file order; RFC 9309
    (and Google) apply the longest match, an Allow winning a tie. Sorting the rules
    makes the first match the longest one.
    """
    entries = list(getattr(parser, "entries", []))
    default = getattr(parser, "default_entry", None)
    for entry in [*entries, *([default] if default else [])]:
        lines = getattr(entry, "rulelines", None)
        if lines:
            lines.sort(key=lambda line: (-len(line.path), not line.allowance))
