"""A statement's date comes from the text where it says so, never after publication."""

from __future__ import annotations

from datetime import date

import pytest

from pipeline.statements.dates import statement_date
from pipeline.statements.model import ArticleText

PUBLISHED = date(2025, 8, 20)  # a Wednesday


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Rutte said on August 18 that ...", date(2025, 8, 18)),
        ("Rutte said on 18 August that ...", date(2025, 8, 18)),
        ("Rutte said on Tuesday that ...", date(2025, 8, 19)),
        ("Rutte said on Wednesday that ...", date(2025, 8, 20)),
        ("Rutte said on Sunday that ...", date(2025, 8, 17)),
        ("Rutte said yesterday that ...", date(2025, 8, 19)),
        ("Rutte said last week that ...", date(2025, 8, 13)),
        ("Rutte said on December 30 that ...", date(2024, 12, 30)),
        ("Rutte said on March 3, 2024 that ...", date(2024, 3, 3)),
    ],
)
def test_date_phrase_resolves_against_published(text, expected):
    stated_on, inferred = statement_date(text, 6, PUBLISHED)
    assert stated_on == expected and inferred is False
    assert stated_on <= PUBLISHED


def test_no_date_phrase_falls_back_to_published():
    assert statement_date("Rutte said that ...", 6, PUBLISHED) == (PUBLISHED, True)


def test_no_published_date_gives_none():
    assert statement_date("Rutte said on Tuesday", 6, None) == (None, True)


def test_nearest_date_phrase_to_the_verb_wins():
    text = "After the summit on August 2, Rutte said on Monday that ..."
    assert statement_date(text, text.index("said"), PUBLISHED)[0] == date(2025, 8, 18)


def test_extracted_statement_carries_its_own_date(extractor):
    text = "On Monday, Mark Rutte said robust security guarantees for Ukraine are essential."
    (statement,) = extractor.extract(ArticleText(text, PUBLISHED))
    assert statement.stated_on == date(2025, 8, 18)
    assert statement.stated_on_inferred is False


def test_extracted_statement_without_date_uses_published(extractor):
    text = "Mark Rutte said robust security guarantees for Ukraine are essential."
    (statement,) = extractor.extract(ArticleText(text, PUBLISHED))
    assert statement.stated_on == PUBLISHED and statement.stated_on_inferred is True
