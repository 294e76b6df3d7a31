"""Benchmark appends: batches of 1,000 statement events into logs of growing size.

    .venv/bin/python bench/append_bench.py [--sizes 0,1000000,10000000] [--events 100000]
        [--batch 1000] [--json PATH] [--keep DIR]

For each log size the log is built in bulk by bench/replay_bench.py's builder (size = its
number of statement events; 0 = an empty log). Then, in a fresh subprocess,
--events realistic statement events (made by `statement_events` -> `new_event`, about ten
statements and one extraction_completed per document) are appended through
DuckDBRecorder.append in batches of --batch, and each batch's wall time is recorded.
Finally an already-logged batch is appended again a few times: the idempotency check
(every event already present, nothing written) and its cost as the log grows. The writer
then rewrites the sorted event-id file to cover the run's appends (id_file_ms; a real
writer does so on close once 100,000 events or more lie beyond the file) and closes, which
checkpoints the WAL (close_checkpoint_ms): both reported apart.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for folder in (ROOT, ROOT / "bench"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from replay_bench import _actors, _label, _peak_mb, _sentences, build_log  # noqa: E402

REPEATS = 5


def make_batches(n_events: int, batch: int, seed: int = 3) -> list[list]:
    """Realistic statement batches (statement_extracted + extraction_completed events)."""
    from pipeline.documents.model import Document, document_id
    from pipeline.statements.events import statement_events
    from pipeline.statements.model import STANCES, TOPICS, Actor, Statement

    rng = random.Random(seed)
    sentences = _sentences()
    actors = [Actor(a[0], a[1], a[2], a[3], a[4], a[5]) for a in _actors()]
    events = []
    n_doc = 0
    while len(events) < n_events:
        parts = [rng.choice(sentences) for _ in range(20)]
        text = " ".join(parts) + f" [{seed}:{n_doc}]"
        published = date(2023, 1, 1) + timedelta(days=rng.randrange(1370))
        doc = Document(
            doc_id=document_id(text),
            source="bench",
            url=f"https://bench.example/{n_doc}",
            title=parts[0][:80],
            text=text,
            raw_text=text,
            published=published,
            publisher="Bench News",
        )
        statements = []
        for _ in range(rng.randint(5, 15)):
            evidence = rng.choice(parts)
            start = text.find(evidence)
            statements.append(
                Statement(
                    actor=rng.choice(actors),
                    topic=rng.choice(TOPICS),
                    stance=rng.choice(STANCES),
                    evidence=evidence,
                    start=start,
                    end=start + len(evidence),
                    stated_on=published,
                    confidence=round(rng.uniform(0.5, 1.0), 4),
                )
            )
        events.extend(statement_events(statements, doc, "rules/9", published))
        n_doc += 1
    events = events[:n_events]
    return [events[i : i + batch] for i in range(0, len(events), batch)]


def child_append(db: Path, n_events: int, batch: int) -> dict:
    """In a fresh process: open the log, append the batches, re-append a logged one."""
    from pipeline.store.duckdb_store import DuckDBRecorder

    started = time.perf_counter()
    recorder = DuckDBRecorder(db)
    open_ms = (time.perf_counter() - started) * 1000
    before = recorder.max_seq()
    batches = make_batches(n_events, batch, seed=before)  # new events on a kept, grown log
    latencies = []
    for i, events in enumerate(batches):
        started = time.perf_counter()
        result = recorder.append(events, run_id=f"bench_{i}")
        latencies.append((time.perf_counter() - started) * 1000)
        assert result.appended == len({e.event_id for e in events}), result
    checks = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        result = recorder.append(batches[0], run_id="bench_again")
        checks.append((time.perf_counter() - started) * 1000)
        assert result.appended == 0, result
    after = recorder.max_seq()
    # Closing first rewrites the sorted event-id file once enough events lie beyond it
    # (id_index_refresh_tail), then checkpoints the WAL (see duckdb_store.py): both at most
    # once per run, each reported on its own. The rewrite is timed every run, threshold or
    # not: this run's new ids can fall a few short of it (the generator may draw a
    # statement twice in one document, and its repeated event id is logged once).
    started = time.perf_counter()
    rewrote = recorder.refresh_id_index()
    id_file_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    recorder.close()
    close_ms = (time.perf_counter() - started) * 1000
    return {
        "log_events_before": before,
        "log_events_after": after,
        "open_ms": round(open_ms, 1),
        "batch_ms_p50": round(statistics.median(latencies), 1),
        "batch_ms_p90": round(sorted(latencies)[int(0.9 * (len(latencies) - 1))], 1),
        "batch_ms_max": round(max(latencies), 1),
        "batch_ms_first": round(latencies[0], 1),
        "idempotent_check_ms": round(statistics.median(checks), 1),
        "id_file_rewritten": rewrote,
        "id_file_ms": round(id_file_ms, 1),
        "close_checkpoint_ms": round(close_ms, 1),
        "peak_mb": _peak_mb(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="0,1000000,10000000")
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--json", type=Path, help="write the figures here as a flat dict")
    parser.add_argument(
        "--keep", type=Path, help="folder of logs built by replay_bench --keep (log_<size>.duckdb)"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        print(json.dumps(child_append(args.db, args.events, args.batch)))
        return

    figures: dict[str, float | int] = {}
    workdir = Path(tempfile.mkdtemp(prefix="append_bench_"))
    try:
        for n in [int(s) for s in args.sizes.split(",") if s]:
            label = "empty" if n == 0 else _label(n)
            db = workdir / f"log_{label}.duckdb"
            kept = args.keep / f"log_{label}.duckdb" if args.keep else None
            if kept is not None and kept.exists():
                db = kept  # appended to in place: a kept log grows by --events each run
            elif n:
                print(f"[{label}] built {build_log(db, n)}", flush=True)
            done = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--child",
                    "--db",
                    str(db),
                    "--events",
                    str(args.events),
                    "--batch",
                    str(args.batch),
                ],
                check=True,
                capture_output=True,
                text=True,
            )
            result = json.loads(done.stdout.strip().splitlines()[-1])
            print(f"[{label}] {result}", flush=True)
            figures[f"append_batch_ms_p50_{label}"] = result["batch_ms_p50"]
            figures[f"append_batch_ms_max_{label}"] = result["batch_ms_max"]
            figures[f"append_batch_ms_first_{label}"] = result["batch_ms_first"]
            figures[f"idempotent_check_ms_{label}"] = result["idempotent_check_ms"]
            figures[f"append_open_ms_{label}"] = result["open_ms"]
            figures[f"append_id_file_ms_{label}"] = result["id_file_ms"]
            figures[f"append_close_checkpoint_ms_{label}"] = result["close_checkpoint_ms"]
            figures[f"append_peak_mb_{label}"] = result["peak_mb"]
            if db.parent == workdir:
                db.unlink(missing_ok=True)
        # The headline figures are those at the largest log.
        largest = max(int(s) for s in args.sizes.split(",") if s)
        label = "empty" if largest == 0 else _label(largest)
        figures["append_batch_ms_p50"] = figures[f"append_batch_ms_p50_{label}"]
        figures["append_batch_ms_max"] = figures[f"append_batch_ms_max_{label}"]
        figures["append_log_statements"] = largest
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
