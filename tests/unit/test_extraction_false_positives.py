"""Texts that look like statements but are not: they must yield nothing."""

from __future__ import annotations

from datetime import date

import pytest

from pipeline.statements.model import ArticleText

NOT_STATEMENTS = {
    "author_analysis_in_scare_quotes": (
        'The "security guarantees" on offer look thin, and a European "reassurance force" '
        "would be too small to deter Russia."
    ),
    "author_rhetorical_question": (
        "Will Washington really provide a backstop for European troops in Ukraine? "
        "Nobody knows yet."
    ),
    "anonymous_european_diplomat": (
        "A senior European diplomat said the reassurance force for Ukraine would need "
        "American air cover."
    ),
    "anonymous_sources_told_outlet": (
        "Sources familiar with the talks told Reuters that peacekeepers could be deployed "
        "to Ukraine next year."
    ),
    "vague_collective_some_argue": (
        "Some argue that security guarantees without NATO membership are worthless."
    ),
    "analysts_say": "Analysts say a buffer zone would freeze the conflict along the front line.",
    "poll_of_citizens": (
        "According to a survey by the Kyiv International Institute of Sociology, 58 percent "
        "of Ukrainians back foreign troops in Ukraine as a security guarantee."
    ),
    "percent_subject": "Sixty percent of Germans oppose sending troops to Ukraine.",
    "sanctions_quote": (
        '"The new sanctions package targets Russia\'s shadow fleet," Kaja Kallas said.'
    ),
    "sport_quote": (
        '"Our defence was solid and the fans carried us," the Shakhtar coach said after the '
        "match in Kyiv."
    ),
    "battlefield_statement": (
        "Ukraine's General Staff said Russian troops shelled Kharkiv overnight and Ukrainian "
        "forces shot down 50 drones."
    ),
    "outlet_as_reporter_without_person": (
        "Politico reported that the security guarantees talks had stalled."
    ),
    "aid_package_without_guarantee_context": (
        "Pete Hegseth said the Pentagon would send more ammunition and air defence systems to Kyiv."
    ),
    "hypothetical_if_clause": (
        "If Berlin agreed to send troops to Ukraine, the coalition would be much stronger."
    ),
    "quoted_slogan_without_speaker": (
        '"No security guarantees without the United States" read a banner at the rally.'
    ),
    "land_swap_statement": "Donald Trump said there would be some swapping of territories.",
}


@pytest.mark.parametrize("text", NOT_STATEMENTS.values(), ids=NOT_STATEMENTS.keys())
def test_not_a_statement(extractor, text):
    statements = extractor.extract(ArticleText(text, date(2025, 8, 1)))
    assert statements == [], [(s.actor.actor_id, s.topic, s.stance) for s in statements]


def test_article_with_nothing_on_topic_yields_nothing(extractor):
    text = (
        "The central bank raised interest rates on Thursday, its governor said.\n\n"
        '"Inflation remains too high," she told reporters in Frankfurt.'
    )
    assert extractor.extract(ArticleText(text, date(2025, 8, 1))) == []


def test_empty_article_yields_nothing(extractor):
    assert extractor.extract(ArticleText("", None)) == []
