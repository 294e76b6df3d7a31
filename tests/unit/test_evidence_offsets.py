"""Evidence is verbatim: text[start:end] == evidence for every statement of every case."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from pipeline.statements.model import ArticleText

CASES = yaml.safe_load((Path(__file__).with_name("extraction_cases.yaml")).read_text())["cases"]


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_offsets_slice_the_evidence(case, extractor):
    text = case["text"].strip()
    for statement in extractor.extract(ArticleText(text, date(2025, 6, 10))):
        assert text[statement.start : statement.end] == statement.evidence
        assert statement.evidence.strip() == statement.evidence and statement.evidence
        assert 0.0 <= statement.confidence <= 1.0


def test_offsets_hold_with_leading_chrome_and_unicode(extractor):
    text = (
        "Ükraïne — «Briefing»\n\n"
        "Sergei Lavrov said on Friday that NATO troops in Ukraine are “absolutely unacceptable”."
    )
    statements = extractor.extract(ArticleText(text, date(2025, 6, 10)))
    assert statements
    for statement in statements:
        assert text[statement.start : statement.end] == statement.evidence


def test_extract_many_matches_extract(extractor):
    texts = [case["text"].strip() for case in CASES[:20]]
    articles = [ArticleText(t, date(2025, 6, 10)) for t in texts]
    batched = list(extractor.extract_many(articles))
    assert batched == [extractor.extract(a) for a in articles]
