"""rebuild: the event log -> the views, checked, published as the BI snapshot."""

from __future__ import annotations

import logging
from typing import Any

from pipeline.run_folder import new_run_id, safe_run_id
from pipeline.settings import Settings
from pipeline.stages.common import log_counts

log = logging.getLogger("pipeline.stages")


def rebuild_stage(
    settings: Settings, replace_snapshot: bool = False, run_id: str | None = None
) -> dict[str, int]:
    """Rebuild every view from the log into a new views file, check them, and publish it as
    the BI snapshot; views that fail their checks are not published, nor are views of an
    empty, other or shorter log over the published ones unless `replace_snapshot`. A path
    where no log exists is an error, never a new empty log."""
    from pipeline.store import open_store
    from pipeline.store.runs import VIEWS
    from pipeline.store.views import build_views, discard_views, publish_views, views_lock

    with open_store(settings, create=False) as store, views_lock(store):
        build = build_views(store)
        try:
            _check_views(store, settings)
        except BaseException:
            discard_views(store, build)
            raise
        publish_views(store, build, replace=replace_snapshot)
        store.record_run_outcome(safe_run_id(run_id or new_run_id("views")), VIEWS, 0)
    _prune_data_docs(settings)
    log_counts("views", *((name, count, "") for name, count in build.counts.items()))
    log.info("views: published %s", settings.bi_snapshot_path)
    return build.counts


def _prune_data_docs(settings: Settings) -> None:
    """Keep the Great Expectations results and Data Docs pages of the last runs only."""
    try:
        from pipeline.quality.context import quality_context
    except ImportError:  # the quality suites are optional for embedded use
        return
    removed = quality_context(settings).prune(settings.docs_keep_runs)
    if removed:
        log.info("housekeeping: removed the Data Docs and results of %d older runs", removed)


def _check_views(store: Any, settings: Settings) -> None:
    try:
        from pipeline.quality.gates import check_views
    except ImportError:  # the view suite is optional for embedded use
        return
    check_views(store, settings)
