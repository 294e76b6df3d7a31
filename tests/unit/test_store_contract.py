"""One contract every event-log backend passes: append, read, idempotency, the chain, the
stages' lookups, the side tables, the checks, the views, and two writers at once.

Each backend is a subclass with its own `open_log` fixture (a function that opens one more
recorder on the same log): a DuckDB file, DuckDB in memory, and a DuckLake whose catalog is
a PostgreSQL database of its own (skipped when no PostgreSQL answers).
"""

from __future__ import annotations

import re
import threading
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest

from pipeline.events import DOCUMENT_INGESTED, FETCH_FAILED, STATEMENT_EXTRACTED, new_event
from pipeline.quality.quarantine import QuarantinedRow
from pipeline.store import open_store
from pipeline.store.duckdb_store import DuckDBRecorder
from pipeline.store.views import rebuild_views


def make_events(n: int, start: int = 0, producer: str = "test/1"):
    return [
        new_event(
            DOCUMENT_INGESTED,
            f"document:{i}",
            date(2025, 1, 1 + i % 28),
            {"doc_id": f"d{i}", "text": f"text {i} ü"},
            producer,
        )
        for i in range(start, start + n)
    ]


def document(i: int, **payload):
    fields = {"doc_id": f"d{i}", "text": f"text {i}", "url": f"https://example.org/{i}"}
    return new_event(
        DOCUMENT_INGESTED, f"document:d{i}", date(2025, 1, 1), {**fields, **payload}, "test/1"
    )


class RecorderContract:
    """Behaviour shared by every backend."""

    two_writers = True  # whether two recorders can share this log (not two in-memory logs)

    @pytest.fixture
    def open_log(self):
        raise NotImplementedError

    @pytest.fixture
    def store(self, open_log):
        with open_log() as store:
            yield store

    def test_append_assigns_consecutive_positions(self, store):
        result = store.append(make_events(3), run_id="r1")
        assert (result.appended, result.first_seq, result.last_seq) == (3, 1, 3)
        assert [r.seq for r in store.read()] == [1, 2, 3]

    def test_read_returns_events_as_appended(self, store):
        events = make_events(2)
        store.append(events, run_id="r1")
        back = [r.event for r in store.read()]
        assert back == events

    def test_append_of_duplicate_batch_adds_nothing(self, store):
        store.append(make_events(3), run_id="r1")
        again = store.append(make_events(3), run_id="r2")
        assert (again.appended, again.already_present) == (0, 3)
        assert store.max_seq() == 3

    def test_last_row_and_hash_at_name_positions_and_their_chain_hashes(self, store):
        assert store.last_row() is None and store.hash_at(1) is None
        store.append(make_events(3), run_id="r1")
        hashes = [r.hash for r in store.read()]
        assert store.last_row() == (3, hashes[-1])
        assert [store.hash_at(seq) for seq in (1, 2, 3, 4)] == [*hashes, None]

    def test_empty_batch_moves_no_position(self, store):
        result = store.append([], run_id="r1")
        assert result.appended == 0 and store.max_seq() == 0

    def test_partly_known_batch_appends_only_new_events(self, store):
        store.append(make_events(2), run_id="r1")
        result = store.append(make_events(4), run_id="r2")
        assert (result.appended, result.already_present) == (2, 2)
        assert store.max_seq() == 4

    def test_repeats_within_one_batch_are_logged_once(self, store):
        events = make_events(2)
        store.append(events + events, run_id="r1")
        assert store.max_seq() == 2

    def test_new_producer_version_makes_new_events(self, store):
        store.append(make_events(2, producer="test/1"), run_id="r1")
        result = store.append(make_events(2, producer="test/2"), run_id="r2")
        assert result.appended == 2

    def test_read_filters_by_type_and_position(self, store):
        store.append(make_events(3), run_id="r1")
        failure = new_event(FETCH_FAILED, "url:x", date(2025, 1, 1), {"url": "x"}, "test/1")
        store.append([failure], run_id="r2")
        assert [r.seq for r in store.read(after=2)] == [3, 4]
        assert [r.event_type for r in store.read(event_types=[FETCH_FAILED])] == [FETCH_FAILED]
        assert [r.seq for r in store.read(limit=2)] == [1, 2]

    def test_known_ids_reports_logged_ids(self, store):
        events = make_events(2)
        store.append(events[:1], run_id="r1")
        assert store.known_ids([e.event_id for e in events]) == {events[0].event_id}

    def test_chain_verifies_after_several_batches(self, store):
        store.append(make_events(3), run_id="r1")
        store.append(make_events(3, start=3), run_id="r2")
        report = store.verify_chain()
        assert report.ok and report.checked == 6

    def test_chain_links_each_row_to_the_previous(self, store):
        store.append(make_events(3), run_id="r1")
        rows = list(store.read())
        assert rows[0].prev_hash == "0" * 64
        assert [r.prev_hash for r in rows[1:]] == [r.hash for r in rows[:-1]]

    # -- the stages' lookups ----------------------------------------------------------------

    def test_logged_urls_gathers_every_url_field_of_the_types_asked(self, store):
        store.append([document(1, canonical_url="https://example.org/c1", fetched_url="")],
                     run_id="r1")  # fmt: skip
        failure = new_event(FETCH_FAILED, "url:x", date(2025, 1, 1), {"url": "https://x/"}, "t/1")
        store.append([failure], run_id="r1")
        assert store.logged_urls([DOCUMENT_INGESTED]) == {
            "https://example.org/1",
            "https://example.org/c1",
        }
        assert store.logged_urls([FETCH_FAILED, DOCUMENT_INGESTED]) >= {"https://x/"}

    def test_content_hashes_and_texts_come_from_the_logged_documents(self, store):
        store.append([document(1, content_hash="h1"), document(2, content_hash="h2")], "r1")
        store.append([document(1, content_hash="h1", text="newer text")], "r2")
        assert store.logged_content_hashes(DOCUMENT_INGESTED) == {"h1", "h2"}
        assert store.logged_texts(DOCUMENT_INGESTED, {"d1", "d9"}) == {"d1": "newer text"}
        assert store.logged_texts(DOCUMENT_INGESTED, set()) == {}

    def test_payloads_are_selected_by_their_published_date(self, store):
        store.append(
            [
                document(1, published="2025-01-05"),
                document(2, published="2025-03-01"),
                document(3),
            ],  # fmt: skip
            "r1",
        )
        between = store.logged_payloads_published_between
        assert [p["doc_id"] for p in between(DOCUMENT_INGESTED, date(2025, 1, 1), None)] == [
            "d1",
            "d2",
        ]
        assert [p["doc_id"] for p in between(DOCUMENT_INGESTED, None, date(2025, 2, 1))] == [
            "d1",
            "d3",  # no readable date: counts as published on date.min
        ]

    def test_logged_file_documents_are_file_urls_with_their_content_address(self, store):
        store.append(
            [document(1, url="file:///data/a.html", raw_ref="sha256:aa"), document(2)], "r1"
        )
        assert store.logged_file_documents() == {("file:///data/a.html", "sha256:aa")}

    def test_feed_state_is_read_back_by_type(self, store):
        polled = new_event("feed_polled", "feed:f", date(2025, 1, 1), {"etag": "e1"}, "t/1")
        store.append([polled, document(1)], "r1")
        assert [r.event.payload["etag"] for r in store.read(event_types=["feed_polled"])] == ["e1"]

    def test_count_events_counts_all_or_one_type(self, store):
        assert store.count_events() == 0
        store.append(make_events(3), run_id="r1")
        assert (store.count_events(), store.count_events(DOCUMENT_INGESTED)) == (3, 3)
        assert store.count_events(STATEMENT_EXTRACTED) == 0

    # -- side tables -------------------------------------------------------------------------

    def test_quarantined_rows_are_recorded_once_and_reported(self, store):
        row = QuarantinedRow(document(1), "documents", "expect_x:text", "too 'short'")
        assert store.record_quarantine([row], "run-1") == 1
        assert store.record_quarantine([row], "run-2") == 0  # refused again: recorded once
        assert store.record_quarantine([], "run-1") == 0
        ingest = store.run_states()[0]
        assert ingest.quarantined == [("documents", "expect_x:text", 1)]

    def test_validations_are_recorded_once(self, store):
        summary = {
            "suite": "documents",
            "run_id": "run-1",
            "success": False,
            "evaluated": 15,
            "unsuccessful": 2,
            "n_rows": 7,
            "validated_at": "2025-08-01T10:00:00+00:00",
            "report_path": "/w/gx/result.json",
            "docs_path": None,
        }
        assert store.record_validations([summary, summary]) == 1
        assert store.record_validations([summary]) == 0

    def test_run_outcomes_and_task_failures_say_how_the_last_run_ended(self, store):
        store.append(make_events(2), run_id="r1")
        store.record_run_outcome("r1", "ingest", 2)
        ingest, views = store.run_states()
        assert (ingest.last_ok["run_id"], ingest.last_ok["last_seq"], ingest.failed) == (
            "r1",
            2,
            False,
        )
        assert views.last_ok is None
        failed = new_event(
            "task_failed",
            "dag:ingest_news",
            datetime.now(UTC),
            {"dag_id": "ingest_news", "task_id": "append", "run_id": "r2", "error": "boom"},
            "t/1",
        )
        store.append([failed], run_id="r2")
        ingest = store.run_states()[0]
        assert ingest.failed and ingest.failures[-1]["error"] == "boom"

    # -- checks and views --------------------------------------------------------------------

    def test_integrity_checks_pass_on_a_log_the_store_wrote(self, store):
        store.append(make_events(3), run_id="r1")
        checks = store.integrity_checks()
        assert all(check.ok for check in checks), checks

    def test_views_are_built_from_the_log(self, store):
        assert store.view_frame("statements") is None
        assert store.current_statement_count() == 0
        store.append(make_events(3), run_id="r1")
        counts = rebuild_views(store, memory_limit=None)
        assert counts["documents"] == 3
        frame = store.view_frame("documents")
        assert sorted(frame["doc_id"]) == ["d0", "d1", "d2"]
        with pytest.raises(ValueError):
            store.view_frame("events")  # the log, not a view

    # -- two writers -------------------------------------------------------------------------

    def test_two_writers_appending_overlapping_batches_at_once_log_each_event_once(self, open_log):
        if not self.two_writers:
            pytest.skip("two recorders on ':memory:' are two logs")
        events = make_events(60)
        batches = {"a": events[:40], "b": events[20:]}
        errors = []

        def write(name, recorder):
            try:
                batch = batches[name]
                for low in range(0, len(batch), 5):
                    recorder.append(batch[low : low + 5], run_id=name)
            except Exception as err:  # reported below, with the thread's name
                errors.append((name, err))

        with open_log() as first, open_log() as second:
            threads = [
                threading.Thread(target=write, args=(name, recorder))
                for name, recorder in (("a", first), ("b", second))
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert errors == []
            logged = [r.event.event_id for r in first.read()]
            assert sorted(logged) == sorted(e.event_id for e in events)
            assert [r.seq for r in first.read()] == list(range(1, 61))
            report = first.verify_chain()
            assert report.ok and report.checked == 60


class TestDuckDBFileRecorder(RecorderContract):
    @pytest.fixture
    def open_log(self, fresh_db):
        return lambda: open_store(fresh_db)


class TestDuckDBMemoryRecorder(RecorderContract):
    two_writers = False

    @pytest.fixture
    def open_log(self):
        return lambda: open_store(":memory:")


class TestDuckLakeRecorder(RecorderContract):
    @pytest.fixture
    def open_log(self, lake_url):
        return lambda: open_store(lake_url)

    def test_factory_opens_the_backend_the_url_names(self, store):
        from pipeline.store.ducklake_store import DuckLakeRecorder

        assert isinstance(store, DuckLakeRecorder)

    def test_read_only_lake_refuses_appends(self, open_log, lake_url):
        from pipeline.errors import StoreError

        with open_log() as store:
            store.append(make_events(1), run_id="r1")
        with open_store(lake_url, read_only=True) as reader:
            assert reader.max_seq() == 1
            with pytest.raises(StoreError):
                reader.append(make_events(1, start=5), run_id="r2")


# -- DuckDB-specific behaviour ---------------------------------------------------------------


def test_failed_batch_leaves_the_log_unchanged(fresh_db, monkeypatch):
    with open_store(fresh_db) as store:
        store.append(make_events(2), run_id="r1")
        before = [(r.seq, r.hash) for r in store.read()]

        def explode(*args, **kwargs):
            raise RuntimeError("disk went away half-way")

        monkeypatch.setattr("pipeline.store.duckdb_store.chain_hash", _fail_after(2, explode))
        with pytest.raises(RuntimeError):
            store.append(make_events(5, start=10), run_id="r2")
        monkeypatch.undo()
        assert [(r.seq, r.hash) for r in store.read()] == before
        assert store.verify_chain().ok


def _fail_after(n, failure):
    from pipeline.events import chain_hash

    calls = {"n": 0}

    def wrapped(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] > n:
            failure()
        return chain_hash(*args, **kwargs)

    return wrapped


def test_tampered_payload_is_reported_at_its_position(fresh_db):
    with open_store(fresh_db) as store:
        store.append(make_events(5), run_id="r1")
    # Tamper from outside the code base, as an attacker with file access would.
    con = duckdb.connect(str(fresh_db))
    con.execute("""update events set payload = '{"doc_id":"forged"}' where seq = 3""")
    con.close()
    with open_store(fresh_db, read_only=True) as store:
        report = store.verify_chain()
    assert report.first_broken_seq == 3 and report.checked == 2


def test_deleted_row_is_reported_as_a_gap(fresh_db):
    with open_store(fresh_db) as store:
        store.append(make_events(4), run_id="r1")
    con = duckdb.connect(str(fresh_db))
    con.execute("delete from events where seq = 2")
    con.close()
    with open_store(fresh_db, read_only=True) as store:
        report = store.verify_chain()
    assert report.first_broken_seq == 2 and "gap" in report.reason  # the deleted row


def test_log_survives_reopening(fresh_db):
    with open_store(fresh_db) as store:
        store.append(make_events(3), run_id="r1")
    with open_store(fresh_db) as store:
        assert store.append(make_events(3), run_id="r2").appended == 0
        assert store.max_seq() == 3


def test_second_writer_process_gets_a_clear_busy_error(fresh_db, tmp_path):
    import subprocess
    import sys

    with open_store(fresh_db) as store:
        store.append(make_events(1), run_id="r1")
        code = (
            "from pipeline.store import open_store\n"
            "from pipeline.errors import StoreBusyError\n"
            "try:\n"
            f"    open_store({str(fresh_db)!r})\n"
            "except StoreBusyError as e:\n"
            "    print('BUSY', e)\n"
        )
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.startswith("BUSY") and "one writer at a time" in out.stdout


def test_read_only_store_refuses_appends(fresh_db):
    from pipeline.errors import StoreError

    with open_store(fresh_db) as store:
        store.append(make_events(1), run_id="r1")
    with open_store(fresh_db, read_only=True) as store, pytest.raises(StoreError):
        store.append(make_events(1, start=5), run_id="r2")


def test_no_code_updates_or_deletes_logged_events():
    root = Path(__file__).resolve().parents[2]
    pattern = re.compile(
        r"\b(update\s+events|delete\s+from\s+events|drop\s+table\s+events)\b", re.I
    )
    # A migration may replace the table only by copying every row into its successor first
    # (DuckDB cannot drop a constraint); test_migration_keeps_every_event checks the copy.
    copy_first = re.compile(r"insert\s+into\s+\w+\s+select\s+\*\s+from\s+events\b", re.I)
    offenders = []
    for folder in ("pipeline", "sql", "dags"):
        for p in (root / folder).rglob("*"):
            if p.suffix not in {".py", ".sql"}:
                continue
            text = p.read_text(encoding="utf-8")
            forbidden = pattern.search(text)
            if not forbidden:
                continue
            copied = copy_first.search(text)
            is_copying_migration = (
                p.parent == root / "sql" / "ddl"
                and not re.search(r"update\s+events|delete\s+from\s+events", text, re.I)
                and copied is not None
                and copied.start() < forbidden.start()
            )
            if not is_copying_migration:
                offenders.append(str(p.relative_to(root)))
    assert offenders == []


def test_store_module_is_the_only_code_that_touches_the_driver():
    root = Path(__file__).resolve().parents[2]
    driver = re.compile(r"^\s*(import duckdb|from duckdb\b)|duckdb\.connect\(|\.con\.", re.M)
    users = [
        str(p.relative_to(root))
        for folder in ("pipeline", "dags")
        for p in (root / folder).rglob("*.py")
        if driver.search(p.read_text(encoding="utf-8"))
    ]
    assert all(u.startswith("pipeline/store/") for u in users), users


def test_factory_opens_a_duckdb_file_for_a_path_or_a_duckdb_url(fresh_db):
    with open_store(f"duckdb://{fresh_db}") as store:
        assert isinstance(store, DuckDBRecorder) and Path(store.db_path) == fresh_db
    assert fresh_db.exists()


def test_connections_draw_no_progress_bar_into_task_logs(fresh_db):
    with open_store(fresh_db) as store:
        setting = store.con.execute("select current_setting('enable_progress_bar')").fetchone()
    assert setting == (False,)


def test_two_recorders_in_one_process_take_turns_without_breaking_the_chain(fresh_db):
    """A recorder remembers its last row instead of scanning for it; when another
    connection in the process appended meanwhile, the seq key refuses the remembered
    position and the append reads the log's last row again."""
    first, second = DuckDBRecorder(fresh_db), DuckDBRecorder(fresh_db)
    try:
        first.append(make_events(3), run_id="a1")
        second.append(make_events(2, start=3), run_id="b1")
        again = first.append(make_events(4, start=4), run_id="a2")  # 4 is logged already
        assert (again.appended, again.first_seq, again.last_seq) == (3, 6, 8)
        assert second.append(make_events(1, start=20), run_id="b2").first_seq == 9
        report = first.verify_chain()
        assert report.ok and report.checked == 9
        runs = [r.run_id for r in first.read()]
        assert runs == ["a1"] * 3 + ["b1"] * 2 + ["a2"] * 3 + ["b2"]
    finally:
        first.close()
        second.close()


def test_a_payload_reformatted_in_place_breaks_the_chain(fresh_db):
    """The payload is hashed as stored: even a rewrite that decodes to the same JSON (a
    space added) is a change to the record, and is reported."""
    with open_store(fresh_db) as store:
        store.append(make_events(3), run_id="r1")
        stored = store.con.execute("select payload from events where seq = 2").fetchone()[0]
    con = duckdb.connect(str(fresh_db))
    con.execute("update events set payload = ? where seq = 2", [stored.replace(",", ", ", 1)])
    con.close()
    with open_store(fresh_db, read_only=True) as store:
        report = store.verify_chain()
    assert (report.first_broken_seq, report.checked) == (2, 1)
