"""A log file may have any name: its catalog name (the file's stem) is quoted wherever it
goes into SQL, so a comma or a double quote in it no longer breaks `monitor views` (it used
to go into `SET search_path` as it was: "No catalog + schema named "mon" found")."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from pipeline.documents.model import Document, document_id
from pipeline.settings import Settings
from pipeline.stages import rebuild_stage
from pipeline.statements.events import statement_events
from pipeline.statements.model import Actor, Statement
from pipeline.store import open_store
from pipeline.store.query import current_stances

MONITOR = Path(sys.executable).parent / "monitor"
MACRON = Actor("person:emmanuel-macron", "Emmanuel Macron", "person", "FR", "President")
TEXT = "Emmanuel Macron said France backs a reassurance force for Ukraine."
DAY = date(2025, 9, 1)


def seeded(path: Path) -> None:
    document = Document(document_id(TEXT), "test", "https://example.org/a", "t", TEXT, TEXT, DAY)
    said = Statement(MACRON, "troops_in_ukraine", "support", TEXT, 0, len(TEXT), DAY, 0.9)
    with open_store(path) as store:
        store.append(statement_events([said], document, "rules/1", DAY), "r")


@pytest.mark.parametrize("name", ["mon,itor", 'mon"itor', "mon'itor", 'a,"b".c select'])
def test_views_and_stances_work_whatever_the_log_is_called(tmp_path, name):
    settings = replace(Settings(), db_path=tmp_path / f"{name}.duckdb")
    seeded(settings.db_path)
    counts = rebuild_stage(settings)
    assert counts["actor_current_stance"] == 1
    assert [row["stance"] for row in current_stances(settings)] == ["support"]
    with open_store(settings.db_path, read_only=True) as store:  # the log, views attached
        assert store.con.execute("select count(*) from statements").fetchone()[0] == 1


def test_monitor_views_on_a_log_named_with_a_comma_and_a_quote(tmp_path):
    db = tmp_path / 'mon,i"tor.duckdb'
    seeded(db)
    built = subprocess.run([MONITOR, "views", "--db", db], capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    assert "BI snapshot" in built.stdout
