"""Benchmark the two store backends side by side: appends, view replay, concurrent writers.

    .venv/bin/python bench/store_bench.py [--events 1000000,10000000]
        [--backends duckdb,ducklake] [--batch 1000] [--measure-batches 50]
        [--fill-batch 20000] [--writer-batches 50] [--pg postgresql://postgres@127.0.0.1:5432]
        [--json PATH]

Every event goes through the store interface (`open_store(url).append`), on a DuckDB file
(`duckdb:///...`) and on a DuckLake whose catalog is a PostgreSQL database made for the run
and dropped after it (`ducklake:postgresql://...?data_path=...`).

The events are real ones, replicated. The development articles (`../shared/eval/dev/docs`,
else `seeds/*.txt`) go once through the real statement extractor, and the pipeline's own
functions make each article's events: document_ingested, statement_extracted per
statement, extraction_completed. Each copy of an article repeats them with the copy's own
document id, URL, text marker (so content hashes differ; the extractor's offsets still
hold), event ids and dates moved by up to 18 months either way. The texts stay in the
temporary store; nothing is written into the project.

For each size N of --events, in order, on each backend: the log is filled to N events in
batches of --fill-batch, the writer closing and opening again every --run-events as a
pipeline run does (the fill rate is reported), then --measure-batches batches of
--batch new events are appended by a newly opened writer and each is timed (p50, worst,
the first after opening included), then the views are rebuilt
and published from the log (`rebuild_views`; wall and CPU seconds). On DuckLake two writer
processes then append --writer-batches batches of --batch each at the same moment
(throughput over both, each batch's p50 and worst, and the log checked: every event once,
the chain intact). A DuckDB file takes one writing process at a time, so it has no
concurrent figure. The machine is shared: CPU seconds and ratios between the backends say
more than wall time alone.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import queue as queue_module
import random
import resource
import shutil
import signal
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEV_DOCS = ROOT.parent / "shared" / "eval" / "dev" / "docs"
SEEDS = ROOT / "seeds"
PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432"
PRODUCER_DOCS = "fetch/1"


@dataclass(frozen=True)
class Article:
    """One extracted article: the template every copy is made from."""

    name: str
    text: str
    published: date
    statements: tuple


def extract_articles(folder: Path) -> list[Article]:
    """Run the real extractor once over the folder's articles."""
    from pipeline.documents.normalise import normalise_text
    from pipeline.statements import load_extractor
    from pipeline.statements.model import ArticleText

    files = sorted(folder.glob("*.txt"))
    if not files:
        raise SystemExit(f"{folder}: no *.txt articles to extract statements from")
    dates: dict[str, date] = {}
    manifest = folder.parent / "manifest.jsonl"
    if manifest.exists():
        for line in manifest.read_text(encoding="utf-8").splitlines():
            if line.strip():
                entry = json.loads(line)
                if entry.get("published"):
                    dates[Path(entry["doc"]).name] = date.fromisoformat(entry["published"])
    texts = [normalise_text(f.read_text(encoding="utf-8")) for f in files]
    published = [dates.get(f.name, date(2024, 1, 1)) for f in files]
    extractor = load_extractor(workers=1)
    found = extractor.extract_many(
        ArticleText(text=t, published=d) for t, d in zip(texts, published, strict=True)
    )
    return [
        Article(f.name, t, d, tuple(s))
        for f, t, d, s in zip(files, texts, published, found, strict=True)
    ]


def base_events(article: Article, writer: str) -> list:
    """The article's events as the pipeline makes them: document_ingested, then
    statement_extracted per statement and extraction_completed (the real functions)."""
    from pipeline.documents.extract import document_event
    from pipeline.documents.model import Document, document_id
    from pipeline.statements.events import statement_events

    doc = Document(
        doc_id=document_id(article.text),
        source="bench",
        url=f"https://bench.example/{writer}/{article.name}",
        title=article.text[:80],
        text=article.text,
        raw_text=article.text,
        published=article.published,
        publisher="Bench News",
    )
    return [
        document_event(doc, PRODUCER_DOCS, today=article.published),
        *statement_events(list(article.statements), doc, "rules/9", article.published),
    ]


def _moved(day: object, shift: timedelta) -> object:
    return (date.fromisoformat(day) + shift).isoformat() if isinstance(day, str) else day


def replicated_events(
    articles: list[Article], writer: str, seed: int, start_copy: int = 0
) -> Iterator:
    """Events of successive copies of the articles, forever: each copy a new document (its
    own id, URL, text marker and content hash), published up to 18 months earlier or later,
    its events' ids derived from the original's and the copy's. Made by copying the real
    events' payloads, not by running the event constructors again: those cost more than
    the append being measured, and the fill of 10M events would take hours."""
    from pipeline.events import Event, sha256_hex

    rng = random.Random(seed)
    bases = [(article, base_events(article, writer)) for article in articles]
    copy = start_copy
    while True:
        for number, (article, events) in enumerate(bases):
            tag = f"{writer} {copy}.{number}"
            shift = timedelta(days=rng.randrange(-540, 540))
            text = f"{article.text}\n[{tag}]"
            doc_id = "doc_" + sha256_hex(text)[:20]
            url = f"https://bench.example/{writer}/{copy}/{article.name}"
            old_doc = events[0].payload["doc_id"]
            for event in events:
                payload = dict(event.payload)
                payload["doc_id"] = doc_id
                for key in ("url", "doc_url"):
                    if key in payload:
                        payload[key] = url
                for key in ("published", "stated_on"):
                    if key in payload:
                        payload[key] = _moved(payload[key], shift)
                if "text" in payload:
                    payload["text"] = payload["raw_text"] = text
                    payload["content_hash"] = sha256_hex(text)
                yield Event(
                    event_id=sha256_hex(f"{event.event_id} {tag}")[:32],
                    event_type=event.event_type,
                    stream=event.stream.replace(old_doc, doc_id),
                    occurred_at=event.occurred_at + shift,
                    payload=payload,
                    producer=event.producer,
                )
        copy += 1


def batches_of(events: Iterator, size: int) -> Iterator[list]:
    while True:
        yield [next(events) for _ in range(size)]


def cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed_appends(
    store, batches: Iterator[list], count: int, run: str, cpu_ms: list[float] | None = None
) -> list[float]:
    """Append `count` batches; return each one's wall milliseconds (generation not included)
    and add each one's CPU milliseconds of this process (its DuckDB threads included; not
    PostgreSQL's) to `cpu_ms`: on a shared machine the steadier measure."""
    latencies = []
    for i in range(count):
        events = next(batches)
        started, cpu = time.perf_counter(), time.process_time()
        result = store.append(events, run_id=f"{run}_{i}")
        latencies.append((time.perf_counter() - started) * 1000)
        if cpu_ms is not None:
            cpu_ms.append((time.process_time() - cpu) * 1000)
        if result.appended != len({e.event_id for e in events}):
            raise SystemExit(f"{run} batch {i}: appended {result.appended} of {len(events)}")
    return latencies


def summary_ms(latencies: list[float], cpu_ms: list[float] | None = None) -> dict[str, float]:
    summary = {
        "p50_ms": round(statistics.median(latencies), 1),
        "max_ms": round(max(latencies), 1),
        "batches": len(latencies),
    }
    if cpu_ms:
        summary["cpu_p50_ms"] = round(statistics.median(cpu_ms), 1)
        summary["cpu_max_ms"] = round(max(cpu_ms), 1)
    return summary


# -- concurrent writers (DuckLake) -------------------------------------------------------------


def writer_process(url, views, articles, name, seed, batch, count, barrier, out) -> None:
    from pipeline.store import open_store

    batches = batches_of(replicated_events(articles, name, seed=seed), batch)
    prepared = [next(batches) for _ in range(count)]  # generated before the clock starts
    with open_store(url, views_path=views) as store:
        barrier.wait(timeout=600)  # both writers generated their batches, opened the lake
        began = time.time()
        cpu_ms: list[float] = []
        latencies = timed_appends(store, iter(prepared), count, name, cpu_ms)
        ended = time.time()
    out.put({"name": name, "began": began, "ended": ended, "latencies": latencies, "cpu": cpu_ms})


def concurrent_writers(url, views, articles, batch: int, count: int, tag: str) -> dict[str, float]:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    # Each writer generates its batches and opens the lake first, then both start together.
    barrier = context.Barrier(2)
    processes = [
        context.Process(
            target=writer_process,
            args=(url, views, articles, f"writer{i}_{tag}", 10 + i, batch, count, barrier, queue),
        )
        for i in (1, 2)
    ]
    for process in processes:
        process.start()
    results: list[dict] = []
    while len(results) < len(processes):
        try:
            results.append(queue.get(timeout=5))
        except queue_module.Empty:
            failed = [p.exitcode for p in processes if p.exitcode not in (None, 0)]
            if failed:  # the other one is stopped at the barrier or finishes alone
                for process in processes:
                    process.terminate()
                raise SystemExit(f"a writer process failed (exit {failed[0]})") from None
    for process in processes:
        process.join()
        if process.exitcode:
            raise SystemExit(f"a writer process failed (exit {process.exitcode})")
    skew = max(r["began"] for r in results) - min(r["began"] for r in results)
    wall = max(r["ended"] for r in results) - min(r["began"] for r in results)
    every = [ms for r in results for ms in r["latencies"]]
    every_cpu = [ms for r in results for ms in r["cpu"]]
    return {
        "writers": len(results),
        "events": len(every) * batch,
        "wall_s": round(wall, 2),
        "events_per_s": round(len(every) * batch / wall, 1),
        "start_skew_s": round(skew, 3),
        **summary_ms(every, every_cpu),
    }


# -- one backend ---------------------------------------------------------------------------------


def create_database(pg: str) -> str:
    import psycopg2

    name = f"bench_store_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    connection = psycopg2.connect(f"{pg}/postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'create database "{name}"')
    connection.close()
    return name


def drop_database(pg: str, name: str) -> None:
    import psycopg2

    connection = psycopg2.connect(f"{pg}/postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'drop database if exists "{name}" with (force)')
    connection.close()


def postgres_reachable(pg: str) -> str | None:
    """None when PostgreSQL answers at `pg`, else why not."""
    try:
        import psycopg2

        psycopg2.connect(f"{pg}/postgres", connect_timeout=3).close()
    except Exception as err:  # noqa: BLE001 - any failure means: no lake here
        return " ".join(str(err).split())
    return None


def bench_backend(backend: str, args: argparse.Namespace, articles: list[Article]) -> dict:
    from pipeline.store import open_store
    from pipeline.store.views import rebuild_views

    workdir = Path(tempfile.mkdtemp(prefix=f"store_bench_{backend}_"))
    database = None
    figures: dict[str, object] = {}
    try:
        views = workdir / "views.duckdb"
        if backend == "duckdb":
            url = f"duckdb://{workdir / 'log.duckdb'}"
        else:
            database = create_database(args.pg)
            url = f"ducklake:{args.pg}/{database}?data_path={workdir / 'lake'}"
        fill = batches_of(replicated_events(articles, "fill", seed=1), args.fill_batch)
        new = batches_of(replicated_events(articles, "measure", seed=2), args.batch)
        logged = 0
        store = open_store(url, views_path=views)
        try:
            for size in args.sizes:
                label = f"{size // 1_000_000}m" if size >= 1_000_000 else f"{size // 1000}k"
                started, cpu = time.perf_counter(), cpu_s()
                filled = 0
                while logged < size:
                    events = next(fill)[: size - logged]
                    logged += store.append(events, run_id=f"fill_{logged}").appended
                    filled += len(events)
                    if filled % args.run_events < len(events):
                        # a run ends: the writer closes (a DuckDB file checkpoints its WAL
                        # and rewrites its id file) and the next run opens the log again
                        store.close()
                        store = open_store(url, views_path=views)
                        rate = filled / (time.perf_counter() - started)
                        print(f"  [{backend}] {logged:,} events, {rate:,.0f}/s", flush=True)
                fill_s, fill_cpu = time.perf_counter() - started, cpu_s() - cpu
                store.close()  # the measured batches are a new run's, its first one included
                store = open_store(url, views_path=views)
                cpu_ms: list[float] = []
                latencies = timed_appends(store, new, args.measure_batches, f"at_{label}", cpu_ms)
                logged = store.max_seq()
                started, cpu = time.perf_counter(), cpu_s()
                counts = rebuild_views(store)
                replay_s, replay_cpu = time.perf_counter() - started, cpu_s() - cpu
                at = {
                    "log_events": logged,
                    "fill_events_per_s": round(filled / fill_s, 1) if filled else None,
                    "fill_cpu_s": round(fill_cpu, 1),
                    "append": summary_ms(latencies, cpu_ms),
                    "replay_s": round(replay_s, 2),
                    "replay_cpu_s": round(replay_cpu, 2),
                    "current_statements": counts.get("statements"),
                }
                if backend == "ducklake" and args.writer_batches:
                    store.close()
                    at["two_writers"] = concurrent_writers(
                        url, views, articles, args.batch, args.writer_batches, label
                    )
                    store = open_store(url, views_path=views)
                    report = store.verify_chain()
                    logged = store.max_seq()
                    at["two_writers"]["chain_ok"] = report.ok
                    at["two_writers"]["log_events_after"] = logged
                    if not report.ok or store.count_events() != logged:
                        raise SystemExit(f"{backend}: the log is not whole after two writers")
                figures[label] = at
                print(f"[{backend} {label}] {json.dumps(at)}", flush=True)
        finally:
            store.close()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if database:
            drop_database(args.pg, database)
    return figures


def flat(results: dict[str, dict]) -> dict[str, object]:
    """The nested results as flat figures for `python -m bench` (store_<backend>_<size>_*)."""
    out: dict[str, object] = {}
    for backend, sizes in results.items():
        for label, at in sizes.items():
            key = f"store_{backend}_{label}"
            out[f"{key}_log_events"] = at["log_events"]
            out[f"{key}_append_ms_p50"] = at["append"]["p50_ms"]
            out[f"{key}_append_ms_max"] = at["append"]["max_ms"]
            out[f"{key}_append_cpu_ms_p50"] = at["append"]["cpu_p50_ms"]
            out[f"{key}_append_cpu_ms_max"] = at["append"]["cpu_max_ms"]
            out[f"{key}_replay_s"] = at["replay_s"]
            out[f"{key}_replay_cpu_s"] = at["replay_cpu_s"]
            if at.get("fill_events_per_s"):
                out[f"{key}_fill_events_per_s"] = at["fill_events_per_s"]
            if "two_writers" in at:
                two = at["two_writers"]
                out[f"{key}_two_writers_events_per_s"] = two["events_per_s"]
                out[f"{key}_two_writers_ms_p50"] = two["p50_ms"]
                out[f"{key}_two_writers_ms_max"] = two["max_ms"]
                out[f"{key}_two_writers_cpu_ms_p50"] = two.get("cpu_p50_ms")
                out[f"{key}_two_writers_chain_ok"] = two["chain_ok"]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", default="1000000,10000000", help="log sizes, in order")
    parser.add_argument("--backends", default="duckdb,ducklake")
    parser.add_argument("--batch", type=int, default=1000, help="events per measured batch")
    parser.add_argument("--measure-batches", type=int, default=50)
    parser.add_argument("--fill-batch", type=int, default=20_000)
    parser.add_argument(
        "--run-events", type=int, default=200_000, help="the fill reopens the log this often"
    )
    parser.add_argument("--writer-batches", type=int, default=50, help="0: no two-writer run")
    parser.add_argument("--pg", default=PG_DEFAULT, help="PostgreSQL for the lake's catalog")
    parser.add_argument("--docs", type=Path, help="articles to extract (default: dev, seeds)")
    parser.add_argument("--json", type=Path, help="write the figures here as a flat dict")
    args = parser.parse_args(argv)
    args.sizes = sorted(int(s) for s in args.events.split(",") if s.strip())
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = set(backends) - {"duckdb", "ducklake"}
    if unknown or not args.sizes:
        parser.error(f"unknown backend(s) {sorted(unknown)}" if unknown else "no --events")
    if "ducklake" in backends and (why := postgres_reachable(args.pg)):
        print(f"skipping ducklake: no PostgreSQL at {args.pg} ({why})", flush=True)
        backends.remove("ducklake")

    folder = args.docs or (DEV_DOCS if any(DEV_DOCS.glob("*.txt")) else SEEDS)
    started = time.perf_counter()
    articles = extract_articles(folder)
    per_copy = sum(len(a.statements) + 2 for a in articles)
    print(
        f"extracted {sum(len(a.statements) for a in articles)} statements from"
        f" {len(articles)} articles in {folder} ({time.perf_counter() - started:.1f} s);"
        f" {per_copy} events per copy",
        flush=True,
    )
    results = {backend: bench_backend(backend, args, articles) for backend in backends}
    figures = flat(results)
    figures["store_articles"] = len(articles)
    figures["store_events_per_copy"] = per_copy
    print(json.dumps(results, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    # Stopped, the run still drops its PostgreSQL database and removes its files.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    sys.exit(main())
