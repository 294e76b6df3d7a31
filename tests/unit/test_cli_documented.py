"""The documentation a newcomer reads: the README opens with the two commands and links to
docs/*.md; every CLI command is documented there, every command and `make` target the
documents name exists, and every relative link (and its #anchor) leads somewhere."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer.main

from pipeline.cli import app

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCS = sorted((ROOT / "docs").glob("*.md"))
PAGES = [ROOT / "README.md", *DOCS, ROOT / "bench" / "README.md", ROOT / "bench" / "RESULTS.md"]
LINK = re.compile(r"\]\(([^)\s]+)\)")


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _commands() -> dict:
    return typer.main.get_command(app).commands


def test_every_command_is_in_the_command_line_reference():
    reference = _text(ROOT / "docs" / "operations.md")
    commands = _commands()
    missing = [name for name in commands if f"`monitor {name}" not in reference]
    assert commands and missing == []


def test_readme_opens_with_the_two_commands():
    head = README[:1500]
    assert "make run" in head and "make test" in head


def test_readme_links_every_page_of_docs():
    linked = {m.group(1).split("#")[0] for m in LINK.finditer(README)}
    assert DOCS and [p.name for p in DOCS if f"docs/{p.name}" not in linked] == []


def test_querying_shows_duckdb_cli_python_and_bi_access():
    querying = _text(ROOT / "docs" / "querying.md")
    assert "duckdb -readonly" in querying
    assert "duckdb.connect(" in querying
    assert "Superset" in querying or "Metabase" in querying


def _anchors(path: Path) -> set[str]:
    """GitHub's anchors for a page's headings."""
    found = set()
    for line in _text(path).splitlines():
        if line.startswith("#"):
            heading = line.lstrip("#").strip().lower()
            found.add(re.sub(r"[^\w\- ]", "", heading).replace(" ", "-"))
    return found


def _leads_somewhere(page: Path, target: str) -> bool:
    path, _, anchor = target.partition("#")
    resolved = (page.parent / path).resolve() if path else page
    if not resolved.exists():
        return False
    return not anchor or resolved.suffix != ".md" or anchor in _anchors(resolved)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_lead_somewhere(page):
    targets = [m.group(1) for m in LINK.finditer(_text(page))]
    # http(s), mailto: are not checked offline
    local = [t for t in targets if not re.match(r"[a-z]+:", t)]
    assert [t for t in local if not _leads_somewhere(page, t)] == []


def test_documented_commands_and_make_targets_exist():
    text = "\n".join(_text(p) for p in [ROOT / "README.md", *DOCS])
    commands = set(_commands())
    named = set(re.findall(r"`monitor ([a-z][a-z-]*)", text))
    targets = set(re.findall(r"^([a-z][\w-]*):", _text(ROOT / "Makefile"), re.M))
    # `make X` in code only (fenced blocks and inline spans), not "make them" in prose
    blocks = re.findall(r"```.*?```", text, re.S)
    spans = re.findall(r"`[^`\n]+`", re.sub(r"```.*?```", "", text, flags=re.S))
    made = set(re.findall(r"\bmake ([a-z][\w-]*)", "\n".join(blocks + spans)))
    assert named and named - commands == set()
    assert made and made - targets == set()
