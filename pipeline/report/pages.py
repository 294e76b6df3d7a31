"""The report's pages as data: pure functions from the snapshot's rows to the context each
template renders (no I/O). A page is a path inside the site, a template and a context."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

from pipeline.report import charts
from pipeline.statements.model import STANCES, TOPICS
from pipeline.store.report_rows import ReportRows

# Article links are followed only for these schemes: an evidence URL is untrusted web data,
# and a `javascript:` or `data:` one would run in the reader's browser.
LINK_SCHEMES = ("http", "https", "file")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
# An actor page lists this many statements; the rest continue on further pages, so that the
# page of an actor quoted a hundred thousand times still opens (28 MB at a million
# statements on one page).
STATEMENTS_PER_PAGE = 500


@dataclass(frozen=True, slots=True)
class Page:
    """One file of the site: where it goes, the template that renders it, its context."""

    path: str
    template: str
    context: dict[str, Any]


def slugify(text: str) -> str:
    """A file-name-safe form of an id: lower-case letters, digits and dashes."""
    return _NOT_SLUG.sub("-", text.lower()).strip("-") or "item"


def unique_slugs(ids: Iterable[str]) -> dict[str, str]:
    """A distinct slug for every id (ids that slugify alike get -2, -3, ... in sorted order)."""
    slugs: dict[str, str] = {}
    taken: set[str] = set()
    for key in sorted(set(ids)):
        base = slug = slugify(key)
        n = 1
        while slug in taken:
            n += 1
            slug = f"{base}-{n}"
        taken.add(slug)
        slugs[key] = slug
    return slugs


def topic_title(code: str) -> str:
    """A topic code as words: `troops_in_ukraine` -> `troops in ukraine`."""
    return code.replace("_", " ")


def link_target(url: str | None) -> str | None:
    """The URL when it is safe to link to (http, https or file), else None."""
    if not url:
        return None
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return None
    return url.strip() if scheme in LINK_SCHEMES else None


def url_label(url: str | None) -> str:
    """A short name for an article's URL: its host, or its file name for a file."""
    if not url:
        return "no URL"
    try:
        parts = urlsplit(url)
    except ValueError:
        return url[:60]
    if parts.scheme == "file":
        return PurePosixPath(unquote(parts.path)).name or url
    return parts.hostname or url[:60]


def topic_order(codes: Iterable[str]) -> list[str]:
    """Topics in the order of topics.yaml, unknown ones after them in name order."""
    present = set(codes)
    return [t for t in TOPICS if t in present] + sorted(present - set(TOPICS))


def stance_order(stances: Iterable[str]) -> list[str]:
    present = set(stances)
    return [s for s in STANCES if s in present] + sorted(present - set(STANCES))


def build_pages(
    rows: ReportRows,
    generated_at: datetime,
    histories: Iterable[tuple[str, list[dict[str, Any]]]],
    statements_per_page: int = STATEMENTS_PER_PAGE,
) -> Iterator[Page]:
    """Every page of the report: the overview, the runs, one per topic, then one per actor
    (continued on more pages past `statements_per_page` statements) as `histories` (each
    actor's statements, in actor order) is consumed."""
    actors = {a["actor_id"]: a for a in rows.actors}
    actor_slugs = unique_slugs(actors)
    topics = topic_order(r["topic"] for r in rows.current_stances)
    topic_slugs = unique_slugs(topics)
    links = _Links(actor_slugs, topic_slugs)
    common = {"generated_at": generated_at, "snapshot": rows.snapshot_source}
    yield Page("index.html", "overview.html",
               {**common, "root": "", **overview_context(rows, topics, links)})  # fmt: skip
    yield Page("runs.html", "runs.html", {**common, "root": "", **runs_context(rows)})
    stances_by_topic: dict[str, list[dict[str, Any]]] = defaultdict(list)
    stances_by_actor: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for stance in rows.current_stances:
        stances_by_topic[stance["topic"]].append(stance)
        stances_by_actor[stance["actor_id"]].append(stance)
    per_day_by_topic: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for count in rows.statements_per_day:
        per_day_by_topic[count["topic"]].append(count)
    for topic in topics:
        context = topic_context(
            topic, stances_by_topic[topic], per_day_by_topic[topic], actors, links
        )
        yield Page(f"topics/{topic_slugs[topic]}.html", "topic.html",
                   {**common, "root": "../", **context})  # fmt: skip
    # Every actor of the matrix gets a page, even one whose statements were not read.
    pending = dict(actors)
    for actor_id, history in histories:
        actor = pending.pop(actor_id, None)
        if actor is None:
            continue  # statements of an actor not in `actors`: nothing links to them
        yield from _actor_pages(actor, stances_by_actor[actor_id], history, links, common,
                                statements_per_page)  # fmt: skip
    for actor_id, actor in pending.items():
        yield from _actor_pages(actor, stances_by_actor[actor_id], [], links, common,
                                statements_per_page)  # fmt: skip


def _actor_pages(
    actor: dict[str, Any],
    stances: list[dict[str, Any]],
    history: list[dict[str, Any]],
    links: _Links,
    common: dict[str, Any],
    per_page: int,
) -> Iterator[Page]:
    for path, context in actor_pages(actor, stances, history, links, per_page):
        yield Page(path, "actor.html", {**common, "root": "../" * path.count("/"), **context})


@dataclass(frozen=True, slots=True)
class _Links:
    """Paths of the topic and actor pages, relative to the site's root."""

    actor_slugs: dict[str, str]
    topic_slugs: dict[str, str]

    def actor(self, actor_id: str) -> str | None:
        slug = self.actor_slugs.get(actor_id)
        return f"actors/{slug}.html" if slug else None

    def topic(self, topic: str) -> str | None:
        slug = self.topic_slugs.get(topic)
        return f"topics/{slug}.html" if slug else None


def _actor_ref(actor: dict[str, Any] | None, actor_id: str, links: _Links) -> dict[str, Any]:
    actor = actor or {}
    return {
        "id": actor_id,
        "name": actor.get("actor_name") or actor_id,
        "country": actor.get("country"),
        "kind": actor.get("actor_kind"),
        "needs_review": bool(actor.get("needs_review")),
        "href": links.actor(actor_id),
    }


def _article(url: str | None, title: str | None = None) -> dict[str, Any]:
    return {"href": link_target(url), "label": title or url_label(url), "url": url}


def overview_context(rows: ReportRows, topics: list[str], links: _Links) -> dict[str, Any]:
    """The stance matrix (actors by topic), the latest changes and the counts per day."""
    cells: dict[tuple[str, str], dict[str, Any]] = {
        (s["actor_id"], s["topic"]): s for s in rows.current_stances
    }
    matrix = []
    for actor in rows.actors:
        ref = _actor_ref(actor, actor["actor_id"], links)
        matrix.append(
            {
                "actor": ref,
                "cells": [_matrix_cell(cells.get((actor["actor_id"], topic))) for topic in topics],
            }
        )
    changes = [
        {
            "date": c["changed_on"],
            "actor": _actor_ref(
                _find(rows.actors, c["actor_id"]), c["actor_id"], links
            ),
            "topic": {"code": c["topic"], "title": topic_title(c["topic"]),
                      "href": links.topic(c["topic"])},
            "previous": c["previous_stance"],
            "new": c["new_stance"],
            "evidence": c["evidence"],
            "article": _article(c["doc_url"]),
        }
        for c in rows.stance_changes
    ]  # fmt: skip
    charts_ = []
    if rows.statements_per_day:
        charts_.append(
            _chart("statements-per-day",
                   charts.stance_counts_chart(_sum_over_topics(rows.statements_per_day),
                                              "all topics"))
        )  # fmt: skip
    if rows.documents_per_day:
        charts_.append(_chart("documents-per-day", charts.documents_chart(rows.documents_per_day)))
    return {
        "title": "Stances on security guarantees for Ukraine",
        "topics": [{"code": t, "title": topic_title(t), "href": links.topic(t)} for t in topics],
        "matrix": matrix,
        "stances": list(STANCES),
        "changes": changes,
        "charts": charts_,
        "totals": {
            "actors": len(rows.actors),
            "topics": len(topics),
            "statements": sum(a["n_statements"] for a in rows.actors),
            "documents": sum(r["n_documents"] for r in rows.documents_per_day),
            "review": sum(1 for a in rows.actors if a["needs_review"]),
        },
    }


def _find(actors: list[dict[str, Any]], actor_id: str) -> dict[str, Any] | None:
    return next((a for a in actors if a["actor_id"] == actor_id), None)


def _matrix_cell(stance: dict[str, Any] | None) -> dict[str, Any] | None:
    if stance is None:
        return None
    return {
        "stance": stance["stance"],
        "last_seen": stance["last_seen"],
        "n_statements": stance["n_statements"],
    }


def _sum_over_topics(per_day: list[dict[str, Any]]) -> list[dict[str, Any]]:
    totals: dict[tuple[Any, str], int] = defaultdict(int)
    for row in per_day:
        totals[(row["stated_on"], row["stance"])] += row["n_statements"]
    return [
        {"stated_on": day, "stance": stance, "n_statements": n}
        for (day, stance), n in sorted(totals.items())
    ]


def _chart(name: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {"id": f"chart-{name}", "title": spec["description"], "spec": spec}


def topic_context(
    topic: str,
    stances: list[dict[str, Any]],
    per_day: list[dict[str, Any]],
    actors: dict[str, dict[str, Any]],
    links: _Links,
) -> dict[str, Any]:
    """Who stands where on one topic, and its statements per stance over time."""
    groups = []
    for stance in stance_order(s["stance"] for s in stances):
        members = sorted(
            (s for s in stances if s["stance"] == stance),
            key=lambda s: ((actors.get(s["actor_id"]) or {}).get("actor_name") or "",
                           s["actor_id"]),
        )  # fmt: skip
        groups.append(
            {
                "stance": stance,
                "actors": [
                    {
                        "actor": _actor_ref(actors.get(s["actor_id"]), s["actor_id"], links),
                        "first_seen": s["first_seen"],
                        "last_seen": s["last_seen"],
                        "n_statements": s["n_statements"],
                        "n_supporting": s["n_supporting"],
                        "evidence": s["latest_evidence"],
                        "article": _article(s["latest_url"], s["latest_doc_title"]),
                    }
                    for s in members
                ],
            }
        )
    charts_ = (
        [_chart("timeline", charts.stance_counts_chart(per_day, topic_title(topic)))]
        if per_day
        else []
    )
    return {
        "title": f"Topic: {topic_title(topic)}",
        "topic": {"code": topic, "title": topic_title(topic)},
        "groups": groups,
        "charts": charts_,
        "n_actors": len(stances),
    }


def actor_pages(
    actor: dict[str, Any],
    stances: list[dict[str, Any]],
    history: list[dict[str, Any]],
    links: _Links,
    per_page: int = STATEMENTS_PER_PAGE,
) -> list[tuple[str, dict[str, Any]]]:
    """One actor's page (their stance on each topic now and over time, and their first
    statements) and, past `per_page` statements, pages that continue the list: (path, context)
    each. Every statement is on exactly one page, by topic, then in the order it was made."""
    ref = _actor_ref(actor, actor["actor_id"], links)
    rank = {topic: n for n, topic in enumerate(topic_order(s["topic"] for s in history))}
    ordered = sorted(history, key=lambda s: (rank[s["topic"]], s["statement_number"]))
    chunks = [ordered[i : i + per_page] for i in range(0, len(ordered), per_page)] or [[]]
    first = links.actor(actor["actor_id"]) or f"actors/{slugify(actor['actor_id'])}.html"
    paths = [first] + [
        f"{first.removesuffix('.html')}/page-{n}.html" for n in range(2, len(chunks) + 1)
    ]
    pager = (
        [{"number": n, "href": path} for n, path in enumerate(paths, 1)] if len(paths) > 1 else []
    )
    current = {s["topic"]: s for s in stances}
    summary = [
        {"code": topic, "title": topic_title(topic), "href": links.topic(topic),
         "current": current.get(topic)}
        for topic in topic_order([*rank, *current])
    ]  # fmt: skip
    charts_ = (
        [_chart("timeline", charts.actor_timeline_chart(history, ref["name"]))]
        if any(s["stated_on"] is not None for s in history)
        else []
    )
    pages = []
    for number, (path, chunk) in enumerate(zip(paths, chunks, strict=True), 1):
        title = ref["name"] if number == 1 else f"{ref['name']}: statements, page {number}"
        pages.append(
            (
                path,
                {
                    "title": title,
                    "actor": {**ref, "role": actor.get("role"), "n_statements": len(history)},
                    "page_number": number,
                    "pager": pager,
                    "summary": summary if number == 1 else [],
                    "charts": charts_ if number == 1 else [],
                    "statement_groups": _statements_by_topic(chunk, links),
                },
            )
        )
    return pages


def _statements_by_topic(chunk: list[dict[str, Any]], links: _Links) -> list[dict[str, Any]]:
    groups: list[dict[str, Any]] = []
    for s in chunk:
        if not groups or groups[-1]["code"] != s["topic"]:
            groups.append({"code": s["topic"], "title": topic_title(s["topic"]),
                           "href": links.topic(s["topic"]), "statements": []})  # fmt: skip
        groups[-1]["statements"].append(
            {
                "number": s["statement_number"],
                "date": s["stated_on"],
                "stance": s["stance"],
                "previous": s["previous_stance"] if s["changed"] else None,
                "evidence": s["evidence"],
                "confidence": s["confidence"],
                "article": _article(s["doc_url"], s["doc_title"]),
            }
        )
    return groups


def runs_context(rows: ReportRows) -> dict[str, Any]:
    """What the last runs did: documents by outcome, quarantined rows, failures."""
    runs: dict[str, dict[str, Any]] = {}
    for row in rows.run_outcomes:
        run = runs.setdefault(
            row["run_id"],
            {"run_id": row["run_id"], "started_at": row["started_at"],
             "finished_at": row["finished_at"], "outcomes": [], "total": 0},
        )  # fmt: skip
        run["outcomes"].append({"outcome": row["outcome"], "n": row["n_documents"]})
        run["total"] += row["n_documents"]
    charts_ = (
        [_chart("run-outcomes", charts.run_outcomes_chart(rows.run_outcomes))]
        if rows.run_outcomes
        else []
    )
    return {
        "title": "What the last runs did",
        "runs": list(runs.values()),
        "charts": charts_,
        "failures": rows.task_failures,
        "quarantine": rows.quarantine,
        "log_summary": rows.log_summary,
    }
