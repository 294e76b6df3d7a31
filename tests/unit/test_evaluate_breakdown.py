"""`make eval`'s scoring (bench/evaluate.py): the official scorer's figures, split by topic
and by stance, and the misses and extras with their evidence."""

from __future__ import annotations

import pytest

from bench.evaluate import EVAL, breakdown, format_misses, load_scorer, misses_and_extras

# Invented sentences; a.txt and b.txt are scored, c.txt is an article with no gold statements.
GOLD = [
    {
        "doc": "a.txt",
        "actor": "Ingrid Solhaug",
        "topic": "troops_in_ukraine",
        "stance": "support",
        "evidence": "Ingrid Solhaug said Norway would send engineers to a reassurance force.",
    },
    {
        "doc": "a.txt",
        "actor": "Ingrid Solhaug",
        "topic": "air_sea_protection",
        "stance": "conditional",
        "evidence": "Norwegian jets could patrol the sky once a truce holds, she added.",
    },
    {
        "doc": "b.txt",
        "actor": "Moscow",
        "topic": "troops_in_ukraine",
        "stance": "oppose",
        "evidence": "Moscow said foreign soldiers in Ukraine would be a legitimate target.",
    },
]
PREDICTED = [
    # right actor, topic and stance (the actor spelled another way)
    {"doc": "a.txt", "actor": "Solhaug", "topic": "troops_in_ukraine", "stance": "support"},
    # right actor and topic, wrong stance
    {
        "doc": "a.txt",
        "actor": "Solhaug",
        "topic": "air_sea_protection",
        "stance": "support",
        "evidence": "Norwegian jets could patrol the sky once a truce holds, she added.",
    },
    # the Kremlin is Moscow is Russia
    {"doc": "b.txt", "actor": "the Kremlin", "topic": "troops_in_ukraine", "stance": "oppose"},
    # an extra on an article without gold statements: counted only when c.txt is scored
    {
        "doc": "c.txt",
        "actor": "Lena Marsh",
        "topic": "military_aid",
        "stance": "support",
        "evidence": "Lena Marsh said the new shells would reach the front by spring. " * 4,
    },
]


@pytest.fixture(scope="module")
def scorer():
    if not (EVAL / "score.py").exists():
        pytest.skip(f"the shared scorer is absent ({EVAL})")
    return load_scorer(EVAL / "score.py")


def test_overall_figures_are_the_official_scorers(scorer):
    result = breakdown(scorer, GOLD, PREDICTED, {"a.txt", "b.txt", "c.txt"})
    official = scorer.score(GOLD, PREDICTED, {"a.txt", "b.txt", "c.txt"})
    for metric in ("actor", "actor_topic", "full", "stance_accuracy", "docs"):
        assert result[metric] == official[metric]


def test_each_topic_is_scored_on_its_own_tuples(scorer):
    per_topic = breakdown(scorer, GOLD, PREDICTED, {"a.txt", "b.txt", "c.txt"})["per_topic"]
    assert set(per_topic) == {"troops_in_ukraine", "air_sea_protection", "military_aid"}
    troops = per_topic["troops_in_ukraine"]
    assert (troops["actor_topic"]["gold"], troops["actor_topic"]["matched"]) == (2, 2)
    assert troops["full"]["f1"] == 1.0
    air = per_topic["air_sea_protection"]
    assert air["actor_topic"]["f1"] == 1.0  # found the pair ...
    assert air["full"]["f1"] == 0.0  # ... with the wrong stance
    aid = per_topic["military_aid"]["actor_topic"]
    assert (aid["gold"], aid["predicted"], aid["precision"]) == (0, 1, 0.0)


def test_an_unscored_article_adds_no_extra(scorer):
    per_topic = breakdown(scorer, GOLD, PREDICTED, {"a.txt", "b.txt"})["per_topic"]
    assert "military_aid" not in per_topic


def test_each_stance_is_scored_on_its_own_tuples(scorer):
    per_stance = breakdown(scorer, GOLD, PREDICTED, {"a.txt", "b.txt", "c.txt"})["per_stance"]
    assert per_stance["oppose"]["f1"] == 1.0
    conditional = per_stance["conditional"]
    assert (conditional["gold"], conditional["predicted"], conditional["recall"]) == (1, 0, 0.0)
    support = per_stance["support"]
    assert (support["gold"], support["predicted"], support["matched"]) == (1, 3, 1)
    assert support["precision"] == round(1 / 3, 3)


def test_misses_carry_gold_evidence_and_extras_ours_cut_to_160_characters(scorer):
    misses, extras = misses_and_extras(scorer, GOLD, PREDICTED, {"a.txt", "b.txt", "c.txt"})
    assert [t for t, _ in misses] == [
        ("a.txt", "person:solhaug", "air_sea_protection", "conditional")
    ]
    assert misses[0][1].startswith("Norwegian jets could patrol")
    assert [t[0] for t, _ in extras] == ["a.txt", "c.txt"]
    long_evidence = extras[1][1]
    assert len(long_evidence) == 160 and long_evidence.endswith("...")
    lines = format_misses(misses, extras)
    assert lines[0].startswith("missed   a.txt person:solhaug air_sea_protection conditional")
    assert sum(line.startswith("extra") for line in lines) == 2
