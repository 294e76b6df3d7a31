"""The recorder interface: append events, read them back, verify the chain, answer the
stages' lookups and keep the side tables (quarantine, validation results, run outcomes).

Stages, gates and commands depend on this interface only, and get a backend from
`pipeline.store.open_store`. Each backend (a DuckDB file; a DuckLake with its catalog in
PostgreSQL) passes the one contract suite in tests/unit/test_store_contract.py.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from pipeline.events import Event, RecordedEvent

if TYPE_CHECKING:
    import pandas as pd

    from pipeline.store.runs import RunState


@dataclass(frozen=True, slots=True)
class AppendResult:
    """What an append did: how many events landed, how many were already there."""

    appended: int
    already_present: int
    first_seq: int | None = None
    last_seq: int | None = None


@dataclass(frozen=True, slots=True)
class ChainReport:
    """Result of verifying the hash chain; `first_broken_seq` is None when intact."""

    checked: int
    first_broken_seq: int | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.first_broken_seq is None


@dataclass(frozen=True, slots=True)
class StoreCheck:
    """One of a backend's own integrity checks (what `monitor check` prints beside the chain)."""

    name: str
    ok: bool
    detail: str


class EventRecorder(ABC):
    """An append-only, hash-chained log of events. No update path exists."""

    read_only: bool = False

    @abstractmethod
    def append(self, events: Sequence[Event], run_id: str) -> AppendResult:
        """Append a batch atomically; events whose id is already logged are skipped."""

    @abstractmethod
    def read(
        self,
        after: int = 0,
        event_types: Iterable[str] | None = None,
        stream: str | None = None,
        limit: int | None = None,
    ) -> Iterator[RecordedEvent]:
        """Yield logged events with position greater than `after`, in order."""

    @abstractmethod
    def max_seq(self) -> int:
        """Return the last position in the log (0 when empty)."""

    @abstractmethod
    def last_row(self) -> tuple[int, str] | None:
        """Return the last position and its chain hash (None when the log is empty)."""

    @abstractmethod
    def hash_at(self, seq: int) -> str | None:
        """Return the chain hash at a position (None when the log does not reach it)."""

    @abstractmethod
    def known_ids(self, event_ids: Iterable[str]) -> set[str]:
        """Return which of these event ids are already logged."""

    @abstractmethod
    def verify_chain(self, after: int = 0, prev: str | None = None) -> ChainReport:
        """Recompute every hash after position `after` (whose hash is `prev`) and report the
        first broken position: the row that was edited or removed, not the one after it."""

    @abstractmethod
    def integrity_checks(self) -> list[StoreCheck]:
        """Check what the backend keeps beside the log (a checkpoint, an id file)."""

    # -- the stages' lookups ("what is already logged"), answered inside the store -------

    @abstractmethod
    def logged_urls(self, event_types: Iterable[str]) -> set[str]:
        """Every non-empty `url`, `canonical_url` and `fetched_url` in these types' payloads."""

    @abstractmethod
    def logged_content_hashes(self, event_type: str) -> set[str]:
        """Every non-empty `content_hash` in the payloads of one event type."""

    @abstractmethod
    def logged_texts(self, event_type: str, doc_ids: set[str]) -> dict[str, str]:
        """`text` by `doc_id` for these documents (the latest logged one wins)."""

    @abstractmethod
    def logged_payloads_published_between(
        self, event_type: str, low: date | None, high: date | None
    ) -> list[dict[str, Any]]:
        """Payloads of one event type, in log order, `published` within [low, high]."""

    @abstractmethod
    def logged_file_documents(self) -> set[tuple[str, str]]:
        """(file:// URL, content address) of every local file logged as a document."""

    @abstractmethod
    def count_events(self, event_type: str | None = None) -> int:
        """How many events the log holds (of one type, or all)."""

    # -- side tables -------------------------------------------------------------------------

    @abstractmethod
    def record_quarantine(self, rows: Sequence[Any], run_id: str) -> int:
        """Record rows a gate refused (each with .event, .suite, .expectation, .detail), each
        once for its suite and expectation whatever the run; return how many were new."""

    @abstractmethod
    def record_validations(self, summaries: Sequence[Mapping[str, Any]]) -> int:
        """Record validations (SuiteRun.to_dict), each once; return how many were new. A
        read-only store, or an old log without the table, records nothing."""

    @abstractmethod
    def record_run_outcome(self, run_id: str, kind: str, appended: int) -> None:
        """Record that a step of `kind` (ingest, views) finished."""

    @abstractmethod
    def run_states(self) -> list[RunState]:
        """How the last run of each kind ended (see pipeline.store.runs)."""

    # -- the published views -----------------------------------------------------------------

    @abstractmethod
    def view_frame(self, name: str) -> pd.DataFrame | None:
        """A published view relation as a frame (None: not built yet)."""

    @abstractmethod
    def current_statement_count(self) -> int:
        """How many statements the published views hold as current (0: none built)."""

    @abstractmethod
    def close(self) -> None:
        """Release the log."""

    def __enter__(self) -> EventRecorder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
