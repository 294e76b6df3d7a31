"""The views, rebuilt from a small hand-made log with known answers."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from pipeline.documents.model import Document, document_id
from pipeline.errors import StoreError
from pipeline.statements.events import statement_events
from pipeline.statements.model import Actor, Statement
from pipeline.store import open_store
from pipeline.store.views import (
    VIEWS_DIR,
    publish_snapshot,
    rebuild_views,
    view_relations,
    views_fingerprint,
)

MACRON = Actor("person:emmanuel-macron", "Emmanuel Macron", "person", "FR", "President")
MERZ = Actor("person:friedrich-merz", "Friedrich Merz", "person", "DE", "Chancellor")
FRANCE = Actor("state:fr", "France", "state", "FR")


def doc(text: str, day: date) -> Document:
    return Document(
        doc_id=document_id(text),
        source="test",
        url=f"https://example.org/{document_id(text)}",
        title=text[:20],
        text=text,
        raw_text=text,
        published=day,
    )


def said(actor, topic, stance, day, text="x"):
    return Statement(actor, topic, stance, text, 0, len(text), day, 0.9)


def log_with(*batches, extractor="rules/1"):
    """Append (document, statements) batches in order; return the open store."""
    store = open_store(":memory:")
    for document, statements in batches:
        store.append(statement_events(statements, document, extractor, date(2025, 9, 1)), "r")
    return store


def rows(store, sql, *params):
    return store.con.execute(sql, list(params)).fetchall()


def state(store, actor, stance, document, run="r"):
    """Append `actor`'s one statement on us_backstop in `document`, made on its date."""
    store.append(
        statement_events(
            [said(actor, "us_backstop", stance, document.published)],
            document,
            "rules/1",
            document.published,
        ),
        run,
    )


def test_latest_statement_wins_current_stance():
    d1, d2 = doc("one", date(2025, 8, 1)), doc("two", date(2025, 8, 10))
    store = log_with(
        (d1, [said(MACRON, "troops_in_ukraine", "conditional", date(2025, 8, 1))]),
        (d2, [said(MACRON, "troops_in_ukraine", "support", date(2025, 8, 10))]),
    )
    rebuild_views(store)
    assert rows(
        store, "select stance, first_seen, last_seen, n_statements from actor_current_stance"
    ) == [("support", date(2025, 8, 1), date(2025, 8, 10), 2)]


def test_statement_date_not_log_order_decides_latest():
    late, early = doc("late", date(2025, 8, 20)), doc("early", date(2025, 8, 2))
    store = log_with(
        (late, [said(MERZ, "us_backstop", "support", date(2025, 8, 20))]),
        (early, [said(MERZ, "us_backstop", "oppose", date(2025, 8, 2))]),
    )
    rebuild_views(store)
    assert rows(store, "select stance from actor_current_stance") == [("support",)]


def test_same_day_ties_are_broken_by_log_position():
    d1, d2 = doc("a", date(2025, 8, 5)), doc("b", date(2025, 8, 5))
    store = log_with(
        (d1, [said(FRANCE, "buffer_zone", "oppose", date(2025, 8, 5))]),
        (d2, [said(FRANCE, "buffer_zone", "neutral", date(2025, 8, 5))]),
    )
    rebuild_views(store)
    assert rows(store, "select stance from actor_current_stance") == [("neutral",)]


def test_history_marks_changes_and_changes_view_lists_only_them():
    docs = [doc(str(i), date(2025, 8, i)) for i in (1, 2, 3)]
    store = log_with(
        (docs[0], [said(MACRON, "article5_like", "support", date(2025, 8, 1))]),
        (docs[1], [said(MACRON, "article5_like", "support", date(2025, 8, 2))]),
        (docs[2], [said(MACRON, "article5_like", "conditional", date(2025, 8, 3))]),
    )
    rebuild_views(store)
    history = rows(
        store, "select stance, previous_stance, changed from actor_stance_history order by seq"
    )
    assert history == [
        ("support", None, False),
        ("support", "support", False),
        ("conditional", "support", True),
    ]
    assert rows(store, "select previous_stance, new_stance, changed_on from stance_changes") == [
        ("support", "conditional", date(2025, 8, 3))
    ]
    assert rows(store, "select n_supporting from actor_current_stance") == [(1,)]


def test_stance_as_of_returns_the_stance_on_that_date():
    docs = [doc(str(i), date(2025, 8, i)) for i in (1, 9)]
    store = log_with(
        (docs[0], [said(MACRON, "nato_membership", "support", date(2025, 8, 1))]),
        (docs[1], [said(MACRON, "nato_membership", "oppose", date(2025, 8, 9))]),
    )
    rebuild_views(store)
    as_of = "select stance from stance_as_of(?::date)"
    assert rows(store, as_of, "2025-07-31") == []
    assert rows(store, as_of, "2025-08-05") == [("support",)]
    assert rows(store, as_of, "2025-08-09") == [("oppose",)]


def test_country_stance_counts_each_actor_once():
    d1 = doc("one", date(2025, 8, 1))
    store = log_with(
        (
            d1,
            [
                said(MACRON, "troops_in_ukraine", "support", date(2025, 8, 1)),
                said(FRANCE, "troops_in_ukraine", "support", date(2025, 8, 1)),
                said(MERZ, "troops_in_ukraine", "oppose", date(2025, 8, 1)),
            ],
        ),
    )
    rebuild_views(store)
    got = rows(store, "select country, prevailing_stance, n_actors, n_support from country_stance")
    assert got == [("DE", "oppose", 1, 0), ("FR", "support", 2, 2)]


def test_newer_extractor_version_supersedes_older_statements():
    d1 = doc("one", date(2025, 8, 1))
    store = log_with((d1, [said(MACRON, "military_aid", "support", date(2025, 8, 1))]))
    store.append(
        statement_events(
            [said(MACRON, "military_aid", "conditional", date(2025, 8, 1))],
            d1,
            "rules/2",
            date(2025, 9, 1),
        ),
        "r2",
    )
    rebuild_views(store)
    assert rows(store, "select extractor_version, is_current from statements order by seq") == [
        ("1", False),
        ("2", True),
    ]
    assert rows(store, "select stance from actor_current_stance") == [("conditional",)]


def test_newer_version_that_finds_nothing_clears_the_document():
    d1 = doc("one", date(2025, 8, 1))
    store = log_with((d1, [said(MACRON, "military_aid", "support", date(2025, 8, 1))]))
    store.append(statement_events([], d1, "rules/2", date(2025, 9, 1)), "r2")
    rebuild_views(store)
    assert rows(store, "select count(*) from actor_current_stance") == [(0,)]


def test_rebuild_gives_identical_contents_every_time():
    docs = [doc(str(i), date(2025, 8, i)) for i in (1, 2, 3)]
    store = log_with(
        *[
            (d, [said(MACRON, "us_backstop", s, d.published)])
            for d, s in zip(docs, ["support", "oppose", "support"], strict=True)
        ]
    )
    rebuild_views(store)
    first = views_fingerprint(store.con)
    rebuild_views(store)
    assert views_fingerprint(store.con) == first


def test_snapshot_keeps_old_version_for_open_reader(tmp_path):
    d1, d2 = doc("one", date(2025, 8, 1)), doc("two", date(2025, 8, 2))
    path = tmp_path / "warehouse" / "monitor.duckdb"
    snapshot = tmp_path / "bi" / "monitor_bi.duckdb"
    with open_store(path) as store:
        store.append(
            statement_events(
                [said(MERZ, "guarantees_general", "support", d1.published)],
                d1,
                "rules/1",
                date(2025, 9, 1),
            ),
            "r1",
        )
        rebuild_views(store)
        publish_snapshot(store, snapshot)
        reader = duckdb.connect(str(snapshot), read_only=True)
        assert reader.execute("select count(*) from statements").fetchone() == (1,)
        store.append(
            statement_events(
                [said(MERZ, "guarantees_general", "oppose", d2.published)],
                d2,
                "rules/1",
                date(2025, 9, 1),
            ),
            "r2",
        )
        rebuild_views(store)
        publish_snapshot(store, snapshot)
        assert reader.execute("select count(*) from statements").fetchone() == (1,)
        reader.close()
    reopened = duckdb.connect(str(snapshot), read_only=True)
    assert reopened.execute("select count(*) from statements").fetchone() == (2,)
    assert reopened.execute("select stance from stance_as_of(date '2025-08-01')").fetchall() == [
        ("support",)
    ]


@pytest.mark.parametrize("table", ["documents", "document_outcomes", "log_summary"])
def test_every_view_builds_on_an_empty_log(table):
    store = open_store(":memory:")
    counts = rebuild_views(store)
    assert counts[table] == 0


def test_undated_statement_counts_as_oldest_in_history_and_current_stance():
    dated, undated = doc("dated", date(2025, 8, 1)), doc("undated", None)
    store = log_with(
        (dated, [said(MERZ, "troops_in_ukraine", "support", date(2025, 8, 1))]),
        (undated, [said(MERZ, "troops_in_ukraine", "oppose", None)]),
    )
    rebuild_views(store)
    assert rows(store, "select stance from actor_current_stance") == [("support",)]
    history = rows(
        store,
        "select stance, previous_stance, changed from actor_stance_history"
        " order by statement_number",
    )
    # The two views agree: the undated statement comes first, so the dated one is latest.
    assert history == [("oppose", None, False), ("support", "oppose", True)]


def test_superseded_statements_hold_no_place_in_history():
    d1, d2 = doc("one", date(2025, 8, 1)), doc("two", date(2025, 8, 5))
    store = log_with(
        (d1, [said(MACRON, "military_aid", "support", date(2025, 8, 1))]),
        (d2, [said(MACRON, "military_aid", "oppose", date(2025, 8, 5))]),
    )
    store.append(
        statement_events(
            [said(MACRON, "military_aid", "conditional", date(2025, 8, 1))],
            d1,
            "rules/2",
            date(2025, 9, 1),
        ),
        "r2",
    )
    rebuild_views(store)
    assert rows(store, "select stance, is_current from statements order by seq") == [
        ("support", False),
        ("oppose", True),
        ("conditional", True),
    ]
    assert rows(
        store,
        "select stance, statement_number, previous_stance, changed"
        f' from "{store.views_catalog}".internal.actor_stance_sequence'
        " inner join statements using (seq)"
        " order by statement_number",
    ) == [("conditional", 1, None, False), ("oppose", 2, "conditional", True)]
    # The history view numbers only the current statements, from 1, with no gap.
    assert rows(store, "select statement_number, stance from actor_stance_history order by 1") == [
        (1, "conditional"),
        (2, "oppose"),
    ]
    assert rows(store, "select previous_stance, new_stance from stance_changes") == [
        ("conditional", "oppose")
    ]


def test_snapshot_views_answer_from_the_snapshot_alone(tmp_path):
    docs = [doc(str(i), date(2025, 8, i)) for i in (1, 2)]
    path, snapshot = tmp_path / "wh" / "monitor.duckdb", tmp_path / "bi" / "bi.duckdb"
    with open_store(path) as store:
        for d, stance in zip(docs, ["support", "oppose"], strict=True):
            store.append(
                statement_events(
                    [said(MERZ, "article5_like", stance, d.published)],
                    d,
                    "rules/1",
                    date(2025, 9, 1),
                ),
                "r",
            )
        rebuild_views(store)
        publish_snapshot(store, snapshot)
        expected = views_fingerprint(store.con)
    # The warehouse is gone: the snapshot's views must select from its own tables.
    path.unlink()
    reader = duckdb.connect(str(snapshot), read_only=True)
    kinds = {
        (schema, name): kind
        for schema, name, kind in reader.execute(
            "select table_schema, table_name, table_type from information_schema.tables"
            " where table_name in"
            " ('actor_stance_history', 'stance_changes', 'statements', 'actor_stance_sequence')"
        ).fetchall()
    }
    assert kinds == {
        ("main", "actor_stance_history"): "VIEW",
        ("main", "stance_changes"): "VIEW",
        ("main", "statements"): "BASE TABLE",
        ("internal", "actor_stance_sequence"): "BASE TABLE",
    }
    assert reader.execute("select new_stance from stance_changes").fetchall() == [("oppose",)]
    assert views_fingerprint(reader) == expected
    reader.close()


def test_rebuild_drops_view_tables_an_earlier_version_kept_in_the_log(tmp_path):
    d1 = doc("one", date(2025, 8, 1))
    path = tmp_path / "monitor.duckdb"
    with open_store(path) as store:
        state(store, MACRON, "support", d1)
        # An earlier version materialised the views inside the log itself.
        store.con.execute("create table actor_stance_history as select 1 as stale")
        store.con.execute("create table statements as select 1 as stale")
        store.con.execute("create macro stance_as_of(d) as table select 1 as stale")
        counts = rebuild_views(store)
        assert counts["actor_stance_history"] == 1
        assert rows(store, "select stance from actor_stance_history") == [("support",)]
        assert rows(store, "select stance from stance_as_of(date '2025-08-02')") == [("support",)]
        in_log = rows(
            store,
            "select table_name from information_schema.tables where table_catalog = ?",
            store.home,
        )
        names = {name for (name,) in in_log}
        assert "events" in names
        assert not names & set(view_relations())


def test_views_live_in_their_own_file_and_reattach_on_open(tmp_path):
    d1 = doc("one", date(2025, 8, 1))
    path = tmp_path / "wh" / "monitor.duckdb"
    with open_store(path) as store:
        state(store, MERZ, "oppose", d1)
        rebuild_views(store)
    views_file = tmp_path / "wh" / "snapshot" / "monitor_bi.duckdb"
    assert views_file.exists()
    assert not list(views_file.parent.glob(".*.tmp*"))  # nothing left aside
    log_only = duckdb.connect(str(path), read_only=True)
    in_log = {
        name for (name,) in log_only.execute("select table_name from duckdb_tables()").fetchall()
    }
    log_only.close()
    assert "events" in in_log
    assert not in_log & set(view_relations())
    with open_store(path, read_only=True) as reopened:
        assert rows(reopened, "select stance from actor_current_stance") == [("oppose",)]
        assert rows(reopened, "select count(*) from statements") == [(1,)]


def test_a_failed_build_keeps_the_published_views(tmp_path):
    d1 = doc("one", date(2025, 8, 1))
    path = tmp_path / "monitor.duckdb"
    broken = tmp_path / "views"
    broken.mkdir()
    for view in sorted(VIEWS_DIR.glob("*.sql")):
        (broken / view.name).write_text(view.read_text(encoding="utf-8"), encoding="utf-8")
    (broken / "095_broken.sql").write_text(
        "create or replace table broken as select no_such_column from statements;\n",
        encoding="utf-8",
    )
    with open_store(path) as store:
        state(store, MERZ, "oppose", d1)
        rebuild_views(store)
        before = views_fingerprint(store.con)
        state(store, MACRON, "support", doc("two", date(2025, 8, 2)), "r2")
        with pytest.raises(StoreError, match="previous views kept"):
            rebuild_views(store, views_dir=broken)
        # The published views still answer, unchanged, and the new file was removed.
        assert views_fingerprint(store.con) == before
        assert not list((tmp_path / "snapshot").glob(".*.tmp*"))
        assert rebuild_views(store)["statements"] == 2


def test_a_views_file_that_cannot_be_replaced_keeps_the_published_views(tmp_path):
    d1 = doc("one", date(2025, 8, 1))
    path = tmp_path / "monitor.duckdb"
    with open_store(path) as store:
        state(store, MERZ, "oppose", d1)
        rebuild_views(store)
        before = views_fingerprint(store.con)
        state(store, MACRON, "support", doc("two", date(2025, 8, 2)), "r2")
        # Something took the views file's place with a folder: the rename must fail.
        store.views_path.unlink()
        store.views_path.mkdir()
        (store.views_path / "keep").write_text("x", encoding="utf-8")
        with pytest.raises(StoreError, match="cannot publish the new views"):
            rebuild_views(store)
        assert not list(store.views_path.parent.glob(".*.tmp*"))
        # The catalog attached before still answers (its file was open when it was removed).
        assert views_fingerprint(store.con) == before


def _compressions(con, table) -> set[str]:
    return {
        row[0]
        for row in con.execute(
            "select distinct compression from pragma_storage_info(?)"
            " where segment_type = 'VARCHAR'",
            [table],
        ).fetchall()
    }


def test_views_file_strings_are_not_fsst_compressed_and_the_setting_is_restored(tmp_path):
    # Distinct sentences of shared words: what DuckDB compresses with FSST when it may
    # (checked on a plain file first, so this test can tell the difference).
    sentences = [
        f"Minister number {i} said the security guarantees for Ukraine must hold firm {i * 7}."
        for i in range(3000)
    ]
    plain = duckdb.connect(str(tmp_path / "plain.duckdb"))
    plain.execute("create table t as select unnest(?::varchar[]) as evidence", [sentences])
    plain.execute("checkpoint")
    assert "FSST" in _compressions(plain, "t")
    plain.close()

    store = open_store(tmp_path / "log.duckdb")
    text = " ".join(sentences)
    document = doc(text, date(2025, 8, 1))
    statements, start = [], 0
    for sentence in sentences:
        statements.append(
            Statement(
                MACRON,
                "us_backstop",
                "support",
                sentence,
                start,
                start + len(sentence),
                date(2025, 8, 1),
                0.9,
            )
        )
        start += len(sentence) + 1
    store.append(statement_events(statements, document, "rules/1", date(2025, 8, 1)), "r")
    setting = "select current_setting('disabled_compression_methods')"
    before = rows(store, setting)
    rebuild_views(store)
    assert rows(store, "select count(distinct evidence) from statements") == [(3000,)]
    assert rows(store, setting) == before
    views_path = store.views_path
    store.close()

    views = duckdb.connect(str(views_path), read_only=True)
    used = _compressions(views, "statements")
    assert used and "FSST" not in used, used
