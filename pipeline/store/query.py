"""Read-side queries over the views, for the CLI (BI tools query the snapshot directly)."""

from __future__ import annotations

from datetime import date
from typing import Any

from pipeline.errors import StoreBusyError, StoreError
from pipeline.settings import Settings
from pipeline.store.duckdb_store import connect

_STANCE_COLUMNS = (
    "actor_id, actor_name, actor_kind, country, topic, stance, last_seen,"
    " n_statements, latest_evidence, latest_url"
)


def current_stances(
    settings: Settings,
    actor: str | None = None,
    topic: str | None = None,
    as_of: date | None = None,
) -> list[dict[str, Any]]:
    """Return stances per actor and topic, now or as of a date, optionally filtered."""
    try:
        con = connect(settings.db_path, read_only=True)
    except StoreBusyError:
        # A writer holds the log: read the last published snapshot instead.
        if not settings.bi_snapshot_path.exists():
            raise
        con = connect(settings.bi_snapshot_path, read_only=True)
    try:
        tables = {r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()}
        if "actor_current_stance" not in tables:
            raise StoreError(f"{settings.db_path}: no views yet; run `monitor views`")
        if as_of is None:
            source, params = "actor_current_stance", []
        else:
            source, params = "stance_as_of(?)", [as_of]
        sql = f"select {_STANCE_COLUMNS} from {source} where true"
        if actor:
            sql += " and (actor_id = ? or actor_name ilike ?)"
            params += [actor, f"%{actor}%"]
        if topic:
            sql += " and topic = ?"
            params.append(topic)
        sql += " order by actor_name, actor_id, topic"
        cursor = con.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        con.close()
