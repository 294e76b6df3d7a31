"""A failed task is counted against the run it belongs to (monitor check reads this)."""

import ast
from pathlib import Path

import pytest

from pipeline.store.runs import INGEST, VIEWS, kind_of_task

ROOT = Path(__file__).resolve().parents[2]


def _task_names(dag_file: Path) -> set[str]:
    """The functions decorated with @task in a DAG file."""
    tree = ast.parse(dag_file.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            for decorator in node.decorator_list:
                target = decorator.func if isinstance(decorator, ast.Call) else decorator
                text = ast.unparse(target)
                if text == "task" or text.startswith("task."):
                    names.add(node.name)
    return names


def test_every_task_of_rebuild_views_is_a_views_task():
    names = _task_names(ROOT / "dags" / "rebuild_views.py")
    assert names, "no @task found in dags/rebuild_views.py"
    assert {name: kind_of_task(name) for name in names} == dict.fromkeys(names, VIEWS)


@pytest.mark.parametrize("name", sorted(_task_names(ROOT / "dags" / "ingest_news.py")))
def test_ingest_tasks_are_ingest(name):
    assert kind_of_task(name) == INGEST
