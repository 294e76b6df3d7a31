"""Vega-Lite specs (plain dicts) of the report's charts: pure functions of rows.

Every chart carries its data inline (nothing is loaded), axis titles and a legend, so it
reads without hovering; tooltips only add detail. Dates are ISO strings.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from pipeline.statements.model import STANCES

# Colours of the four stances, told apart by lightness too (and every chart also names them
# in its legend); unknown stances fall back to Vega's own scheme.
STANCE_COLOURS = {
    "support": "#1b7837",
    "oppose": "#b2182b",
    "conditional": "#e08214",
    "neutral": "#8c8c8c",
}
STANCE_SHAPES = {"support": "circle", "oppose": "square", "conditional": "triangle-up",
                 "neutral": "diamond"}  # fmt: skip
CHART_WIDTH = 640
# The time unit a chart counts in, by how many days its dates span: a bar per day stays
# visible only over a few months.
DAY_SPAN_LIMIT = 92
MONTH_SPAN_LIMIT = 3 * 366


def time_unit(days: Iterable[date]) -> tuple[str, str]:
    """The Vega-Lite time unit to count `days` in, and its name ("day", "month", "year").
    UTC units: a date string is read as midnight UTC, so a local-time unit would show it as
    the day before to a reader west of Greenwich."""
    days = list(days)
    span = (max(days) - min(days)).days if days else 0
    if span <= DAY_SPAN_LIMIT:
        return "utcyearmonthdate", "day"
    if span <= MONTH_SPAN_LIMIT:
        return "utcyearmonth", "month"
    return "utcyear", "year"


def period_start(day: date, unit_name: str) -> date:
    """The first day of the day, month or year `day` falls in."""
    if unit_name == "year":
        return day.replace(month=1, day=1)
    if unit_name == "month":
        return day.replace(day=1)
    return day


# How a date axis names its ticks, by the unit its marks count in.
DATE_FORMATS = {"day": "%Y-%m-%d", "month": "%Y-%m", "year": "%Y"}
MAX_DATE_TICKS = 10


def date_axis(days: Sequence[date], unit_name: str) -> dict[str, Any]:
    """An axis ticking once per day, month or year (every few when they are many), so that
    no two ticks carry the same label: left alone, Vega ticks every few hours over a short
    span and prints one date several times."""
    span = (max(days) - min(days)).days if days else 0
    units = {"day": span, "month": span / 30.44, "year": span / 365.25}[unit_name]
    step = max(1, math.ceil(units / MAX_DATE_TICKS))
    return {
        "format": DATE_FORMATS[unit_name],
        "labelAngle": -30,
        "tickCount": {"interval": unit_name, "step": step},
    }


def count_axis(largest: int) -> dict[str, Any]:
    """An axis of whole counts up to `largest`: at most five ticks, never a fraction (Vega's
    tickMinStep alone still drew 0.5 steps on a scale up to 2)."""
    return {"format": "d", "tickMinStep": 1, "tickCount": max(1, min(largest, 5))}


def _largest_total(keys_and_counts: Iterable[tuple[Any, int]]) -> int:
    totals: Counter[Any] = Counter()
    for key, n in keys_and_counts:
        totals[key] += n
    return max(totals.values(), default=1)


def stance_scale(stances: Iterable[str]) -> dict[str, Any]:
    """A colour scale with the fixed colour of each stance present, in STANCES order."""
    present = set(stances)
    domain = [s for s in STANCES if s in present] + sorted(present - set(STANCES))
    return {
        "domain": domain,
        "range": [STANCE_COLOURS.get(s, "#4c78a8") for s in domain],
    }


def _shape_scale(domain: Sequence[str]) -> dict[str, Any]:
    return {"domain": list(domain), "range": [STANCE_SHAPES.get(s, "cross") for s in domain]}


def _base(description: str, values: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "description": description,
        "width": CHART_WIDTH,
        "data": {"values": values},
        "config": {"axis": {"labelFontSize": 12, "titleFontSize": 12},
                   "legend": {"labelFontSize": 12, "titleFontSize": 12, "orient": "right"}},
    }  # fmt: skip


def stance_counts_chart(rows: Sequence[dict[str, Any]], what: str) -> dict[str, Any]:
    """Stacked bars of statements per stance over time, from rows with `stated_on`, `stance`
    and `n_statements` (one topic's, or every topic's)."""
    values = [
        {"date": r["stated_on"].isoformat(), "stance": r["stance"], "statements": r["n_statements"]}
        for r in rows
    ]
    unit, unit_name = time_unit(r["stated_on"] for r in rows)
    largest = _largest_total(
        (period_start(r["stated_on"], unit_name), r["n_statements"]) for r in rows
    )
    spec = _base(f"{what}: statements per {unit_name} and stance", values)
    spec.update(
        {
            "height": 220,
            "mark": {"type": "bar", "tooltip": True},
            "encoding": {
                "x": {"field": "date", "type": "temporal", "timeUnit": unit,
                      "title": f"statement date (per {unit_name})",
                      "axis": date_axis([r["stated_on"] for r in rows], unit_name)},
                "y": {"aggregate": "sum", "field": "statements", "type": "quantitative",
                      "title": "statements", "axis": count_axis(largest)},
                "color": {"field": "stance", "type": "nominal", "title": "stance",
                          "scale": stance_scale(r["stance"] for r in rows)},
            },
        }
    )  # fmt: skip
    return spec


def documents_chart(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Bars of documents per publication day (or month, or year), from rows with
    `published` and `n_documents`."""
    values = [{"date": r["published"].isoformat(), "documents": r["n_documents"]} for r in rows]
    unit, unit_name = time_unit(r["published"] for r in rows)
    largest = _largest_total(
        (period_start(r["published"], unit_name), r["n_documents"]) for r in rows
    )
    spec = _base(f"documents per {unit_name} of publication", values)
    spec.update(
        {
            "height": 160,
            "mark": {"type": "bar", "color": "#4c78a8", "tooltip": True},
            "encoding": {
                "x": {"field": "date", "type": "temporal", "timeUnit": unit,
                      "title": f"publication date (per {unit_name})",
                      "axis": date_axis([r["published"] for r in rows], unit_name)},
                "y": {"aggregate": "sum", "field": "documents", "type": "quantitative",
                      "title": "documents", "axis": count_axis(largest)},
            },
        }
    )  # fmt: skip
    return spec


def actor_timeline_chart(history: Sequence[dict[str, Any]], actor_name: str) -> dict[str, Any]:
    """A mark per topic, stance and day (or month, or year, as `time_unit` picks for the
    dates) the actor spoke in, dated statements only: topic by date, coloured and shaped by
    stance, larger for more statements."""
    dated = [r for r in history if r["stated_on"] is not None]
    _, unit_name = time_unit(r["stated_on"] for r in dated)
    counts: Counter[tuple[date, str, str]] = Counter(
        (period_start(r["stated_on"], unit_name), r["topic"], r["stance"]) for r in dated
    )
    values = [
        {"date": day.isoformat(), "topic": topic, "stance": stance, "statements": n}
        for (day, topic, stance), n in sorted(counts.items())
    ]
    scale = stance_scale(stance for _, _, stance in counts)
    spec = _base(f"{actor_name}: stance on each topic over time (statements per {unit_name})",
                 values)  # fmt: skip
    spec.update(
        {
            "height": {"step": 36},
            "mark": {"type": "point", "filled": True, "opacity": 0.9, "tooltip": True},
            "encoding": {
                "x": {"field": "date", "type": "temporal",
                      "title": "statement date" if unit_name == "day"
                      else f"statement date (per {unit_name})",
                      "scale": {"type": "utc", "padding": 16},
                      "axis": date_axis([r["stated_on"] for r in dated], unit_name)},
                "y": {"field": "topic", "type": "nominal", "title": None, "sort": "ascending"},
                "color": {"field": "stance", "type": "nominal", "title": "stance",
                          "scale": scale},
                "shape": {"field": "stance", "type": "nominal", "title": "stance",
                          "scale": _shape_scale(scale["domain"])},
                "size": {"field": "statements", "type": "quantitative", "title": "statements",
                         "scale": {"range": [90, 400], "zero": False},
                         "legend": count_axis(max(counts.values(), default=1))},
            },
        }
    )  # fmt: skip
    return spec


def run_outcomes_chart(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Stacked horizontal bars: each run's documents by outcome, newest run on top."""
    order = list(dict.fromkeys(r["run_id"] for r in rows))
    values = [
        {"run": r["run_id"], "outcome": r["outcome"], "documents": r["n_documents"]} for r in rows
    ]
    spec = _base("documents of the last runs by outcome", values)
    spec.update(
        {
            "height": {"step": 22},
            "mark": {"type": "bar", "tooltip": True},
            "encoding": {
                "y": {"field": "run", "type": "nominal", "title": "run", "sort": order},
                "x": {"aggregate": "sum", "field": "documents", "type": "quantitative",
                      "title": "documents",
                      "axis": count_axis(_largest_total((r["run_id"], r["n_documents"])
                                                        for r in rows))},
                "color": {"field": "outcome", "type": "nominal", "title": "outcome",
                          "scale": {"scheme": "tableau10"}},
            },
        }
    )  # fmt: skip
    return spec
