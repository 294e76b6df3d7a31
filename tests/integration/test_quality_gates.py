"""The gates against a real DuckDB log: store checks, broken views, records and Data Docs."""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import replace
from datetime import date

import pytest

from pipeline import stages
from pipeline.documents.extract import document_event
from pipeline.documents.model import Document, document_id
from pipeline.quality.gates import (
    QualityGateError,
    check_views,
    gate_document_batch,
    gate_statement_batch,
    run_store_checks,
)
from pipeline.quality.quarantine import record_run_validations
from pipeline.settings import EXPECTATIONS_DIR, PROJECT_DIR, Settings
from pipeline.statements.events import statement_events
from pipeline.statements.model import Actor, Statement
from pipeline.store import open_store
from pipeline.store.views import build_views, discard_views, rebuild_views

TEXT = (
    "Zelensky said Ukraine needs robust security guarantees. "
    "Macron said France is ready to deploy troops in Ukraine. "
)
DOC = Document(
    document_id(TEXT), "test", "https://example.org/a", "A", TEXT, TEXT, date(2025, 8, 20)
)
ZELENSKY = Actor("person:volodymyr-zelensky", "Volodymyr Zelensky", "person", "UA")
MACRON = Actor("person:emmanuel-macron", "Emmanuel Macron", "person", "FR")


def said(actor, topic, stance, evidence):
    start = TEXT.index(evidence)
    return Statement(actor, topic, stance, evidence, start, start + len(evidence), None, 0.9)


def repo_state():
    """Hash every file under expectations/ and list what the repo root holds."""
    files = sorted(p for p in EXPECTATIONS_DIR.rglob("*") if p.is_file())
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest(), sorted(p.name for p in PROJECT_DIR.iterdir())


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    """A log with one document and its statements, appended through the gates."""
    before = repo_state()
    settings = Settings(db_path=tmp_path_factory.mktemp("warehouse") / "monitor.duckdb")
    events = statement_events(
        [
            said(ZELENSKY, "guarantees_general", "support", "Zelensky said Ukraine needs robust"),
            said(MACRON, "troops_in_ukraine", "support", "France is ready to deploy troops"),
            said(MACRON, "troops_in_ukraine", "support", "Macron said France is ready"),
        ],
        DOC,
        "rules/1",
        date(2025, 8, 21),
    )
    bad = said(MACRON, "sanctions", "support", "Macron said")
    events += statement_events([bad], DOC, "rules/1", date(2025, 8, 21))[:1]
    document = document_event(DOC, "pipeline/0.1")
    with open_store(settings.db_path) as store:
        docs = gate_document_batch([document], set(), set(), "seed", settings)
        known = store.known_ids(e.event_id for e in events)
        gated = gate_statement_batch(events, {DOC.doc_id: TEXT}, known, "seed", settings, 0.5)
        store.append([*docs.accepted, *gated.accepted], "seed")
        store.record_quarantine(gated.quarantined, "seed")
        record_run_validations(store, settings.warehouse_dir, "seed")
        rebuild_views(store)
    return settings, gated, before


def test_a_gated_batch_appends_the_good_rows_and_records_the_rest(seeded):
    settings, gated, _ = seeded
    with open_store(settings.db_path) as store:
        quarantined = store.con.execute("select expectation, event_id from quarantine").fetchall()
        suites = store.con.execute(
            "select suite, success, n_rows from validation_results order by suite"
        ).fetchall()
        n_statements = store.con.execute("select count(*) from statements").fetchone()[0]
    assert quarantined == [
        ("expect_column_values_to_be_in_set:topic", gated.quarantined[0].event.event_id)
    ]
    assert suites == [
        ("batch_events", True, 1),
        ("documents", True, 1),
        ("statement_events", False, 4),
    ]
    assert n_statements == 3


def test_store_checks_pass_on_a_clean_log(seeded):
    settings, *_ = seeded
    with open_store(settings.db_path, read_only=True) as store:
        results = run_store_checks(store, settings)
    assert [(r.name, r.ok) for r in results] == [
        ("hash chain", True),
        ("documents suite", True),
        ("statement_events suite", True),
        ("statements view", True),
        ("actor_current_stance view", True),
        ("country_stance view", True),
        ("data docs", True),
    ]
    assert results[-1].detail.endswith("index.html")


def test_the_view_suite_catches_a_duplicated_actor_topic_row(seeded, tmp_path):
    settings, *_ = seeded
    with open_store(settings.db_path) as store:
        # A build not yet published is writable: break it there, as a faulty view file would.
        build = build_views(store)
        store.con.execute("insert into actor_current_stance select * from actor_current_stance")
        try:
            with pytest.raises(QualityGateError, match="actor_current_stance view") as raised:
                check_views(store, settings, "broken")
            message = str(raised.value)
            results = {r.name: r for r in run_store_checks(store, settings)}
        finally:
            discard_views(store, build)
        # The published views, which the broken build never replaced, answer again and pass.
        after = check_views(store, settings, "after", raise_on_failure=False)
    assert "expect_compound_columns_to_be_unique:actor_id,topic" in message
    assert "expect_column_sum_to_be_between:n_statements" in message  # counts no longer add up
    assert not results["actor_current_stance view"].ok
    assert results["statements view"].ok
    assert all(r.ok for r in after), after


def test_the_view_suite_catches_statements_that_do_not_match_the_log(seeded):
    settings, *_ = seeded
    with open_store(settings.db_path) as store:
        build = build_views(store)
        store.con.execute("delete from statements where topic = 'guarantees_general'")
        try:
            results = check_views(store, settings, "broken", raise_on_failure=False)
        finally:
            discard_views(store, build)
    failed = {r.name: r.detail for r in results if not r.ok}
    assert "expect_table_row_count_to_equal:table" in failed["statements view"]


def test_views_that_fail_their_checks_are_not_published(seeded, tmp_path, monkeypatch):
    shared, *_ = seeded
    settings = replace(shared, db_path=tmp_path / "monitor.duckdb", snapshot_path=None)
    shutil.copyfile(shared.db_path, settings.db_path)  # the module's log stays as it is
    stages.rebuild_stage(settings)
    snapshot = settings.bi_snapshot_path
    published = snapshot.read_bytes()
    with open_store(settings.db_path) as store:  # one more event: the next build differs
        store.append(
            statement_events(
                [said(ZELENSKY, "article5_like", "support", "Zelensky said Ukraine needs")],
                DOC,
                "rules/2",
                date(2025, 8, 22),
            ),
            "later",
        )

    def failing_check(store, settings):
        assert store.con.execute("select count(*) from statements").fetchone()[0] == 4
        raise QualityGateError("view checks failed: statements view: made to fail")

    monkeypatch.setattr(stages.rebuild, "_check_views", failing_check)
    with pytest.raises(QualityGateError, match="made to fail"):
        stages.rebuild_stage(settings)
    assert snapshot.read_bytes() == published  # BI keeps the previous version
    assert not list(snapshot.parent.glob(".*.tmp*"))
    monkeypatch.undo()
    assert stages.rebuild_stage(settings)["statements"] == 4


def test_data_docs_and_results_are_built_in_the_warehouse_not_the_repo(seeded):
    settings, _, before = seeded
    gx_dir = settings.warehouse_dir / "gx"
    index = gx_dir / "uncommitted" / "data_docs" / "local_site" / "index.html"
    assert index.is_file()
    assert "statement_events" in index.read_text(encoding="utf-8")
    assert list((gx_dir / "uncommitted" / "validations" / "statement_events").rglob("*.json"))
    assert repo_state() == before
