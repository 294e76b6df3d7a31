"""Every CLI command is documented in the README, and the README opens with the two commands."""

from __future__ import annotations

from pathlib import Path

import typer.main

from pipeline.cli import app

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def test_every_command_is_in_the_readme():
    commands = typer.main.get_command(app).commands
    missing = [name for name in commands if f"`monitor {name}" not in README]
    assert commands and missing == []


def test_readme_opens_with_the_two_commands():
    head = README[:1500]
    assert "make run" in head and "make test" in head


def test_readme_shows_duckdb_cli_python_and_bi_access():
    assert "duckdb -readonly" in README
    assert "duckdb.connect(" in README
    assert "Superset" in README or "Metabase" in README
