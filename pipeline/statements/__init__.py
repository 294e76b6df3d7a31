"""Statements: who takes which stance on which guarantee topic, with evidence."""

from __future__ import annotations

from pipeline.statements.model import ArticleText, Statement, StatementExtractor

__all__ = ["ArticleText", "Statement", "StatementExtractor", "load_extractor"]


def load_extractor(workers: int = 1) -> StatementExtractor:
    """Return the default statement extractor, with the spaCy pipeline loaded once.

    workers > 1 extracts in a persistent pool of forked processes (one per core).
    """
    from pipeline.statements.nlp import load_nlp
    from pipeline.statements.rules import RuleExtractor

    return RuleExtractor(load_nlp(), workers=workers)
