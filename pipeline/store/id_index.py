"""The sorted event-id file beside the log: which event ids the log holds up to a position.

An append must skip the events already logged, so it asks which of its ids the log holds.
A unique index inside DuckDB answered that, but DuckDB loads such an index lazily, one
256 KiB block at a time: the 1,000 random ids of the first batch after opening a ten-million
event log read about a thousand blocks (250-380 ms), and every checkpoint rewrote the index
whole (about 10 s when a writer closed). This file holds the same answer as a sorted array
of fixed-width ids, looked up by binary search through a memory map, so a lookup reads a
few 4 KiB pages.

The file is a cache, never the record: it names the log position it covers and the chain
hash at that position, and a reader uses it only when the log's hash there matches. Events
after that position (the tail) are looked up in the log itself. A missing, stale, torn or
foreign file is ignored and rebuilt; it is written to a temporary name, synced and renamed
into place, so a reader sees the old file or the new one.

Layout (little-endian): a 96-byte header, then `count` ids of `width` bytes each, sorted
bytewise and unique, UTF-8, NUL-padded on the right.
"""

from __future__ import annotations

import contextlib
import os
import struct
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MAGIC = b"MONEVID1"
# magic, width, reserved, count, covered_seq, covered_hash (the log's chain hash there)
HEADER = struct.Struct("<8sIIQQ64s")
HASH_BYTES = 64


class IdIndexUnusable(Exception):
    """The file exists but cannot be used (torn, foreign, or from another version)."""


@dataclass(frozen=True, slots=True)
class EventIdIndex:
    """The ids of every event at positions 1..covered_seq, sorted."""

    covered_seq: int
    covered_hash: str
    ids: np.ndarray  # dtype S<width>, sorted, unique; usually a read-only memory map

    @property
    def width(self) -> int:
        return self.ids.dtype.itemsize

    def __len__(self) -> int:
        return len(self.ids)

    def contains(self, event_ids: Iterable[str]) -> set[str]:
        """Return which of these ids the file holds."""
        wanted = [(i, i.encode("utf-8")) for i in event_ids]
        # An id longer than the widest stored one cannot be here (and must not be cut short);
        # nor can one ending in NUL (the file refuses them: padding would hide the NUL).
        wanted = [(i, raw) for i, raw in wanted if len(raw) <= self.width and raw[-1:] != b"\0"]
        if not wanted or not len(self.ids):
            return set()
        keys = np.array([raw for _, raw in wanted], dtype=self.ids.dtype)
        order = np.argsort(keys, kind="stable")  # sorted probes share the top of the search
        positions = np.searchsorted(self.ids, keys[order])
        inside = positions < len(self.ids)
        hits = np.zeros(len(keys), dtype=bool)
        hits[order[inside]] = self.ids[positions[inside]] == keys[order][inside]
        return {wanted[n][0] for n in np.flatnonzero(hits)}


def id_index_path(db_path: Path | str) -> Path:
    """Where the id file of the log at `db_path` lives: beside it."""
    return Path(f"{db_path}.ids")


def read_id_index(path: Path) -> EventIdIndex | None:
    """Map the file at `path` read-only; None when there is none. Raises IdIndexUnusable
    when the file is there but is not a whole id file of this format."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return None
    if size < HEADER.size:
        raise IdIndexUnusable(f"{path}: {size} bytes, shorter than the header")
    with path.open("rb") as handle:
        magic, width, _reserved, count, covered_seq, raw_hash = HEADER.unpack(
            handle.read(HEADER.size)
        )
    if magic != MAGIC:
        raise IdIndexUnusable(f"{path}: not an event-id file (magic {magic!r})")
    if width < 1:
        raise IdIndexUnusable(f"{path}: id width {width}")
    if size != HEADER.size + count * width:
        raise IdIndexUnusable(
            f"{path}: {size} bytes where {count} ids of {width} bytes need"
            f" {HEADER.size + count * width} (torn write?)"
        )
    if count:
        ids = np.memmap(path, dtype=f"S{width}", mode="r", offset=HEADER.size, shape=(count,))
    else:
        ids = np.empty(0, dtype=f"S{width}")
    covered_hash = raw_hash.rstrip(b"\0").decode("ascii", errors="replace")
    return EventIdIndex(covered_seq=covered_seq, covered_hash=covered_hash, ids=ids)


def encode_ids(event_ids: Iterable[str]) -> np.ndarray:
    """Fixed-width UTF-8 bytes of these ids, sorted and unique. Raises ValueError for an id
    ending in NUL, which NUL padding cannot tell from the same id without it."""
    values = np.fromiter(event_ids, dtype=object)
    if not len(values):
        return np.empty(0, dtype="S1")
    try:
        raw = values.astype("S")  # ASCII, as every id the pipeline makes: encoded in C
        lengths = np.fromiter(map(len, values), dtype=np.int64, count=len(values))
    except UnicodeEncodeError:
        encoded = [v.encode("utf-8") for v in values]
        raw = np.array(encoded, dtype="S")
        lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
    if np.any(np.char.str_len(raw) != lengths):
        raise ValueError("an event id ends in NUL; the id file cannot hold it")
    return sorted_unique(raw)


def sorted_unique(ids: np.ndarray) -> np.ndarray:
    """Sort in place and drop repeats (np.unique is several times slower on bytes)."""
    ids.sort(kind="stable")
    if len(ids) < 2:
        return ids
    keep = np.empty(len(ids), dtype=bool)
    keep[0] = True
    np.not_equal(ids[1:], ids[:-1], out=keep[1:])
    return ids if keep.all() else ids[keep]


def merge_ids(sorted_ids: np.ndarray, more: np.ndarray) -> np.ndarray:
    """Merge two sorted, unique id arrays (of any widths) into one."""
    width = max(sorted_ids.dtype.itemsize, more.dtype.itemsize)
    base = np.asarray(sorted_ids).astype(f"S{width}", copy=False)
    extra = more.astype(f"S{width}", copy=False)
    positions = np.searchsorted(base, extra)
    found = np.zeros(len(extra), dtype=bool)
    inside = positions < len(base)
    found[inside] = base[positions[inside]] == extra[inside]
    return np.insert(base, positions[~found], extra[~found])


def write_id_index(path: Path, ids: np.ndarray, covered_seq: int, covered_hash: str) -> None:
    """Write sorted, unique `ids` covering positions 1..covered_seq, atomically."""
    raw_hash = covered_hash.encode("ascii")
    if len(raw_hash) > HASH_BYTES:
        raise ValueError(f"chain hash longer than {HASH_BYTES} bytes")
    width = max(ids.dtype.itemsize, 1)
    header = HEADER.pack(MAGIC, width, 0, len(ids), covered_seq, raw_hash)
    temporary = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    try:
        with temporary.open("wb") as handle:
            handle.write(header)
            if len(ids):
                handle.write(np.ascontiguousarray(ids, dtype=f"S{width}").data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise
    _sync_folder(path.parent)


def remove_stale_temporaries(path: Path) -> list[Path]:
    """Delete temporary files a killed writer left beside `path`. Only the log's writer,
    which holds DuckDB's file lock, may call this: no live process is writing one then."""
    removed = []
    for leftover in path.parent.glob(f"{path.name}.tmp-*"):
        with contextlib.suppress(OSError):
            leftover.unlink()
            removed.append(leftover)
    return removed


def _sync_folder(folder: Path) -> None:
    # The rename is durable only once the folder's entry is on disk.
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
