"""The synthetic benchmark corpus (bench/synthetic.py): deterministic, parseable, extractable."""

from __future__ import annotations

from urllib.parse import urlsplit

import feedparser
import pytest

from bench.synthetic import generate, load_actors, sources_yaml, write_site
from pipeline.documents.extract import Skipped, extract_document
from pipeline.statements.model import STANCES, TOPICS

SAMPLE = 40
# Measured on seed 7: 40 pages, 140 of 148 known statements (95%); 150 pages 93%; through
# the whole pipeline at 200 pages 92%.
# The misses are constructions the rule extractor does not handle yet ("According to X, ...",
# long titles before a name, hyphenated surnames).
RECALL_FLOOR = 0.85


@pytest.fixture(scope="module")
def corpus():
    return generate(SAMPLE, seed=7)


def test_generation_is_deterministic_and_seeded(corpus):
    again = generate(SAMPLE, seed=7)
    assert [d.html for d in again.docs] == [d.html for d in corpus.docs]
    assert again.feeds == corpus.feeds
    assert again.ground_truth() == corpus.ground_truth()
    other = generate(SAMPLE, seed=8)
    assert [d.html for d in other.docs] != [d.html for d in corpus.docs]
    # A larger corpus starts with the same pages, so it can be published incrementally.
    bigger = generate(SAMPLE + 10, seed=7)
    assert [d.paragraphs for d in bigger.docs[:SAMPLE]] == [d.paragraphs for d in corpus.docs]


def test_ground_truth_uses_known_actors_topics_and_stances(corpus):
    actor_ids = {a.actor_id for a in load_actors()}
    truth = corpus.ground_truth()
    assert len(truth) == SAMPLE
    kinds = {d.kind for d in corpus.docs}
    assert {"article", "offtopic", "rewrite"} <= kinds
    for doc in corpus.docs:
        assert (doc.kind == "offtopic") == (not truth[doc.url])
        for actor_id, topic, stance in truth[doc.url]:
            assert actor_id in actor_ids
            assert topic in TOPICS
            assert stance in STANCES
        if doc.kind == "article":
            assert 500 <= doc.word_count <= 1000
    rewrite = next(d for d in corpus.docs if d.kind == "rewrite")
    assert rewrite.duplicate_of in {d.path for d in corpus.docs if d.kind == "article"}


def test_pages_extract_to_text_with_the_statement_sentences(corpus):
    for doc in corpus.docs:
        if doc.kind == "offtopic":
            continue
        result = extract_document(doc.html.encode(), doc.url, source="synthetic")
        assert not isinstance(result, Skipped), doc.path
        assert result.title == doc.title
        assert result.published == doc.published.date()
        for sentence in doc.sentences:
            assert sentence in result.text, (doc.path, sentence)
        # Navigation, related links and footers stay out of the text.
        assert "All rights reserved" not in result.text
        assert "Privacy" not in result.text


def test_feeds_parse_and_list_every_page(corpus, tmp_path):
    feeds = write_site(corpus, tmp_path)
    assert any(p.endswith(".rss") for p in feeds) and any(p.endswith(".atom") for p in feeds)
    linked = set()
    for path in feeds:
        parsed = feedparser.parse((tmp_path / path.lstrip("/")).read_bytes())
        assert not parsed.bozo, (path, parsed.get("bozo_exception"))
        for entry in parsed.entries:
            assert entry.title and entry.get("published_parsed") or entry.get("updated_parsed")
            linked.add(urlsplit(entry.link).path)
    assert linked == {d.path for d in corpus.docs}
    for doc in corpus.docs:
        assert (tmp_path / doc.path.lstrip("/")).read_text(encoding="utf-8") == doc.html
    assert "127.0.0.1:9999" in sources_yaml(feeds, "http://127.0.0.1:9999")


def test_rule_extractor_recovers_most_known_statements(corpus):
    from pipeline.statements import load_extractor
    from pipeline.statements.model import ArticleText

    docs = [d for d in corpus.docs if d.statements]
    texts = [extract_document(d.html.encode(), d.url, source="synthetic") for d in docs]
    extractor = load_extractor()
    articles = [ArticleText(text=t.text, published=t.published) for t in texts]
    known = recovered = 0
    for doc, statements in zip(docs, extractor.extract_many(articles), strict=True):
        found = {(s.actor.actor_id, s.topic, s.stance) for s in statements}
        known += len(set(doc.statements))
        recovered += len(set(doc.statements) & found)
    assert known > 100
    assert recovered / known >= RECALL_FLOOR, f"{recovered}/{known}"
