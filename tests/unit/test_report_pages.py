"""The report's pages as data: pure functions from rows to contexts, and their templates."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

from pipeline.report.charts import STANCE_COLOURS, stance_scale, time_unit
from pipeline.report.pages import (
    build_pages,
    link_target,
    slugify,
    topic_order,
    unique_slugs,
    url_label,
)
from pipeline.report.site import render_site
from pipeline.store.report_rows import ReportRows

NOW = datetime(2025, 9, 30, 12, 0, tzinfo=UTC)
D1, D2 = date(2025, 8, 1), date(2025, 8, 20)
HOSTILE = '<script>window.__pwned = 1</script><b onmouseover="x()">bold</b> & "quoted"'


def actor(actor_id, name, needs_review=False, country="FR"):
    return {"actor_id": actor_id, "actor_name": name, "actor_kind": "person",
            "country": country, "role": None, "needs_review": needs_review,
            "n_statements": 1}  # fmt: skip


def current(actor_id, topic, stance, day, evidence="said so", url="https://example.org/a"):
    return {
        "actor_id": actor_id, "topic": topic, "stance": stance, "first_seen": day,
        "last_seen": day, "n_statements": 1, "n_supporting": 1,
        "latest_evidence": evidence, "latest_url": url, "latest_doc_title": "A title",
    }  # fmt: skip


def said(actor_id, topic, number, stance, day, previous=None, evidence="said so",
         url="https://example.org/a"):  # fmt: skip
    return {"actor_id": actor_id, "topic": topic, "statement_number": number, "stated_on": day,
            "stance": stance, "previous_stance": previous, "changed": previous is not None
            and previous != stance, "evidence": evidence, "doc_url": url,
            "doc_title": None, "confidence": 0.8}  # fmt: skip


HISTORY = [
    said("person:macron", "troops_in_ukraine", 1, "conditional", D1),
    said("person:macron", "troops_in_ukraine", 2, "support", D2, previous="conditional"),
    said("person:unknown-x", "us_backstop", 1, "oppose", D1, evidence=HOSTILE,
         url="javascript:alert(1)"),
]  # fmt: skip


def rows(**overrides):
    d1, d2 = date(2025, 8, 1), date(2025, 8, 20)
    base = dict(
        snapshot=Path("snapshot.duckdb"),
        actors=[actor("person:macron", "Emmanuel Macron"),
                actor("person:unknown-x", "Unknown X", needs_review=True, country=None)],
        current_stances=[
            current("person:macron", "troops_in_ukraine", "support", d2),
            current("person:unknown-x", "us_backstop", "oppose", d1, evidence=HOSTILE,
                    url="javascript:alert(1)"),
        ],
        stance_changes=[{"actor_id": "person:macron", "actor_name": "Emmanuel Macron",
                         "topic": "troops_in_ukraine", "changed_on": d2,
                         "previous_stance": "conditional", "new_stance": "support",
                         "evidence": "said so", "doc_url": "https://example.org/a"}],
        statements_per_day=[
            {"topic": "troops_in_ukraine", "stated_on": d1, "stance": "conditional",
             "n_statements": 1},
            {"topic": "troops_in_ukraine", "stated_on": d2, "stance": "support",
             "n_statements": 1},
            {"topic": "us_backstop", "stated_on": d1, "stance": "oppose", "n_statements": 1},
        ],
        documents_per_day=[{"published": d1, "n_documents": 2}],
        run_outcomes=[
            {"run_id": "r1", "started_at": datetime(2025, 9, 1), "finished_at":
             datetime(2025, 9, 1), "outcome": "ok", "n_documents": 2},
            {"run_id": "r1", "started_at": datetime(2025, 9, 1), "finished_at":
             datetime(2025, 9, 1), "outcome": "fetch-failed: http-404", "n_documents": 1},
        ],
        log_summary=[{"event_type": "statement_extracted", "n_events": 3,
                      "last_occurred_at": datetime(2025, 9, 1)}],
        snapshot_source={"n_events": 9, "last_seq": 9},
        task_failures=[{"recorded_at": datetime(2025, 9, 1), "run_id": "r1",
                        "dag_id": "ingest_news", "task_id": "fetch", "stage": None,
                        "source": None, "url": None, "error": "<every> source failed"}],
        quarantine=None,
    )  # fmt: skip
    base.update(overrides)
    return ReportRows(**base)


def by_actor(history):
    """Statements grouped as the store yields them: (actor_id, rows), in actor order."""
    return [(a, [r for r in history if r["actor_id"] == a])
            for a in sorted({r["actor_id"] for r in history})]  # fmt: skip


def pages_by_path(report_rows, history=HISTORY):
    return {page.path: page for page in build_pages(report_rows, NOW, by_actor(history))}


def test_slugs_are_file_name_safe_and_distinct():
    assert slugify("person:emmanuel-macron") == "person-emmanuel-macron"
    assert slugify("../../etc/passwd") == "etc-passwd"
    assert slugify("<>") == "item"
    slugs = unique_slugs(["a:b", "a-b", "A B"])
    assert len(set(slugs.values())) == 3
    assert all(s.replace("-", "").isalnum() for s in slugs.values())


def test_only_http_https_and_file_urls_become_links():
    assert link_target("https://example.org/x?a=1") == "https://example.org/x?a=1"
    assert link_target("file:///tmp/a.txt") == "file:///tmp/a.txt"
    for unsafe in ("javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,x", "", None):
        assert link_target(unsafe) is None, unsafe
    assert url_label("https://www.example.org/news/1") == "www.example.org"
    assert url_label("file:///seeds/001_a.txt") == "001_a.txt"


def test_time_unit_follows_the_span_of_the_dates():
    assert time_unit([date(2025, 8, 1), date(2025, 9, 1)]) == ("utcyearmonthdate", "day")
    assert time_unit([date(2024, 1, 1), date(2025, 9, 1)]) == ("utcyearmonth", "month")
    assert time_unit([date(2019, 1, 1), date(2025, 9, 1)]) == ("utcyear", "year")
    assert time_unit([]) == ("utcyearmonthdate", "day")


def test_stance_colours_are_fixed_whatever_stances_a_chart_shows():
    scale = stance_scale(["oppose", "support"])
    assert scale["domain"] == ["support", "oppose"]
    assert scale["range"] == [STANCE_COLOURS["support"], STANCE_COLOURS["oppose"]]


def test_topics_keep_the_order_of_topics_yaml():
    from pipeline.statements.model import TOPICS

    assert topic_order(["zzz_unknown", TOPICS[3], TOPICS[0]]) == [
        TOPICS[0], TOPICS[3], "zzz_unknown"
    ]  # fmt: skip


def test_every_actor_and_topic_gets_a_page_and_every_page_link_exists():
    pages = pages_by_path(rows())
    assert set(pages) == {
        "index.html", "runs.html", "topics/troops-in-ukraine.html", "topics/us-backstop.html",
        "actors/person-macron.html", "actors/person-unknown-x.html",
    }  # fmt: skip
    overview = pages["index.html"].context
    linked = {c["href"] for c in overview["topics"]} | {
        r["actor"]["href"] for r in overview["matrix"]
    }
    assert linked <= set(pages)


def test_the_matrix_has_one_cell_per_actor_and_topic_with_the_current_stance():
    overview = pages_by_path(rows())["index.html"].context
    assert [t["code"] for t in overview["topics"]] == ["troops_in_ukraine", "us_backstop"]
    cells = {r["actor"]["id"]: [c and c["stance"] for c in r["cells"]] for r in overview["matrix"]}
    assert cells == {"person:macron": ["support", None], "person:unknown-x": [None, "oppose"]}


def test_actors_flagged_for_review_are_marked_not_hidden():
    pages = pages_by_path(rows())
    matrix = pages["index.html"].context["matrix"]
    assert [(r["actor"]["name"], r["actor"]["needs_review"]) for r in matrix] == [
        ("Emmanuel Macron", False), ("Unknown X", True)
    ]  # fmt: skip
    assert pages["actors/person-unknown-x.html"].context["actor"]["needs_review"] is True


def test_actor_page_lists_every_statement_with_the_change_it_made():
    page = pages_by_path(rows())["actors/person-macron.html"].context
    [topic] = page["statement_groups"]
    assert [(s["date"], s["stance"], s["previous"]) for s in topic["statements"]] == [
        (date(2025, 8, 1), "conditional", None),
        (date(2025, 8, 20), "support", "conditional"),
    ]
    assert topic["statements"][0]["article"]["href"] == "https://example.org/a"
    chart = page["charts"][0]["spec"]
    assert {v["topic"] for v in chart["data"]["values"]} == {"troops_in_ukraine"}


def test_topic_page_groups_actors_by_stance_and_counts_over_time():
    page = pages_by_path(rows())["topics/troops-in-ukraine.html"].context
    assert [(g["stance"], [a["actor"]["name"] for a in g["actors"]]) for g in page["groups"]] == [
        ("support", ["Emmanuel Macron"])
    ]
    values = page["charts"][0]["spec"]["data"]["values"]
    assert sorted((v["date"], v["stance"], v["statements"]) for v in values) == [
        ("2025-08-01", "conditional", 1), ("2025-08-20", "support", 1)
    ]  # fmt: skip


def test_runs_page_counts_documents_by_outcome_and_says_what_the_snapshot_lacks():
    context = pages_by_path(rows())["runs.html"].context
    assert context["runs"][0]["total"] == 3
    assert context["quarantine"] is None and len(context["failures"]) == 1


def test_text_from_data_is_escaped_and_unsafe_urls_are_not_links():
    files = dict(render_site(build_pages(rows(), NOW, by_actor(HISTORY))))
    page = files["actors/person-unknown-x.html"]
    assert "<script>window.__pwned" not in page and "<b onmouseover" not in page
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in page
    assert 'href="javascript:' not in page
    runs = files["runs.html"]
    assert "&lt;every&gt; source failed" in runs
    assert "built before quarantined rows were published" in runs  # quarantine is None
    # chart data sits in a JSON script element: a "</script>" in it must not close it
    for text in files.values():
        for line in text.splitlines():
            if 'class="chart-spec"' in line:
                assert line.count("</script>") == 1


def test_the_site_loads_nothing_from_outside():
    files = dict(render_site(build_pages(rows(), NOW, by_actor(HISTORY))))
    for path, text in files.items():
        if not path.endswith(".html"):
            continue
        assets = re.findall(r'<script[^>]* src="([^"]*)"', text)
        assets += re.findall(r'<link[^>]* href="([^"]*)"', text)
        assert assets, path
        for asset in assets:
            assert asset.startswith(("assets/", "../assets/", "data:")), (path, asset)
            assert asset.startswith("data:") or asset.removeprefix("../") in files, asset
    assert "window.vegaEmbed" in files["assets/vega-bundle.js"]


def test_make_run_points_at_the_report_the_dags_write(tmp_path):
    from pipeline.airflow_local import report_index

    db = tmp_path / "wh" / "monitor.duckdb"
    assert report_index({"MONITOR_DB": str(db)}) == tmp_path / "wh" / "report" / "index.html"
    elsewhere = tmp_path / "site"
    env = {"MONITOR_DB": str(db), "MONITOR_REPORT_DIR": str(elsewhere)}
    assert report_index(env) == elsewhere / "index.html"


def test_every_actor_gets_a_page_whether_or_not_statements_came_for_them():
    stray = said("person:not-in-actors", "us_backstop", 1, "oppose", D1)
    pages = pages_by_path(rows(), history=[HISTORY[0], stray])
    assert "actors/person-unknown-x.html" in pages  # no statements read for this one
    context = pages["actors/person-unknown-x.html"].context
    assert context["statement_groups"] == [] and context["charts"] == []
    assert [t["current"]["stance"] for t in context["summary"]] == ["oppose"]
    assert not any("not-in-actors" in path for path in pages)


def test_the_actor_chart_counts_statements_per_day_topic_and_stance():
    from pipeline.report.charts import actor_timeline_chart

    twice = [said("a", "us_backstop", n, "support", D1) for n in (1, 2)]
    undated = said("a", "us_backstop", 3, "oppose", None)
    spec = actor_timeline_chart([*twice, undated], "A")
    assert spec["data"]["values"] == [
        {"date": "2025-08-01", "topic": "us_backstop", "stance": "support", "statements": 2}
    ]
    assert spec["encoding"]["color"]["scale"]["domain"] == ["support"]


def test_an_actor_with_many_statements_continues_on_further_pages():
    many = [said("person:macron", "troops_in_ukraine", n, "support", D1) for n in (1, 2, 3)]
    many.append(said("person:macron", "us_backstop", 1, "oppose", D2))
    pages = {p.path: p for p in build_pages(rows(), NOW, by_actor(many), statements_per_page=3)}
    first = pages["actors/person-macron.html"]
    second = pages["actors/person-macron/page-2.html"]
    assert second.context["root"] == "../../" and first.context["root"] == "../"
    assert [p["href"] for p in first.context["pager"]] == [first.path, second.path]
    shown = [
        (group["code"], s["number"])
        for page in (first, second)
        for group in page.context["statement_groups"]
        for s in group["statements"]
    ]
    assert shown == [("troops_in_ukraine", 1), ("troops_in_ukraine", 2),
                     ("troops_in_ukraine", 3), ("us_backstop", 1)]  # fmt: skip
    assert first.context["charts"] and not second.context["charts"]
    assert not second.context["summary"]
    html = dict(render_site([first, second]))
    assert 'href="../../actors/person-macron.html"' in html[second.path]
    assert 'href="../actors/person-macron/page-2.html"' in html[first.path]


def test_the_actor_chart_counts_per_month_over_a_long_span():
    from pipeline.report.charts import actor_timeline_chart

    days = [date(2024, 1, 3), date(2024, 1, 28), date(2025, 6, 1)]
    spec = actor_timeline_chart([said("a", "us_backstop", n, "support", d)
                                 for n, d in enumerate(days, 1)], "A")  # fmt: skip
    assert [(v["date"], v["statements"]) for v in spec["data"]["values"]] == [
        ("2024-01-01", 2), ("2025-06-01", 1)
    ]  # fmt: skip
    assert "per month" in spec["description"]


def test_date_axes_tick_once_per_unit_and_thin_out_over_long_spans():
    from pipeline.report.charts import count_axis, date_axis

    one_day = date_axis([date(2025, 9, 3)], "day")
    assert one_day["tickCount"] == {"interval": "day", "step": 1}
    assert one_day["format"] == "%Y-%m-%d"
    assert date_axis([date(2023, 8, 1), date(2025, 10, 1)], "month")["tickCount"] == {
        "interval": "month", "step": 3
    }  # fmt: skip
    assert count_axis(2)["tickCount"] == 2 and count_axis(250)["tickCount"] == 5
