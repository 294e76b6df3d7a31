"""Train the clause classifier from the labelled sentences in `pipeline/data/training/`.

Run: `make train` (= `python -m pipeline.statements.classifier_training`). Training is
reproducible: the examples are read in file and line order, shuffled with a fixed seed,
and spaCy's random state is seeded, so the same examples give the same weights.

Each line of a training file is one JSON object:
    {"id": "TR-0001", "text": "...", "statements": [{"actor", "topic", "stance"}, ...],
     "negative": null | "off_topic" | "no_speaker" | "framing"}
The topic head learns from statements and from `off_topic` negatives (no topic); the
stance head from texts whose statements share one stance. `no_speaker` and `framing`
negatives are about the guarantees but nobody creditable holds them: attribution rules,
not this model, turn those away, so the model does not learn from them.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import random
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pipeline.settings import DATA_DIR
from pipeline.statements.classifier import MODEL_DIR, STANCE_PIPE, TOPIC_PIPE, keep_words
from pipeline.statements.classifier import clause_words as _clause_words
from pipeline.statements.model import STANCES, TOPICS

TRAINING_DIR = DATA_DIR / "training"
NEGATIVE_KINDS = ("off_topic", "no_speaker", "framing")


@dataclass(frozen=True)
class TrainingOptions:
    """How the classifier is trained; the defaults are what `make train` uses."""

    epochs: int = 20
    batch_size: int = 32
    dropout: float = 0.2
    seed: int = 0
    architecture: str = "ensemble"  # "ensemble" (CNN + bag of words) or "bow"
    ngram_size: int = 2
    holdout: float = 0.0  # the share of examples kept out to report held-out figures


@dataclass(frozen=True, slots=True)
class LabelledText:
    """One training example: a text and the (topic, stance) pairs it states."""

    example_id: str
    text: str
    labels: tuple[tuple[str, str], ...]
    negative: str | None


class TrainingDataError(ValueError):
    """A training file line that cannot be used, named by file and line."""


def parse_example(line: str, where: str) -> LabelledText:
    """Parse and check one JSON line of a training file."""
    try:
        row = json.loads(line)
    except json.JSONDecodeError as error:
        raise TrainingDataError(f"{where}: not JSON ({error.msg})") from None
    if not isinstance(row, dict) or not isinstance(row.get("text"), str) or not row["text"]:
        raise TrainingDataError(f"{where}: needs a non-empty 'text'")
    negative = row.get("negative")
    if negative is not None and negative not in NEGATIVE_KINDS:
        raise TrainingDataError(f"{where}: 'negative' must be null or one of {NEGATIVE_KINDS}")
    labels = []
    for statement in row.get("statements") or []:
        topic, stance = statement.get("topic"), statement.get("stance")
        if topic not in TOPICS:
            raise TrainingDataError(f"{where}: unknown topic {str(topic)[:40]!r}")
        if stance not in STANCES:
            raise TrainingDataError(f"{where}: unknown stance {str(stance)[:40]!r}")
        labels.append((topic, stance))
    if negative is not None and labels:
        raise TrainingDataError(f"{where}: a negative example cannot have statements")
    if negative is None and not labels:
        raise TrainingDataError(f"{where}: no statements and no 'negative' kind")
    return LabelledText(str(row.get("id") or where), row["text"], tuple(labels), negative)


def read_examples(folder: Path = TRAINING_DIR) -> list[LabelledText]:
    """Read every training file of a folder, in name and line order."""
    examples = []
    for path in sorted(folder.glob("*.jsonl")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines, 1):
            if line.strip():
                examples.append(parse_example(line, f"{path.name}:{number}"))
    return examples


def data_digest(folder: Path = TRAINING_DIR) -> str:
    """Return the sha256 of a folder's training files (names and bytes, in name order)."""
    digest = hashlib.sha256()
    for path in sorted(folder.glob("*.jsonl")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def topic_target(example: LabelledText) -> dict[str, float] | None:
    """Return the topic head's target for an example, or None if it does not learn from it."""
    if example.negative in ("no_speaker", "framing"):
        return None
    found = {topic for topic, _ in example.labels}
    return {topic: float(topic in found) for topic in TOPICS}


def stance_target(example: LabelledText) -> dict[str, float] | None:
    """Return the stance head's target, or None unless every statement shares one stance."""
    stances = {stance for _, stance in example.labels}
    if len(stances) != 1:
        return None
    (stance,) = stances
    return {s: float(s == stance) for s in STANCES}


def is_held_out(example: LabelledText, share: float) -> bool:
    """Decide by a hash of the example's id whether it is kept out of training."""
    digest = hashlib.sha256(example.example_id.encode()).digest()
    return share > 0 and int.from_bytes(digest[:4], "big") / 2**32 < share


def _model_config(options: TrainingOptions, exclusive: bool) -> dict:
    bow = {
        "@architectures": "spacy.TextCatBOW.v3",
        "exclusive_classes": exclusive,
        "ngram_size": options.ngram_size,
        "no_output_layer": False,
        "length": 2**16,
    }
    if options.architecture == "bow":
        return bow
    return {
        "@architectures": "spacy.TextCatEnsemble.v2",
        "linear_model": bow,
        "tok2vec": {
            "@architectures": "spacy.Tok2Vec.v2",
            "embed": {
                "@architectures": "spacy.MultiHashEmbed.v2",
                "width": 64,
                "rows": [2000, 2000, 500, 1000, 500],
                "attrs": ["NORM", "LOWER", "PREFIX", "SUFFIX", "SHAPE"],
                "include_static_vectors": False,
            },
            "encode": {
                "@architectures": "spacy.MaxoutWindowEncoder.v2",
                "width": 64,
                "window_size": 1,
                "maxout_pieces": 3,
                "depth": 2,
            },
        },
    }


def featurise(examples: list[LabelledText]) -> list[list[str]]:
    """Parse the example texts with the extractor's pipeline and make the model's words."""
    from pipeline.statements.actors import load_registry
    from pipeline.statements.nlp import load_nlp

    keep = keep_words(load_registry())
    nlp = load_nlp()
    return [_clause_words(doc, keep) for doc in nlp.pipe((e.text for e in examples), batch_size=64)]


def _batches(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def train(examples: list[LabelledText], words: list[list[str]], options: TrainingOptions) -> object:
    """Train both heads and return the spaCy pipeline that holds them."""
    import spacy
    from spacy.training import Example
    from spacy.util import fix_random_seed

    fix_random_seed(options.seed)
    nlp = spacy.blank("en")
    topics = nlp.add_pipe(
        "textcat_multilabel",
        name=TOPIC_PIPE,
        config={"threshold": 0.5, "model": _model_config(options, exclusive=False)},
    )
    stance = nlp.add_pipe(
        "textcat",
        name=STANCE_PIPE,
        config={"threshold": 0.0, "model": _model_config(options, exclusive=True)},
    )
    for topic in TOPICS:
        topics.add_label(topic)
    for value in STANCES:
        stance.add_label(value)
    topic_examples, stance_examples = [], []
    for example, clause in zip(examples, words, strict=True):
        doc = spacy.tokens.Doc(nlp.vocab, words=clause or ["-name-"])
        target = topic_target(example)
        if target is not None:
            topic_examples.append(Example.from_dict(doc, {"cats": target}))
        target = stance_target(example)
        if target is not None:
            stance_examples.append(Example.from_dict(doc, {"cats": target}))
    topics.initialize(lambda: topic_examples, nlp=nlp)
    stance.initialize(lambda: stance_examples, nlp=nlp)
    optimizer = nlp.create_optimizer()
    shuffler = random.Random(options.seed)
    for epoch in range(options.epochs):
        losses: dict[str, float] = {}
        for pipe, items in ((topics, topic_examples), (stance, stance_examples)):
            order = list(items)
            shuffler.shuffle(order)
            for batch in _batches(order, options.batch_size):
                pipe.update(batch, drop=options.dropout, sgd=optimizer, losses=losses)
        print(
            f"epoch {epoch + 1:2}: topic loss {losses.get(TOPIC_PIPE, 0):8.3f}"
            f"  stance loss {losses.get(STANCE_PIPE, 0):8.3f}",
            file=sys.stderr,
        )
    return nlp


def held_out_figures(
    nlp: object, examples: list[LabelledText], words: list[list[str]], threshold: float = 0.5
) -> dict[str, float]:
    """Score a trained pipeline on examples: topic micro P/R/F1 and stance accuracy."""
    import spacy

    hit = predicted = gold = 0
    stance_right = stance_total = 0
    for example, clause in zip(examples, words, strict=True):
        doc = nlp(spacy.tokens.Doc(nlp.vocab, words=clause or ["-name-"]))  # type: ignore[operator]
        target = topic_target(example)
        if target is not None:
            want = {t for t, v in target.items() if v}
            got = {t for t in TOPICS if doc.cats.get(t, 0.0) >= threshold}
            hit, predicted, gold = hit + len(want & got), predicted + len(got), gold + len(want)
        target = stance_target(example)
        if target is not None:
            stance_total += 1
            best = max(STANCES, key=lambda s: doc.cats.get(s, 0.0))
            stance_right += int(target[best] == 1.0)
    precision = hit / predicted if predicted else 0.0
    recall = hit / gold if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    accuracy = stance_right / stance_total if stance_total else 0.0
    return {
        "topic_precision": round(precision, 3),
        "topic_recall": round(recall, 3),
        "topic_f1": round(f1, 3),
        "stance_accuracy": round(accuracy, 3),
        "examples": len(examples),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Train the clause classifier.")
    parser.add_argument("--data", type=Path, default=TRAINING_DIR)
    parser.add_argument("--out", type=Path, default=MODEL_DIR)
    parser.add_argument("--epochs", type=int, default=TrainingOptions.epochs)
    parser.add_argument("--architecture", choices=["ensemble", "bow"], default="ensemble")
    parser.add_argument(
        "--holdout",
        type=float,
        default=0.0,
        help="keep this share of examples out and report figures on them (nothing is saved)",
    )
    args = parser.parse_args(argv)
    options = TrainingOptions(
        epochs=args.epochs, architecture=args.architecture, holdout=args.holdout
    )
    try:
        examples = read_examples(args.data)
    except TrainingDataError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if not examples:
        print(f"error: no training examples in {args.data}", file=sys.stderr)
        return 1
    began = time.process_time()
    words = featurise(examples)
    kept = [i for i, e in enumerate(examples) if not is_held_out(e, options.holdout)]
    nlp = train([examples[i] for i in kept], [words[i] for i in kept], options)
    print(f"trained on {len(kept)} examples in {time.process_time() - began:.1f} CPU s")
    if options.holdout:
        out = [i for i in range(len(examples)) if i not in set(kept)]
        figures = held_out_figures(nlp, [examples[i] for i in out], [words[i] for i in out])
        print(json.dumps(figures))
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(args.out)  # type: ignore[attr-defined]
    # What the weights were trained on: a test checks it against the data in the tree.
    record = {
        "data_sha256": data_digest(args.data),
        "examples": len(examples),
        "options": dataclasses.asdict(options),
    }
    (args.out / "training.json").write_text(json.dumps(record, indent=2) + "\n")
    print(f"saved to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
