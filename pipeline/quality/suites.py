"""The expectation suites: JSON files in expectations/, one per relation, versioned with the code.

The files are in Great Expectations' own suite format (name, meta, expectations with type,
kwargs and notes) minus the ids GX assigns. They are read here and never written: the GX
context copies them into the warehouse (see context.py), so a run leaves the repo untouched.

A value set kept in a data file elsewhere is written {"$vocabulary": "topics"} and filled in
here as the file is read, so adding a topic to pipeline/data/topics.yaml needs no suite edit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.settings import EXPECTATIONS_DIR
from pipeline.statements.topics import load_topic_names

# Suites over batches (before append) and over the log (monitor check).
STATEMENT_EVENTS = "statement_events"
BATCH_EVENTS = "batch_events"
DOCUMENTS = "documents"
# Suites over the rebuilt view tables, each named after its table.
VIEW_SUITES = ("statements", "actor_current_stance", "country_stance")
SUITE_NAMES = (STATEMENT_EVENTS, BATCH_EVENTS, DOCUMENTS, *VIEW_SUITES)
VOCABULARY = "$vocabulary"
# The vocabularies a suite may name, each read from its one data file.
VOCABULARIES = {"topics": load_topic_names}


@dataclass(frozen=True, slots=True)
class SuiteFile:
    """One suite as its file holds it."""

    name: str
    path: Path
    body: dict[str, Any]

    @property
    def expectations(self) -> list[dict[str, Any]]:
        return list(self.body.get("expectations", []))


def suite_path(name: str, expectations_dir: Path = EXPECTATIONS_DIR) -> Path:
    """Return the file of the named suite."""
    return expectations_dir / f"{name}.json"


def load_suite_file(name: str, expectations_dir: Path = EXPECTATIONS_DIR) -> SuiteFile:
    """Read and check one suite file."""
    path = suite_path(name, expectations_dir)
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise ValueError(f"{path}: expectation suite {name!r} is missing") from err
    except json.JSONDecodeError as err:
        raise ValueError(f"{path}: not valid JSON: {err}") from err
    if body.get("name") != name:
        raise ValueError(f"{path}: the suite's name must be {name!r}, found {body.get('name')!r}")
    for number, expectation in enumerate(body.get("expectations", []), start=1):
        if not isinstance(expectation, dict) or "type" not in expectation:
            raise ValueError(f"{path}: expectation {number} has no 'type'")
        kwargs = expectation.get("kwargs") or {}
        for key, value in kwargs.items():
            if isinstance(value, dict) and VOCABULARY in value:
                kwargs[key] = _vocabulary(value[VOCABULARY], f"{path}: expectation {number}")
    return SuiteFile(name=name, path=path, body=body)


def _vocabulary(name: str, where: str) -> list[str]:
    """Return the values of a vocabulary kept in a data file."""
    if name not in VOCABULARIES:
        raise ValueError(f"{where}: unknown vocabulary {name!r}; known: {sorted(VOCABULARIES)}")
    return list(VOCABULARIES[name]())


def expectation_label(expectation_type: str, kwargs: dict[str, Any]) -> str:
    """Name an expectation for reports and the quarantine table: 'type:column'."""
    if "column" in kwargs:
        target = str(kwargs["column"])
    elif "column_list" in kwargs:
        target = ",".join(str(c) for c in kwargs["column_list"])
    elif "column_A" in kwargs:
        target = f"{kwargs['column_A']},{kwargs['column_B']}"
    else:
        target = "table"
    return f"{expectation_type}:{target}"
