"""The run folder: folder-safe run ids, whole-or-nothing JSONL files, errors naming the file
(and line), and pruning by retention."""

from __future__ import annotations

import os
import time

import pytest

from pipeline.errors import InputError, StoreError
from pipeline.run_folder import (
    new_run_id,
    prune_run_folders,
    read_rows,
    run_dir,
    safe_run_id,
    write_rows,
)


def test_an_airflow_run_id_becomes_a_folder_name():
    assert safe_run_id("manual__2025-09-01T10:00:00+00:00") == "manual__2025-09-01T10_00_00+00_00"
    assert safe_run_id("../../etc") == "etc"
    assert len(safe_run_id("x" * 500)) == 200
    with pytest.raises(InputError, match="no usable characters"):
        safe_run_id("/:/")


def test_new_run_ids_are_folder_safe_and_distinct():
    first, second = new_run_id("cli"), new_run_id("cli")
    assert first.startswith("cli__") and first != second
    assert safe_run_id(first) == first


def test_the_run_folder_is_under_runs_and_created(tmp_path):
    folder = run_dir(tmp_path, "scheduled__2025-09-01T00:00:00")
    assert folder == tmp_path / "runs" / "scheduled__2025-09-01T00_00_00"
    assert folder.is_dir()


def test_rows_round_trip_and_leave_no_temporary_file(tmp_path):
    path = tmp_path / "batch.jsonl"
    rows = [{"url": "https://a.org/", "text": "Kyiv’s"}, {"n": 2}]
    assert write_rows(path, rows) == 2
    assert list(read_rows(path)) == rows
    assert [p.name for p in tmp_path.iterdir()] == ["batch.jsonl"]


def test_a_failed_write_keeps_the_old_file_and_names_it(tmp_path):
    path = tmp_path / "batch.jsonl"
    write_rows(path, [{"n": 1}])

    def rows():
        yield {"n": 2}
        raise OSError(28, "No space left on device")

    with pytest.raises(StoreError, match=r"batch\.jsonl: disk full \(No space left on device\)"):
        write_rows(path, rows())
    assert list(read_rows(path)) == [{"n": 1}]  # whole or nothing
    assert not (tmp_path / "batch.jsonl.tmp").exists()


def test_a_write_into_a_missing_folder_says_which_file(tmp_path):
    path = tmp_path / "gone" / "batch.jsonl"
    with pytest.raises(StoreError, match=r"gone/batch\.jsonl: cannot write"):
        write_rows(path, [{"n": 1}])


def test_a_bad_line_is_named_by_file_and_line(tmp_path):
    path = tmp_path / "batch.jsonl"
    path.write_text('{"n": 1}\n\n{"n": \n', encoding="utf-8")
    with pytest.raises(InputError, match=r"batch\.jsonl:3: not JSON"):
        list(read_rows(path))
    path.write_text('{"n": 1}\n[1, 2]\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"batch\.jsonl:2: not a JSON object"):
        list(read_rows(path))
    with pytest.raises(InputError, match="batch file missing; run the previous stage first"):
        list(read_rows(tmp_path / "none.jsonl"))


def test_pruning_removes_only_folders_older_than_the_retention(tmp_path):
    now = time.time()
    old, recent, kept = (run_dir(tmp_path, name) for name in ("old", "recent", "kept"))
    for folder, age_days in ((old, 20), (recent, 2), (kept, 30)):
        write_rows(folder / "candidates.jsonl", [{"n": 1}])
        moment = now - age_days * 86400
        os.utime(folder / "candidates.jsonl", (moment, moment))
    assert prune_run_folders(tmp_path, 0, now=now) == []  # 0: keep every run
    assert prune_run_folders(tmp_path, 14, keep=kept, now=now) == [old]
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == ["kept", "recent"]
    assert prune_run_folders(tmp_path / "nowhere", 14) == []
