"""Settings: one typed options object, read from the environment in one place."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent
DATA_DIR = PACKAGE_DIR / "data"
SQL_DIR = PROJECT_DIR / "sql"
EXPECTATIONS_DIR = PROJECT_DIR / "expectations"
SEEDS_DIR = PROJECT_DIR / "seeds"
DEFAULT_SOURCES = SEEDS_DIR / "offline" / "sources.yaml"


def default_snapshot_path(db_path: Path | str) -> Path | None:
    """Where the views of the log at `db_path` are published when no path is set:
    `<log folder>/snapshot/<log name>_bi.duckdb` (None for an in-memory log)."""
    if str(db_path) == ":memory:":
        return None
    path = Path(db_path)
    return path.parent / "snapshot" / f"{path.stem}_bi.duckdb"


@dataclass(frozen=True)
class Settings:
    """Where things live and how the pipeline behaves; passed down, never global."""

    db_path: Path = PROJECT_DIR / "warehouse" / "monitor.duckdb"
    snapshot_path: Path | None = None
    raw_dir: Path | None = None
    # Where Great Expectations keeps its results and Data Docs (<docs_dir>/gx/...; default
    # the warehouse): compose puts them on a volume of their own that a static server reads.
    docs_dir: Path | None = None
    # Where `monitor report` and the rebuild_views DAG write the static HTML report
    # (default <warehouse>/report): a link to the latest complete site, swapped atomically.
    report_dir: Path | None = None
    sources_path: Path = DEFAULT_SOURCES
    quarantine_threshold: float = 0.2
    # The gate fails only when the refused rows come from at least this many documents: the
    # threshold guards against a broken extractor, not against one bad article.
    quarantine_min_documents: int = 3
    # How long a command waits for another process (a reader or a writer) to release the
    # event log before it gives up: DuckDB lets no writer in while anyone has the file open.
    lock_wait_s: float = 60.0
    # A run whose feeds (or article fetches) fail beyond this share, or all of them, fails
    # its task after recording each failure: an outage must not look like a quiet day.
    source_failure_threshold: float = 0.8
    # Growth without news: run folders older than this are removed after each append, and
    # Great Expectations keeps results and Data Docs pages of this many runs (0: keep all).
    run_retention_days: float = 14.0
    docs_keep_runs: int = 30
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def warehouse_dir(self) -> Path:
        return self.db_path.parent

    @property
    def bi_snapshot_path(self) -> Path:
        """The views file: built aside by every rebuild and renamed into place; BI tools and
        the CLI open it read-only."""
        return self.snapshot_path or default_snapshot_path(self.db_path)

    @property
    def gx_project_dir(self) -> Path:
        """The folder holding Great Expectations' `gx/` (results, Data Docs)."""
        return self.docs_dir or self.warehouse_dir

    @property
    def report_path(self) -> Path:
        """The static HTML report built from the BI snapshot (see pipeline/report)."""
        return self.report_dir or self.warehouse_dir / "report"

    @property
    def raw_store_dir(self) -> Path:
        """Content-addressed raw HTTP responses, so documents can be re-extracted."""
        return self.raw_dir or self.warehouse_dir / "raw"

    def with_db(self, db_path: Path | str | None) -> Settings:
        return self if db_path is None else replace(self, db_path=Path(db_path))


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Build settings from the environment (MONITOR_DB, MONITOR_SOURCES, ...)."""
    env = os.environ if environ is None else environ
    settings = Settings()
    if env.get("MONITOR_DB"):
        settings = replace(settings, db_path=Path(env["MONITOR_DB"]))
    if env.get("MONITOR_SNAPSHOT"):
        settings = replace(settings, snapshot_path=Path(env["MONITOR_SNAPSHOT"]))
    if env.get("MONITOR_RAW_DIR"):
        settings = replace(settings, raw_dir=Path(env["MONITOR_RAW_DIR"]))
    if env.get("MONITOR_DOCS_DIR"):
        settings = replace(settings, docs_dir=Path(env["MONITOR_DOCS_DIR"]))
    if env.get("MONITOR_REPORT_DIR"):
        settings = replace(settings, report_dir=Path(env["MONITOR_REPORT_DIR"]))
    if env.get("MONITOR_SOURCES"):
        settings = replace(settings, sources_path=Path(env["MONITOR_SOURCES"]))
    if env.get("MONITOR_QUARANTINE_THRESHOLD"):
        settings = replace(
            settings, quarantine_threshold=float(env["MONITOR_QUARANTINE_THRESHOLD"])
        )
    if env.get("MONITOR_RUN_RETENTION_DAYS"):
        settings = replace(settings, run_retention_days=float(env["MONITOR_RUN_RETENTION_DAYS"]))
    if env.get("MONITOR_DOCS_KEEP_RUNS"):
        settings = replace(settings, docs_keep_runs=int(env["MONITOR_DOCS_KEEP_RUNS"]))
    if env.get("MONITOR_SOURCE_FAILURE_THRESHOLD"):
        settings = replace(
            settings, source_failure_threshold=float(env["MONITOR_SOURCE_FAILURE_THRESHOLD"])
        )
    if env.get("MONITOR_LOCK_WAIT"):
        settings = replace(settings, lock_wait_s=float(env["MONITOR_LOCK_WAIT"]))
    if env.get("MONITOR_QUARANTINE_MIN_DOCUMENTS"):
        settings = replace(
            settings, quarantine_min_documents=int(env["MONITOR_QUARANTINE_MIN_DOCUMENTS"])
        )
    return settings
