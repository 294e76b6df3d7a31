"""The pipeline's stages as functions the DAGs (and `monitor run`) call in order.

Each stage reads its input batch from the run folder, writes its output batch and the
outcome events it produced there, and returns a small reference (a path or counts) that
fits in an XCom. Only `append_stage`, `rebuild_stage`, `reprocess_stage` and
`record_task_failure` write the event log; a re-run of any stage for the same run (or
of the whole run) appends nothing new because event ids are deterministic.

Run folder: <warehouse>/runs/<run_id>/
  candidates.jsonl   discover: what to fetch (feed entries, pages, files)
  pages.jsonl        fetch: raw responses (by content address) and file paths
  documents.jsonl    extract: documents and skips
  unique.jsonl       dedupe: documents that are new
  statements.jsonl   statements: statement and extraction-completed events
  validated.jsonl    validate: events that passed the gates
  <stage>.events.jsonl  outcome events of each stage (failures, skips, duplicates, ...)
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import yaml

from pipeline import __version__
from pipeline.documents.model import Document
from pipeline.errors import InputError
from pipeline.events import (
    DOCUMENT_INGESTED,
    STATEMENT_EXTRACTED,
    TASK_FAILED,
    Event,
    event_from_dict,
    event_to_dict,
    new_event,
)
from pipeline.settings import Settings

PRODUCER = f"pipeline/{__version__}"
STAGE_OUTPUTS = ("discover", "fetch", "extract", "dedupe", "statements")


# -- run folders and batches ------------------------------------------------------------------


def new_run_id(prefix: str = "manual") -> str:
    """Make a run id: prefix, UTC time and a short random part."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    return f"{prefix}__{stamp}__{uuid.uuid4().hex[:6]}"


def safe_run_id(run_id: str) -> str:
    """Make any run id (e.g. Airflow's) safe to use as a folder name."""
    cleaned = re.sub(r"[^A-Za-z0-9_.+-]+", "_", run_id).strip("._")
    if not cleaned:
        raise InputError(f"run id {run_id!r} has no usable characters")
    return cleaned[:200]


def run_dir(settings: Settings, run_id: str) -> Path:
    """Return (and create) the folder holding one run's batches."""
    path = settings.warehouse_dir / "runs" / safe_run_id(run_id)
    path.mkdir(parents=True, exist_ok=True)
    return path


def write_rows(path: Path, rows: Iterable[dict[str, Any]]) -> int:
    """Write JSON lines atomically (temp file, then rename); return the count."""
    temporary = path.with_name(path.name + ".tmp")
    count = 0
    with temporary.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
            count += 1
    temporary.replace(path)
    return count


def read_rows(path: Path | str) -> Iterator[dict[str, Any]]:
    """Read JSON lines; a bad line is an error naming the file and line."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: batch file missing; run the previous stage first")
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if line.strip():
                try:
                    yield json.loads(line)
                except json.JSONDecodeError as err:
                    raise InputError(f"{path}:{number}: not JSON ({err})") from err


def write_events(path: Path, events: Iterable[Event]) -> int:
    """Write events as JSON lines."""
    return write_rows(path, (event_to_dict(e) for e in events))


def read_events(path: Path | str) -> list[Event]:
    """Read events written by `write_events`."""
    return [event_from_dict(row) for row in read_rows(path)]


def _outcome_path(settings: Settings, run_id: str, stage: str) -> Path:
    return run_dir(settings, run_id) / f"{stage}.events.jsonl"


def _today() -> date:
    return datetime.now(UTC).date()


# -- sources -------------------------------------------------------------------------------


def load_file_manifest(folder: Path) -> dict[str, dict[str, Any]]:
    """Read `manifest.yaml` beside local files (title, publisher, date per file), if any."""
    manifest = folder / "manifest.yaml"
    if not manifest.exists():
        return {}
    try:
        data = yaml.safe_load(manifest.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as err:
        raise InputError(f"{manifest}: not valid YAML ({err})") from err
    return {str(entry["file"]): entry for entry in data.get("documents", []) if "file" in entry}


def document_from_file(path: Path, source: str) -> Document:
    """Read a local file source as a document, using its folder's manifest when present."""
    from pipeline.documents.extract import document_from_text_file

    entry = load_file_manifest(path.parent).get(path.name, {})
    published = entry.get("published")
    if isinstance(published, str):
        published = date.fromisoformat(published)
    document = document_from_text_file(
        path, source, published=published, language=entry.get("language") or "en"
    )
    return replace(
        document,
        title=entry.get("title") or document.title,
        publisher=entry.get("publisher") or document.publisher,
        author=entry.get("author") or document.author,
        published_inferred_from=(
            " ".join(str(entry["date_inferred_from"]).split())
            if entry.get("date_inferred_from")
            else document.published_inferred_from
        ),
    )


# -- statements ------------------------------------------------------------------------------


def extract_statement_events(documents: list[Document], today: date | None = None) -> list[Event]:
    """Run the statement extractor over documents; return their statement events."""
    from pipeline.statements import load_extractor
    from pipeline.statements.events import producer_of, statement_events
    from pipeline.statements.model import ArticleText

    extractor = load_extractor()
    producer = producer_of(extractor.name, extractor.version)
    articles = (ArticleText(text=d.text, published=d.published) for d in documents)
    events: list[Event] = []
    for document, statements in zip(documents, extractor.extract_many(articles), strict=True):
        events.extend(statement_events(statements, document, producer, today or _today()))
    return events


def statements_stage(settings: Settings, run_id: str, documents_ref: str) -> str:
    """Extract statement events from the run's new documents."""
    from pipeline.documents.extract import document_from_dict

    documents = [document_from_dict(row) for row in read_rows(documents_ref)]
    events = extract_statement_events(documents)
    path = run_dir(settings, run_id) / "statements.jsonl"
    write_events(path, events)
    return str(path)


# -- validate, append, rebuild ---------------------------------------------------------------


def document_texts(settings: Settings, run_id: str, doc_ids: set[str]) -> dict[str, str]:
    """Find the clean text of documents: this run's batch first, then the log."""
    from pipeline.store import open_store

    texts: dict[str, str] = {}
    unique = run_dir(settings, run_id) / "unique.jsonl"
    if unique.exists():
        for row in read_rows(unique):
            if row.get("doc_id") in doc_ids:
                texts[row["doc_id"]] = row["text"]
    missing = doc_ids - texts.keys()
    if missing and settings.db_path.exists():
        with open_store(settings.db_path) as store:
            for recorded in store.read(event_types=[DOCUMENT_INGESTED]):
                doc_id = recorded.payload.get("doc_id")
                if doc_id in missing:
                    texts[doc_id] = recorded.payload["text"]
    return texts


def validate_stage(settings: Settings, run_id: str, statements_ref: str) -> str:
    """Gate the run's documents and statement events; write what passed and what did not."""
    from pipeline.quality.gates import gate_document_batch, gate_statement_batch
    from pipeline.store import open_store

    folder = run_dir(settings, run_id)
    statement_batch = read_events(statements_ref)
    document_batch = (
        [
            e
            for e in read_events(_outcome_path(settings, run_id, "dedupe"))
            if e.event_type == DOCUMENT_INGESTED
        ]
        if _outcome_path(settings, run_id, "dedupe").exists()
        else []
    )
    with open_store(settings.db_path) as store:
        known = store.known_ids(e.event_id for e in statement_batch + document_batch)
        known_hashes = _known_content_hashes(store)
    doc_ids = {str(e.payload.get("doc_id")) for e in statement_batch}
    texts = document_texts(settings, run_id, doc_ids)
    documents = gate_document_batch(document_batch, known, known_hashes, run_id, settings)
    statements = gate_statement_batch(statement_batch, texts, known, run_id, settings)
    quarantined = [*documents.quarantined, *statements.quarantined]
    write_rows(folder / "quarantine.jsonl", (q.to_dict() for q in quarantined))
    accepted = {e.event_id for e in documents.accepted} | {e.event_id for e in statements.accepted}
    write_rows(folder / "accepted_ids.jsonl", ({"event_id": i} for i in sorted(accepted)))
    path = folder / "validated.jsonl"
    write_events(path, statements.accepted)
    return str(path)


def _known_content_hashes(store: Any) -> set[str]:
    return {
        str(r.payload.get("content_hash"))
        for r in store.read(event_types=[DOCUMENT_INGESTED])
        if r.payload.get("content_hash")
    }


def append_stage(settings: Settings, run_id: str, validated_ref: str) -> dict[str, int]:
    """Append the run's outcome events, its documents and its validated statements at once."""
    from pipeline.quality.quarantine import record_quarantine, rows_from_dicts
    from pipeline.store import open_store

    folder = run_dir(settings, run_id)
    accepted_path = folder / "accepted_ids.jsonl"
    accepted = (
        {row["event_id"] for row in read_rows(accepted_path)} if accepted_path.exists() else None
    )
    batch: list[Event] = []
    for stage in STAGE_OUTPUTS:
        path = _outcome_path(settings, run_id, stage)
        if path.exists():
            for event in read_events(path):
                refused = accepted is not None and event.event_id not in accepted
                if event.event_type == DOCUMENT_INGESTED and refused:
                    continue  # quarantined by the document gate
                batch.append(event)
    statements = read_events(validated_ref)
    batch.extend(statements)
    quarantine_path = folder / "quarantine.jsonl"
    with open_store(settings.db_path) as store:
        result = store.append(batch, run_id=safe_run_id(run_id))
        if quarantine_path.exists():
            record_quarantine(store.con, rows_from_dicts(read_rows(quarantine_path)), run_id)
    return {
        "appended": result.appended,
        "already_present": result.already_present,
        "statements": sum(1 for e in statements if e.event_type == STATEMENT_EXTRACTED),
        "last_seq": result.last_seq or 0,
    }


def rebuild_stage(settings: Settings) -> dict[str, int]:
    """Rebuild every view from the log, check them, and publish the BI snapshot."""
    from pipeline.store import open_store
    from pipeline.store.views import publish_snapshot, rebuild_views

    with open_store(settings.db_path) as store:
        counts = rebuild_views(store)
        _check_views(store, settings)
        publish_snapshot(store, settings.bi_snapshot_path)
    return counts


def _check_views(store: Any, settings: Settings) -> None:
    try:
        from pipeline.quality.gates import check_views
    except ImportError:  # the view suite is optional for embedded use
        return
    check_views(store, settings)


# -- failures -------------------------------------------------------------------------------


def record_task_failure(
    settings: Settings, dag_id: str, task_id: str, run_id: str, error_text: str
) -> None:
    """Append a task_failed event so the failure is in the log beside everything else."""
    from pipeline.store import open_store

    payload = {
        "dag_id": dag_id,
        "task_id": task_id,
        "run_id": run_id,
        "error": error_text[:4000],
    }
    event = new_event(TASK_FAILED, f"dag:{dag_id}", datetime.now(UTC), payload, PRODUCER)
    with open_store(settings.db_path) as store:
        store.append([event], run_id=safe_run_id(run_id))
