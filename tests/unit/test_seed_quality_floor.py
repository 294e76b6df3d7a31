"""The extractor keeps its quality floors on the hand-annotated seed articles."""

from __future__ import annotations

import importlib.util
from datetime import date
from pathlib import Path

import pytest
import yaml

from pipeline.statements.model import ArticleText

ROOT = Path(__file__).resolve().parents[2]
SCORER = ROOT.parent / "shared" / "eval" / "score.py"
GOLD = ROOT.parent / "shared" / "eval" / "seeds_gold.jsonl"
FLOORS = yaml.safe_load((ROOT / "tests" / "quality_floors.yaml").read_text())["seeds"]
# Approximate publication dates of the seed articles, by file-name prefix.
PUBLISHED = {
    "000": date(2023, 8, 26),
    "001": date(2025, 8, 20),
    "002": date(2025, 8, 20),
    "003": date(2025, 8, 24),
    "004": date(2025, 9, 3),
}


def _load_scorer():
    spec = importlib.util.spec_from_file_location("seed_score", SCORER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def scores(extractor):
    if not SCORER.exists() or not GOLD.exists():
        pytest.skip(f"the shared scorer or gold file is absent ({SCORER.parent})")
    from pipeline.documents.normalise import normalise_text

    scorer = _load_scorer()
    files = sorted((ROOT / "seeds").glob("*.txt"))
    articles = [
        ArticleText(normalise_text(f.read_text(encoding="utf-8")), PUBLISHED.get(f.name[:3]))
        for f in files
    ]
    rows = [
        {"doc": f.name, "actor": s.actor.name, "topic": s.topic, "stance": s.stance}
        for f, statements in zip(files, extractor.extract_many(articles), strict=True)
        for s in statements
    ]
    return scorer.score(scorer.load(str(GOLD)), rows)


def test_actor_topic_f1_keeps_its_floor(scores):
    assert scores["actor_topic"]["f1"] >= FLOORS["actor_topic_f1"], scores


def test_stance_accuracy_keeps_its_floor(scores):
    assert scores["stance_accuracy"] >= FLOORS["stance_accuracy"], scores


def test_full_f1_keeps_its_floor(scores):
    assert scores["full"]["f1"] >= FLOORS["full_f1"], scores
