"""The extractor keeps its floors on the development set (../shared/eval/dev), when present.

The development articles are read at test time only, never copied into the project; the
figures come from the official scorer. Floors sit a little below what the extractor
achieves (tests/quality_floors.yaml, `dev:`), so a change that loses statements on real
news fails here, not only on the hidden test set.
"""

from __future__ import annotations

import importlib.util
import json
from datetime import date
from pathlib import Path

import pytest
import yaml

from pipeline.statements.model import ArticleText

ROOT = Path(__file__).resolve().parents[2]
DEV = ROOT.parent / "shared" / "eval" / "dev"
SCORER = ROOT.parent / "shared" / "eval" / "score.py"
FLOORS = yaml.safe_load((ROOT / "tests" / "quality_floors.yaml").read_text())["dev"]


def _published(manifest: Path) -> dict[str, date | None]:
    dates: dict[str, date | None] = {}
    if manifest.exists():
        for line in manifest.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                value = row.get("published") or row.get("date")
                name = Path(str(row.get("doc") or row.get("file") or "")).name
                try:
                    dates[name] = date.fromisoformat(str(value)[:10]) if value else None
                except ValueError:
                    dates[name] = None
    return dates


@pytest.fixture(scope="module")
def scores(extractor):
    if not SCORER.exists() or not (DEV / "gold.jsonl").exists():
        pytest.skip(f"no development set at {DEV}")
    from pipeline.documents.normalise import normalise_text

    spec = importlib.util.spec_from_file_location("dev_score", SCORER)
    scorer = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(scorer)
    files = sorted((DEV / "docs").glob("*.txt"))
    dates = _published(DEV / "manifest.jsonl")
    articles = [
        ArticleText(normalise_text(f.read_text(encoding="utf-8")), dates.get(f.name)) for f in files
    ]
    rows = [
        {"doc": f.name, "actor": s.actor.name, "topic": s.topic, "stance": s.stance}
        for f, statements in zip(files, extractor.extract_many(articles), strict=True)
        for s in statements
    ]
    return scorer.score(scorer.load(str(DEV / "gold.jsonl")), rows, {f.name for f in files})


def test_actor_topic_f1_keeps_its_floor(scores):
    assert scores["actor_topic"]["f1"] >= FLOORS["actor_topic_f1"], scores


def test_full_f1_keeps_its_floor(scores):
    assert scores["full"]["f1"] >= FLOORS["full_f1"], scores


def test_every_off_topic_development_article_yields_nothing(extractor):
    manifest = DEV / "manifest.jsonl"
    if not manifest.exists():
        pytest.skip(f"no development set at {DEV}")
    from pipeline.documents.normalise import normalise_text

    rows = [json.loads(line) for line in manifest.read_text(encoding="utf-8").splitlines() if line]
    off_topic = [DEV / "docs" / row["doc"] for row in rows if row.get("offtopic")]
    assert off_topic, "the manifest marks off-topic articles"
    for path in off_topic:
        found = extractor.extract(ArticleText(normalise_text(path.read_text(encoding="utf-8"))))
        assert found == [], f"{path.name} is off-topic but yielded {len(found)} statements"
