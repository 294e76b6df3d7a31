"""attribution.py is split into quotes, speakers and bylines, and still offers every name."""

from __future__ import annotations

import subprocess
import sys

import pipeline.statements.attribution as attribution

# What the extractor (rules.py) imports from attribution.py.
EXTRACTOR_IMPORTS = [
    "ACTOR",
    "ANONYMOUS",
    "MEDIA",
    "ArticleContext",
    "Attribution",
    "Quote",
    "absolute",
    "dash_attributions",
    "find_attributions",
    "find_quotes",
    "remember_people",
    "remember_registry_mentions",
    "remember_subjects",
]


def test_attribution_still_offers_every_name_the_extractor_imports():
    missing = [name for name in EXTRACTOR_IMPORTS if not hasattr(attribution, name)]
    assert missing == []
    assert set(EXTRACTOR_IMPORTS) <= set(attribution.__all__)


def test_bylines_and_attribution_each_import_first_in_a_fresh_process():
    # Each refers to the other (attribution.py re-exports dash_attributions).
    for module in ("bylines", "attribution"):
        subprocess.run(
            [sys.executable, "-c", f"import pipeline.statements.{module}"],
            check=True,
            capture_output=True,
        )
