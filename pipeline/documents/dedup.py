"""Deduplicate: drop exact copies (same normalised text) and near copies (syndicated stories).

Near copies are found with MinHash LSH over word shingles: each text becomes the set of its
5-word shingles, summarised by 128 datasketch MinHash values; banding those values (18
bands of 7, datasketch's choice for the threshold below) finds candidates in time that does
not grow with the index, and the candidates are then checked by their estimated Jaccard
similarity. The bands live in sorted numpy arrays rather than datasketch's MinHashLSH: the
same candidates, a fraction of the memory, and a load that is a sort (see `_Bands`). A wire
story reprinted with its own headline, standfirst and a few edited words keeps most of its
5-word shingles (the corpus pair: J = 0.77), and trimming a copy's last paragraphs lowers J
quickly; two reports on the same topic share almost none (J < 0.05 in the corpus). So the
threshold sits at 0.6, below the usual 0.7, to keep trimmed copies, still far from distinct
articles.

The index lives in one `.npz` file (signatures, ids, hashes and URLs; no pickle) written
atomically. It covers exactly the DOCUMENT_INGESTED events of one log up to a position,
and records that position and the log's chain hash there (as the sorted event-id file
does): `load_for_log` uses it only when the log's hash at that position matches, adds the
documents logged after it, and rebuilds it from the log when it is missing, unreadable,
built with other parameters, from another log or ahead of this one. Documents of a batch
are added in memory while it is deduplicated, but the file is saved only from the log:
before a batch is gated, or after its events were appended. A document refused at the
gate is therefore never in the saved index, and no later copy is called its duplicate.
"""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Callable, Iterable, Mapping, Set
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from datasketch import MinHash, MinHashLSH

from pipeline.documents.extract import content_hash, document_from_dict
from pipeline.documents.model import Document
from pipeline.documents.raw_store import write_atomic
from pipeline.events import DOCUMENT_INGESTED, Event
from pipeline.payloads import DuplicateDetected

LOG = logging.getLogger(__name__)

EXACT = "exact"
NEAR = "near"
FORMAT_VERSION = 1
_SCHEME = "affine32"
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True, slots=True)
class DedupParams:
    """How texts are sketched and compared; an index built with others is rebuilt."""

    num_perm: int = 128
    shingle_size: int = 5
    threshold: float = 0.6
    seed: int = 1


def shingles(text: str, size: int = 5) -> set[bytes]:
    """Return the set of lower-cased word n-grams of a text, as UTF-8 bytes."""
    words = _WORD.findall(text.casefold())
    if len(words) <= size:
        return {" ".join(words).encode("utf-8")} if words else set()
    return {" ".join(words[i : i + size]).encode("utf-8") for i in range(len(words) - size + 1)}


@dataclass(frozen=True, slots=True)
class Match:
    """An indexed document that a new one duplicates."""

    doc_id: str
    url: str
    method: str
    similarity: float


class _Bands:
    """LSH buckets as a few sorted arrays of (band hash, position) pairs.

    The same banding as datasketch's MinHashLSH (its b and r for the threshold), but each
    band of r values is folded, with its band number, into one 64-bit hash. New rows go to
    a small unsorted tail; a full tail is sorted into a run, and runs of similar size are
    merged (as in a log-structured merge tree), so the runs shrink geometrically: about
    log2(n / tail) of them, and each row is re-sorted only that many times. (Merging every
    tail into one big array made inserting quadratic: at 1M documents each merge re-sorted
    18M keys.) A query is a binary search per run (two where a bucket matches) plus a scan
    of the tail; 1M documents take ~216 MB (uint64 keys, int32 positions) instead of
    gigabytes of Python dicts and sets, and loading is one sort rather than 1M inserts. A
    64-bit fold collision only adds a candidate, which the similarity check then drops.
    """

    _TAIL = 4096

    def __init__(self, bands: int, rows: int) -> None:
        self.bands, self.rows = bands, rows
        self._runs: list[tuple[np.ndarray, np.ndarray]] = []  # (keys, positions), biggest first
        self._tail_keys = np.zeros((self._TAIL, bands), dtype=np.uint64)
        self._tail_positions = np.zeros(self._TAIL, dtype=np.int32)
        self._tail_size = 0

    def hashes(self, signatures: np.ndarray) -> np.ndarray:
        """Return the (n, bands) band hashes of (n, num_perm) signatures."""
        sig = np.atleast_2d(signatures)[:, : self.bands * self.rows].astype(np.uint64)
        sig = sig.reshape(len(sig), self.bands, self.rows)
        folded = np.broadcast_to(np.arange(1, self.bands + 1, dtype=np.uint64), sig.shape[:2])
        with np.errstate(over="ignore"):
            for column in range(self.rows):
                folded = (folded ^ sig[:, :, column]) * np.uint64(0x100000001B3)
        return folded

    def add(self, band_hashes: np.ndarray, position: int) -> None:
        """Add one row's band hashes."""
        self._tail_keys[self._tail_size] = band_hashes
        self._tail_positions[self._tail_size] = position
        self._tail_size += 1
        if self._tail_size == self._TAIL:
            self._merge()

    def load(self, band_hashes: np.ndarray) -> None:
        """Replace the contents with rows 0..n-1 of (n, bands) band hashes."""
        self._tail_size = 0
        self._runs = []
        positions = np.arange(len(band_hashes), dtype=np.int32)
        self._push(band_hashes.ravel(), np.repeat(positions, self.bands))

    def _merge(self) -> None:
        size, self._tail_size = self._tail_size, 0
        keys = self._tail_keys[:size].ravel()  # a copy: the tail is reused
        self._push(keys, np.repeat(self._tail_positions[:size], self.bands))

    def _push(self, keys: np.ndarray, positions: np.ndarray) -> None:
        if not len(keys):
            return
        order = np.argsort(keys, kind="stable")
        keys, positions = keys[order], positions[order]
        while self._runs and len(self._runs[-1][0]) <= len(keys):
            run_keys, run_positions = self._runs.pop()
            keys = np.concatenate([run_keys, keys])
            positions = np.concatenate([run_positions, positions])
            order = np.argsort(keys, kind="stable")  # timsort: merges the two sorted runs
            keys, positions = keys[order], positions[order]
        self._runs.append((keys, positions))

    def candidates(self, band_hashes: np.ndarray) -> set[int]:
        """Return the positions sharing at least one band with the query."""
        found: set[int] = set()
        for keys, positions in self._runs:
            lo = np.searchsorted(keys, band_hashes, side="left")
            hit = keys[np.minimum(lo, len(keys) - 1)] == band_hashes
            if not hit.any():  # the usual case: no bucket of this run matches
                continue
            hi = np.searchsorted(keys, band_hashes[hit], side="right")
            for start, stop in zip(lo[hit].tolist(), hi.tolist(), strict=True):
                found.update(positions[start:stop].tolist())
        if self._tail_size:
            size = self._tail_size
            hits = np.any(self._tail_keys[:size] == band_hashes, axis=1)
            found.update(self._tail_positions[:size][hits].tolist())
        return found


class NearDuplicateIndex:
    """Exact hashes plus MinHash LSH bands of every document ingested so far."""

    def __init__(self, params: DedupParams | None = None) -> None:
        self.params = params or DedupParams()
        self._permutations = MinHash(
            num_perm=self.params.num_perm, seed=self.params.seed
        ).permutations
        # datasketch chooses the bands (b) and rows per band (r) that minimise false
        # positives plus false negatives at the threshold: 18 x 7 for 0.6 and 128 perms.
        shape = MinHashLSH(threshold=self.params.threshold, num_perm=self.params.num_perm)
        self._bands = _Bands(shape.b, shape.r)
        self._doc_ids: list[str] = []
        self._urls: list[str] = []
        self._hashes: list[str] = []
        self._signatures = np.zeros((64, self.params.num_perm), dtype=np.uint32)
        self._position: dict[str, int] = {}
        self._by_hash: dict[str, int] = {}
        # The log position (seq, chain hash) whose documents this index holds, if known.
        self.covered: tuple[int, str] | None = None

    def __len__(self) -> int:
        return len(self._doc_ids)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._position

    def sketch(self, text: str) -> MinHash:
        """Return the MinHash of a text's shingles."""
        minhash = self._minhash()
        minhash.update_batch(shingles(text, self.params.shingle_size))
        return minhash

    def _minhash(self, hashvalues: np.ndarray | None = None) -> MinHash:
        return MinHash(
            num_perm=self.params.num_perm,
            seed=self.params.seed,
            permutations=self._permutations,
            hashvalues=hashvalues,
            scheme=_SCHEME,
        )

    def add(
        self,
        doc_id: str,
        text: str,
        *,
        url: str = "",
        text_hash: str | None = None,
        minhash: MinHash | None = None,
    ) -> None:
        """Index a document (a doc_id already indexed is left as it is)."""
        if doc_id in self._position:
            return
        minhash = minhash if minhash is not None else self.sketch(text)
        row = np.asarray(minhash.hashvalues, dtype=np.uint32)
        position = len(self._doc_ids)
        if position == len(self._signatures):
            grown = np.zeros((2 * position, self.params.num_perm), dtype=np.uint32)
            grown[:position] = self._signatures
            self._signatures = grown
        self._signatures[position] = row
        self._doc_ids.append(doc_id)
        self._urls.append(url)
        text_hash = text_hash or content_hash(text)
        self._hashes.append(text_hash)
        self._position[doc_id] = position
        self._by_hash.setdefault(text_hash, position)
        self._bands.add(self._bands.hashes(row)[0], position)

    def exact(self, text_hash: str) -> Match | None:
        """Return the indexed document with this exact text hash, if any."""
        position = self._by_hash.get(text_hash)
        if position is None:
            return None
        return Match(self._doc_ids[position], self._urls[position], EXACT, 1.0)

    def near(self, minhash: MinHash) -> Match | None:
        """Return the earliest indexed document at least `threshold` similar, if any."""
        query = np.asarray(minhash.hashvalues, dtype=np.uint32)
        candidates = sorted(self._bands.candidates(self._bands.hashes(query)[0]))
        if not candidates:
            return None
        similarity = np.mean(self._signatures[candidates] == query, axis=1)
        above = np.flatnonzero(similarity >= self.params.threshold)
        if above.size == 0:
            return None
        position = candidates[int(above[0])]  # candidates are sorted: the earliest wins
        score = round(float(similarity[above[0]]), 4)
        return Match(self._doc_ids[position], self._urls[position], NEAR, score)

    def url_of(self, doc_id: str) -> str | None:
        """Return the URL a doc_id was indexed with."""
        position = self._position.get(doc_id)
        return None if position is None else self._urls[position]

    # --- persistence ------------------------------------------------------------------------

    def save(self, path: Path | str) -> None:
        """Write the index to one .npz file, atomically."""
        header = {"format": FORMAT_VERSION, "scheme": _SCHEME, **_params_dict(self.params)}
        if self.covered is not None:
            header["covered_seq"], header["covered_hash"] = self.covered
        buffer = io.BytesIO()
        np.savez(
            buffer,
            header=np.array(json.dumps(header)),
            signatures=self._signatures[: len(self)],
            doc_ids=_utf8_array(self._doc_ids),
            urls=_utf8_array(self._urls),
            hashes=_utf8_array(self._hashes),
        )
        write_atomic(Path(path), buffer.getvalue())

    @classmethod
    def load(cls, path: Path | str, params: DedupParams | None = None) -> NearDuplicateIndex:
        """Read an index written by `save`; raise ValueError if it has other parameters."""
        wanted = params or DedupParams()
        with np.load(Path(path), allow_pickle=False) as data:
            header = json.loads(str(data["header"]))
            if header.get("format") != FORMAT_VERSION or header.get("scheme") != _SCHEME:
                raise ValueError(f"index format {header.get('format')!r} is not supported")
            if {k: header.get(k) for k in _params_dict(wanted)} != _params_dict(wanted):
                raise ValueError("index was built with other parameters")
            signatures = np.asarray(data["signatures"], dtype=np.uint32)
            doc_ids = [v.decode("utf-8") for v in data["doc_ids"].tolist()]
            urls = [v.decode("utf-8") for v in data["urls"].tolist()]
            hashes = [v.decode("utf-8") for v in data["hashes"].tolist()]
        if not (len(signatures) == len(doc_ids) == len(urls) == len(hashes)):
            raise ValueError("index arrays have different lengths")
        if signatures.ndim != 2 or signatures.shape[1] != wanted.num_perm:
            raise ValueError("index signatures have the wrong shape")
        index = cls(wanted)
        if isinstance(header.get("covered_seq"), int) and isinstance(
            header.get("covered_hash"), str
        ):
            index.covered = (header["covered_seq"], header["covered_hash"])
        index._signatures = signatures if len(signatures) else index._signatures
        index._doc_ids, index._urls, index._hashes = doc_ids, urls, hashes
        index._position = {doc_id: n for n, doc_id in enumerate(doc_ids)}
        for n in range(len(hashes) - 1, -1, -1):  # the earliest position of each hash wins
            index._by_hash[hashes[n]] = n
        if len(signatures):
            index._bands.load(index._bands.hashes(signatures))
        return index

    @classmethod
    def rebuild(
        cls, documents: Iterable[Any], params: DedupParams | None = None
    ) -> NearDuplicateIndex:
        """Build an index from Documents, DOCUMENT_INGESTED events or their payloads."""
        index = cls(params)
        for item in documents:
            doc = _as_document(item)
            if doc is not None:
                index.add(doc.doc_id, doc.text, url=doc.url)
        return index

    @classmethod
    def load_or_rebuild(
        cls,
        path: Path | str,
        documents: Iterable[Any] | Callable[[], Iterable[Any]],
        params: DedupParams | None = None,
    ) -> NearDuplicateIndex:
        """Load the saved index, or rebuild it from the documents (and save) if that fails."""
        path = Path(path)
        if path.exists():
            try:
                return cls.load(path, params)
            except Exception as err:  # noqa: BLE001 - any unreadable file means: rebuild
                LOG.warning("dedup index %s unusable (%s): rebuilding from events", path, err)
        source = documents() if callable(documents) else documents
        index = cls.rebuild(source, params)
        index.save(path)
        return index

    @classmethod
    def load_for_log(
        cls,
        path: Path | str,
        position: tuple[int, str] | None,
        hash_at: Callable[[int], str | None],
        documents_after: Callable[[int], Iterable[Any]],
        params: DedupParams | None = None,
    ) -> tuple[NearDuplicateIndex, bool]:
        """Return the index of the log's documents up to `position` (its last row: seq and
        chain hash; None for an empty log) and whether it differs from the saved file.

        The saved index is used when the log's chain hash at the position it covers is the
        one it records (`hash_at(seq)`); the documents logged after that position are then
        added (`documents_after(seq)`). Otherwise (no file, unreadable, other parameters,
        another log, or a position this log does not reach) it is rebuilt from the log."""
        path = Path(path)
        index, why = None, "no index yet"
        if path.exists():
            try:
                index = cls.load(path, params)
                why = _foreign_reason(index, hash_at)
            except Exception as err:  # noqa: BLE001 - any unreadable file means: rebuild
                why = f"unusable ({err})"
            if why is not None:
                LOG.warning("dedup index %s %s: rebuilding it from the log", path, why)
                index = None
        if index is None:
            index = cls(params)
            index.covered = (0, "")
        before = index.covered
        for item in documents_after(index.covered[0]):
            doc = _as_document(item)
            if doc is not None:
                index.add(doc.doc_id, doc.text, url=doc.url)
        index.covered = position or (0, "")
        return index, index.covered != before or why is not None


def _foreign_reason(index: NearDuplicateIndex, hash_at: Callable[[int], str | None]) -> str | None:
    """Why a loaded index does not belong to the log (None when it does)."""
    if index.covered is None:
        return "records no log position (written before indexes were keyed to their log)"
    seq, digest = index.covered
    if seq == 0:
        return None if not len(index) else "holds documents but covers no log position"
    found = hash_at(seq)
    if found == digest:
        return None
    if found is None:
        return f"covers position {seq}, which this log does not reach"
    return f"covers position {seq} with hash {digest[:12]}, which this log has as {found[:12]}"


def _utf8_array(values: list[str]) -> np.ndarray:
    return np.array([v.encode("utf-8") for v in values], dtype=bytes)


def _params_dict(params: DedupParams) -> dict[str, Any]:
    return {
        "num_perm": params.num_perm,
        "shingle_size": params.shingle_size,
        "threshold": params.threshold,
        "seed": params.seed,
    }


def _as_document(item: Any) -> Document | None:
    if isinstance(item, Document):
        return item
    event = getattr(item, "event", item)  # RecordedEvent -> Event
    if hasattr(event, "payload"):
        if getattr(event, "event_type", DOCUMENT_INGESTED) != DOCUMENT_INGESTED:
            return None
        item = event.payload
    if isinstance(item, Mapping) and "doc_id" in item and "text" in item:
        return document_from_dict({"source": "", "url": "", **item})
    return None


def duplicate_event(
    doc: Document, match: Match, producer: str, *, today: date | None = None
) -> Event:
    """Return the DUPLICATE_DETECTED event saying `doc` copies an indexed document."""
    payload = DuplicateDetected(
        doc_id=doc.doc_id,
        canonical_doc_id=match.doc_id,
        canonical_url=match.url,
        url=doc.url,
        source=doc.source,
        method=match.method,
        similarity=match.similarity,
    )
    occurred = doc.published or today or date.today()
    return payload.event(f"document:{match.doc_id}", occurred, producer)


def deduplicate(
    docs: Iterable[Document],
    index: NearDuplicateIndex,
    known_hashes: Mapping[str, str] | Set[str] | None = None,
    *,
    producer: str = "dedup/1",
    today: date | None = None,
) -> tuple[list[Document], list[Event]]:
    """Split documents into new ones (added to the index) and DUPLICATE_DETECTED events.

    The first copy wins, in the index and within the batch. `known_hashes` adds content
    hashes ingested elsewhere (a mapping gives each hash's URL). A document already indexed
    under the same URL passes through again unchanged: its events are the same as before,
    so appending them is a no-op, and nothing is lost if an earlier run stopped before its
    append. The same document twice in one batch is kept once.
    """
    unique: list[Document] = []
    events: list[Event] = []
    batch_urls: set[tuple[str, str]] = set()
    for doc in docs:
        text_hash = content_hash(doc.text)
        if (doc.doc_id, doc.url) in batch_urls:
            continue
        match = index.exact(text_hash)
        if match is None and known_hashes is not None and text_hash in known_hashes:
            known_url = known_hashes.get(text_hash, "") if isinstance(known_hashes, Mapping) else ""
            match = Match(doc.doc_id, known_url or "", EXACT, 1.0)
        if match is not None and match.url == doc.url:
            match = None  # the same page seen again: not a copy of itself
            if doc.doc_id in index:
                batch_urls.add((doc.doc_id, doc.url))
                unique.append(doc)
                continue
        minhash = None
        if match is None:
            minhash = index.sketch(doc.text)
            match = index.near(minhash)
        if match is not None:
            events.append(duplicate_event(doc, match, producer, today=today))
            continue
        index.add(doc.doc_id, doc.text, url=doc.url, text_hash=text_hash, minhash=minhash)
        batch_urls.add((doc.doc_id, doc.url))
        unique.append(doc)
    return unique, events
