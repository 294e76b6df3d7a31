"""The command line: versions, lists, sources validation, reprocess, stance output that fits
the terminal and finds actors by their aliases, readable help."""

from __future__ import annotations

import json

import pytest
import typer.main
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.statements.rules import RuleExtractor
from pipeline.statements.topics import load_topic_names
from tests.monitor_cli import run_monitor
from tests.stance_log import build_stance_log


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "warehouse" / "monitor.duckdb"
    build_stance_log(path)
    return path


def stance_rows(db, *args):
    result = CliRunner().invoke(
        app, ["stance", "--format", "jsonl", "--db", str(db), *args], env={"MONITOR_SNAPSHOT": ""}
    )
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.output.splitlines()]


def test_version_names_the_package_and_the_extractor(tmp_path):
    result = run_monitor("--version", db=tmp_path / "none.duckdb")
    assert result.returncode == 0
    assert (
        result.stdout.strip() == f"monitor 0.1.0 (extractor rule-extractor {RuleExtractor.version})"
    )


def test_stance_fits_a_100_column_terminal_without_breaking_codes(db):
    for columns in ("100", "60"):
        result = CliRunner().invoke(
            app, ["stance", "--db", str(db)], env={"COLUMNS": columns, "MONITOR_SNAPSHOT": ""}
        )
        assert result.exit_code == 0, result.output
        lines = result.output.splitlines()
        assert max(len(line) for line in lines) <= int(columns)
        cells = {cell.strip() for line in lines for cell in line.split("│")}
        assert {"article5_like", "guarantees_general", "troops_in_ukraine"} <= cells
        assert {"support", "conditional", "oppose"} <= cells


def test_actor_is_found_by_a_registry_alias(db):
    assert {r["actor_name"] for r in stance_rows(db, "--actor", "Zelenskyy")} == {
        "Volodymyr Zelensky"
    }
    assert {r["actor_id"] for r in stance_rows(db, "--actor", "the Kremlin")} == {"state:ru"}
    assert {r["actor_name"] for r in stance_rows(db, "--actor", "merz")} == {"Friedrich Merz"}


@pytest.mark.parametrize("pattern", ["%", "_", "M_rz", "%erz"])
def test_like_wildcards_in_actor_are_taken_literally(db, pattern):
    assert stance_rows(db, "--actor", pattern) == []


def test_actors_and_topics_list_the_registry_and_the_topics():
    actors = CliRunner().invoke(app, ["actors", "--format", "jsonl"])
    rows = [json.loads(line) for line in actors.output.splitlines()]
    by_id = {row["actor_id"]: row for row in rows}
    assert by_id["state:ru"]["name"] == "Russia" and "kremlin" in by_id["state:ru"]["known_as"]
    assert "zelenskyy" in by_id["person:volodymyr-zelensky"]["known_as"]
    topics = CliRunner().invoke(app, ["topics", "--format", "jsonl"])
    listed = [json.loads(line)["topic"] for line in topics.output.splitlines()]
    assert listed == list(load_topic_names())


def test_sources_validate_accepts_a_good_file_and_names_a_bad_one(tmp_path):
    from pipeline.settings import PROJECT_DIR

    good = run_monitor("sources", "validate", str(PROJECT_DIR / "sources.yaml"), db=tmp_path / "d")
    assert good.returncode == 0 and "sources.yaml: " in good.stdout and " sources (" in good.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text("sources:\n  - {name: a, url: 'ftp://x.org/f', kind: feed}\n")
    result = run_monitor("sources", "validate", str(bad), db=tmp_path / "d")
    assert result.returncode == 1
    assert f"{bad}: sources[0] ('a'): url 'ftp://x.org/f' must be an absolute http(s) URL" in (
        result.message
    )
    missing = run_monitor("sources", "validate", str(tmp_path / "no.yaml"), db=tmp_path / "d")
    assert missing.returncode == 1 and "no.yaml: sources file not found" in missing.message
    assert not (tmp_path / "d").exists()  # validating opens no event log


def test_reprocess_checks_its_dates_and_extractor_version(db):
    bad = CliRunner().invoke(app, ["reprocess", "--since", "June", "--db", str(db)])
    assert bad.exit_code == 2 and "--since 'June' is not a date YYYY-MM-DD" in bad.output
    wrong = run_monitor("reprocess", "--extractor-version", "0.0.1", db=db)
    assert wrong.returncode == 1
    assert f"the installed extractor is rule-extractor {RuleExtractor.version}" in wrong.message


@pytest.mark.slow
def test_reprocess_runs_the_dag_stage_over_the_date_range(db):
    # No document was published in 2030: nothing to extract, nothing appended.
    none = run_monitor("reprocess", "--since", "2030-01-01", db=db)
    assert none.returncode == 0, none.message
    assert "documents 0" in none.message and "appended 0" in none.message


@pytest.mark.parametrize(
    "command",
    [[]] + [[name] for name in typer.main.get_command(app).commands] + [["sources", "validate"]],
)
def test_help_shows_readable_metavars(command):
    result = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": "100"})
    assert result.exit_code == 0, result.output
    # (Typer prints an argument's type after it, e.g. `FILE <path>`: that stays.)
    for unreadable in ("TEXT", "<str>", "<bool>", "INTEGER", "FLOAT"):
        assert unreadable not in result.output, (command, unreadable)
