"""The near-duplicate index holds exactly the documents its log holds (issue 17, item 1).

Whole runs over real files and a real event log: a document refused at the gate never
enters the saved index, so a later copy of its text is ingested, not called its duplicate;
two logs in one folder each have their own index; an index left from a log that is gone is
rebuilt. The invariant checked after every run: each `duplicate_detected` event names a
document the log holds."""

from __future__ import annotations

import contextlib
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from pipeline.errors import MonitorError
from pipeline.runner import run_pipeline
from pipeline.settings import PROJECT_DIR, Settings
from pipeline.store import open_store

# Slow (a full run or many processes): in `make test-slow`, CI's own step.
pytestmark = pytest.mark.slow


SEED = sorted((PROJECT_DIR / "seeds").glob("000_*.txt"))[0]


def file_source(folder: Path, name: str, published: str) -> Path:
    """A sources file with one file source: the seed text as `name`, dated `published`."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(SEED, folder / name)
    manifest = {"documents": [{"file": name, "title": "Copy", "published": published}]}
    (folder / "manifest.yaml").write_text(yaml.safe_dump(manifest), encoding="utf-8")
    sources = folder / f"{Path(name).stem}.sources.yaml"
    sources.write_text(
        yaml.safe_dump({"sources": [{"name": Path(name).stem, "url": name, "kind": "file"}]}),
        encoding="utf-8",
    )
    return sources


def run(db: Path, sources: Path) -> None:
    settings = replace(Settings(), db_path=db, sources_path=sources)
    # A refused batch may fail validate; what reached the log is checked by the caller.
    with contextlib.suppress(MonitorError):
        run_pipeline(settings, rebuild=False)


def logged(db: Path) -> tuple[dict[str, str], list[str]]:
    """The log's documents (url -> doc_id) and the originals its duplicates name."""
    with open_store(db, read_only=True) as store:
        documents = {
            r.payload["url"]: r.payload["doc_id"]
            for r in store.read(event_types=["document_ingested"])
        }
        originals = [
            r.payload["canonical_doc_id"] for r in store.read(event_types=["duplicate_detected"])
        ]
    return documents, originals


def assert_duplicates_name_logged_documents(db: Path) -> None:
    documents, originals = logged(db)
    missing = [o for o in originals if o not in set(documents.values())]
    assert not missing, f"duplicate_detected names documents the log lacks: {missing}"


@pytest.fixture
def texts(tmp_path):
    return tmp_path / "texts"


def test_a_copy_of_a_refused_document_is_ingested(tmp_path, texts):
    db = tmp_path / "wh" / "monitor.duckdb"
    run(db, file_source(texts, "future.txt", "2099-01-01"))  # refused: dated in the future
    assert logged(db)[0] == {}
    run(db, file_source(texts, "copy.txt", "2025-08-20"))
    documents, _ = logged(db)
    assert any(url.endswith("/copy.txt") for url in documents), documents
    assert_duplicates_name_logged_documents(db)


def test_two_logs_in_one_folder_keep_their_own_index(tmp_path, texts):
    first, second = tmp_path / "wh" / "first.duckdb", tmp_path / "wh" / "second.duckdb"
    run(first, file_source(texts, "original.txt", "2025-08-20"))
    run(second, file_source(texts, "copy.txt", "2025-08-21"))
    for db, name in ((first, "original.txt"), (second, "copy.txt")):
        documents, _ = logged(db)
        assert [Path(url).name for url in documents] == [name]
        assert_duplicates_name_logged_documents(db)


def test_an_index_left_by_a_log_that_is_gone_is_rebuilt(tmp_path, texts):
    db = tmp_path / "wh" / "monitor.duckdb"
    run(db, file_source(texts, "original.txt", "2025-08-20"))
    for leftover in db.parent.glob("monitor.duckdb*"):
        leftover.unlink()  # a new, empty log under the same name; the dedup folder stays
    run(db, file_source(texts, "copy.txt", "2025-08-21"))
    documents, _ = logged(db)
    assert [Path(url).name for url in documents] == ["copy.txt"]
    assert_duplicates_name_logged_documents(db)


def test_a_copy_of_a_logged_document_is_still_its_duplicate(tmp_path, texts):
    db = tmp_path / "wh" / "monitor.duckdb"
    run(db, file_source(texts, "original.txt", "2025-08-20"))
    run(db, file_source(texts, "copy.txt", "2025-08-21"))
    documents, originals = logged(db)
    assert [Path(url).name for url in documents] == ["original.txt"]
    assert originals == list(documents.values())


def test_a_copy_beside_its_refused_original_in_one_batch_is_retried(tmp_path, texts):
    """The first copy wins within a batch; when that one is refused at the gate, the other's
    duplicate_detected event is not logged, so its URL is fetched again and ingested."""
    db = tmp_path / "wh" / "monitor.duckdb"
    future = yaml.safe_load(file_source(texts, "a_future.txt", "2099-01-01").read_text())
    copy = file_source(texts, "b_copy.txt", "2025-08-20")
    manifest = {
        "documents": [
            {"file": "a_future.txt", "title": "Future", "published": "2099-01-01"},
            {"file": "b_copy.txt", "title": "Copy", "published": "2025-08-20"},
        ]
    }
    (texts / "manifest.yaml").write_text(yaml.safe_dump(manifest), encoding="utf-8")
    both = texts / "both.sources.yaml"
    both.write_text(
        yaml.safe_dump(
            {"sources": future["sources"] + yaml.safe_load(copy.read_text())["sources"]}
        ),
        encoding="utf-8",
    )
    run(db, both)
    assert_duplicates_name_logged_documents(db)
    run(db, copy)
    documents, _ = logged(db)
    assert [Path(url).name for url in documents] == ["b_copy.txt"]
    assert_duplicates_name_logged_documents(db)
