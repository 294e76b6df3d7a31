"""When a statement was made: date phrases resolved against the published date."""

from __future__ import annotations

import functools
import re
from datetime import date, timedelta

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?:,?\s+(?P<year>(?:19|20)\d\d))?"
_DATE_PHRASE = re.compile(
    r"\b(?:"
    + rf"{_MONTH}\s+{_DAY}{_YEAR}"
    + r"|"
    + rf"{_DAY.replace('day>', 'day2>')}\s+{_MONTH.replace('month>', 'month2>')}"
    + rf"{_YEAR.replace('year>', 'year2>')}"
    + r"|(?P<weekday>"
    + "|".join(WEEKDAYS)
    + r")"
    + r"|(?P<relative>yesterday|today|last\s+week|last\s+month|earlier\s+this\s+week"
    + r"|the\s+day\s+before|last\s+weekend|over\s+the\s+weekend|this\s+weekend)"
    + r")\b",
    re.IGNORECASE,
)
_RELATIVE_DAYS = {
    "yesterday": 1,
    "today": 0,
    "last week": 7,
    "last month": 30,
    "earlier this week": 2,
    "the day before": 1,
    "last weekend": 7,
    "over the weekend": 0,
    "this weekend": 0,
}


@functools.lru_cache(maxsize=512)
def find_date_phrases(text: str) -> tuple[re.Match[str], ...]:
    """Return the date phrases of a text, in order."""
    # Cached: a sentence is dated once per statement it holds, and a long sentence can
    # hold dozens (scanning it each time made extraction quadratic in its length).
    return tuple(_DATE_PHRASE.finditer(text))


def resolve_date_phrase(match: re.Match[str], published: date) -> date | None:
    """Turn one date phrase into a date no later than the published date."""
    groups = match.groupdict()
    if groups.get("relative"):
        key = re.sub(r"\s+", " ", groups["relative"].lower())
        days = _RELATIVE_DAYS[key]
        if key in ("over the weekend", "this weekend", "last weekend"):
            # The most recent Sunday on or before publication (a week earlier for "last").
            back = (published.weekday() - 6) % 7 + (7 if key == "last weekend" else 0)
            return published - timedelta(days=back)
        return published - timedelta(days=days)
    if groups.get("weekday"):
        wanted = WEEKDAYS.index(groups["weekday"].lower())
        return published - timedelta(days=(published.weekday() - wanted) % 7)
    month_name = groups.get("month") or groups.get("month2")
    day_text = groups.get("day") or groups.get("day2")
    year_text = groups.get("year") or groups.get("year2")
    if not month_name or not day_text:
        return None
    month, day = MONTHS[month_name.lower()], int(day_text)
    year = int(year_text) if year_text else published.year
    try:
        found = date(year, month, day)
    except ValueError:
        return None
    if found > published:
        if year_text:
            return None
        try:
            found = date(year - 1, month, day)
        except ValueError:
            return None
    return found


def statement_date(text: str, anchor: int, published: date | None) -> tuple[date | None, bool]:
    """Date the statement whose attribution sits at `anchor` in `text`; flag if inferred."""
    if published is None:
        return None, True
    best: tuple[float, date] | None = None
    for match in find_date_phrases(text):
        resolved = resolve_date_phrase(match, published)
        if resolved is None:
            continue
        # A date before the verb often dates another event ("After talks on May 2, X said").
        if match.start() >= anchor:
            distance = float(match.start() - anchor)
        else:
            distance = 1.5 * abs(anchor - match.end())
        if best is None or distance < best[0]:
            best = (distance, resolved)
    if best is None:
        return published, True
    return best[1], False
