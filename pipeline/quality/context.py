"""The Great Expectations context: suites from expectations/; results and Data Docs in warehouse.

(The GX folder is the warehouse's unless MONITOR_DOCS_DIR names another; Data Docs pages are
rewritten to load their scripts, styles and fonts from the site itself: pipeline/quality/docs.py.)

A file context lives at <warehouse>/gx (GX's own layout: great_expectations.yml, a copy of
each suite, checkpoints, uncommitted/validations/*.json, uncommitted/data_docs/local_site/).
Everything there is generated: the suites are re-read from the repo's expectations/*.json
whenever a context is opened, so the files in the repo are the only source of truth and
nothing is ever written back to them.

Each suite has a pandas asset with a whole-dataframe batch definition, a validation
definition and a checkpoint whose one action updates the Data Docs. Rows are validated as
DataFrames (read from DuckDB or built from events): GX's SQL path fails on DuckDB here.
One context is kept per warehouse per process, because opening one is slow.
"""

from __future__ import annotations

import os

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")  # before GX is imported: no network

import errno
import logging
import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import great_expectations as gx
import pandas as pd
from great_expectations.checkpoint import UpdateDataDocsAction
from great_expectations.core.run_identifier import RunIdentifier
from great_expectations.data_context.types.base import ProgressBarsConfig

from pipeline.errors import StoreError
from pipeline.quality.docs import DOCS_SITE, localise_site
from pipeline.quality.suites import SUITE_NAMES, expectation_label, load_suite_file
from pipeline.settings import EXPECTATIONS_DIR, Settings

DATASOURCE = "monitor"
BATCH_DEFINITION = "whole_dataframe"

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ExpectationFailure:
    """One failed expectation: which rows broke it (None: the table as a whole) and why."""

    label: str
    rows: tuple[int, ...] | None
    message: str
    order: int = 0


@dataclass(frozen=True, slots=True)
class SuiteRun:
    """The outcome of validating one DataFrame against one suite."""

    suite: str
    run_id: str
    success: bool
    evaluated: int
    unsuccessful: int
    n_rows: int
    validated_at: datetime
    failures: tuple[ExpectationFailure, ...] = ()
    report_path: str | None = None
    docs_path: str | None = None
    statistics: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready summary (no row lists)."""
        return {
            "suite": self.suite,
            "run_id": self.run_id,
            "success": self.success,
            "evaluated": self.evaluated,
            "unsuccessful": self.unsuccessful,
            "n_rows": self.n_rows,
            "validated_at": self.validated_at.isoformat(),
            "failed": [f.label for f in self.failures],
            "report_path": self.report_path,
            "docs_path": self.docs_path,
        }


class QualityContext:
    """A GX file context at <warehouse>/gx with one checkpoint per suite."""

    def __init__(self, warehouse_dir: Path, expectations_dir: Path = EXPECTATIONS_DIR) -> None:
        self.root = warehouse_dir / "gx"
        with gx_files(self.root):
            warehouse_dir.mkdir(parents=True, exist_ok=True)
        with gx_files(self.root), gx_project_lock(warehouse_dir):
            self.gx = gx.get_context(mode="file", project_root_dir=str(warehouse_dir))
            self.gx.variables.progress_bars = ProgressBarsConfig(globally=False)
            self.gx.variables.analytics_enabled = False
            self.gx.variables.save()
            self._order: dict[str, dict[str, int]] = {}
            datasource = self._datasource()
            for name in SUITE_NAMES:
                self._register(datasource, name, expectations_dir)

    @property
    def site_dir(self) -> Path:
        """The Data Docs site folder."""
        return self.root / "uncommitted" / "data_docs" / DOCS_SITE

    @property
    def docs_index(self) -> Path:
        """Return the Data Docs front page (it exists once a suite has run)."""
        return self.root / "uncommitted" / "data_docs" / DOCS_SITE / "index.html"

    def _datasource(self) -> Any:
        try:
            return self.gx.data_sources.get(DATASOURCE)
        except Exception:  # GX raises KeyError or its own DataContextError subclasses here
            return self.gx.data_sources.add_pandas(name=DATASOURCE)

    def _register(self, datasource: Any, name: str, expectations_dir: Path) -> None:
        suite_file = load_suite_file(name, expectations_dir)
        expected = suite_file.expectations
        suite = gx.ExpectationSuite(
            name=name,
            expectations=[dict(e) for e in expected],
            meta=suite_file.body.get("meta") or {},
            notes=suite_file.body.get("notes"),
        )
        if len(suite.expectations) != len(expected):  # GX logs and drops invalid ones
            raise ValueError(f"{suite_file.path}: some expectations are not valid GX expectations")
        self._order[name] = {
            expectation_label(e["type"], e.get("kwargs", {})): n for n, e in enumerate(expected)
        }
        suite = self.gx.suites.add_or_update(suite)
        try:
            asset = datasource.get_asset(name)
        except LookupError:
            asset = datasource.add_dataframe_asset(name=name)
        try:
            batch = asset.get_batch_definition(BATCH_DEFINITION)
        except (KeyError, LookupError):
            batch = asset.add_batch_definition_whole_dataframe(BATCH_DEFINITION)
        definition = self.gx.validation_definitions.add_or_update(
            gx.ValidationDefinition(name=name, data=batch, suite=suite)
        )
        self.gx.checkpoints.add_or_update(
            gx.Checkpoint(
                name=name,
                validation_definitions=[definition],
                actions=[UpdateDataDocsAction(name="update_data_docs", site_names=[DOCS_SITE])],
                result_format="COMPLETE",
            )
        )

    def run(
        self,
        suite: str,
        frame: pd.DataFrame,
        run_id: str,
        parameters: Mapping[str, Any] | None = None,
    ) -> SuiteRun:
        """Validate a DataFrame against a suite; store the result and update the Data Docs."""
        frame = frame.reset_index(drop=True)
        started = datetime.now(UTC)
        with gx_files(self.root), gx_project_lock(self.root.parent):
            checkpoint = self.gx.checkpoints.get(suite)
            result = checkpoint.run(
                batch_parameters={"dataframe": frame},
                expectation_parameters=dict(parameters or {}),
                run_id=RunIdentifier(run_name=run_id, run_time=started),
            )
            localise_site(self.site_dir)  # the pages it just wrote load nothing from outside
        ((identifier, validation),) = result.run_results.items()
        failures = tuple(
            sorted(
                (self._failure(suite, r) for r in validation.results if not r.success),
                key=lambda f: f.order,
            )
        )
        stats = dict(validation.statistics or {})
        return SuiteRun(
            suite=suite,
            run_id=run_id,
            success=bool(validation.success),
            evaluated=int(stats.get("evaluated_expectations", len(validation.results))),
            unsuccessful=int(stats.get("unsuccessful_expectations", len(failures))),
            n_rows=len(frame),
            validated_at=started,
            failures=failures,
            report_path=self._result_path(identifier),
            docs_path=self._docs_page(identifier),
            statistics=stats,
        )

    def _failure(self, suite: str, outcome: Any) -> ExpectationFailure:
        config = outcome.expectation_config
        kwargs = {k: v for k, v in config.kwargs.items() if k != "batch_id"}
        label = expectation_label(config.type, kwargs)
        order = self._order.get(suite, {}).get(label, 10_000)
        error = _exception_message(outcome.exception_info)
        if error is not None:
            return ExpectationFailure(label, None, f"could not run: {error}", order)
        details = outcome.result or {}
        indexes = details.get("unexpected_index_list")
        if indexes is not None:
            rows = tuple(sorted({int(i) for i in indexes if not isinstance(i, dict)}))
            return ExpectationFailure(label, rows, f"{len(rows)} rows unexpected", order)
        observed = details.get("observed_value")
        return ExpectationFailure(label, None, f"observed {observed!r}; expected {kwargs}", order)

    def _result_path(self, identifier: Any) -> str | None:
        backend = getattr(self.gx.validation_results_store, "store_backend", None)
        try:
            relative = backend._convert_key_to_filepath(identifier.to_tuple())  # noqa: SLF001
            return str(Path(backend.full_base_directory) / relative)
        except (AttributeError, TypeError, ValueError):  # another GX version or backend
            return None

    def _docs_page(self, identifier: Any) -> str | None:
        try:
            urls = self.gx.get_docs_sites_urls(resource_identifier=identifier, site_name=DOCS_SITE)
        except Exception as err:  # docs are a convenience; a validation never fails on them
            logger.warning("no Data Docs page for %s: %s", identifier, err)
            return None
        url = (urls[0].get("site_url") if urls else None) or None
        return url.removeprefix("file://") if url else None

    def prune(self, keep_runs: int) -> int:
        """Delete the stored results and Data Docs pages of all but the `keep_runs` most
        recent runs (each run is a folder named after it under every suite), then rebuild
        the Data Docs index if anything went; return how many runs were removed."""
        if keep_runs <= 0:
            return 0
        uncommitted = self.root / "uncommitted"
        trees = [uncommitted / "validations", uncommitted / "data_docs" / DOCS_SITE / "validations"]
        runs: dict[str, float] = {}
        for tree in trees:
            for folder in tree.glob("*/*") if tree.is_dir() else ():
                if folder.is_dir():
                    runs[folder.name] = max(runs.get(folder.name, 0.0), folder.stat().st_mtime)
        newest = sorted(runs, key=lambda name: (runs[name], name), reverse=True)
        gone = set(newest[keep_runs:])
        if not gone:
            return 0
        for tree in trees:
            for folder in tree.glob("*/*") if tree.is_dir() else ():
                if folder.name in gone:
                    shutil.rmtree(folder, ignore_errors=True)
        for name in gone:
            shutil.rmtree(self.root / "runs" / name, ignore_errors=True)
        # The index only: an identifier no result has makes GX render no page again.
        self.gx.build_data_docs(site_names=[DOCS_SITE], resource_identifiers=["index-only"])
        localise_site(self.site_dir)
        return len(gone)

    def build_docs(self) -> Path:
        """Rebuild the whole Data Docs site and return its index.html."""
        with gx_files(self.root):
            self.gx.build_data_docs(site_names=[DOCS_SITE])
            localise_site(self.site_dir)
        return self.docs_index


@contextmanager
def gx_files(root: Path) -> Iterator[None]:
    """Turn a failure to write GX's files (disk full, read-only) into one StoreError line."""
    try:
        yield
    except OSError as err:
        full = err.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
        why = "disk full" if full else "cannot write"
        raise StoreError(
            f"{root}: {why} while writing the data-quality results and Data Docs"
            f" ({err.strerror or err})"
        ) from err


@contextmanager
def gx_project_lock(project_dir: Path) -> Iterator[None]:
    """Hold the GX project's file lock: two processes sharing one project (two runs at once
    on a DuckLake store) would otherwise read a checkpoint while the other rewrites it."""
    import fcntl

    with (project_dir / ".gx.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


_CONTEXTS: dict[Path, QualityContext] = {}


def quality_context(settings: Settings) -> QualityContext:
    """Return this process's GX context for the settings' GX folder (made on first use)."""
    key = settings.gx_project_dir.resolve()
    context = _CONTEXTS.get(key)
    if context is None:
        context = QualityContext(key)
        _CONTEXTS[key] = context
    return context


def _exception_message(info: Any) -> str | None:
    if not info:
        return None
    if isinstance(info, Mapping) and info.get("raised_exception"):
        return str(info.get("exception_message"))
    if isinstance(info, Mapping):
        for value in info.values():
            if isinstance(value, Mapping) and value.get("raised_exception"):
                return str(value.get("exception_message"))
    return None
