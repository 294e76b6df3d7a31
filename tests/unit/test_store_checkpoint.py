"""The writer checkpoints on close, not every 16 MiB of WAL inside an append.

DuckDB 1.5 rewrites the whole event_id index at each checkpoint (duckdb/duckdb#24848), so
an automatic checkpoint inside an append made that one batch cost seconds on a big log.
"""

from __future__ import annotations

import random
from datetime import date

import duckdb

from pipeline.events import DOCUMENT_INGESTED, new_event
from pipeline.store.duckdb_store import DuckDBRecorder

# DuckDB's default automatic-checkpoint size; the writer's WAL must grow past it.
DEFAULT_THRESHOLD = 16 * 1024 * 1024


def big_events(n: int, size: int, seed: int) -> list:
    rng = random.Random(seed)
    # random text: DuckDB compresses the WAL's strings little, so the WAL grows by ~size
    alphabet = "abcdefghijklmnopqrstuvwxyz "
    return [
        new_event(
            DOCUMENT_INGESTED,
            f"document:{seed}-{i}",
            date(2025, 8, 1),
            {"doc_id": f"{seed}-{i}", "text": "".join(rng.choices(alphabet, k=size))},
            "test/1",
        )
        for i in range(n)
    ]


def test_wal_grows_past_the_default_threshold_and_is_checkpointed_on_close(tmp_path):
    path = tmp_path / "monitor.duckdb"
    wal = path.with_name(path.name + ".wal")
    store = DuckDBRecorder(path)
    for batch in range(6):
        store.append(big_events(8, 512 * 1024, seed=batch), run_id=f"r{batch}")
    # 24 MiB appended in 6 commits: with DuckDB's default one of them would have
    # checkpointed (and emptied the WAL) inside the append.
    assert wal.exists() and wal.stat().st_size > DEFAULT_THRESHOLD
    store.close()
    assert not wal.exists() or wal.stat().st_size == 0
    reopened = duckdb.connect(str(path), read_only=True)
    assert reopened.execute("select count(*) from events").fetchone() == (48,)
    reopened.close()


def test_explicit_checkpoint_empties_the_wal_and_keeps_every_event(tmp_path):
    path = tmp_path / "monitor.duckdb"
    wal = path.with_name(path.name + ".wal")
    store = DuckDBRecorder(path)
    store.append(big_events(4, 64 * 1024, seed=1), run_id="r1")
    assert wal.exists() and wal.stat().st_size > 0
    store.checkpoint()
    assert not wal.exists() or wal.stat().st_size == 0
    assert store.max_seq() == 4
    assert store.verify_chain().ok
    store.close()
