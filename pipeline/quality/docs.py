"""Great Expectations Data Docs: the HTML report ops staff open, under <warehouse>/gx."""

from __future__ import annotations

from pathlib import Path

from pipeline.settings import Settings

DOCS_SITE = "local_site"


def docs_index_path(settings: Settings) -> Path:
    """Return where the Data Docs front page is (it exists once a suite has run)."""
    return settings.warehouse_dir / "gx" / "uncommitted" / "data_docs" / DOCS_SITE / "index.html"


def build_data_docs(settings: Settings) -> Path:
    """Rebuild the Data Docs site from every stored validation result; return index.html."""
    from pipeline.quality.context import quality_context

    return quality_context(settings).build_docs()
