"""The extractor's version follows the bytes of the data it reads."""

from __future__ import annotations

import re
import shutil

import pytest

from pipeline.statements.version import data_digest, extractor_version


@pytest.fixture
def data_root(tmp_path):
    """A small data root shaped like pipeline/data."""
    root = tmp_path / "data"
    (root / "models" / "clause_classifier" / "topics").mkdir(parents=True)
    (root / "training").mkdir()
    (root / "topics.yaml").write_text("topics:\n  troops_in_ukraine: {cues: ['troops']}\n")
    (root / "cues.yaml").write_text("speech_verbs: {say: null}\n")
    (root / "actors.yaml").write_text("people: []\n")
    (root / "chrome.yaml").write_text("lines: []\n")
    (root / "models" / "clause_classifier" / "meta.json").write_text('{"lang": "en"}')
    (root / "models" / "clause_classifier" / "topics" / "model").write_bytes(bytes(range(256)))
    (root / "training" / "examples.jsonl").write_text('{"id": "a"}\n')
    return root


def flip_last_byte(path):
    content = bytearray(path.read_bytes())
    content[-1] ^= 1
    path.write_bytes(bytes(content))


def test_the_version_is_the_code_version_and_ten_hex_digits_of_the_data():
    assert re.fullmatch(r"0\.1\.1\+[0-9a-f]{10}", extractor_version("0.1.1"))


def test_the_digest_is_stable_and_does_not_depend_on_where_the_data_lies(data_root, tmp_path):
    copy = shutil.copytree(data_root, tmp_path / "elsewhere")
    assert data_digest(data_root) == data_digest(data_root) == data_digest(copy)


@pytest.mark.parametrize(
    "changed",
    ["topics.yaml", "cues.yaml", "actors.yaml", "models/clause_classifier/topics/model"],
)
def test_one_changed_byte_in_the_extractor_data_changes_the_digest(data_root, changed):
    before = data_digest(data_root)
    flip_last_byte(data_root / changed)
    assert data_digest(data_root) != before


def test_a_new_or_renamed_model_file_changes_the_digest(data_root):
    before = data_digest(data_root)
    model = data_root / "models" / "clause_classifier" / "topics" / "model"
    model.rename(model.with_name("weights"))
    renamed = data_digest(data_root)
    (data_root / "models" / "README").write_text("")
    assert len({before, renamed, data_digest(data_root)}) == 3


@pytest.mark.parametrize("unread", ["chrome.yaml", "training/examples.jsonl"])
def test_data_the_extractor_does_not_read_leaves_the_digest_alone(data_root, unread):
    before = data_digest(data_root)
    flip_last_byte(data_root / unread)
    assert data_digest(data_root) == before


def test_a_data_root_without_models_still_has_a_digest(data_root):
    shutil.rmtree(data_root / "models")
    assert re.fullmatch(r"[0-9a-f]{10}", data_digest(data_root))


def test_a_missing_vocabulary_is_an_error(data_root):
    (data_root / "cues.yaml").unlink()
    with pytest.raises(FileNotFoundError):
        data_digest(data_root)


def test_a_process_computes_the_version_once(data_root):
    first = extractor_version("0.1.1", data_root)
    flip_last_byte(data_root / "topics.yaml")
    assert extractor_version("0.1.1", data_root) == first
    assert extractor_version("0.2.0", data_root) == "0.2.0+" + first.split("+")[1]
