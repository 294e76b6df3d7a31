"""Read-side queries over the views, for the CLI (BI tools query the snapshot directly)."""

from __future__ import annotations

from datetime import date
from typing import Any

from pipeline.errors import StoreError
from pipeline.settings import Settings

_STANCE_COLUMNS = (
    "actor_id, actor_name, actor_kind, country, topic, stance, last_seen,"
    " n_statements, latest_evidence, latest_url"
)


def current_stances(
    settings: Settings,
    actor: str | None = None,
    topic: str | None = None,
    as_of: date | None = None,
    actor_ids: tuple[str, ...] = (),
) -> list[dict[str, Any]]:
    """Return stances per actor and topic, now or as of a date, optionally filtered: by
    `actor` (an actor id, or a part of a name, `%` and `_` taken literally) or by any of
    `actor_ids` (what the registry resolved a name or alias to).

    They are read from the published views file, never the log, so a writer at work does
    not get in the way."""
    from pipeline.store.duckdb_store import connect

    views = settings.bi_snapshot_path
    if not views.exists():
        raise StoreError(f"{settings.store}: no views yet ({views}); run `monitor views`")
    con = connect(views, read_only=True)
    try:
        tables = {r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()}
        if "actor_current_stance" not in tables:
            raise StoreError(f"{views}: no views yet; run `monitor views`")
        if as_of is None:
            source, params = "actor_current_stance", []
        else:
            source, params = "stance_as_of(?)", [as_of]
        sql = f"select {_STANCE_COLUMNS} from {source} where true"
        if actor:
            sql += (
                " and (actor_id = ? or actor_name ilike ? escape '\\'"
                " or list_contains(?::varchar[], actor_id))"
            )
            params += [actor, f"%{literal_like(actor)}%", list(actor_ids)]
        if topic:
            sql += " and topic = ?"
            params.append(topic)
        sql += " order by actor_name, actor_id, topic"
        cursor = con.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        con.close()


def stance_change_rows(recorder: Any) -> list[dict[str, Any]]:
    """Every stance change the published views show, oldest first (empty when no views are
    published yet)."""
    import duckdb

    from pipeline.store.sql_files import store_sql

    if recorder.views_catalog is None:
        return []
    try:
        cursor = recorder.con.execute(store_sql("stance_changes"))
    except duckdb.CatalogException as err:  # views of a version without stance_changes
        raise StoreError(f"{recorder.views_path}: no stance_changes view ({err})") from err
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def alert_outcomes(recorder: Any) -> list[dict[str, Any]]:
    """Every alert_sent and alert_failed event's channel, change key and error, in log
    order."""
    from pipeline.store.sql_files import store_sql

    cursor = recorder.con.execute(store_sql("alert_outcomes"))
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def literal_like(text: str) -> str:
    """`text` as a LIKE pattern that matches it literally (escape character: backslash)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# -- write-side lookups over the log (the stages' "what is already there" questions) ----------
# Each reads only the JSON fields it needs, inside DuckDB, instead of decoding every payload.


def logged_urls(con: Any, event_types: list[str]) -> set[str]:
    """Every non-empty `url`, `canonical_url` and `fetched_url` in the payloads of these event
    types."""
    rows = con.execute(
        "select distinct unnest(json_extract_string(payload,"
        " ['$.url', '$.canonical_url', '$.fetched_url']))"
        " from events where event_type in (select unnest(?::varchar[]))",
        [list(event_types)],
    ).fetchall()
    return {row[0] for row in rows if row[0]}


def logged_content_hashes(con: Any, event_type: str) -> set[str]:
    """Every non-empty `content_hash` in the payloads of one event type."""
    rows = con.execute(
        "select distinct json_extract_string(payload, '$.content_hash')"
        " from events where event_type = ?",
        [event_type],
    ).fetchall()
    return {row[0] for row in rows if row[0]}


def logged_texts(con: Any, event_type: str, doc_ids: set[str]) -> dict[str, str]:
    """`text` by `doc_id` for these documents (the latest logged one wins)."""
    if not doc_ids:
        return {}
    rows = con.execute(
        "select doc_id, text from ("
        " select json_extract_string(payload, '$.doc_id') as doc_id,"
        " json_extract_string(payload, '$.text') as text, seq"
        " from events where event_type = ?)"
        " where doc_id in (select unnest(?::varchar[])) order by seq",
        [event_type, sorted(doc_ids)],
    ).fetchall()
    return {doc_id: text for doc_id, text in rows}


def logged_payloads_published_between(
    con: Any, event_type: str, low: date | None, high: date | None
) -> list[dict[str, Any]]:
    """Payloads of one event type, in log order, whose `published` date is within [low, high].

    A payload without a readable date counts as published on date.min (kept only when no
    lower bound is given), as the stages have always treated it.
    """
    import json

    rows = con.execute(
        "select payload from ("
        " select payload, seq, try_cast(left(json_extract_string(payload, '$.published'), 10)"
        " as date) as published from events where event_type = ?)"
        " where (? is null or coalesce(published, '0001-01-01'::date) >= ?)"
        " and (? is null or coalesce(published, '0001-01-01'::date) <= ?)"
        " order by seq",
        [event_type, low, low, high, high],
    ).fetchall()
    return [json.loads(row[0]) for row in rows]


def logged_file_documents(con: Any) -> set[tuple[str, str]]:
    """(file:// URL, content address of its bytes) of every local file logged as a document."""
    from pipeline.store.sql_files import store_sql

    return {(url, ref) for url, ref in con.execute(store_sql("logged_file_documents")).fetchall()}
