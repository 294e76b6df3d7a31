"""The store's named queries: one statement per file in sql/store/, read once per process."""

from __future__ import annotations

from functools import cache

from pipeline.settings import SQL_DIR

STORE_SQL_DIR = SQL_DIR / "store"


@cache
def store_sql(name: str) -> str:
    """Return the text of sql/store/<name>.sql."""
    path = STORE_SQL_DIR / f"{name}.sql"
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValueError(f"{path}: no such store query") from None
