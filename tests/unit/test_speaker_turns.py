"""Transcripts' labelled paragraphs: which paragraphs are speaker turns (pure, no parse)."""

from __future__ import annotations

import pytest

from pipeline.statements.actors import load_registry
from pipeline.statements.cues import load_cues
from pipeline.statements.rules import split_paragraphs
from pipeline.statements.turns import find_turns


@pytest.fixture(scope="module")
def turns_of():
    registry, cues = load_registry(), load_cues()

    def turns(text: str) -> list[tuple[str, bool, str]]:
        found = find_turns(text, split_paragraphs(text), registry, cues)
        return [(t.label, t.question, text[t.start : t.end]) for t in found]

    return turns


def test_a_registry_speakers_label_opens_a_turn_to_the_paragraph_end(turns_of):
    text = "Interview in Kyiv.\nAndrii Sybiha: We need binding guarantees. Soon.\nEnd."
    assert turns_of(text) == [("Andrii Sybiha", False, "We need binding guarantees. Soon.")]


def test_a_surname_a_title_or_capitals_name_the_speaker(turns_of):
    text = "Sybiha: Yes.\n\nPrime Minister Starmer: Indeed.\n\nSTARMER: Again."
    assert [label for label, _, _ in turns_of(text)] == [
        "Sybiha",
        "Prime Minister Starmer",
        "STARMER",
    ]


def test_a_questioners_label_is_a_question_turn(turns_of):
    text = "Q: Will troops go to Ukraine?\nInterviewer: And the US?"
    assert turns_of(text) == [
        ("Q", True, "Will troops go to Ukraine?"),
        ("Interviewer", True, "And the US?"),
    ]


def test_datelines_times_and_unknown_words_are_no_turns(turns_of):
    text = (
        "KYIV: Allies met on Monday.\n"
        "Update: the talks resumed.\n"
        "At 10:30 the leaders arrived.\n"
        "Read More: guarantees explained.\n"
        "He said this: troops would go."
    )
    assert turns_of(text) == []


def test_an_unknown_full_name_is_a_speaker_when_the_article_names_them_elsewhere(turns_of):
    named = "Lukas Weber spoke to us.\nLukas Weber: Troops are needed."
    assert [label for label, _, _ in turns_of(named)] == ["Lukas Weber"]
    assert turns_of("Lukas Weber: Troops are needed.") == []


def _author_turns(text: str) -> list[tuple[str, str]]:
    from pipeline.statements.turns import find_author_turns

    found = find_author_turns(text, split_paragraphs(text), load_registry(), load_cues())
    return [(t.label, text[t.start : t.end]) for t in found]


def test_an_op_eds_byline_makes_its_author_speak_every_later_paragraph():
    text = "Why it matters\nBy Radoslaw Sikorski, Foreign Minister of Poland\nFirst.\nSecond."
    assert _author_turns(text) == [
        ("Radoslaw Sikorski", "First."),
        ("Radoslaw Sikorski", "Second."),
    ]


def test_a_statements_title_makes_the_issuing_organisation_speak():
    text = "Joint Statement by the G7 Leaders on Ukraine\nWe stand with Ukraine."
    assert _author_turns(text) == [("the G7", "We stand with Ukraine.")]


def test_a_journalists_byline_or_a_headline_makes_no_author():
    assert _author_turns("Talks in Paris\nBy Jane Smith, Brussels\nAllies met.") == []
    assert _author_turns("Statement by NATO chief sparks row\nAllies met.") == []
    # Far down the article a byline-like line is text, not a byline.
    assert _author_turns("A.\nB.\nC.\nBy Radoslaw Sikorski\nD.") == []


def test_a_surname_label_names_the_person_the_article_named_in_full(turns_of):
    text = "We spoke to Radmila Shekerinska in Brussels.\nShekerinska: Troops are needed."
    assert [label for label, _, _ in turns_of(text)] == ["Shekerinska"]
    assert turns_of("Shekerinska: Troops are needed.") == []


def test_items_of_a_list_a_colon_introduces_point_to_their_introduction():
    from pipeline.statements.turns import find_list_items

    text = "Intro.\nShe listed them:\n– first item;\n• second item.\nAfter the list.\n– stray dash"
    items = find_list_items(text, split_paragraphs(text))
    intro = text.index("She listed")
    assert [(text[i.start : i.end], i.intro[0]) for i in items] == [
        ("first item;", intro),
        ("second item.", intro),
    ]
