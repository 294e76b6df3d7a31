"""`file` sources are confined: a path resolving (symlinks followed) outside the sources
file's folder and its `file_roots` refuses the sources file; what is inside must be a
regular file within `fetch.max_bytes`, or it is one `fetch_failed` outcome (a FIFO used to
hang the run, /dev/zero to exhaust memory, /etc/passwd to land in the log and the views)."""

from __future__ import annotations

import os
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from pipeline.run_folder import run_dir
from pipeline.runner import run_pipeline
from pipeline.settings import SEEDS_DIR, Settings
from pipeline.sources.config import SourcesConfigError, load_sources
from pipeline.stages import extract_stage, fetch_stage
from pipeline.stages.batches import Candidates, ExtractedDocuments, Pages, read_batch, write_batch
from pipeline.store import open_store

pytestmark = pytest.mark.timeout(120)

SEED = "000_b81e1e3c4ea0acb7.txt"


def write_sources(folder: Path, files: dict[str, str], extra: str = "") -> Path:
    path = folder / "sources.yaml"
    entries = "".join(
        f"  - {{name: {name}, url: '{url}', kind: file}}\n" for name, url in files.items()
    )
    path.write_text(f"sources:\n{entries}{extra}", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "url", ["../../../../../../../../etc/passwd", "/etc/shadow", "/dev/zero", "~/.bashrc"]
)
def test_a_file_outside_the_sources_folder_refuses_the_sources_file(tmp_path, url):
    with pytest.raises(SourcesConfigError, match=r"sources\[0\] \('leak'\).*outside the folders"):
        load_sources(write_sources(tmp_path, {"leak": url}))


def test_a_link_inside_the_folder_pointing_out_of_it_is_refused(tmp_path):
    (tmp_path / "innocent.txt").symlink_to("/etc/passwd")
    with pytest.raises(SourcesConfigError, match="resolves to /etc/passwd"):
        load_sources(write_sources(tmp_path, {"leak": "innocent.txt"}))


def test_a_folder_named_in_file_roots_may_be_read(tmp_path):
    other = tmp_path / "elsewhere"
    other.mkdir()
    (other / "a.txt").write_text("Ukraine", encoding="utf-8")
    folder = tmp_path / "conf"
    folder.mkdir()
    with pytest.raises(SourcesConfigError):
        load_sources(write_sources(folder, {"a": "../elsewhere/a.txt"}))
    config = load_sources(
        write_sources(folder, {"a": "../elsewhere/a.txt"}, "file_roots: [../elsewhere]\n")
    )
    assert config.file_path(config.sources[0]) == (other / "a.txt").resolve()


@pytest.fixture(scope="module")
def file_run(tmp_path_factory):
    """A run over a good seed, a FIFO, a folder, an oversized file and /dev/zero (its root
    allowed on purpose: still not a regular file)."""
    tmp = tmp_path_factory.mktemp("file-sources")
    shutil.copy(SEEDS_DIR / SEED, tmp / SEED)
    (tmp / "manifest.yaml").write_text(
        f"documents:\n  - {{file: {SEED}, published: 2023-08-26, language: en}}\n",
        encoding="utf-8",
    )
    os.mkfifo(tmp / "pipe.txt")
    (tmp / "folder.txt").mkdir()
    (tmp / "huge.txt").write_bytes(b"Ukraine security guarantee. " * 40_000)  # 1.1 MB
    files = {
        "seed": SEED,
        "pipe": "pipe.txt",
        "folder": "folder.txt",
        "huge": "huge.txt",
        "zero": "/dev/zero",
    }
    sources = write_sources(tmp, files, "file_roots: [/dev]\nfetch:\n  max_bytes: 1000000\n")
    settings = replace(Settings(), db_path=tmp / "wh" / "monitor.duckdb", sources_path=sources)
    run_pipeline(settings, rebuild=False)
    with open_store(settings.db_path, read_only=True) as store:
        rows = store.con.execute(
            "select event_type, payload ->> 'source', payload ->> 'reason', payload::varchar"
            " from events"
        ).fetchall()
    return tmp, settings, rows


def outcome(rows, source):
    return sorted((kind, reason) for kind, name, reason, _ in rows if name == source)


def test_the_good_file_is_ingested(file_run):
    assert ("document_ingested", None) in outcome(file_run[2], "seed")


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("pipe", "not-a-file"),
        ("folder", "not-a-file"),
        ("zero", "not-a-file"),
        ("huge", "too-large"),
    ],
)
def test_what_is_not_a_regular_file_within_the_cap_is_one_failure(file_run, source, reason):
    assert outcome(file_run[2], source) == [("fetch_failed", reason)]


def test_a_file_swapped_for_a_link_out_of_the_folder_after_discovery_is_refused(file_run):
    tmp, settings, _ = file_run
    swapped = tmp / "swapped.txt"
    swapped.symlink_to("/etc/passwd")  # where discover saw a regular file
    folder = run_dir(settings.warehouse_dir, "swap")
    row = {"via": "file", "source": "x", "path": str(swapped)}
    pages = read_batch(
        Pages, fetch_stage(settings, "swap", write_batch(folder, Candidates((row,))))
    )
    [event] = pages.outcomes
    assert pages.rows == () and event.payload["reason"] == "refused-path"
    # and extract, handed the row anyway, refuses to read it too
    documents_ref = extract_stage(settings, "swap", write_batch(folder, Pages((row,))))
    [skipped] = read_batch(ExtractedDocuments, documents_ref).items
    assert "outside the folders" in skipped.detail
