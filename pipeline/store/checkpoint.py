"""The chain checkpoint beside the log: the last position a writer verified, and proof of it.

A writer that appends, or rebuilds the views, first verifies the hash chain from here
rather than from the first event (14 s per million events in Python), and moves it forward
afterwards. It records the position, the chain hash there, and a fingerprint of every row
up to it (`sql/store/row_digest.sql`: the xor of DuckDB's hash of each row, 0.6-0.75 s per
million events, computed by the database). So:

- a log that ends before the checkpoint lost events (deleted, or an older backup restored)
  and is refused, not taken for a shorter history;
- a log whose hash at the checkpoint differs was rewritten;
- a log whose rows up to the checkpoint no longer give its fingerprint was edited in place
  (a payload changed, its stored hash left as it was): a rebuild checks this before it
  publishes views; an append, which must stay cheap, checks the position and hash only.

In every such case the full chain is verified once to name the first edited row. The file
is JSON, written to a temporary name, synced and renamed. It is not a cache: deleting it
makes the next writer verify the whole chain again, which is also how a log deliberately
restored from a backup is accepted.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb

from pipeline.documents.raw_store import write_atomic


@dataclass(frozen=True, slots=True)
class ChainCheckpoint:
    """Positions 1..seq were verified; `digest` fingerprints them (None: not computed) with
    the hash function of DuckDB `engine`."""

    seq: int
    hash: str
    digest: int | None
    engine: str = duckdb.__version__

    @property
    def digest_usable(self) -> bool:
        """Whether this DuckDB computes the fingerprint as the one that wrote it did."""
        return self.digest is not None and self.engine == duckdb.__version__


def checkpoint_path(db_path: Path | str) -> Path:
    """Where the checkpoint of the log at `db_path` lives: beside it."""
    return Path(f"{db_path}.chain")


def read_checkpoint(path: Path) -> ChainCheckpoint | None:
    """Read the checkpoint at `path` (None when there is none). Raises ValueError when the
    file is there but unreadable."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    try:
        data = json.loads(text)
        checkpoint = ChainCheckpoint(
            seq=int(data["seq"]),
            hash=str(data["hash"]),
            digest=None if data.get("digest") is None else int(data["digest"]),
            engine=str(data.get("engine", "")),
        )
    except (ValueError, KeyError, TypeError) as err:
        raise ValueError(f"{path}: not a chain checkpoint ({err})") from err
    if checkpoint.seq < 0:
        raise ValueError(f"{path}: negative position {checkpoint.seq}")
    return checkpoint


def write_checkpoint(path: Path, checkpoint: ChainCheckpoint) -> None:
    """Write the checkpoint atomically (temporary file, fsync, rename)."""
    write_atomic(path, (json.dumps(asdict(checkpoint), sort_keys=True) + "\n").encode("utf-8"))
