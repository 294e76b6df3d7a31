"""The clause classifier: its training data, reproducible training, and the shipped weights.

Sentences here are invented for these tests.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.statements.classifier import MODEL_DIR, load_classifier
from pipeline.statements.classifier_training import (
    TRAINING_DIR,
    TrainingDataError,
    TrainingOptions,
    data_digest,
    parse_example,
    read_examples,
    train,
)
from pipeline.statements.model import STANCES, TOPICS


def _line(**fields) -> str:
    row = {"id": "X-1", "text": "Anna Berg said Sweden would send troops.", "negative": None}
    row["statements"] = [{"actor": "Anna Berg", "topic": "troops_in_ukraine", "stance": "support"}]
    row.update(fields)
    return json.dumps(row)


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("{not json", "not JSON"),
        (_line(text=""), "non-empty 'text'"),
        (_line(statements=[{"actor": "A", "topic": "moon_base", "stance": "support"}]), "topic"),
        (
            _line(statements=[{"actor": "A", "topic": "troops_in_ukraine", "stance": "meh"}]),
            "stance",
        ),
        (_line(negative="off_topic"), "cannot have statements"),
        (_line(statements=[]), "no statements"),
        (_line(statements=[], negative="boring"), "'negative' must be"),
    ],
)
def test_a_bad_training_line_is_named_with_its_reason(line, reason):
    with pytest.raises(TrainingDataError) as error:
        parse_example(line, "some.jsonl:7")
    assert "some.jsonl:7" in str(error.value)
    assert reason in str(error.value)


def test_read_examples_names_the_file_and_line_of_a_bad_example(tmp_path):
    (tmp_path / "a.jsonl").write_text(_line() + "\n\n" + _line(text="") + "\n")
    with pytest.raises(TrainingDataError, match=r"a\.jsonl:3"):
        read_examples(tmp_path)


def test_the_shipped_training_data_is_valid_and_covers_every_topic_and_stance():
    examples = read_examples(TRAINING_DIR)
    assert len(examples) >= 2500
    ids = [e.example_id for e in examples]
    assert len(ids) == len(set(ids)), "training example ids repeat"
    topics = {topic for e in examples for topic, _ in e.labels}
    stances = {stance for e in examples for _, stance in e.labels}
    assert topics == set(TOPICS)
    assert stances == set(STANCES)
    kinds = {e.negative for e in examples if e.negative}
    assert kinds == {"off_topic", "no_speaker", "framing"}


def test_the_shipped_weights_were_trained_on_the_shipped_data():
    # Retrain with `make train` after changing pipeline/data/training/.
    meta = json.loads((MODEL_DIR / "training.json").read_text())
    assert meta["data_sha256"] == data_digest(TRAINING_DIR)


_TINY = [
    ("Lena Holm said Norway would send troops to Ukraine.", "troops_in_ukraine", "support"),
    (
        "Piet Maas said the Netherlands will not deploy soldiers there.",
        "troops_in_ukraine",
        "oppose",
    ),
    ("Ruth Kahn said jets should police the skies over Ukraine.", "air_sea_protection", "support"),
    (
        "Omar Said said a naval patrol of the Black Sea is a bad idea.",
        "air_sea_protection",
        "oppose",
    ),
    ("Ida Lund said Ukraine must join NATO.", "nato_membership", "support"),
    ("Yuri Petrov said Ukraine can never join NATO.", "nato_membership", "oppose"),
]


def _tiny_examples(tmp_path: Path):
    rows = [
        {
            "id": f"T-{n}",
            "text": text,
            "statements": [{"actor": "x", "topic": topic, "stance": stance}],
            "negative": None,
        }
        for n, (text, topic, stance) in enumerate(_TINY * 3)
    ]
    rows.append(
        {
            "id": "T-neg",
            "text": "Grain prices rose in May.",
            "statements": [],
            "negative": "off_topic",
        }
    )
    (tmp_path / "tiny.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return read_examples(tmp_path)


def test_training_is_reproducible_and_learns(tmp_path):
    from spacy.tokens import Doc

    from pipeline.statements.classifier import NAME

    examples = _tiny_examples(tmp_path)
    words = [e.text.lower().rstrip(".").split() for e in examples]
    options = TrainingOptions(epochs=8, architecture="bow")
    probe = ["-name-", "say", "they", "would", "send", "troops"]
    cats = []
    for _ in range(2):
        nlp = train(examples, words, options)
        doc = nlp(Doc(nlp.vocab, words=probe or [NAME]))
        cats.append(doc.cats)
    assert cats[0] == cats[1], "the same examples and seed must give the same weights"
    assert max(TOPICS, key=lambda t: cats[0][t]) == "troops_in_ukraine"


@pytest.fixture(scope="module")
def classifier():
    found = load_classifier()
    assert found is not None, f"no trained classifier in {MODEL_DIR}: run make train"
    return found


@pytest.mark.parametrize(
    ("sentence", "topic"),
    [
        (
            "Sanna Vik said Finland could station a contingent in western Ukraine.",
            "troops_in_ukraine",
        ),
        (
            "The minister said frigates from the coalition would escort grain ships.",
            "air_sea_protection",
        ),
        ("Olav Dahl said Moscow must have no say over who guards Ukraine.", "russia_consent"),
        ("Lin Wei said Beijing was willing to act as a guarantor of any settlement.", "china_role"),
        ("Greta Aalto said the pact must be ratified by every parliament.", "legally_binding"),
    ],
)
def test_the_shipped_classifier_reads_wordings_the_cues_do_not_list(classifier, sentence, topic):
    from pipeline.statements.nlp import load_nlp

    reading = classifier.read([list(load_nlp()(sentence))])[0]
    assert topic in reading.topics_above(0.5), reading.topics


def test_the_shipped_classifier_finds_no_topic_in_war_news(classifier):
    from pipeline.statements.nlp import load_nlp

    sentence = "Officials said drones struck a refinery in the south overnight, injuring two."
    reading = classifier.read([list(load_nlp()(sentence))])[0]
    assert reading.topics_above(0.5) == [], reading.topics
