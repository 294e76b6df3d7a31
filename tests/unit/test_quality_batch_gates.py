"""The batch gates: bad rows are quarantined under the expectation they broke, good rows pass."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from pipeline.documents.extract import document_event
from pipeline.documents.model import Document, document_id
from pipeline.events import Event, new_event
from pipeline.quality.gates import QualityGateError, gate_document_batch, gate_statement_batch
from pipeline.settings import Settings
from pipeline.statements.events import statement_events
from pipeline.statements.model import Actor, Statement

TODAY = date(2025, 9, 1)
SENTENCE = "Zelensky said Ukraine needs robust security guarantees now. "
TEXT = SENTENCE * 40
DOC = Document(
    document_id(TEXT), "test", "https://example.org/a", "A", TEXT, TEXT, date(2025, 8, 20)
)
ZELENSKY = Actor("person:volodymyr-zelensky", "Volodymyr Zelensky", "person", "UA")
ACTORS = {ZELENSKY.actor_id}
IN_SET = "expect_column_values_to_be_in_set"
NOT_NULL = "expect_column_values_to_not_be_null"
BETWEEN = "expect_column_values_to_be_between"


@pytest.fixture(scope="module")
def settings(tmp_path_factory):
    """One warehouse for the module, so one GX context serves every test."""
    return Settings(db_path=tmp_path_factory.mktemp("warehouse") / "monitor.duckdb")


def statements(n, topic="guarantees_general"):
    """Make n good statement events (distinct sentences of the document) and the extraction."""
    length = len(SENTENCE) - 1
    made = [
        Statement(
            ZELENSKY,
            topic,
            "support",
            TEXT[i * len(SENTENCE) :][:length],
            i * len(SENTENCE),
            i * len(SENTENCE) + length,
            None,
            0.8,
        )
        for i in range(n)
    ]
    return statement_events(made, DOC, "rules/1", TODAY)


def with_payload(event: Event, **changes) -> Event:
    payload = {**event.payload, **changes}
    return new_event(
        event.event_type,
        event.stream,
        event.occurred_at,
        payload,
        event.producer,
        identity={"changed": sorted(changes), "base": event.event_id},
    )


def gate(events, known=(), threshold=1.0, settings_=None, **kwargs):
    # Every statement here is about one document: count it as enough documents to fail.
    kwargs.setdefault("min_documents", 1)
    return gate_statement_batch(
        events,
        {DOC.doc_id: TEXT},
        set(known),
        "test-run",
        settings_,
        threshold,
        actor_ids=ACTORS,
        today=TODAY,
        **kwargs,
    )


BAD_STATEMENTS = {
    "missing actor name": ({"actor_name": None}, f"{NOT_NULL}:actor_name"),
    "missing stated_on": ({"stated_on": None}, f"{NOT_NULL}:stated_on"),
    "topic off the list": ({"topic": "land_swaps"}, f"{IN_SET}:topic"),
    "stance off the list": ({"stance": "maybe"}, f"{IN_SET}:stance"),
    "unknown actor, not flagged": (
        {"actor_id": "person:nobody"},
        f"{IN_SET}:actor_known_or_flagged",
    ),
    "evidence not verbatim": ({"evidence": "Zelensky said nothing"}, f"{IN_SET}:evidence_verbatim"),
    "offsets outside the text": ({"start": 10**6, "end": 10**6 + 5}, f"{IN_SET}:evidence_verbatim"),
    "date before 2014": ({"stated_on": "2013-12-31"}, f"{BETWEEN}:stated_on"),
    "date in the future": ({"stated_on": "2025-09-02"}, f"{BETWEEN}:stated_on"),
    "confidence above 1": ({"confidence": 1.5}, f"{BETWEEN}:confidence"),
    "confidence not a number": ({"confidence": "high"}, f"{NOT_NULL}:confidence"),
}


@pytest.fixture(scope="module")
def mixed_batch(settings):
    """Twenty good statements, one bad statement of each kind, a duplicate and a logged one."""
    good = statements(22)
    body, extraction = good[:22], good[22]
    bad = {
        name: with_payload(body[i], **changes)
        for i, (name, (changes, _)) in enumerate(BAD_STATEMENTS.items())
    }
    logged = body[20]
    batch = [*body[:20], *bad.values(), body[0], logged, extraction]  # body[0] twice
    result = gate(batch, known={logged.event_id}, settings_=settings)
    return result, bad, body, logged, extraction


@pytest.mark.parametrize("name", BAD_STATEMENTS)
def test_a_bad_statement_is_quarantined_under_the_expectation_it_broke(mixed_batch, name):
    result, bad, *_ = mixed_batch
    by_id = {q.event.event_id: q for q in result.quarantined}
    row = by_id[bad[name].event_id]
    assert (row.suite, row.expectation) == ("statement_events", BAD_STATEMENTS[name][1])
    assert row.detail


def test_good_statements_and_the_extraction_event_are_accepted(mixed_batch):
    result, _, body, _, extraction = mixed_batch
    assert result.accepted == [*body[:20], extraction]


def test_a_repeated_id_is_quarantined_once_and_a_logged_one_does_not_count(mixed_batch):
    result, bad, body, logged, _ = mixed_batch
    expectations = [q.expectation for q in result.quarantined]
    assert expectations.count(f"{IN_SET}:event_id_first_in_batch") == 1
    assert expectations.count(f"{IN_SET}:event_id_not_in_log") == 1
    assert logged.event_id in {q.event.event_id for q in result.quarantined}
    assert result.report.already_logged == 1
    # the logged row is left out of both sides of the share
    assert result.failing_share == pytest.approx((len(bad) + 1) / (20 + len(bad) + 1 + 1))
    # nothing is dropped silently: every event is accepted or quarantined
    assert len(result.accepted) + len(result.quarantined) == 20 + len(bad) + 3


def test_an_unknown_actor_flagged_for_review_passes(settings):
    event = with_payload(statements(1)[0], actor_id="person:new-face", actor_needs_review=True)
    result = gate([event], settings_=settings, threshold=0.0)
    assert result.accepted == [event]


def test_a_batch_within_the_threshold_is_split(settings):
    batch = statements(10)[:10]
    batch[3] = with_payload(batch[3], topic="weather")
    result = gate(batch, settings_=settings, threshold=0.2)
    assert len(result.accepted) == 9
    assert [q.event for q in result.quarantined] == [batch[3]]
    assert result.failing_share == pytest.approx(0.1)


def test_a_batch_over_the_threshold_raises_with_its_rows(settings):
    batch = statements(10)[:10]
    for i in (1, 2, 3):
        batch[i] = with_payload(batch[i], stance="unsure")
    with pytest.raises(QualityGateError, match="3 of 10 rows failed") as raised:
        gate(batch, settings_=settings, threshold=0.2)
    assert {q.event.event_id for q in raised.value.quarantined} == {
        batch[i].event_id for i in (1, 2, 3)
    }
    assert len(raised.value.result.accepted) == 7


def test_the_threshold_comes_from_settings_by_default(settings):
    batch = statements(4)[:4]
    batch[0] = with_payload(batch[0], stance="unsure")
    strict = replace(settings, quarantine_threshold=0.2, quarantine_min_documents=1)
    with pytest.raises(QualityGateError):
        gate_statement_batch(batch, {DOC.doc_id: TEXT}, set(), "r", strict, actor_ids=ACTORS)
    loose = replace(settings, quarantine_threshold=0.3, quarantine_min_documents=1)
    result = gate_statement_batch(batch, {DOC.doc_id: TEXT}, set(), "r", loose, actor_ids=ACTORS)
    assert len(result.quarantined) == 1


def test_failures_in_fewer_documents_than_the_minimum_do_not_stop_the_batch(settings):
    """One bad article (all its rows refused) is quarantined; the batch goes on."""
    batch = statements(10)[:10]
    for i in (1, 2, 3):
        batch[i] = with_payload(batch[i], stance="unsure")
    result = gate(batch, settings_=settings, threshold=0.2, min_documents=2)
    assert len(result.quarantined) == 3 and len(result.accepted) == 7
    assert (result.failing_documents, result.failing_share) == (1, pytest.approx(0.3))


def test_failures_spread_over_enough_documents_stop_the_batch(settings):
    batch = statements(10)[:10]
    for i in (1, 2, 3):
        batch[i] = with_payload(batch[i], stance="unsure", doc_id=f"doc_other_{i}")
    with pytest.raises(QualityGateError, match="from 3 documents"):
        gate(batch, settings_=settings, threshold=0.2, min_documents=3)


def test_a_rerun_of_logged_events_is_not_a_failure(settings):
    batch = statements(3)
    result = gate(batch, known={e.event_id for e in batch}, settings_=settings, threshold=0.0)
    assert result.accepted == []
    assert result.failing_share == 0.0
    assert len(result.quarantined) == 4


def test_an_empty_batch_passes_without_running_a_suite(settings):
    result = gate([], settings_=settings, threshold=0.0)
    assert (result.accepted, result.quarantined, result.failing_share) == ([], [], 0.0)


def document(text, url="https://example.org/doc", language="en", **changes):
    if url is None:  # the typed payload refuses it: edit a built one, as a corrupt batch would
        url, changes = "https://example.org/doc", {**changes, "url": None}
    doc = Document(
        document_id(text), "test", url, "T", text, text, date(2025, 8, 1), language=language
    )
    event = document_event(doc, "pipeline/0.1")
    return with_payload(event, **changes) if changes else event


def test_bad_documents_are_quarantined_under_the_expectation_they_broke(settings):
    good = [document(f"Article {i} about guarantees.") for i in range(10)]
    logged_hash = good[9].payload["content_hash"]
    bad = {
        "empty text": (document("   "), "expect_column_values_to_match_regex:text"),
        "no language": (document("No language.", language=None), f"{NOT_NULL}:language"),
        "ftp url": (document("Ftp.", url="ftp://x/y"), "expect_column_values_to_match_regex:url"),
        "no url": (document("No url.", url=None), f"{NOT_NULL}:url"),
        "copy in batch": (
            document("Article 0 about guarantees.", url="https://example.org/copy"),
            f"{IN_SET}:content_hash_first_in_batch",
        ),
        "wrong hash": (
            document("Hash.", content_hash="0" * 64),
            f"{IN_SET}:content_hash_matches_text",
        ),
        "future": (document("Future.", published="2030-01-01"), f"{BETWEEN}:published"),
    }
    batch = [*good[:9], *(event for event, _ in bad.values())]
    result = gate_document_batch(batch, set(), {logged_hash}, "doc-run", settings, 1.0, today=TODAY)
    found = {q.event.event_id: q.expectation for q in result.quarantined}
    for name, (event, expectation) in bad.items():
        assert found.get(event.event_id) == expectation, name
    assert result.accepted == good[:9]
    in_log = gate_document_batch(
        [good[9]], set(), {logged_hash}, "doc-run", settings, 1.0, today=TODAY
    )
    assert in_log.quarantined[0].expectation == f"{IN_SET}:content_hash_not_in_log"
