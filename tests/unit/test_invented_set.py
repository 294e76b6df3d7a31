"""The invented articles of bench/invented: a set `make eval` scores, consistent with its gold."""

import json

from bench.evaluate import ROOT, invented_set
from pipeline.statements.topics import load_topic_names


def test_every_gold_row_names_an_article_of_the_set_and_quotes_it():
    invented = invented_set(ROOT)
    texts = {f.name: f.read_text(encoding="utf-8") for f in invented.files}
    rows = [json.loads(line) for line in invented.gold.read_text(encoding="utf-8").splitlines()]
    assert len(texts) >= 115 and len(rows) >= 1500
    for row in rows:
        assert row["doc"] in texts, row
        assert row["evidence"] in texts[row["doc"]], row
        assert row["stance"] in ("support", "oppose", "conditional", "neutral"), row
        assert row["topic"] in load_topic_names(), row


def test_the_set_has_no_dates_and_counts_every_file():
    invented = invented_set(ROOT)
    assert set(invented.dates) == {f.name for f in invented.files}
    assert all(value is None for value in invented.dates.values())
