"""Which article URLs that failed to fetch are tried again, and when.

A permanent failure (404, 410, an invalid URL, a URL refused by policy: SSRF, scheme,
robots.txt, content type, size) is never retried. A transient one (5xx, 429, timeouts,
connection errors) is tried again after 1, 2, 4 and 8 days, by the candidate kept in its
`fetch_failed` event, whether or not a feed still lists the URL; after the fifth failed
attempt the URL is given up. A URL left over when the fetch stage ran out of time
(`deferred`) or whose host's circuit was open (`circuit-open`) was not attempted: it is
due again at the next run, with the same attempt number.

Each failure is one event per URL, reason and attempt (`fetch_failed_event`): a dead link
adds one event, not one a day, and a URL adds at most one per attempt.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

# Days to wait after the 1st, 2nd, 3rd and 4th failed attempt; the 5th failure gives up.
RETRY_AFTER_DAYS = (1, 2, 4, 8)
MAX_ATTEMPTS = len(RETRY_AFTER_DAYS) + 1
# Reasons that mean no request was made: the same attempt is still to come.
NOT_ATTEMPTED = frozenset({"deferred", "circuit-open"})
ARTICLE = "article"
FEED = "feed"


def retry_after(reason: str, permanent: bool, attempt: int, day: date) -> date | None:
    """Return the first day a URL that failed this way may be tried again (None: never)."""
    if reason in NOT_ATTEMPTED:
        return day
    if permanent or attempt >= MAX_ATTEMPTS:
        return None
    return day + timedelta(days=RETRY_AFTER_DAYS[max(attempt, 1) - 1])


@dataclass(frozen=True, slots=True)
class RetryPlan:
    """URLs not to fetch now (canonical), and the candidates due again, with their attempt."""

    blocked: frozenset[str] = frozenset()
    due: tuple[dict[str, Any], ...] = field(default_factory=tuple)


def plan_retries(failures: Iterable[Mapping[str, Any]], today: date) -> RetryPlan:
    """Decide from `fetch_failed` payloads (in log order) what is blocked and what is due.

    Only each URL's latest failure counts. Failures of feeds are ignored (feeds are polled
    every run); so are transient failures recorded before retries were planned (they carry
    no candidate: discovery finds those URLs again as it always did).
    """
    latest: dict[str, Mapping[str, Any]] = {}
    for payload in failures:
        if payload.get("target", ARTICLE) != ARTICLE:
            continue
        url = payload.get("canonical_url") or payload.get("url")
        if isinstance(url, str) and url:
            latest[url] = payload
    blocked: set[str] = set()
    due: list[dict[str, Any]] = []
    for url, payload in latest.items():
        if "retry_after" not in payload:  # recorded before retries were planned
            if payload.get("permanent"):
                blocked.add(url)
            continue
        after = payload.get("retry_after")
        if after is None:
            blocked.add(url)  # permanent, or given up
            continue
        if date.fromisoformat(str(after)[:10]) > today:
            blocked.add(url)  # not yet
            continue
        candidate = payload.get("candidate")
        if isinstance(candidate, Mapping) and candidate.get("url"):
            attempt = int(payload.get("attempt") or 1)
            if payload.get("reason") not in NOT_ATTEMPTED:
                attempt += 1
            due.append({**candidate, "attempt": attempt})
            blocked.add(url)
    return RetryPlan(blocked=frozenset(blocked), due=tuple(due))
