"""The static HTML report: the BI snapshot as pages people open (overview, one page per topic
and per actor, the last runs), with charts drawn by a vendored Vega-Embed, no CDN.

Three steps, each on its own: the store reads the rows (pipeline.store.report_rows), pure
functions turn them into pages (pages, charts), and site renders and publishes the files.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.settings import Settings

if TYPE_CHECKING:
    from pipeline.report.pages import Page


@dataclass(frozen=True, slots=True)
class ReportSummary:
    """What a report run wrote."""

    path: Path
    pages: int
    topics: int
    actors: int

    @property
    def index(self) -> Path:
        return self.path / "index.html"


def write_report(
    settings: Settings, out: Path | None = None, generated_at: datetime | None = None
) -> ReportSummary:
    """Build the report from the published BI snapshot and publish it at `out` (default
    settings.report_path), replacing the previous one atomically."""
    from pipeline.report.pages import build_pages
    from pipeline.report.site import publish_site, render_site
    from pipeline.store.report_rows import iter_histories, read_report_rows

    snapshot = settings.bi_snapshot_path
    rows = read_report_rows(snapshot)
    written: Counter[str] = Counter()

    def counted(pages: Iterable[Page]) -> Iterator[Page]:
        for page in pages:
            folder = page.path.rpartition("/")[0]
            written["pages"] += 1
            written[folder] += folder in ("topics", "actors")  # not an actor's further pages
            yield page

    pages = build_pages(rows, generated_at or datetime.now(UTC), iter_histories(snapshot))
    path = publish_site(render_site(counted(pages)), out or settings.report_path)
    return ReportSummary(
        path=path,
        pages=written["pages"],
        topics=written["topics"],
        actors=written["actors"],
    )
