"""Fuzzing the statement extractor: on any text (random unicode, very long sentences,
unbalanced quotes, sentences made of actor names, speech verbs and topic words) the
RuleExtractor returns well-formed statements whose evidence offsets slice the text
exactly, and never raises."""

from __future__ import annotations

from datetime import date

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.documents.normalise import normalise_text
from pipeline.settings import DATA_DIR, SEEDS_DIR
from pipeline.statements.model import ACTOR_KINDS, STANCES, TOPICS, ArticleText
from pipeline.statements.rules import MAX_PARSE_CHARS, plan_article

pytestmark = pytest.mark.timeout(120)

PUBLISHED = date(2025, 6, 10)


@pytest.fixture(scope="module")
def extractor():
    """The default extractor, loaded once for this module (loading spaCy is slow)."""
    from pipeline.statements import load_extractor

    return load_extractor()


def _actor_names() -> list[str]:
    data = yaml.safe_load((DATA_DIR / "actors.yaml").read_text(encoding="utf-8"))
    names = []
    for group in ("people", "states", "organisations"):
        for actor in data.get(group) or []:
            names.append(actor["name"])
            names.extend((actor.get("aliases") or [])[:2])
    return sorted(set(names))


NAMES = _actor_names()
VERBS = ["said", "told reporters", "warned", "urged", "insisted", "rejected", "backed",
         "supports", "opposes", "called for", "ruled out", "said on Monday", "added", "wrote",
         "is ready to", "would never accept", "according to", "denied", "stressed"]  # fmt: skip
TOPIC_WORDS = ["security guarantees", "troops in Ukraine", "a reassurance force",
               "NATO membership", "Article 5-like guarantees", "a US backstop",
               "legally binding guarantees", "a buffer zone", "Russia's consent", "China",
               "the coalition of the willing", "peacekeepers", "air policing"]  # fmt: skip
GLUE = ["“", "”", '"', "«", "»", "‘", "’", "'", "(", ")", ",", ".", ";", ":", " — ", "?", "!",
        "\n", "\n\n", " he ", " she ", " they ", " it ", " not ", " no ", "…", "\u200b",
        "\u00a0", " and ", " but ", " that ", " if ", " Ukraine ", " Kyiv ", " the "]  # fmt: skip

_WORDS = st.one_of(
    st.sampled_from(NAMES),
    st.sampled_from(VERBS),
    st.sampled_from(TOPIC_WORDS),
    st.sampled_from(GLUE),
    st.text(max_size=12),
)
_SPEECHY = st.lists(_WORDS, min_size=1, max_size=80).map(" ".join)
_NOISE = st.lists(st.one_of(st.sampled_from(GLUE), st.text(max_size=6)), max_size=2).map("".join)
# "<noise> Name <noise> verb <noise> topic <noise>": shaped like a statement, with noise
_CLAUSE = st.tuples(
    _NOISE,
    st.sampled_from(NAMES),
    _NOISE,
    st.sampled_from(VERBS),
    _NOISE,
    st.sampled_from(TOPIC_WORDS),
    _NOISE,
).map(" ".join)
_ARTICLE = st.lists(
    st.lists(_CLAUSE | _SPEECHY, min_size=1, max_size=4).map(". ".join), min_size=1, max_size=5
).map(lambda paragraphs: "Security guarantees for Ukraine.\n\n" + "\n\n".join(paragraphs))


def check(extractor, text: str) -> list:
    """Offsets slice the text exactly; on clean (normalised) text, as the pipeline passes it,
    evidence also has no surrounding whitespace."""
    statements = extractor.extract(ArticleText(text, PUBLISHED))
    clean = normalise_text(text) == text
    for statement in statements:
        assert 0 <= statement.start < statement.end <= len(text)
        assert text[statement.start : statement.end] == statement.evidence
        assert statement.evidence.strip()
        if clean:
            assert statement.evidence == statement.evidence.strip()
        assert statement.topic in TOPICS
        assert statement.stance in STANCES
        assert statement.actor.kind in ACTOR_KINDS and statement.actor.actor_id
        assert 0.0 <= statement.confidence <= 1.0
        assert statement.stated_on is None or isinstance(statement.stated_on, date)
    return statements


@settings(max_examples=60)
@given(st.text(max_size=600))
def test_random_unicode_never_crashes(extractor, text):
    check(extractor, text)


@settings(max_examples=80)
@given(_SPEECHY)
def test_names_verbs_topics_and_quotes_slice_exactly(extractor, text):
    check(extractor, text)


@settings(max_examples=50)
@given(_ARTICLE)
def test_statement_shaped_articles_slice_exactly(extractor, text):
    check(extractor, text)


@settings(max_examples=50)
@given(_ARTICLE.map(normalise_text))
def test_statement_shaped_clean_articles_give_trimmed_evidence(extractor, text):
    assert normalise_text(text) == text
    check(extractor, text)


def test_extract_many_matches_extract_on_fuzzed_articles(extractor):
    texts = [
        "Emmanuel Macron said “France backs security guarantees for Ukraine.",
        "« Olaf Scholz » said: NATO membership ” is not on the table, security guarantees",
        "Zelensky\u00a0said\u200b security guarantees must be legally binding.\n\nHe added",
    ]
    articles = [ArticleText(t, PUBLISHED) for t in texts]
    assert list(extractor.extract_many(articles)) == [extractor.extract(a) for a in articles]


LONG = {
    "one-sentence-of-4k-chars": "Emmanuel Macron said that security guarantees "
    + "and troops in Ukraine " * 180
    + "matter.",
    "no-punctuation-names-and-verbs": " ".join(
        f"{NAMES[i % len(NAMES)]} said security guarantees" for i in range(150)
    ),
    "unbalanced-opening-quotes": "Keir Starmer said “ security guarantees " * 100,
    "unbalanced-closing-quotes": "security guarantees ” said Donald Trump ” " * 100,
    "nested-quotes": "Macron said “Scholz said ‘Meloni said “troops in Ukraine” ’ ” " * 100,
    "only-newlines-and-names": "\n".join(NAMES) + "\nsecurity guarantees said",
    "rtl-and-combining": "Emmanuel Macron said security guarantees \u202e\u0301\u0301 ok. " * 200,
    "surrogate-free-astral": "Macron said 𝔰𝔢𝔠𝔲𝔯𝔦𝔱𝔶 guarantees 🇺🇦 for Ukraine. " * 200,
}


@pytest.mark.parametrize("name", sorted(LONG))
def test_long_and_odd_texts_slice_exactly(extractor, name):
    check(extractor, LONG[name])


@pytest.mark.parametrize("words", [900, 4000])
def test_a_stretch_without_sentence_ends_is_parsed_in_bounded_pieces(extractor, words):
    # A page with no sentence ends (a flattened table, a hostile page) is one huge
    # "sentence"; the rules' time grows with its square, so it is parsed in pieces.
    text = "Emmanuel Macron said that security guarantees " + "and troops in Ukraine " * words
    plan = plan_article(
        ArticleText(text=text, published=None),
        extractor.lexicon,
        extractor.registry,
        extractor.cues,
    )
    assert plan.chunks, "the stretch is on topic and has a speaker: it is parsed"
    assert all(end - start <= MAX_PARSE_CHARS for _, start, end in plan.chunks)
    # the pieces cover the stretch without gaps or overlaps
    starts = [start for _, start, _ in plan.chunks]
    ends = [end for _, _, end in plan.chunks]
    assert starts[1:] == ends[:-1]
    check(extractor, text)


def test_real_prose_is_never_cut(extractor):
    for path in sorted(SEEDS_DIR.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        plan = plan_article(
            ArticleText(text=text, published=None),
            extractor.lexicon,
            extractor.registry,
            extractor.cues,
        )
        assert all(end - start < MAX_PARSE_CHARS for _, start, end in plan.chunks), path.name
