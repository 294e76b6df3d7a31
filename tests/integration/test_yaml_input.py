"""YAML from outside (the sources file, a file source's manifest) cannot hang the loader:
aliases are refused before anything walks them (a "billion laughs" alias bomb used to hang
the sources loader, expanded into an error message by repr), files are size-capped, and no
message carries a whole input value."""

from __future__ import annotations

import time

import pytest

from pipeline.documents.file_sources import load_file_manifest
from pipeline.errors import InputError
from pipeline.sources.config import SourcesConfigError, load_sources

pytestmark = pytest.mark.timeout(30)


def alias_bomb(levels: int, key: str = "kind") -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, levels):
        refs = ", ".join([f"*a{level - 1}"] * 9)
        lines.append(f"a{level}: &a{level} [{refs}]")
    lines.append(f"sources:\n  - {{name: bomb, url: 'https://a.org/', {key}: *a{levels - 1}}}")
    return "\n".join(lines) + "\n"


def refused(tmp_path, text: str) -> tuple[str, float]:
    path = tmp_path / "sources.yaml"
    path.write_text(text, encoding="utf-8")
    started = time.monotonic()
    with pytest.raises(SourcesConfigError) as raised:
        load_sources(path)
    return str(raised.value), time.monotonic() - started


@pytest.mark.parametrize("levels", [6, 10])  # 531,441 and 3,486,784,401 values once expanded
def test_an_alias_bomb_in_the_sources_file_is_refused_at_once(tmp_path, levels):
    message, seconds = refused(tmp_path, alias_bomb(levels))
    assert "aliases" in message and "not allowed" in message
    assert seconds < 2 and len(message) < 1000


def test_an_alias_bomb_in_a_mapping_key_is_refused_too(tmp_path):
    text = alias_bomb(8).replace("kind: *a7", "kind: feed") + "? *a7\n: x\n"
    message, seconds = refused(tmp_path, text)
    assert "aliases" in message and seconds < 2


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("sources:\n  - {name: a, url: 'https://a.org/', kind: '" + "x" * 200_000 + "'}\n",
         "unknown kind"),
        ("sources:\n  - {name: '" + "n" * 200_000 + "', url: 'https://a.org/', kind: feed}\n",
         "sources[0]"),
        ("sources:\n  - {name: a, url: 'https://a.org/', kind: [" + "1, " * 50_000 + "1]}\n",
         "unknown kind a list"),
        ("sources: [{name: a, url: 'https://a.org/', kind: feed}]\nfetch: {retries: ["
         + "2, " * 50_000 + "2]}\n", "retries must be a whole number"),
        ("sources: [{name: a, url: 'https://a.org/', kind: feed}]\n"
         + "".join(f"k{n}{'y' * 100}: 1\n" for n in range(5000)), "and 4995 more"),
        ("sources: " + "[" * 50_000 + "]" * 50_000 + "\n", "YAML"),
    ],
)  # fmt: skip
def test_no_message_carries_a_whole_input_value(tmp_path, text, where):
    message, seconds = refused(tmp_path, text)
    assert where in message
    assert len(message) < 1000 and seconds < 5


def test_a_sources_file_over_the_size_cap_is_refused(tmp_path):
    message, _ = refused(tmp_path, "# " + "x" * 1_100_000 + "\nsources: []\n")
    assert "more than the cap" in message


def test_a_manifest_alias_bomb_is_refused_at_once(tmp_path):
    (tmp_path / "manifest.yaml").write_text(
        alias_bomb(10).replace(
            "sources:\n  - {name: bomb, url: 'https://a.org/', kind:",
            "documents:\n  - {file: a.txt, title:",
        ),  # fmt: skip
        encoding="utf-8",
    )
    started = time.monotonic()
    with pytest.raises(InputError, match="aliases"):
        load_file_manifest(tmp_path)
    assert time.monotonic() - started < 2
