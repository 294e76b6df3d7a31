"""Recorded schema migrations: sql/ddl/NNN_name.sql, applied in order, each once."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipeline.settings import SQL_DIR

DDL_DIR = SQL_DIR / "ddl"
_MIGRATION_NAME = re.compile(r"^(\d{3})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    path: Path


def list_migrations(ddl_dir: Path = DDL_DIR) -> list[Migration]:
    """List the DDL files in apply order."""
    migrations = []
    for path in sorted(ddl_dir.glob("*.sql")):
        match = _MIGRATION_NAME.match(path.name)
        if not match:
            raise ValueError(f"{path}: migration files are named NNN_name.sql")
        migrations.append(Migration(int(match.group(1)), match.group(2), path))
    return migrations


# The ledger of applied migrations. DuckLake has no primary keys: there the one process that
# migrates (under the append lock) is what keeps each version once.
LEDGER = (
    "create table if not exists schema_migrations ("
    " version integer primary key, name varchar not null, applied_at timestamp not null)"
)
LEDGER_WITHOUT_KEYS = (
    "create table if not exists schema_migrations ("
    " version integer not null, name varchar not null, applied_at timestamp not null)"
)


def apply_migrations(
    con: duckdb.DuckDBPyConnection, ddl_dir: Path = DDL_DIR, ledger: str = LEDGER
) -> list[int]:
    """Apply pending migrations, each in a transaction that also records it."""
    con.execute(ledger)
    done = {row[0] for row in con.execute("select version from schema_migrations").fetchall()}
    applied = []
    for migration in list_migrations(ddl_dir):
        if migration.version in done:
            continue
        con.execute("begin transaction")
        try:
            con.execute(migration.path.read_text(encoding="utf-8"))
            con.execute(
                "insert into schema_migrations values (?, ?, now()::timestamp)",
                [migration.version, migration.name],
            )
            con.execute("commit")
        except Exception:
            con.execute("rollback")
            raise
        applied.append(migration.version)
    return applied
