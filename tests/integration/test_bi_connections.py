"""The BI snapshot read the ways docs/querying.md promises: the DuckDB CLI, SQLAlchemy with
duckdb-engine (Superset's driver), pandas and Polars; only public views are offered."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import polars as pl
import pytest
import sqlalchemy as sa

from pipeline.store.views import public_relations
from tests.stance_log import CHANGES, build_stance_log

DUCKDB_CLI = Path(sys.executable).parent / "duckdb"
PUBLIC_VIEWS = {"actor_stance_history", "stance_changes"}


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory):
    return build_stance_log(tmp_path_factory.mktemp("bi") / "warehouse" / "monitor.duckdb")


def test_the_duckdb_cli_reads_the_snapshot_read_only(snapshot):
    assert (
        duckdb.__version__
        in subprocess.run(
            [DUCKDB_CLI, "--version"], capture_output=True, text=True, check=True
        ).stdout
    )  # the CLI and the Python package are the same DuckDB
    result = subprocess.run(
        [DUCKDB_CLI, "-readonly", "-csv", str(snapshot),
         "select actor_name, topic, stance, needs_review from actor_current_stance"
         " order by actor_name, topic"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "actor_name,topic,stance,needs_review",
        "Friedrich Merz,article5_like,support,false",
        "Jan Novak,troops_in_ukraine,oppose,true",
        "Russia,nato_membership,oppose,false",
        "Volodymyr Zelensky,guarantees_general,conditional,false",
    ]
    as_of = subprocess.run(
        [DUCKDB_CLI, "-readonly", "-csv", str(snapshot),
         "select stance from stance_as_of(date '2025-08-04') where topic = 'article5_like'"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert as_of.stdout.splitlines() == ["stance", "oppose"], as_of.stderr
    refused = subprocess.run(
        [DUCKDB_CLI, "-readonly", str(snapshot), "delete from actor_current_stance"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert refused.returncode != 0 and "read-only" in refused.stderr.lower()


def test_sqlalchemy_with_duckdb_engine_introspects_the_public_views(snapshot):
    engine = sa.create_engine(f"duckdb:///{snapshot}?access_mode=read_only")
    try:
        inspector = sa.inspect(engine)
        tables = set(inspector.get_table_names(schema="main"))
        views = set(inspector.get_view_names(schema="main"))
        assert tables | views == set(public_relations())
        assert views == PUBLIC_VIEWS and "actor_current_stance" in tables
        assert "actor_stance_sequence" not in tables | views  # internal, schema `internal`
        columns = {c["name"]: c for c in inspector.get_columns("actor_current_stance")}
        assert {"actor_id", "topic", "stance", "needs_review", "latest_url"} <= set(columns)
        assert isinstance(columns["needs_review"]["type"], sa.Boolean)
        view_columns = [c["name"] for c in inspector.get_columns("stance_changes")]
        assert view_columns[:4] == ["actor_id", "actor_name", "country", "topic"]
        frame = pd.read_sql("select * from stance_changes order by changed_on", engine)
        assert len(frame) == CHANGES
        assert list(frame["new_stance"]) == ["oppose", "conditional", "support"]
    finally:
        engine.dispose()


def test_pandas_and_polars_read_the_snapshot(snapshot):
    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        frame = con.sql("select * from stance_changes order by changed_on").df()
        assert list(frame["previous_stance"]) == ["conditional", "support", "oppose"]
        table = con.sql("select actor_name, needs_review from actor_current_stance").pl()
        assert isinstance(table, pl.DataFrame)
        flagged = table.filter(pl.col("needs_review"))["actor_name"].to_list()
        assert flagged == ["Jan Novak"]
    finally:
        con.close()


def test_internal_tables_sit_outside_the_schema_bi_tools_browse(snapshot):
    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        rows = con.execute(
            "select schema_name, table_name from duckdb_tables() order by all"
        ).fetchall()
    finally:
        con.close()
    assert ("internal", "actor_stance_sequence") in rows
    assert {name for schema, name in rows if schema == "main"} == set(public_relations()) - (
        PUBLIC_VIEWS
    )
