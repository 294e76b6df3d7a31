"""A run of capitalised words naming a legislature is an institution, not a person's name."""

import pytest

from pipeline.statements.cues import load_cues
from pipeline.statements.nlp import load_nlp
from pipeline.statements.speakers import _looks_like_person


@pytest.fixture(scope="module")
def nlp():
    return load_nlp()


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("the United States Congress must approve it", 3),
        ("the German Bundestag voted on Friday", 2),
        ("the Ukrainian Verkhovna Rada voted on Friday", 3),
    ],
)
def test_a_legislature_does_not_look_like_a_person(nlp, text, words):
    doc = nlp(text)
    chain = [t for t in doc if t.text[0].isupper()][:words]
    assert not _looks_like_person(chain, load_cues())


def test_a_two_word_name_still_looks_like_a_person(nlp):
    doc = nlp("yesterday Ingrid Solhaug spoke")
    assert _looks_like_person([doc[1], doc[2]], load_cues())
