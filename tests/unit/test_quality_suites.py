"""The suite files and the quarantine table, without running Great Expectations."""

from __future__ import annotations

import json
from datetime import date

import pytest

from pipeline.documents.model import Document, document_id
from pipeline.events import EVENT_TYPES
from pipeline.quality.frames import load_actor_ids, statement_frame
from pipeline.quality.quarantine import (
    QuarantinedRow,
    rows_from_dicts,
)
from pipeline.quality.suites import SUITE_NAMES, load_suite_file
from pipeline.settings import EXPECTATIONS_DIR
from pipeline.statements.events import statement_events
from pipeline.statements.model import STANCES, TOPICS, Actor, Statement
from pipeline.statements.topics import load_topic_names
from pipeline.store import open_store

TEXT = "Zelensky said Ukraine needs security guarantees. Nothing else happened."
DOC = Document(
    document_id(TEXT), "test", "https://example.org/a", "A", TEXT, TEXT, date(2025, 8, 1)
)
ZELENSKY = Actor("person:volodymyr-zelensky", "Volodymyr Zelensky", "person", "UA")


def one_statement():
    statement = Statement(ZELENSKY, "guarantees_general", "support", TEXT[:48], 0, 48, None, 0.9)
    return statement_events([statement], DOC, "rules/1", date(2025, 8, 2))[0]


def value_set(suite, column):
    for expectation in load_suite_file(suite).expectations:
        kwargs = expectation["kwargs"]
        if (
            expectation["type"] == "expect_column_values_to_be_in_set"
            and kwargs["column"] == column
        ):
            return kwargs["value_set"]
    raise AssertionError(f"{suite} has no value set for {column}")


@pytest.mark.parametrize("name", SUITE_NAMES)
def test_every_suite_file_loads_and_is_named_after_its_file(name):
    suite = load_suite_file(name)
    assert suite.path == EXPECTATIONS_DIR / f"{name}.json"
    assert suite.expectations


def test_suite_vocabularies_match_the_spec_model():
    assert value_set("statement_events", "topic") == list(TOPICS)
    assert value_set("statement_events", "stance") == list(STANCES)
    assert value_set("statements", "topic") == list(TOPICS)
    assert value_set("actor_current_stance", "stance") == list(STANCES)
    assert set(value_set("batch_events", "event_type")) == EVENT_TYPES


@pytest.mark.parametrize("name", ["statement_events", "statements"])
def test_topic_value_sets_are_filled_in_from_topics_yaml(name):
    raw = json.loads((EXPECTATIONS_DIR / f"{name}.json").read_text(encoding="utf-8"))
    written = [
        e["kwargs"]["value_set"]
        for e in raw["expectations"]
        if e["kwargs"].get("column") == "topic" and "value_set" in e["kwargs"]
    ]
    assert written == [{"$vocabulary": "topics"}]
    assert value_set(name, "topic") == list(load_topic_names())


def test_a_suite_naming_an_unknown_vocabulary_is_refused(tmp_path):
    expectation = {
        "type": "expect_column_values_to_be_in_set",
        "kwargs": {"column": "topic", "value_set": {"$vocabulary": "colours"}},
    }
    body = {"name": "documents", "expectations": [expectation]}
    (tmp_path / "documents.json").write_text(json.dumps(body))
    with pytest.raises(ValueError, match="unknown vocabulary 'colours'"):
        load_suite_file("documents", tmp_path)


def test_a_suite_file_with_another_name_is_refused(tmp_path):
    (tmp_path / "documents.json").write_text(json.dumps({"name": "other", "expectations": []}))
    with pytest.raises(ValueError, match="name must be 'documents'"):
        load_suite_file("documents", tmp_path)


def test_actor_ids_load_from_the_registry_and_tolerate_a_missing_file(tmp_path):
    assert "person:volodymyr-zelensky" in load_actor_ids()
    assert load_actor_ids(tmp_path / "none.yaml") == frozenset()
    odd = tmp_path / "odd.yaml"
    odd.write_text("people: [{id: person:a}, {name: no id}, just-a-string]\nstates: null\n")
    assert load_actor_ids(odd) == {"person:a"}


def test_statement_frame_marks_evidence_that_is_not_a_slice_of_the_text():
    event = one_statement()
    good = statement_frame([event], {DOC.doc_id: TEXT}, set(), {ZELENSKY.actor_id})
    assert good["evidence_verbatim"].tolist() == [True]
    shifted = statement_frame([event], {DOC.doc_id: "x" + TEXT}, set(), {ZELENSKY.actor_id})
    assert shifted["evidence_verbatim"].tolist() == [False]
    assert "not the evidence" in shifted.attrs["reasons"]["evidence_verbatim"][0]


def test_quarantined_rows_round_trip_through_dicts():
    row = QuarantinedRow(one_statement(), "statement_events", "expect_x:topic", "topic='bogus'")
    assert rows_from_dicts([json.loads(json.dumps(row.to_dict()))]) == [row]


def test_record_quarantine_writes_rows_once(fresh_db):
    row = QuarantinedRow(one_statement(), "statement_events", "expect_x:topic", "it's 'bad'")
    with open_store(fresh_db) as store:
        assert store.record_quarantine([row], "run-1") == 1
        assert store.record_quarantine([row], "run-1") == 0  # a retried append
        assert store.record_quarantine([], "run-1") == 0
        stored = store.con.execute(
            "select run_id, suite, expectation, event_id, event_type, detail,"
            " payload ->> 'topic' from quarantine"
        ).fetchall()
    assert stored == [
        (
            "run-1",
            "statement_events",
            "expect_x:topic",
            row.event.event_id,
            "statement_extracted",
            "it's 'bad'",
            "guarantees_general",
        )
    ]


def test_record_validations_adds_one_row_per_validation(fresh_db):
    summary = {
        "suite": "documents",
        "run_id": "run-1",
        "success": False,
        "evaluated": 15,
        "unsuccessful": 2,
        "n_rows": 7,
        "validated_at": "2025-08-01T10:00:00+00:00",
        "report_path": "/w/gx/result.json",
        "docs_path": "/w/gx/page.html",
    }
    with open_store(fresh_db) as store:
        assert store.record_validations([summary, summary]) == 1
        stored = store.con.execute(
            "select suite, success, evaluated, unsuccessful, n_rows from validation_results"
        ).fetchall()
    assert stored == [("documents", False, 15, 2, 7)]
