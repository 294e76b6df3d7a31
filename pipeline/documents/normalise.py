"""Normalise article text once, at ingestion; every evidence offset refers to the result."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from pipeline.settings import DATA_DIR

_MARKDOWN_EMPHASIS = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1", re.DOTALL)
_STRAY_BOLD = re.compile(r"\*\*")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_ZERO_WIDTH = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff]")


@dataclass(frozen=True)
class ChromeRules:
    """Which lines are site chrome rather than article text."""

    drop_lines: frozenset[str]
    drop_line_prefixes: tuple[str, ...]
    teaser_markers: frozenset[str]
    trailing_markers: frozenset[str]
    trailing_max_lines: int
    trailing_max_line_chars: int


@lru_cache(maxsize=4)
def load_chrome_rules(path: Path = DATA_DIR / "chrome.yaml") -> ChromeRules:
    """Load the chrome rules data file."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return ChromeRules(
        drop_lines=frozenset(s.casefold() for s in data.get("drop_lines", [])),
        drop_line_prefixes=tuple(s.casefold() for s in data.get("drop_line_prefixes", [])),
        teaser_markers=frozenset(s.casefold() for s in data.get("teaser_markers", [])),
        trailing_markers=frozenset(s.casefold() for s in data.get("trailing_markers", [])),
        trailing_max_lines=int(data.get("trailing_max_lines", 12)),
        trailing_max_line_chars=int(data.get("trailing_max_line_chars", 80)),
    )


def normalise_text(raw: str, rules: ChromeRules | None = None) -> str:
    """Return clean article text: no chrome, no markdown emphasis, single blank lines."""
    rules = rules or load_chrome_rules()
    text = unicodedata.normalize("NFC", raw)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _ZERO_WIDTH.sub("", text)
    text = _MARKDOWN_EMPHASIS.sub(r"\2", text)
    text = _STRAY_BOLD.sub("", text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    paragraphs = [line for line in lines if line]
    paragraphs = _drop_chrome(paragraphs, rules)
    # Repeats first, and trailing lists until none is left: the trailing-list window counts
    # lines, so a cut (or a dropped repeat) can bring an earlier "Tags" marker into it, and
    # normalising normalised text must change nothing.
    paragraphs = _drop_repeats(paragraphs)
    while (cut := _drop_trailing_lists(paragraphs, rules)) != paragraphs:
        paragraphs = cut
    return "\n\n".join(paragraphs)


def _drop_chrome(paragraphs: list[str], rules: ChromeRules) -> list[str]:
    kept: list[str] = []
    skip_next = False
    for paragraph in paragraphs:
        folded = paragraph.casefold()
        if skip_next:
            skip_next = False
            if folded not in rules.teaser_markers and folded not in rules.drop_lines:
                continue
        if folded in rules.teaser_markers:
            skip_next = True
            continue
        if folded in rules.drop_lines or folded.startswith(rules.drop_line_prefixes):
            continue
        kept.append(paragraph)
    return kept


def _drop_trailing_lists(paragraphs: list[str], rules: ChromeRules) -> list[str]:
    """Cut a trailing 'Tags' (or similar) block of short lines at the end."""
    window = rules.trailing_max_lines + 1
    for index in range(max(0, len(paragraphs) - window), len(paragraphs)):
        if paragraphs[index].casefold() in rules.trailing_markers:
            tail = paragraphs[index + 1 :]
            if all(len(p) <= rules.trailing_max_line_chars for p in tail):
                return paragraphs[:index]
    return paragraphs


def _drop_repeats(paragraphs: list[str]) -> list[str]:
    """Drop a paragraph identical to the one before it (a title printed twice)."""
    kept: list[str] = []
    for paragraph in paragraphs:
        if not kept or kept[-1] != paragraph:
            kept.append(paragraph)
    return kept
