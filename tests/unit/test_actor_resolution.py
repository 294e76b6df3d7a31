"""Names, spellings, capitals, offices and unknown people resolve to one canonical actor."""

from __future__ import annotations

from datetime import date

import pytest

from pipeline.statements.actors import load_registry, lookup_demonym, lookup_name, lookup_office
from pipeline.statements.model import ArticleText


@pytest.fixture(scope="module")
def registry():
    return load_registry()


@pytest.mark.parametrize(
    "name, actor_id",
    [
        ("Zelensky", "person:volodymyr-zelensky"),
        ("Zelenskyy", "person:volodymyr-zelensky"),
        ("Zelenskiy", "person:volodymyr-zelensky"),
        ("Volodymyr Zelenskyy", "person:volodymyr-zelensky"),
        ("Kyslytsya", "person:sergiy-kyslytsya"),
        ("Kyslytsia", "person:sergiy-kyslytsya"),
        ("Sergey Lavrov", "person:sergei-lavrov"),
        ("von der Leyen", "person:ursula-von-der-leyen"),
        ("Orbán", "person:viktor-orban"),
        ("Moscow", "state:ru"),
        ("the Kremlin", "state:ru"),
        ("Kiev", "state:ua"),
        ("Kyiv", "state:ua"),
        ("Washington", "state:us"),
        ("the White House", "state:us"),
        ("U.S.", "state:us"),
        ("Downing Street", "state:gb"),
        ("Elysee", "state:fr"),
        ("Beijing", "state:cn"),
        ("NATO", "org:nato"),
        ("the EU", "org:eu"),
        ("the Coalition of the Willing", "org:coalition-of-the-willing"),
    ],
)
def test_alias_resolves_to_canonical_actor(registry, name, actor_id):
    actor = lookup_name(registry, name)
    assert actor is not None and actor.actor_id == actor_id


def test_ambiguous_surname_is_not_guessed(registry):
    # Boris Johnson and Mike Johnson share a surname: the bare surname names neither.
    assert lookup_name(registry, "Johnson") is None


def test_person_carries_country_and_role(registry):
    rutte = lookup_name(registry, "Mark Rutte")
    assert rutte.kind == "person" and rutte.country == "NATO" and "Secretary General" in rutte.role


def test_office_depends_on_the_date(registry):
    assert lookup_office(registry, "the NATO chief", date(2023, 6, 1)).name == "Jens Stoltenberg"
    assert lookup_office(registry, "NATO chief", date(2025, 6, 1)).name == "Mark Rutte"
    assert lookup_office(registry, "US president", date(2024, 6, 1)).name == "Joe Biden"
    assert lookup_office(registry, "US president", date(2025, 6, 1)).name == "Donald Trump"


def test_demonym_names_state_but_european_does_not(registry):
    assert lookup_demonym(registry, "Ukrainian").actor_id == "state:ua"
    assert lookup_demonym(registry, "European") is None


def test_unknown_person_becomes_reviewable_actor_with_role_and_country(extractor):
    text = (
        "Norwegian member of parliament Ingrid Solhaug said Oslo must help fund "
        "a strong Ukrainian army as a security guarantee."
    )
    statements = extractor.extract(ArticleText(text, date(2025, 5, 1)))
    actors = {s.actor.actor_id: s.actor for s in statements}
    actor = actors["person:ingrid-solhaug"]
    assert actor.needs_review is True
    assert actor.name == "Ingrid Solhaug"
    assert actor.country == "NO"
    assert "member of parliament" in (actor.role or "")


def test_same_person_across_spellings_is_one_actor(extractor):
    text = (
        "Volodymyr Zelenskyy said Ukraine needs NATO membership. Later Zelenskiy said "
        "the security guarantees must be legally binding."
    )
    statements = extractor.extract(ArticleText(text, date(2025, 5, 1)))
    assert {s.actor.actor_id for s in statements} == {"person:volodymyr-zelensky"}


def test_media_outlet_is_never_the_actor(extractor):
    text = "Politico reported that the security guarantees will include a buffer zone."
    statements = extractor.extract(ArticleText(text, date(2025, 5, 1)))
    assert all("politico" not in s.actor.actor_id for s in statements)


def test_letters_without_a_decomposition_fold_to_their_plain_letter():
    from pipeline.statements.actors import fold, plain, slugify

    assert fold("Radosław Sikorski") == "radoslaw sikorski"
    assert slugify("Mariusz Błaszczak") == "mariusz-blaszczak"
    assert fold("Jonas Gahr Støre") == "jonas gahr store"
    # One character for one: offsets found in the plain text hold in the original.
    assert len(plain("Łódź, Støre, Đoković")) == len("Łódź, Støre, Đoković")
