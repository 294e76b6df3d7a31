"""Every construction in extraction_cases.yaml yields exactly the statements it should."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from pipeline.statements.model import ArticleText

CASES = yaml.safe_load((Path(__file__).with_name("extraction_cases.yaml")).read_text())["cases"]


def _published(case: dict) -> date:
    value = case.get("published", "2025-06-10")
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _actor_key(statement) -> tuple[str, str]:
    return statement.actor.actor_id, statement.actor.name


def _matches(expected: dict, statement) -> bool:
    actor_id, name = _actor_key(statement)
    if "actor_id" in expected and expected["actor_id"] != actor_id:
        return False
    if "actor_name" in expected and expected["actor_name"] != name:
        return False
    if expected["topic"] != statement.topic:
        return False
    return "stance" not in expected or expected["stance"] == statement.stance


def test_case_names_are_unique():
    names = [case["name"] for case in CASES]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_extraction_case(case, extractor):
    article = ArticleText(case["text"].strip(), _published(case))
    statements = extractor.extract(article)
    found = [(s.actor.actor_id, s.topic, s.stance) for s in statements]
    if case.get("expect_nothing"):
        assert statements == [], f"expected nothing, found {found}"
        return
    for expected in case.get("expect", []):
        assert any(_matches(expected, s) for s in statements), f"missing {expected} in {found}"
    if "expect_nothing_for_topic" in case:
        topic = case["expect_nothing_for_topic"]
        assert all(s.topic != topic for s in statements), f"{topic} in {found}"
    for absent in case.get("expect_nothing_for", []):
        # Cases whose point is that one actor says nothing; others may speak.
        assert all(s.actor.actor_id != absent for s in statements), f"{absent} in {found}"
    if case.get("exact", True) and "expect" in case:
        allowed = {(e.get("actor_id"), e.get("actor_name"), e["topic"]) for e in case["expect"]}
        for s in statements:
            actor_id, name = _actor_key(s)
            assert (actor_id, None, s.topic) in allowed or (None, name, s.topic) in allowed, (
                f"unexpected {(actor_id, s.topic, s.stance)}"
            )
