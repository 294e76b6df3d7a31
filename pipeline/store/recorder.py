"""The recorder interface: append events, read them back, verify the chain.

Stages depend on this interface only. A backend (DuckDB file today; DuckLake with a
PostgreSQL catalog later) implements it and passes the one contract test suite in
tests/unit/test_store_contract.py.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from pipeline.events import Event, RecordedEvent


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


class EventRecorder(ABC):
    """An append-only, hash-chained log of events. No update path exists."""

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
    def close(self) -> None:
        """Release the log."""

    def __enter__(self) -> EventRecorder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_store(
    db_path: Path | str,
    read_only: bool = False,
    views_path: Path | str | None = None,
    create: bool = True,
    wait: float = 0.0,
) -> EventRecorder:
    """Open the event log at `db_path` (a DuckDB file, or ':memory:') with its published views
    (`views_path`; by default `<log folder>/snapshot/<log name>_bi.duckdb`) attached. With
    `create=False` a path where no log exists is an error (commands that only read or
    rebuild from a log), not a new empty log. While another process holds the file, the
    open is retried for up to `wait` seconds before StoreBusyError (which names the holder)."""
    from pipeline.store.duckdb_store import DuckDBRecorder

    return DuckDBRecorder(
        db_path, read_only=read_only, views_path=views_path, create=create, wait=wait
    )
