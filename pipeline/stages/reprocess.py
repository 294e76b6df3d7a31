"""reprocess: logged documents -> `NewDocuments` -> statements -> validate -> append, with
the installed extractor (nothing is fetched)."""

from __future__ import annotations

from pipeline.documents.model import optional_date
from pipeline.errors import InputError
from pipeline.events import DOCUMENT_INGESTED
from pipeline.settings import Settings
from pipeline.stages.append import append_stage
from pipeline.stages.batches import NewDocuments, write_batch
from pipeline.stages.common import folder
from pipeline.stages.statements import statements_stage
from pipeline.stages.validate import validate_stage


def reprocess_stage(
    settings: Settings,
    run_id: str,
    since: str | None = None,
    until: str | None = None,
    extractor_version: str | None = None,
) -> dict[str, int]:
    """Re-extract statements from stored documents (no fetching) with the current extractor."""
    from pipeline.documents.extract import document_from_dict
    from pipeline.statements import load_extractor
    from pipeline.store import open_store

    extractor = load_extractor()
    if extractor_version and extractor_version != extractor.version:
        raise InputError(
            f"extractor version {extractor_version!r} requested, but the installed extractor"
            f" is {extractor.name} {extractor.version}; install that version or omit the option"
        )
    low, high = optional_date(since), optional_date(until)
    with open_store(settings, create=False) as store:
        payloads = store.logged_payloads_published_between(DOCUMENT_INGESTED, low, high)
    documents = tuple(document_from_dict(payload) for payload in payloads)
    unique = write_batch(folder(settings, run_id), NewDocuments(documents))
    statements_ref = statements_stage(settings, run_id, unique)
    validated = validate_stage(settings, run_id, statements_ref)
    counts = append_stage(settings, run_id, validated)
    return {"documents": len(documents), **counts}
