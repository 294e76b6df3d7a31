"""The conventions applied to the statements of one article (pipeline.statements.clauses)."""

from __future__ import annotations

from pipeline.statements.clauses import settle_stances
from pipeline.statements.model import Actor, Statement

ANNA = Actor("person:anna-berg", "Anna Berg", "person", "SE", None)
OLE = Actor("person:ole-dahl", "Ole Dahl", "person", "NO", None)


def _said(actor: Actor, topic: str, stance: str, start: int, confidence: float = 0.8):
    return Statement(actor, topic, stance, "x", start, start + 1, None, confidence)


def test_the_stance_most_statements_take_wins_and_the_others_are_dropped():
    found = [
        _said(ANNA, "us_backstop", "support", 0),
        _said(ANNA, "us_backstop", "oppose", 10, confidence=0.9),
        _said(ANNA, "us_backstop", "support", 20),
    ]
    kept = settle_stances(found)
    assert [(s.stance, s.start) for s in kept] == [("support", 0), ("support", 20)]


def test_a_tie_goes_to_the_surer_statement_then_to_the_first():
    surer = [
        _said(ANNA, "nato_membership", "support", 0, confidence=0.75),
        _said(ANNA, "nato_membership", "oppose", 10, confidence=0.85),
    ]
    assert [s.stance for s in settle_stances(surer)] == ["oppose"]
    even = [
        _said(ANNA, "nato_membership", "conditional", 0),
        _said(ANNA, "nato_membership", "support", 10),
    ]
    assert [s.stance for s in settle_stances(even)] == ["conditional"]


def test_other_actors_and_topics_are_left_alone():
    found = [
        _said(ANNA, "troops_in_ukraine", "support", 0),
        _said(ANNA, "us_backstop", "oppose", 5),
        _said(OLE, "troops_in_ukraine", "oppose", 10),
    ]
    assert settle_stances(found) == found


def test_general_beside_a_component_of_the_same_speaker_and_sentence_is_dropped():
    from pipeline.statements.clauses import general_beside_components

    found = [
        _said(ANNA, "guarantees_general", "support", 0),
        _said(ANNA, "troops_in_ukraine", "support", 0),
        _said(OLE, "guarantees_general", "support", 0),
        _said(ANNA, "guarantees_general", "support", 40),
    ]
    kept = general_beside_components(found)
    assert [(s.actor.name, s.topic, s.start) for s in kept] == [
        ("Anna Berg", "troops_in_ukraine", 0),
        ("Ole Dahl", "guarantees_general", 0),
        ("Anna Berg", "guarantees_general", 40),
    ]


def test_an_american_refusing_american_troops_does_not_also_oppose_the_backstop():
    from pipeline.statements.clauses import own_troops_refusals

    american = Actor("person:jo-reed", "Jo Reed", "person", "US", None)
    found = [
        _said(american, "troops_in_ukraine", "oppose", 0),
        _said(american, "us_backstop", "oppose", 0),
        _said(american, "us_backstop", "oppose", 50),
        _said(ANNA, "troops_in_ukraine", "oppose", 0),
        _said(ANNA, "us_backstop", "oppose", 0),
    ]
    kept = own_troops_refusals(found)
    assert [(s.actor.name, s.topic, s.start) for s in kept] == [
        ("Jo Reed", "troops_in_ukraine", 0),
        ("Jo Reed", "us_backstop", 50),
        ("Anna Berg", "troops_in_ukraine", 0),
        ("Anna Berg", "us_backstop", 0),
    ]


def test_refusing_troops_is_kept_beside_backing_a_force_within_limits():
    found = [
        _said(ANNA, "troops_in_ukraine", "conditional", 0),
        _said(ANNA, "troops_in_ukraine", "oppose", 10),
        _said(ANNA, "troops_in_ukraine", "conditional", 20),
        _said(ANNA, "nato_membership", "oppose", 30),
        _said(ANNA, "nato_membership", "support", 40),
        _said(ANNA, "nato_membership", "support", 50),
    ]
    kept = settle_stances(found)
    assert sorted((s.topic, s.stance, s.start) for s in kept) == [
        ("nato_membership", "support", 40),
        ("nato_membership", "support", 50),
        ("troops_in_ukraine", "conditional", 0),
        ("troops_in_ukraine", "conditional", 20),
        ("troops_in_ukraine", "oppose", 10),
    ]
