"""What passes between the stages: one typed batch per stage output, one file each.

Each stage reads the batch of the stage before it and writes its own, in the run's folder
(pipeline.run_folder); the XCom between two tasks is only the file's path. A batch carries
forward the outcome events of the stages before it (feeds polled, fetch failures, skips,
duplicates, documents ingested), so no stage reads anything beside its one input, and the
last one, `AppendBatch`, is everything append writes.

A batch file is JSON lines, `{"kind": <part>, "row": {...}}`, in the batch's order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from pipeline.documents.model import Document
from pipeline.errors import InputError
from pipeline.events import Event, event_from_dict, event_to_dict
from pipeline.quality.quarantine import QuarantinedRow, rows_from_dicts
from pipeline.run_folder import read_rows, write_rows


def _document_to_row(document: Document) -> dict[str, Any]:
    from pipeline.documents.extract import document_to_dict

    return document_to_dict(document)


def _document_from_row(row: Mapping[str, Any]) -> Document:
    from pipeline.documents.extract import document_from_dict

    return document_from_dict(row)


def _skipped_from_row(row: Mapping[str, Any]) -> Any:
    from pipeline.documents.extract import Skipped

    return Skipped.from_dict(row)


def _quarantined_from_row(row: Mapping[str, Any]) -> QuarantinedRow:
    return rows_from_dicts([row])[0]


def _same(row: Mapping[str, Any]) -> dict[str, Any]:
    return dict(row)


# kind -> how a row of that kind is read back
_READERS: dict[str, Callable[[Mapping[str, Any]], Any]] = {
    "candidate": _same,
    "page": _same,
    "document": _document_from_row,
    "skipped": _skipped_from_row,
    "outcome": event_from_dict,
    "statement": event_from_dict,
    "text": _same,
    "event": event_from_dict,
    "quarantined": _quarantined_from_row,
}


def _item_kind(item: Any) -> str:
    return "document" if isinstance(item, Document) else "skipped"


def _item_row(item: Any) -> dict[str, Any]:
    return _document_to_row(item) if isinstance(item, Document) else item.to_dict()


def _parts(
    rows: Iterable[Mapping[str, Any]], path: Path | str, kinds: Iterable[str] = _READERS
) -> dict[str, list[Any]]:
    """Read a batch file's rows into its parts, by kind, each in file order; a row of any
    other kind than `kinds` is an error (another stage's file)."""
    allowed = set(kinds)
    parts: dict[str, list[Any]] = {kind: [] for kind in (*_READERS, "item")}
    for number, line in enumerate(rows, 1):
        kind, row = line.get("kind"), line.get("row")
        if kind not in _READERS or not isinstance(row, dict):
            raise InputError(f"{path}:{number}: not a batch row (kind {kind!r})")
        if kind not in allowed:
            raise InputError(
                f"{path}:{number}: {kind!r} is not a row of this batch ({sorted(allowed)})"
            )
        try:
            value = _READERS[kind](row)
        except (KeyError, TypeError, ValueError) as err:
            raise InputError(f"{path}:{number}: cannot read this {kind} row ({err})") from err
        parts[kind].append(value)
        if kind in ("document", "skipped"):
            parts["item"].append(value)  # documents and skips, in the order of the pages
    return parts


def _row(kind: str, row: Mapping[str, Any]) -> dict[str, Any]:
    return {"kind": kind, "row": row}


def _outcome_rows(outcomes: Iterable[Event]) -> Iterator[dict[str, Any]]:
    return (_row("outcome", event_to_dict(e)) for e in outcomes)


@dataclass(frozen=True)
class Candidates:
    """discover -> fetch: what to fetch (feed entries, pages, local files, retries due)."""

    FILE: ClassVar[str] = "candidates.jsonl"
    KINDS: ClassVar[tuple[str, ...]] = ("outcome", "candidate")
    rows: tuple[dict[str, Any], ...]
    outcomes: tuple[Event, ...] = ()

    def to_rows(self) -> Iterator[dict[str, Any]]:
        yield from _outcome_rows(self.outcomes)
        yield from (_row("candidate", r) for r in self.rows)

    @classmethod
    def from_parts(cls, parts: dict[str, list[Any]]) -> Candidates:
        return cls(tuple(parts["candidate"]), tuple(parts["outcome"]))


@dataclass(frozen=True)
class Pages:
    """fetch -> extract: raw responses (by content address in the raw store) and files."""

    FILE: ClassVar[str] = "pages.jsonl"
    KINDS: ClassVar[tuple[str, ...]] = ("outcome", "page")
    rows: tuple[dict[str, Any], ...]
    outcomes: tuple[Event, ...] = ()

    def to_rows(self) -> Iterator[dict[str, Any]]:
        yield from _outcome_rows(self.outcomes)
        yield from (_row("page", r) for r in self.rows)

    @classmethod
    def from_parts(cls, parts: dict[str, list[Any]]) -> Pages:
        return cls(tuple(parts["page"]), tuple(parts["outcome"]))


@dataclass(frozen=True)
class ExtractedDocuments:
    """extract -> dedupe: a Document or a Skipped (with its reason) per page, in order."""

    FILE: ClassVar[str] = "documents.jsonl"
    KINDS: ClassVar[tuple[str, ...]] = ("outcome", "document", "skipped")
    items: tuple[Any, ...]  # Document | pipeline.documents.extract.Skipped
    outcomes: tuple[Event, ...] = ()

    @property
    def documents(self) -> list[Document]:
        return [item for item in self.items if isinstance(item, Document)]

    def to_rows(self) -> Iterator[dict[str, Any]]:
        yield from _outcome_rows(self.outcomes)
        yield from (_row(_item_kind(item), _item_row(item)) for item in self.items)

    @classmethod
    def from_parts(cls, parts: dict[str, list[Any]]) -> ExtractedDocuments:
        return cls(tuple(parts["item"]), tuple(parts["outcome"]))


@dataclass(frozen=True)
class NewDocuments:
    """dedupe -> statements: the documents not logged before (their document_ingested
    events are among the outcomes, beside the duplicates found)."""

    FILE: ClassVar[str] = "unique.jsonl"
    KINDS: ClassVar[tuple[str, ...]] = ("outcome", "document")
    documents: tuple[Document, ...]
    outcomes: tuple[Event, ...] = ()

    def to_rows(self) -> Iterator[dict[str, Any]]:
        yield from _outcome_rows(self.outcomes)
        yield from (_row("document", _document_to_row(d)) for d in self.documents)

    @classmethod
    def from_parts(cls, parts: dict[str, list[Any]]) -> NewDocuments:
        return cls(tuple(parts["document"]), tuple(parts["outcome"]))


@dataclass(frozen=True)
class StatementBatch:
    """statements -> validate: the statement events, the texts of the documents they come
    from (the gate checks each quote against its text), and the outcomes so far."""

    FILE: ClassVar[str] = "statements.jsonl"
    KINDS: ClassVar[tuple[str, ...]] = ("outcome", "text", "statement")
    statements: tuple[Event, ...]
    texts: Mapping[str, str] = field(default_factory=dict)
    outcomes: tuple[Event, ...] = ()

    def to_rows(self) -> Iterator[dict[str, Any]]:
        yield from _outcome_rows(self.outcomes)
        yield from (_row("text", {"doc_id": k, "text": v}) for k, v in self.texts.items())
        yield from (_row("statement", event_to_dict(e)) for e in self.statements)

    @classmethod
    def from_parts(cls, parts: dict[str, list[Any]]) -> StatementBatch:
        texts = {str(row["doc_id"]): str(row["text"]) for row in parts["text"]}
        return cls(tuple(parts["statement"]), texts, tuple(parts["outcome"]))


@dataclass(frozen=True)
class AppendBatch:
    """validate -> append: every event append writes, in order (the outcomes of the run,
    the documents and statement events the gates accepted), and the rows they refused."""

    FILE: ClassVar[str] = "validated.jsonl"
    KINDS: ClassVar[tuple[str, ...]] = ("event", "quarantined")
    events: tuple[Event, ...] = ()
    quarantined: tuple[QuarantinedRow, ...] = ()

    def to_rows(self) -> Iterator[dict[str, Any]]:
        yield from (_row("event", event_to_dict(e)) for e in self.events)
        yield from (_row("quarantined", q.to_dict()) for q in self.quarantined)

    @classmethod
    def from_parts(cls, parts: dict[str, list[Any]]) -> AppendBatch:
        return cls(tuple(parts["event"]), tuple(parts["quarantined"]))


Batch = TypeVar(
    "Batch", Candidates, Pages, ExtractedDocuments, NewDocuments, StatementBatch, AppendBatch
)


def write_batch(folder: Path, batch: Any) -> str:
    """Write a batch as its file in the run folder (atomically); return the path: the
    reference the next task gets."""
    path = folder / batch.FILE
    write_rows(path, batch.to_rows())
    return str(path)


def read_batch(kind: type[Batch], ref: str | Path) -> Batch:
    """Read the batch a stage wrote at `ref` as `kind`."""
    return kind.from_parts(_parts(read_rows(ref), ref, kind.KINDS))


def read_parts(ref: str | Path) -> dict[str, list[Any]]:
    """Read any stage's batch into its parts by kind ("outcome", "event", "quarantined", ...;
    "item": its documents and skips in order), each in file order."""
    return _parts(read_rows(ref), ref)
