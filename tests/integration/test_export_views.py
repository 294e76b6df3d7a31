"""`monitor export`: views of the snapshot as CSV or Parquet, names checked."""

from __future__ import annotations

import duckdb
import polars as pl
import pytest

from pipeline.errors import InputError
from pipeline.store.export import export_views
from pipeline.store.views import public_relations
from tests.monitor_cli import run_monitor
from tests.stance_log import CHANGES, build_stance_log


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "warehouse" / "monitor.duckdb"
    build_stance_log(path)
    return path


def test_one_view_exports_to_csv_and_parquet(db, tmp_path):
    snapshot = db.parent / "snapshot" / "monitor_bi.duckdb"
    ((name, csv_file),) = export_views(snapshot, tmp_path / "c.csv", "csv", "stance_changes")
    assert name == "stance_changes"
    frame = pl.read_csv(csv_file).sort("changed_on")
    assert frame.height == CHANGES
    assert frame["evidence"].to_list() == [
        "Merz now rejects the idea.",
        "Only if.",
        "Merz backs it after all.",
    ]
    ((_, history),) = export_views(snapshot, tmp_path / "h.csv", "csv", "actor_stance_history")
    # An ampersand and angle brackets in the evidence survive the round trip.
    assert "Merz set conditions & <limits>." in pl.read_csv(history)["evidence"].to_list()
    ((_, parquet),) = export_views(
        snapshot, tmp_path / "p.parquet", "parquet", "actor_current_stance"
    )
    table = duckdb.sql(f"select actor_name, needs_review from '{parquet}' order by 1").fetchall()
    assert table == [
        ("Friedrich Merz", False),
        ("Jan Novak", True),
        ("Russia", False),
        ("Volodymyr Zelensky", False),
    ]


def test_every_public_view_and_nothing_internal_is_exported_by_default(db, tmp_path):
    result = run_monitor("export", "--format", "parquet", "--out", str(tmp_path / "out"), db=db)
    assert result.returncode == 0, result.message
    files = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert files == sorted(f"{name}.parquet" for name in public_relations())
    assert "actor_stance_sequence.parquet" not in files


@pytest.mark.parametrize("name", ["actor_stance_sequence", "statements; drop table x", "%"])
def test_an_unknown_or_internal_view_is_refused_naming_the_views(db, tmp_path, name):
    with pytest.raises(InputError, match="unknown view") as raised:
        export_views(db.parent / "snapshot" / "monitor_bi.duckdb", tmp_path / "x", "csv", name)
    assert "stance_changes" in str(raised.value)
    assert not (tmp_path / "x").exists()


def test_the_command_names_an_unknown_view_and_exits_1(db, tmp_path):
    result = run_monitor("export", "--format", "csv", "--view", "stance", db=db)
    assert result.returncode == 1
    assert "unknown view 'stance'; one of: documents, statements," in result.message
