"""What the stages share: the producer name, the day, the sources file, the offline corpus,
and the one log line of counts each stage writes."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from pipeline import __version__
from pipeline.run_folder import run_dir
from pipeline.settings import Settings

log = logging.getLogger("pipeline.stages")

PRODUCER = f"pipeline/{__version__}"
OFFLINE_PORT = 8123  # the bundled sources file allow-lists 127.0.0.1:8123


def now() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    return now().date()


def folder(settings: Settings, run_id: str) -> Path:
    """The run's folder in the settings' warehouse."""
    return run_dir(settings.warehouse_dir, run_id)


def load_config(settings: Settings) -> Any:
    from pipeline.sources.config import load_sources

    return load_sources(settings.sources_path)


@contextmanager
def offline_corpus(config: Any) -> Iterator[None]:
    """Serve the bundled offline corpus on its local port while a sources file that asks for
    it (`offline_corpus: true`, as seeds/offline/sources.yaml does) is read."""
    if not config.offline_corpus:
        yield
        return
    from pipeline.documents.offline_server import serve_offline_corpus

    with serve_offline_corpus(port=OFFLINE_PORT):
        yield


def by_reason(reasons: Iterable[Any]) -> str:
    """Count reasons as "a 2, b 1" (most frequent first); "" when there are none."""
    counts: dict[str, int] = {}
    for reason in reasons:
        counts[str(reason)] = counts.get(str(reason), 0) + 1
    return ", ".join(f"{r} {n}" for r, n in sorted(counts.items(), key=lambda i: (-i[1], i[0])))


def log_counts(stage: str, *parts: tuple[str, int, str]) -> str:
    """Log one line of a stage's counts for ops staff (the Airflow task log shows it):
    "fetch: 12 fetched, 3 failed (http-4xx 2, timeout 1)". Each part is (noun, count,
    breakdown; a noun with "{}" places the count itself); the line is returned too."""
    line = f"{stage}: " + ", ".join(
        (noun.format(count) if "{}" in noun else f"{count} {noun}")
        + (f" ({detail})" if detail and count else "")
        for noun, count, detail in parts
    )
    log.info("%s", line)
    return line
