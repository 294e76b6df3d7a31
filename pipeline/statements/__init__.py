"""Statements: who takes which stance on which guarantee topic, with evidence."""

from __future__ import annotations

from pipeline.statements.model import ArticleText, Statement, StatementExtractor

__all__ = ["ArticleText", "Statement", "StatementExtractor", "load_extractor"]


def load_extractor(workers: int = 1, topic_source: str = "both") -> StatementExtractor:
    """Return the default statement extractor, with the spaCy pipeline loaded once.

    workers > 1 extracts in a persistent pool of forked processes (one per core).
    topic_source: "rules" (topic cues only), "model" (the clause classifier only) or
    "both" (the classifier adds what the cues miss; the default, measured best).
    """
    from pipeline.statements.classifier import load_classifier
    from pipeline.statements.nlp import load_nlp
    from pipeline.statements.rules import RuleExtractor

    classifier = load_classifier() if topic_source != "rules" else None
    return RuleExtractor(
        load_nlp(), workers=workers, classifier=classifier, topic_source=topic_source
    )
