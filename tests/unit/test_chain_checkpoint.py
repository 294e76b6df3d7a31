"""The chain checkpoint beside the log (pipeline/store/checkpoint.py): appends and rebuilds
verify from it and move it forward; a shorter, rewritten or edited log is refused."""

from __future__ import annotations

import json

import duckdb
import pytest

from pipeline.errors import ChainError
from pipeline.store.checkpoint import checkpoint_path, read_checkpoint
from pipeline.store.duckdb_store import DuckDBRecorder
from pipeline.store.views import rebuild_views
from tests.unit.test_store_contract import make_events


def logged(db, n=5, start=0):
    with DuckDBRecorder(db) as store:
        store.append(make_events(n, start=start), run_id=f"r{start}")
        return store.last_row(), store._row_digest(0, store.max_seq())


def test_appends_move_the_checkpoint_to_the_end_with_the_rows_fingerprint(fresh_db):
    logged(fresh_db, 3)
    last, digest = logged(fresh_db, 4, start=3)
    checkpoint = read_checkpoint(checkpoint_path(fresh_db))
    assert (checkpoint.seq, checkpoint.hash, checkpoint.digest) == (7, last[1], digest)


def test_an_append_to_a_log_shorter_than_its_checkpoint_is_refused(fresh_db):
    logged(fresh_db, 5)
    with duckdb.connect(str(fresh_db)) as con:
        con.execute("delete from events where seq > 3")
    with DuckDBRecorder(fresh_db) as store, pytest.raises(ChainError, match="ends at position 3"):
        store.append(make_events(1, start=50), run_id="r2")
    with DuckDBRecorder(fresh_db, read_only=True) as store:
        assert store.max_seq() == 3, "nothing appended"


def test_deleting_the_checkpoint_accepts_a_restored_log_after_verifying_it(fresh_db):
    logged(fresh_db, 5)
    with duckdb.connect(str(fresh_db)) as con:
        con.execute("delete from events where seq > 3")  # as an older backup would be
    checkpoint_path(fresh_db).unlink()
    with DuckDBRecorder(fresh_db) as store:
        assert store.append(make_events(1, start=50), run_id="r2").appended == 1
    assert read_checkpoint(checkpoint_path(fresh_db)).seq == 4


def test_a_rebuild_refuses_a_payload_edited_before_the_checkpoint(fresh_db):
    logged(fresh_db, 5)
    with duckdb.connect(str(fresh_db)) as con:
        con.execute("""update events set payload = '{"doc_id":"forged"}' where seq = 2""")
    with DuckDBRecorder(fresh_db) as store:
        with pytest.raises(ChainError, match="broken at position 2: row content"):
            rebuild_views(store)
        assert store.views_catalog is None, "nothing published"


def test_an_unreadable_checkpoint_means_the_whole_chain_is_verified(fresh_db, caplog):
    logged(fresh_db, 5)
    checkpoint_path(fresh_db).write_text("{not json", encoding="utf-8")
    with duckdb.connect(str(fresh_db)) as con:
        con.execute("""update events set payload = '{"doc_id":"forged"}' where seq = 4""")
    with DuckDBRecorder(fresh_db) as store, pytest.raises(ChainError, match="position 4"):
        store.append(make_events(1, start=50), run_id="r2")


def test_a_checkpoint_of_another_duckdb_version_is_checked_by_the_whole_chain(fresh_db):
    logged(fresh_db, 5)
    path = checkpoint_path(fresh_db)
    data = json.loads(path.read_text())
    path.write_text(json.dumps({**data, "engine": "0.0.1", "digest": 1}), encoding="utf-8")
    with DuckDBRecorder(fresh_db) as store:
        rebuild_views(store)  # a fingerprint it cannot compare is not a failure
    assert read_checkpoint(path).digest == logged(fresh_db, 0)[1]
