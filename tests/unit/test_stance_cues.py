"""Stance words, negation and modality decide support, oppose, conditional or neutral."""

from __future__ import annotations

from datetime import date

import pytest

from pipeline.statements.cues import load_cues
from pipeline.statements.model import ArticleText
from pipeline.statements.stances import stance_of_words


def _stances(extractor, text: str, topic: str) -> set[str]:
    statements = extractor.extract(ArticleText(text, date(2025, 7, 1)))
    return {s.stance for s in statements if s.topic == topic}


@pytest.mark.parametrize(
    "text, stance",
    [
        ("Keir Starmer said Britain will send troops to Ukraine.", "support"),
        ("Keir Starmer said Britain will not send troops to Ukraine.", "oppose"),
        ("Keir Starmer said Britain won't send troops to Ukraine.", "oppose"),
        ("Keir Starmer said Britain could consider sending troops to Ukraine.", "conditional"),
        (
            "Keir Starmer said Britain would send troops to Ukraine only if the US helps.",
            "conditional",
        ),
        ("Keir Starmer said Britain is not opposed to sending troops to Ukraine.", "conditional"),
        ("Keir Starmer rejected sending troops to Ukraine.", "oppose"),
        ("Keir Starmer is weighing sending troops to Ukraine.", "conditional"),
        (
            "Keir Starmer said sending troops to Ukraine would be a mistake and a red line.",
            "oppose",
        ),
        ("Keir Starmer called for sending troops to Ukraine.", "support"),
    ],
)
def test_troop_stance(extractor, text, stance):
    assert _stances(extractor, text, "troops_in_ukraine") == {stance}


def test_announcement_is_neutral(extractor):
    text = "Rustem Umerov announced a new round of talks on security guarantees in Geneva."
    assert _stances(extractor, text, "guarantees_general") == {"neutral"}


def test_warning_of_harm_is_oppose(extractor):
    text = "Sergei Ryabkov warned that NATO membership for Ukraine would provoke a war."
    assert _stances(extractor, text, "nato_membership") == {"oppose"}


def test_need_without_russia_reads_as_support_for_consent(extractor):
    text = "Maria Zakharova said security guarantees without Russia's participation are worthless."
    assert _stances(extractor, text, "russia_consent") == {"support"}


def test_stance_words_fallback():
    cues = load_cues()
    assert stance_of_words("For us, this is unacceptable.", cues) == "oppose"
    assert stance_of_words("We are open to it.", cues) == "conditional"
    assert stance_of_words("This is essential.", cues) == "support"
    assert stance_of_words("The weather is fine.", cues) is None


@pytest.mark.parametrize(
    "text, cue, stance",
    [
        # The copula's subject is the topic's own thing: "open" describes the pact.
        ("Mark Rutte stressed that the pact is open to other allies.", "pact", None),
        # The actor is the subject: "open" is its position.
        ("Mark Rutte stressed that Norway is open to the pact.", "pact", "conditional"),
    ],
)
def test_position_adjective_needs_an_actor_subject(extractor, text, cue, stance):
    from pipeline.statements.stances import dependency_path, stance_on_path

    doc = extractor.nlp(text)
    token = next(t for t in doc if t.text == cue)
    verb = next(t for t in doc if t.dep_ == "ROOT")
    path = dependency_path(token, verb)
    assert stance_on_path(path, doc[:], load_cues()) == stance
