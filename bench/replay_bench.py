"""Benchmark replay: rebuild the views from a large event log; time, peak RSS, file size.

    .venv/bin/python bench/replay_bench.py [--sizes 1000000,10000000] [--json PATH]
        [--verify-size 1000000] [--keep DIR]

For each size N a temporary DuckDB log holding N statement_extracted events is built in
bulk by DuckDB SQL (no per-event Python), shaped like what the pipeline writes:

- per document: one document_ingested (full payload, text and raw_text of about 3 kB made
  of sentences from seeds/*.txt), 5-15 statement_extracted (mean 10), one
  extraction_completed; documents published 2023-01-01 .. 2026-09, grouped in runs of 500;
- a few duplicate_detected (2 %), document_skipped (4 %), fetch_failed (1 %) and feed_polled
  events;
- 5 % of documents re-extracted later by a newer extractor version (`rules/2`), which
  supersedes their `rules/1` statements (is_current);
- actors: the registry's people, states and organisations plus synthetic ones needing
  review (about 400 in all, skewed so a few dominate); 11 topics, 4 stances.

Payloads are canonical JSON (sorted keys, no spaces) as `canonical_json` writes them, event
ids are 32 hex characters. The chain columns of the big logs are filled in bulk:
`hash` = sha256 of the row's event id and position, `prev_hash` = the previous row's hash;
this is NOT the real chain (computing it takes Python per event), but the view rebuild
does not read them. The `--verify-size` log is built with the real chain
(`pipeline.events.chain_hash`, computed in Python in chunks) and `verify_chain` is timed on it.

Each size's rebuild runs in a fresh subprocess so its peak RSS (VmHWM) is its own.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402
import yaml  # noqa: E402

from bench.memory import peak_rss_mb  # noqa: E402
from pipeline.events import GENESIS_HASH, row_hash  # noqa: E402
from pipeline.statements.model import STANCES, TOPICS  # noqa: E402

STATEMENTS_PER_DOC = 10  # mean of 5..15
RUN_DOCS = 500
SUPERSEDED_SHARE = 0.05
N_TEXTS = 2048
N_ACTORS = 400
BUILD_MEMORY = "4GB"
CHUNK_DOCS = 25_000  # documents generated per insert
OUTLETS = [
    ("reuters", "Reuters"),
    ("bbc", "BBC News"),
    ("guardian", "The Guardian"),
    ("kyiv_independent", "The Kyiv Independent"),
    ("politico_eu", "Politico Europe"),
    ("dw", "Deutsche Welle"),
    ("france24", "France 24"),
    ("ukrinform", "Ukrinform"),
    ("euractiv", "Euractiv"),
    ("ap", "Associated Press"),
    ("ft", "Financial Times"),
    ("nato", "NATO"),
]


def _sentences() -> list[str]:
    text = " ".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt")))
    parts = [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if len(s.strip()) > 40]
    return parts or ["Leaders discussed security guarantees for Ukraine at length today."]


def _actors() -> list[tuple]:
    data = yaml.safe_load((ROOT / "pipeline" / "data" / "actors.yaml").read_text("utf-8"))
    actors = []
    for kind, key in (("person", "people"), ("state", "states"), ("organisation", "organisations")):
        for item in data.get(key) or []:
            actors.append(
                (item["id"], item["name"], kind, item.get("country"), item.get("role"), False)
            )
    rng = random.Random(7)
    while len(actors) < N_ACTORS:
        n = len(actors)
        country = rng.choice(["UA", "FR", "DE", "GB", "US", "PL", "IT", "RU", None])
        actors.append((f"person:unknown-{n}", f"Official {n}", "person", country, "Official", True))
    return actors[:N_ACTORS]


def _setup_pools(con: duckdb.DuckDBPyConnection) -> None:
    sentences = _sentences()
    rng = random.Random(11)
    texts = []
    for i in range(N_TEXTS):
        chosen, size = [], 0
        while size < 3000:
            s = rng.choice(sentences)
            chosen.append(s)
            size += len(s) + 1
        texts.append((i, " ".join(chosen), rng.choice(sentences)))
    con.execute("create temp table text_pool (i integer, text varchar, evidence varchar)")
    con.executemany("insert into text_pool values (?, ?, ?)", texts)
    con.execute(
        "create temp table actor_pool (i integer, actor_id varchar, actor_name varchar,"
        " actor_kind varchar, country varchar, role varchar, needs_review boolean)"
    )
    con.executemany(
        "insert into actor_pool values (?, ?, ?, ?, ?, ?, ?)",
        [(i, *a) for i, a in enumerate(_actors())],
    )
    con.execute("create temp table outlet_pool (i integer, source varchar, publisher varchar)")
    con.executemany(
        "insert into outlet_pool values (?, ?, ?)", [(i, *o) for i, o in enumerate(OUTLETS)]
    )


# The bulk generator. `hash(a, b)` is DuckDB's deterministic 64-bit hash; `% k` picks.
# Sort key (run, phase, doc, kind, j) orders the log as the pipeline appends it: per run,
# the documents (and their duplicates/skips), then statements and extraction_completed.
_DOCS_SQL = """
create temp table docs as
select
    d,
    'doc_' || substr(md5('doc' || d), 1, 20) as doc_id,
    (date '2023-01-01' + (d * 1370 // $n_docs)::integer
        + (hash(d, 'jitter') % 5)::integer)::date as published,
    d // $run_docs as run,
    5 + (hash(d, 'k') % 11)::integer as k,
    (hash(d, 'sup') % 1000) < $sup_permille as superseded,
    hash(d, 'text') % $n_texts as text_i,
    hash(d, 'outlet') % $n_outlets as outlet_i
from range($n_docs) t(d)
"""

_STATEMENTS_SQL = """
create temp table stmts as
with base as (
    select d, doc_id, published, run, unnest(range(k)) as j, superseded from docs
),
versions as (
    select *, 'rules/1' as producer, 0 as late from base
    union all
    select *, 'rules/2' as producer, 1 as late from base where superseded
)
select
    v.*,
    -- skewed actor choice: a few actors say most things
    ((hash(d, j, 'a') % 1000) ^ 2 / 1000000.0 * $n_actors)::integer as actor_i,
    hash(d, j, 't') % 11 as topic_i,
    hash(d, j, 's') % 4 as stance_i,
    (hash(d, j, 'inf') % 10) < 3 as inferred,
    hash(d, j, 'ev') % $n_texts as ev_i
from versions v
"""

_EVENTS_SQL = """
create or replace temp table gen as
with topics as (
    select unnest($topics::varchar[]) as topic,
        generate_subscripts($topics::varchar[], 1) - 1 as i
),
stances as (
    select unnest($stances::varchar[]) as stance,
        generate_subscripts($stances::varchar[], 1) - 1 as i
),
doc_rows as (
    select docs.*, text_pool.text || ' [' || d || ']' as text, o.source, o.publisher,
        'https://' || o.source || '.example/' || strftime(published, '%Y/%m/%d') || '/'
            || doc_id as url,
        'Security guarantees for Ukraine: ' || left(text_pool.evidence, 60) as title
    from docs
    join text_pool on text_pool.i = docs.text_i
    join outlet_pool o on o.i = docs.outlet_i
),
statement_rows as (
    select
        s.run + s.late * 1000000 as run, 1 as phase, s.d, 1 as kind, s.j,
        'statement_extracted' as event_type,
        'actor:' || a.actor_id as stream,
        (case when s.inferred then dr.published else dr.published - (s.j % 3)::integer end)
            ::timestamp as occurred_at,
        json_object(
            'actor_id', a.actor_id, 'actor_kind', a.actor_kind, 'actor_name', a.actor_name,
            'actor_needs_review', a.needs_review,
            'confidence', round(0.5 + (hash(s.d, s.j) % 500) / 1000.0, 4),
            'country', a.country, 'doc_id', dr.doc_id, 'doc_title', dr.title, 'doc_url', dr.url,
            'end', 120 + s.j * 200 + length(ev.evidence), 'evidence', ev.evidence,
            'extractor', 'rules', 'extractor_version', right(s.producer, 1),
            'published', dr.published, 'publisher', dr.publisher, 'role', a.role,
            'stance', st.stance, 'start', 120 + s.j * 200,
            'stated_on',
            case when s.inferred then dr.published else dr.published - (s.j % 3)::integer end,
            'stated_on_inferred', s.inferred, 'topic', tp.topic
        )::varchar as payload,
        s.producer,
        md5('stmt' || s.producer || s.d || ':' || s.j) as event_id
    from stmts s
    join doc_rows dr on dr.d = s.d
    join actor_pool a on a.i = s.actor_i
    join topics tp on tp.i = s.topic_i
    join stances st on st.i = s.stance_i
    join text_pool ev on ev.i = s.ev_i
),
completed_rows as (
    select
        run, 1 as phase, d, 2 as kind, 0 as j,
        'extraction_completed' as event_type, 'document:' || doc_id as stream,
        published::timestamp as occurred_at,
        json_object('doc_id', doc_id, 'extractor', 'rules', 'extractor_version', '1',
            'statements', k)::varchar as payload,
        'rules/1' as producer, md5('done1' || d) as event_id
    from docs
    union all
    select
        run + 1000000, 1, d, 2, 0,
        'extraction_completed', 'document:' || doc_id, published::timestamp,
        json_object('doc_id', doc_id, 'extractor', 'rules', 'extractor_version', '2',
            'statements', k)::varchar,
        'rules/2', md5('done2' || d)
    from docs where superseded
),
ingested_rows as (
    select
        run, 0 as phase, d, 0 as kind, 0 as j,
        'document_ingested' as event_type, 'document:' || doc_id as stream,
        published::timestamp as occurred_at,
        json_object('author', null, 'content_hash', sha256(text), 'doc_id', doc_id,
            'language', 'en', 'published', published, 'published_inferred_from', null,
            'publisher', publisher, 'raw_ref', 'raw/' || md5('raw' || d), 'raw_text', text,
            'source', source, 'text', text, 'title', title, 'url', url)::varchar as payload,
        'pipeline/0.1.0' as producer, md5('ing' || d) as event_id
    from doc_rows
),
other_rows as (
    select
        run, 0 as phase, d, 3 as kind, 0 as j,
        'duplicate_detected' as event_type, 'document:' || doc_id as stream,
        published::timestamp as occurred_at,
        json_object('canonical_doc_id', doc_id, 'canonical_url', url, 'doc_id',
            'doc_' || substr(md5('dup' || d), 1, 20), 'method', 'minhash',
            'similarity', 0.93, 'source', source, 'url', url || '?copy')::varchar as payload,
        'pipeline/0.1.0' as producer, md5('dup' || d) as event_id
    from doc_rows where hash(d, 'dup') % 100 < 2
    union all
    select
        run, 0, d, 4, 0, 'document_skipped', 'url:' || url || '/skip', published::timestamp,
        json_object('detail', 'no keyword in text', 'reason', 'off_topic', 'source', source,
            'title', title, 'url', url || '/skip')::varchar,
        'pipeline/0.1.0', md5('skip' || d)
    from doc_rows where hash(d, 'skip') % 100 < 4
    union all
    select
        run, 0, d, 5, 0, 'fetch_failed', 'url:' || url || '/fail', published::timestamp,
        json_object('canonical_url', url || '/fail', 'day', published, 'detail', 'timed out',
            'permanent', false, 'reason', 'timeout', 'source', source, 'status', null,
            'url', url || '/fail')::varchar,
        'sources/0.1', md5('fail' || d)
    from doc_rows where hash(d, 'fail') % 100 < 1
    union all
    select
        run, 0, d, 6, 0, 'feed_polled', 'feed:https://' || source || '.example/rss',
        published::timestamp,
        json_object('bozo', false, 'bozo_reason', null, 'entries', 20, 'etag', md5('etag' || d),
            'last_modified', null, 'new_entries', 5, 'source', source, 'status', 200,
            'url', 'https://' || source || '.example/rss')::varchar,
        'sources/0.1', md5('feed' || d)
    from doc_rows where d % 25 = 0
),
all_rows as (
    select * from ingested_rows
    union all select * from other_rows
    union all select * from statement_rows
    union all select * from completed_rows
)
select
    $offset + row_number() over (order by run, phase, d, kind, j) as seq,
    event_id, event_type, stream, occurred_at,
    (timestamp '2023-01-01 06:00:00' + to_minutes((run % 1000000) * 30 + (run // 1000000) * 600000))
        as recorded_at,
    payload, 1 as schema_version, producer,
    'run_' || lpad((run % 1000000)::varchar, 6, '0')
        || case when run >= 1000000 then 'b' else '' end as run_id
from all_rows
where d >= $lo and d < $hi and (run >= 1000000) = $late
"""


def build_log(path: Path, n_statements: int, real_hashes: bool = False) -> dict:
    """Build an event log with about `n_statements` statement events at `path`."""
    from pipeline.store.duckdb_store import DuckDBRecorder

    started = time.perf_counter()
    DuckDBRecorder(path).close()  # the real schema and migrations
    n_docs = max(1, round(n_statements / STATEMENTS_PER_DOC / (1 + SUPERSEDED_SHARE)))
    con = duckdb.connect(str(path))
    con.execute(f"set memory_limit = '{BUILD_MEMORY}'")
    con.execute("set preserve_insertion_order = false")
    _setup_pools(con)
    params = {
        "n_docs": n_docs,
        "run_docs": RUN_DOCS,
        "sup_permille": int(SUPERSEDED_SHARE * 1000),
        "n_texts": N_TEXTS,
        "n_outlets": len(OUTLETS),
    }
    con.execute(_DOCS_SQL, params)
    con.execute(_STATEMENTS_SQL, {"n_actors": N_ACTORS, "n_texts": N_TEXTS})
    # In chunks of documents, in log order: first every run, then the re-extraction runs.
    offset, prev = 0, GENESIS_HASH
    for late in (False, True):
        for lo in range(0, n_docs, CHUNK_DOCS):
            chunk = {"lo": lo, "hi": lo + CHUNK_DOCS, "late": late, "offset": offset}
            con.execute(_EVENTS_SQL, {"topics": list(TOPICS), "stances": list(STANCES), **chunk})
            if real_hashes:
                prev = _insert_with_real_chain(con, prev)
            else:
                con.execute(
                    "insert into events select seq, event_id, event_type, stream, occurred_at,"
                    " recorded_at, payload, schema_version, producer, run_id,"
                    " coalesce(lag(h) over (order by seq), $prev), h"
                    " from (select *, sha256(event_id || ':' || seq) as h from gen) order by seq",
                    {"prev": prev},
                )
                prev = con.execute(
                    "select coalesce(max_by(hash, seq), $prev) from events where seq > $offset",
                    {"prev": prev, "offset": offset},
                ).fetchone()[0]
            offset = con.execute("select coalesce(max(seq), 0) from events").fetchone()[0]
    con.execute("drop table gen")
    counts = dict(con.execute("select event_type, count(*) from events group by all").fetchall())
    con.execute("checkpoint")
    con.close()
    # As after any writer's session: the sorted event-id file covers the log, and the chain
    # checkpoint records it as verified (its hashes are stand-ins unless real_hashes: built
    # here in bulk, it is trusted rather than verified).
    with DuckDBRecorder(path) as store:
        store.trust_as_verified()
        store.refresh_id_index()
    return {
        "build_s": round(time.perf_counter() - started, 1),
        "events": sum(counts.values()),
        "statements": counts.get("statement_extracted", 0),
        "file_mb": round(path.stat().st_size / 2**20),
    }


def _insert_with_real_chain(con: duckdb.DuckDBPyConnection, prev: str) -> str:
    """Compute the real hash chain in Python (chunked) and insert the rows."""
    import pandas as pd

    cols = (
        "seq, event_id, event_type, stream, occurred_at, recorded_at, payload,"
        " schema_version, producer, run_id"
    )
    low, high = con.execute("select min(seq) - 1, max(seq) from gen").fetchone()
    for start in range(low or 0, high or 0, 50_000):
        chunk = con.execute(
            f"select {cols} from gen where seq > ? and seq <= ? order by seq",
            [start, start + 50_000],
        ).fetchall()
        out = []
        for row in chunk:
            (seq, event_id, event_type, stream, occurred, recorded, payload, sv, producer, run) = (
                row
            )
            digest = row_hash(
                prev, seq, event_id, event_type, stream, occurred, recorded, payload,
                producer, sv, run,
            )  # fmt: skip
            out.append((*row, prev, digest))
            prev = digest
        frame = pd.DataFrame.from_records(out, columns=[*cols.split(", "), "prev_hash", "hash"])
        con.register("chunk_rows", frame)
        con.execute("insert into events select * from chunk_rows")
        con.unregister("chunk_rows")
    return prev


def _cpu_s() -> float:
    """CPU seconds used by this process (user + system, all threads): on a shared machine
    wall time also counts the time other processes held the cores."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _peak_mb() -> float:
    """Peak RSS of this process in MB (VmHWM: see bench/memory.py)."""
    return round(peak_rss_mb(), 1)


def child_rebuild(db: Path) -> dict:
    """In a fresh process: rebuild the views into their own file and publish it (the views
    file is the BI snapshot: no copy follows)."""
    from pipeline.store.duckdb_store import DuckDBRecorder
    from pipeline.store.views import rebuild_views

    base = _peak_mb()
    recorder = DuckDBRecorder(db)
    started, cpu = time.perf_counter(), _cpu_s()
    counts = rebuild_views(recorder)
    rebuild_s, rebuild_cpu = time.perf_counter() - started, _cpu_s() - cpu
    rebuild_peak = _peak_mb()
    views_mb = recorder.views_path.stat().st_size / 2**20
    recorder.close()
    return {
        "rebuild_s": round(rebuild_s, 2),
        "rebuild_cpu_s": round(rebuild_cpu, 2),
        "rebuild_peak_mb": rebuild_peak,
        "views_file_mb": round(views_mb),
        "python_base_mb": base,
        "rows": counts,
    }


def child_verify(db: Path) -> dict:
    from pipeline.store.duckdb_store import DuckDBRecorder

    recorder = DuckDBRecorder(db, read_only=True)
    started = time.perf_counter()
    report = recorder.verify_chain()
    elapsed = time.perf_counter() - started
    recorder.close()
    return {"verify_s": round(elapsed, 2), "checked": report.checked, "ok": report.ok}


def _in_child(*args: str) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, *args], check=True, capture_output=True, text=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _label(n: int) -> str:
    if n % 1_000_000 == 0:
        return f"{n // 1_000_000}m"
    if n % 1000 == 0:
        return f"{n // 1000}k"
    return str(n)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000000,10000000")
    parser.add_argument("--verify-size", type=int, default=1_000_000, help="0 to skip")
    parser.add_argument("--json", type=Path, help="write the figures here as a flat dict")
    parser.add_argument("--keep", type=Path, help="build the logs in this folder and keep them")
    parser.add_argument("--child", choices=["rebuild", "verify"], help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child == "rebuild":
        print(json.dumps(child_rebuild(args.db)))
        return
    if args.child == "verify":
        print(json.dumps(child_verify(args.db)))
        return

    figures: dict[str, float | int | bool] = {}
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="replay_bench_"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        peaks = []
        for n in [int(s) for s in args.sizes.split(",") if s]:
            label = _label(n)
            db = workdir / f"log_{label}.duckdb"
            if not db.exists():
                built = build_log(db, n)
                print(f"[{label}] built {built}", flush=True)
            try:
                result = _in_child("--child", "rebuild", "--db", str(db))
            except subprocess.CalledProcessError as err:
                print(f"[{label}] rebuild failed: {err.stderr[-2000:]}", flush=True)
                figures[f"replay_{label}_failed"] = True
                continue
            print(f"[{label}] {result}", flush=True)
            figures[f"replay_{label}_s"] = result["rebuild_s"]
            figures[f"replay_{label}_cpu_s"] = result["rebuild_cpu_s"]
            figures[f"replay_{label}_peak_mb"] = result["rebuild_peak_mb"]
            figures[f"views_file_{label}_mb"] = result["views_file_mb"]
            peaks.append(result["rebuild_peak_mb"])
            if not args.keep:
                db.unlink(missing_ok=True)
        if peaks:
            figures["replay_peak_mb"] = max(peaks)
        if args.verify_size:
            label = _label(args.verify_size)
            db = workdir / f"chain_{label}.duckdb"
            if not db.exists():
                built = build_log(db, args.verify_size, real_hashes=True)
                print(f"[verify {label}] built {built}", flush=True)
            result = _in_child("--child", "verify", "--db", str(db))
            print(f"[verify {label}] {result}", flush=True)
            figures[f"verify_chain_{label}_s"] = result["verify_s"]
            figures[f"verify_chain_{label}_ok"] = result["ok"]
            figures["verify_chain_events"] = result["checked"]
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
