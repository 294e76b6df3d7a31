"""Extraction time grows linearly with article length, and one article is read only up to a
cap (issue 18, item 4: long pages took minutes through pairwise scans).

Times are CPU seconds of this process, compared as ratios between a text and one four times
as long, so the test holds on a shared machine: linear work gives about 4, the pairwise
scans that were removed gave 10 to 16.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest

from pipeline.statements.model import ArticleText
from pipeline.statements.rules import MAX_ARTICLE_CHARS, plan_article
from pipeline.statements.topics import find_topics, load_topic_lexicon

# Slow (whole runs or long inputs): in `make test-slow`, CI's own step.
pytestmark = pytest.mark.slow


SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def _cpu(call) -> float:
    best = float("inf")
    for _ in range(2):
        began = time.process_time()
        call()
        best = min(best, time.process_time() - began)
    return best


def _seed_text(size: int) -> str:
    blob = "\n".join(p.read_text(encoding="utf-8").strip() for p in sorted(SEEDS.glob("*.txt")))
    text = (blob + "\n") * (size // len(blob) + 1)
    return text[: text.rfind("\n", 0, size)]


def test_finding_topic_cues_is_linear_in_their_number():
    lexicon = load_topic_lexicon()
    small = "Leaders discussed security guarantees and peacekeepers. " * 3000
    large = small * 4
    assert len(find_topics(large, lexicon)) == 4 * len(find_topics(small, lexicon))
    ratio = _cpu(lambda: find_topics(large, lexicon)) / _cpu(lambda: find_topics(small, lexicon))
    assert ratio < 7, f"4x the cues took {ratio:.1f}x the time"


def test_planning_an_article_with_many_quotes_is_linear(extractor):
    unit = '"Security guarantees must come first," Mark Rutte said of the peacekeepers.\n'
    small, large = unit * 1500, unit * 6000
    args = (extractor.lexicon, extractor.registry, extractor.cues, extractor.field_words)

    def plan(text: str):
        return lambda: plan_article(ArticleText(text), *args)

    ratio = _cpu(plan(large)) / _cpu(plan(small))
    assert ratio < 7, f"4x the quotes took {ratio:.1f}x the time"


def test_extracting_a_long_article_is_linear(extractor):
    small, large = _seed_text(40_000), _seed_text(160_000)
    extractor.extract(ArticleText(small))  # warm caches
    ratio = _cpu(lambda: extractor.extract(ArticleText(large))) / _cpu(
        lambda: extractor.extract(ArticleText(small))
    )
    assert ratio < 7, f"4x the text took {ratio:.1f}x the time"


def test_an_article_is_read_up_to_the_cap_and_the_cut_is_logged(extractor, caplog):
    filler = "The weather in the capital was mild for the season.\n" * (
        MAX_ARTICLE_CHARS // 50 + 100
    )
    said = "Mark Rutte said NATO allies would send peacekeepers to Ukraine.\n"
    text = said + filler + said
    assert len(text) > MAX_ARTICLE_CHARS
    with caplog.at_level(logging.WARNING, logger="pipeline.statements.rules"):
        found = extractor.extract(ArticleText(text))
    assert found, "the statement before the cap is read"
    assert all(s.end <= MAX_ARTICLE_CHARS for s in found), "nothing past the cap is read"
    assert any(f"article of {len(text)} characters" in r.getMessage() for r in caplog.records)
