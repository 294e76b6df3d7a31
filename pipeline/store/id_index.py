"""The sorted event-id file beside the log: which event ids the log holds up to a position.

An append must skip the events already logged, so it asks which of its ids the log holds.
A unique index inside DuckDB answered that, but DuckDB loads such an index lazily, one
256 KiB block at a time: the 1,000 random ids of the first batch after opening a ten-million
event log read about a thousand blocks (250-380 ms), and every checkpoint rewrote the index
whole (about 10 s when a writer closed). This file holds the same answer as a sorted array
of fixed-width ids read through a memory map, so a lookup reads one 4 KiB page.

The file is a cache, never the record: it names the log position it covers and the chain
hash at that position, and a reader uses it only when the log's hash there matches. Events
after that position (the tail) are looked up in the log itself. A missing, stale, torn or
foreign file is ignored and rebuilt; it is written to a temporary name, synced and renamed
into place, so a reader sees the old file or the new one.

Layout (little-endian, in 4 KiB pages): a header page; then the fence, the first id of
each block of ids (a block is one page of ids: 128 ids of 32 bytes); then, from the next
page, `count` ids of `width` bytes each, sorted bytewise and unique, UTF-8, NUL-padded on
the right. A lookup finds each id's block in the fence (read once, 3 MB at ten million
ids), asks the kernel for all those pages at once, then compares within them: on a cold
page cache that is one batch of parallel reads instead of a chain of dependent ones per id
(a binary search through the whole file took 0.4-0.9 s for the first 1,000 ids).
"""

from __future__ import annotations

import contextlib
import mmap
import os
import secrets
import struct
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MAGIC = b"MONEVID2"
PAGE = 4096
# magic, width, ids per block, count, covered_seq, covered_hash (the log's chain hash
# there), fence offset, ids offset
HEADER = struct.Struct("<8sIIQQ64sQQ")
HASH_BYTES = 64


class IdIndexUnusable(Exception):
    """The file exists but cannot be used (torn, foreign, or from another version)."""


@dataclass(frozen=True, slots=True)
class IdIndexCheck:
    """What comparing the id file with the log found."""

    ok: bool
    detail: str


@dataclass(frozen=True, slots=True)
class EventIdIndex:
    """The ids of every event at positions 1..covered_seq, sorted."""

    covered_seq: int
    covered_hash: str
    ids: np.ndarray  # dtype S<width>, sorted, unique; a read-only view of the mapped file
    fence: np.ndarray  # the first id of each block, in memory
    block_ids: int
    mapping: mmap.mmap | None = None  # None when the file holds no ids
    ids_offset: int = 0

    @property
    def width(self) -> int:
        return self.ids.dtype.itemsize

    def __len__(self) -> int:
        return len(self.ids)

    def contains(self, event_ids: Iterable[str]) -> set[str]:
        """Return which of these ids the file holds."""
        wanted = {}
        for event_id in event_ids:
            raw = event_id.encode("utf-8")
            # An id longer than the widest stored one cannot be here (and must not be cut
            # short); nor can one ending in NUL (the file refuses them: padding hides it).
            if len(raw) <= self.width and raw[-1:] != b"\0":
                wanted[raw] = event_id
        if not wanted or not len(self.ids):
            return set()
        keys = np.array(list(wanted), dtype=self.ids.dtype)
        blocks = np.searchsorted(self.fence, keys, side="right") - 1
        inside = blocks >= 0
        keys, blocks = keys[inside], blocks[inside]
        self._prefetch(np.unique(blocks))
        full = len(self.ids) // self.block_ids
        hits = np.zeros(len(keys), dtype=bool)
        in_full = blocks < full
        if in_full.any():
            rows = self.ids[: full * self.block_ids].reshape(full, self.block_ids)
            candidates = rows[blocks[in_full]]
            hits[in_full] = (candidates == keys[in_full][:, None]).any(axis=1)
        if (~in_full).any():
            hits[~in_full] = np.isin(keys[~in_full], self.ids[full * self.block_ids :])
        return {wanted[raw] for raw in keys[hits].tolist()}

    def _prefetch(self, blocks: np.ndarray) -> None:
        """Ask the kernel for every page these blocks lie on, before reading any."""
        if self.mapping is None or not hasattr(mmap, "MADV_WILLNEED"):
            return
        span = self.block_ids * self.width
        for block in blocks.tolist():
            start = self.ids_offset + block * span
            first = start - start % PAGE
            self.mapping.madvise(mmap.MADV_WILLNEED, first, start + span - first)


def id_index_path(db_path: Path | str) -> Path:
    """Where the id file of the log at `db_path` lives: beside it."""
    return Path(f"{db_path}.ids")


def read_id_index(path: Path) -> EventIdIndex | None:
    """Map the file at `path` read-only; None when there is none. Raises IdIndexUnusable
    when the file is there but is not a whole id file of this format."""
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        return None
    with handle:
        size = os.fstat(handle.fileno()).st_size
        if size < HEADER.size:
            raise IdIndexUnusable(f"{path}: {size} bytes, shorter than the header")
        fields = HEADER.unpack(handle.read(HEADER.size))
        magic, width, block_ids, count, covered_seq, raw_hash, fence_offset, ids_offset = fields
        if magic != MAGIC:
            raise IdIndexUnusable(f"{path}: not an event-id file of this version ({magic!r})")
        if width < 1 or block_ids != _block_ids(width):
            raise IdIndexUnusable(f"{path}: id width {width}, {block_ids} ids a block")
        n_blocks = -(-count // block_ids)
        if (fence_offset, ids_offset) != _offsets(n_blocks, width) or (
            size != ids_offset + count * width
        ):
            raise IdIndexUnusable(
                f"{path}: {size} bytes where {count} ids of {width} bytes need"
                f" {_offsets(n_blocks, width)[1] + count * width} (torn write?)"
            )
        dtype = np.dtype(f"S{width}")
        mapping = None
        if count:
            mapping = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
            ids = np.frombuffer(mapping, dtype=dtype, count=count, offset=ids_offset)
            fence = np.frombuffer(mapping, dtype=dtype, count=n_blocks, offset=fence_offset)
            fence = fence.copy()  # in memory: every lookup starts here
        else:
            ids = fence = np.empty(0, dtype=dtype)
    covered_hash = raw_hash.rstrip(b"\0").decode("ascii", errors="replace")
    return EventIdIndex(
        covered_seq=covered_seq,
        covered_hash=covered_hash,
        ids=ids,
        fence=fence,
        block_ids=block_ids,
        mapping=mapping,
        ids_offset=ids_offset,
    )


def _block_ids(width: int) -> int:
    return max(1, PAGE // width)


def _offsets(n_blocks: int, width: int) -> tuple[int, int]:
    """Where the fence and the ids start: each on a page boundary."""
    fence_offset = PAGE
    ids_offset = fence_offset + -(-(n_blocks * width) // PAGE) * PAGE
    return fence_offset, ids_offset


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
    ids = np.ascontiguousarray(ids, dtype=f"S{width}")
    block_ids = _block_ids(width)
    fence = np.ascontiguousarray(ids[::block_ids])
    fence_offset, ids_offset = _offsets(len(fence), width)
    header = HEADER.pack(
        MAGIC, width, block_ids, len(ids), covered_seq, raw_hash, fence_offset, ids_offset
    )
    temporary = path.with_name(f"{path.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}")
    try:
        with temporary.open("wb") as handle:
            handle.write(header.ljust(fence_offset, b"\0"))
            handle.write(fence.data)
            handle.write(b"\0" * (ids_offset - fence_offset - fence.nbytes))
            handle.write(ids.data)
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
