"""The learned clause classifier: which guarantee topics a clause speaks of, and its stance.

Rules decide *who* speaks and *which* words they govern; this model reads those words and
says what they are about, where the topic vocabulary has no entry for the wording ("a troop
presence", "patrol the sea", "a say in the arrangements"). It is two spaCy text
categorisers trained by `make train` (`pipeline.statements.classifier_training`) on the
team's labelled sentences in `pipeline/data/training/`, saved in
`pipeline/data/models/clause_classifier/`:

- `topics` (multi-label): one probability per topic of `topics.yaml`;
- `stance` (one label): support, oppose, conditional or neutral.

Both read the same features, made by `clause_words`: the lemmas of the clause, lower case,
with person names, numbers and dates folded into placeholders, so the model learns the
wording of positions and not who happened to hold them in the examples.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc, Token

from pipeline.settings import DATA_DIR

MODEL_DIR = DATA_DIR / "models" / "clause_classifier"
TOPIC_PIPE, STANCE_PIPE = "topics", "stance"
NAME, NUMBER = "-name-", "-num-"
# Place words that carry a topic ("Chinese peacekeepers", "a pact with Washington") stay;
# other proper nouns (people, towns, outlets) become NAME.
_NEGATIONS = {"n't": "not", "never": "never", "no": "no", "not": "not"}


@dataclass(frozen=True, slots=True)
class ClauseReading:
    """What the model reads in a clause: topic probabilities (and stance probabilities,
    when asked for: the rules decide most stances, so the stance head runs on demand)."""

    topics: dict[str, float]
    stances: dict[str, float] | None = None

    def topics_above(self, threshold: float) -> list[str]:
        """Return the topics whose probability reaches the threshold, most likely first."""
        found = [t for t, p in self.topics.items() if p >= threshold]
        return sorted(found, key=lambda t: -self.topics[t])


def clause_words(tokens: Iterable[Token], keep: frozenset[str]) -> list[str]:
    """Turn a clause's tokens into the model's words (lemmas, names folded).

    `keep` holds the lower-case proper nouns that stay as they are (states, capitals,
    organisations and their demonyms: they decide topics such as china_role).
    """
    words: list[str] = []
    for token in tokens:
        if token.is_punct or token.is_space:
            continue
        lower = token.lower_
        if lower in _NEGATIONS:
            words.append(_NEGATIONS[lower])
        elif token.like_num or token.pos_ == "NUM":
            words.append(NUMBER)
        elif token.pos_ == "PROPN" and lower not in keep:
            if not words or words[-1] != NAME:
                words.append(NAME)
        else:
            words.append((token.lemma_ or token.text).lower())
    return words


class ClauseClassifier:
    """Read topics and stance from clauses with the trained text categorisers."""

    def __init__(self, nlp: Language, keep: frozenset[str]) -> None:
        self.nlp = nlp
        self.keep = keep
        self.topic_pipe = nlp.get_pipe(TOPIC_PIPE)
        self.stance_pipe = nlp.get_pipe(STANCE_PIPE)

    def _docs(self, clauses: Sequence[list[str]]) -> list[Doc]:
        return [Doc(self.nlp.vocab, words=words or [NAME]) for words in clauses]

    def read_words(self, clauses: Sequence[list[str]]) -> list[ClauseReading]:
        """Read the topics of clauses already turned into model words."""
        labels = self.topic_pipe.labels
        return [
            ClauseReading(topics={k: float(v) for k, v in doc.cats.items() if k in labels})
            for doc in self.topic_pipe.pipe(self._docs(clauses))
        ]

    def read(self, clauses: Sequence[Iterable[Token]]) -> list[ClauseReading]:
        """Read the topics of clauses given as token sequences from the parse."""
        return self.read_words([clause_words(c, self.keep) for c in clauses])

    def stance(self, clause: Iterable[Token]) -> str:
        """Return the most likely stance of one clause."""
        (doc,) = self.stance_pipe.pipe(self._docs([clause_words(clause, self.keep)]))
        labels = self.stance_pipe.labels
        return max(labels, key=lambda label: doc.cats.get(label, 0.0))


def keep_words(registry: object) -> frozenset[str]:
    """Return the proper nouns the features keep: every state/organisation alias word and
    every demonym of the actor registry."""
    words: set[str] = set()
    actors = registry.actors  # type: ignore[attr-defined]
    for alias, actor_id in registry.aliases.items():  # type: ignore[attr-defined]
        if actors[actor_id].kind != "person":
            words.update(alias.split())
    words.update(w for d in registry.demonyms for w in d.split())  # type: ignore[attr-defined]
    words -= {"the", "of", "and"}
    return frozenset(words)


@lru_cache(maxsize=2)
def load_classifier(path: Path = MODEL_DIR) -> ClauseClassifier | None:
    """Load the trained classifier, or None when no weights are there (rules alone)."""
    import spacy

    from pipeline.statements.actors import load_registry
    from pipeline.statements.nlp import model_ops

    if not (path / "config.cfg").is_file():
        return None
    with model_ops():
        nlp = spacy.load(path)
    return ClauseClassifier(nlp, keep_words(load_registry()))
