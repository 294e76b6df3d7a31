"""End-to-end benchmark: HTML on a local server to events in the log, through the real stages.

    .venv/bin/python bench/e2e_bench.py [--docs 1000,10000] [--seed 7] [--json PATH]

For each size, a fresh process writes a synthetic corpus of that many pages (bench/synthetic.py:
three outlet templates, RSS and Atom feeds, known statements, off-topic pages and
near-duplicate rewrites), serves it with the offline corpus server on a free port, and runs
the pipeline's own stage functions in order over a fresh warehouse: discover, fetch,
extract, dedupe, statements, validate, append, rebuild. It prints each stage's wall time and
share, documents per second overall (pages offered / total seconds), peak memory (the summed
PSS of the process and its live workers, sampled every 0.2 s; also peak RSS of the process and
of its largest child), and the recall of the generator's known
(actor, topic, stance) statements among the documents that were ingested.

Then, on the same warehouse:
- an incremental run: `--incremental` more pages are published and a second run picks up only
  those (so discover and validate read an already filled log);
- re-extraction: every stored document is re-extracted by `reprocess_stage` with a new
  extractor version. A new version is simulated for real: the extractor's `version` is
  bumped in-process, so the producer (and so every statement event id) changes, and
  reprocess extracts, validates and appends a whole new set of events, as after an upgrade.
  Timed over the documents stored at the largest size; reextract_10k_s is that time scaled
  to 10,000 documents when fewer are stored.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

import psutil

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.memory import peak_rss_mb  # noqa: E402

STAGES = (
    "discover",
    "fetch",
    "extract",
    "dedupe",
    "statements",
    "validate",
    "append",
    "rebuild",
)


def _peak_mb() -> tuple[float, float]:
    """Peak RSS of this process (VmHWM: see bench/memory.py) and of its largest finished
    child, in MB."""
    own = peak_rss_mb()
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


class PssPeak:
    """The peak of the summed PSS of this process and its live children, sampled every
    `interval` seconds on a thread. RSS counts the pages a forked worker shares with its
    parent in both; PSS splits them, so the sum is the memory the run really holds."""

    def __init__(self, interval: float = 0.2) -> None:
        self.interval = interval
        self.peak_bytes = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pss-peak", daemon=True)

    def __enter__(self) -> PssPeak:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()

    @property
    def peak_mb(self) -> float:
        return self.peak_bytes / 2**20

    def sample(self) -> None:
        me = psutil.Process()
        total = 0
        for proc in [me, *me.children(recursive=True)]:
            try:
                total += proc.memory_full_info().pss
            except (psutil.NoSuchProcess, psutil.ZombieProcess, psutil.AccessDenied):
                continue  # a worker that ended between the listing and the read
        self.peak_bytes = max(self.peak_bytes, total)
        self.samples += 1

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()


def run_stages(settings, run_id: str) -> tuple[dict[str, float], str]:
    """Run every stage once, in order; return wall seconds per stage, and the append batch."""
    from pipeline import stages

    timings: dict[str, float] = {}

    def timed(name, call, *args):
        started = time.perf_counter()
        result = call(*args)
        timings[name] = time.perf_counter() - started
        return result

    ref = timed("discover", stages.discover_stage, settings, run_id)
    ref = timed("fetch", stages.fetch_stage, settings, run_id, ref)
    ref = timed("extract", stages.extract_stage, settings, run_id, ref)
    ref = timed("dedupe", stages.dedupe_stage, settings, run_id, ref)
    ref = timed("statements", stages.statements_stage, settings, run_id, ref)
    validated = timed("validate", stages.validate_stage, settings, run_id, ref)
    timed("append", stages.append_stage, settings, run_id, validated)
    timed("rebuild", stages.rebuild_stage, settings)
    return timings, validated


def recall(settings, truth: dict[str, list[tuple[str, str, str]]]) -> dict[str, float]:
    """How many known statements of the ingested documents the log holds (by URL path)."""
    from pipeline.events import DOCUMENT_INGESTED, STATEMENT_EXTRACTED
    from pipeline.store import open_store

    by_path = {urlsplit(url).path: set(triples) for url, triples in truth.items()}
    found: dict[str, set[tuple[str, str, str]]] = {}
    ingested: set[str] = set()
    with open_store(settings.db_path) as store:
        for recorded in store.read(event_types=[DOCUMENT_INGESTED, STATEMENT_EXTRACTED]):
            payload = recorded.payload
            if recorded.event.event_type == DOCUMENT_INGESTED:
                ingested.add(urlsplit(payload["url"]).path)
            else:
                found.setdefault(urlsplit(payload["doc_url"]).path, set()).add(
                    (payload["actor_id"], payload["topic"], payload["stance"])
                )
    known = sum(len(by_path.get(p, ())) for p in ingested)
    hits = sum(len(by_path.get(p, set()) & found.get(p, set())) for p in ingested)
    extra = sum(len(found.get(p, set()) - by_path.get(p, set())) for p in ingested)
    return {
        "ingested": len(ingested),
        "known": known,
        "recovered": hits,
        "recall": hits / known if known else 0.0,
        "unexpected": extra,
    }


def reextract(settings, run_id: str) -> dict[str, float]:
    """Re-extract every stored document with a bumped extractor version; time it."""
    from pipeline import stages
    from pipeline.statements.rules import RuleExtractor

    old = RuleExtractor.version
    RuleExtractor.version = f"{old}+bench"
    try:
        started = time.perf_counter()
        counts = stages.reprocess_stage(settings, run_id, extractor_version=RuleExtractor.version)
        seconds = time.perf_counter() - started
    finally:
        RuleExtractor.version = old
    return {"seconds": seconds, **counts}


def one_size(docs: int, seed: int, incremental: int, do_reextract: bool) -> dict:
    """Benchmark one corpus size in this process; return its figures."""
    from bench.synthetic import generate, sources_yaml, write_site
    from pipeline import stages
    from pipeline.documents.offline_server import start_offline_server
    from pipeline.settings import Settings

    out: dict = {"docs": docs}
    with tempfile.TemporaryDirectory(prefix="e2e-bench-") as tmp:
        tmp_path = Path(tmp)
        site = tmp_path / "site"
        site.mkdir()
        started = time.perf_counter()
        corpus = generate(docs, seed=seed)
        feeds = write_site(corpus, site)
        out["generate_s"] = time.perf_counter() - started
        server = start_offline_server(port=0, root=site)
        try:
            with PssPeak() as pss:
                sources = tmp_path / "sources.yaml"
                sources.write_text(sources_yaml(feeds, server.base_url), encoding="utf-8")
                settings = replace(
                    Settings(), db_path=tmp_path / "wh" / "monitor.duckdb", sources_path=sources
                )
                run_id = stages.new_run_id("e2e")
                out["timings"], validated = run_stages(settings, run_id)
                out["outcomes"] = stages.run_outcomes(validated)
                out["recall"] = recall(settings, corpus.ground_truth(server.base_url))
                if incremental:
                    more = generate(docs + incremental, seed=seed)
                    write_site(more, site)
                    out["incremental_docs"] = incremental
                    out["incremental_timings"], _ = run_stages(
                        settings, stages.new_run_id("e2e-inc")
                    )
                if do_reextract:
                    out["reextract"] = reextract(settings, stages.new_run_id("e2e-reextract"))
                out["db_mb"] = settings.db_path.stat().st_size / 1e6
        finally:
            server.stop()
    own, children = _peak_mb()
    out["peak_self_mb"], out["peak_children_mb"] = own, children
    out["peak_pss_mb"], out["pss_samples"] = pss.peak_mb, pss.samples
    return out


def print_size(result: dict) -> None:
    docs = result["docs"]
    timings = result["timings"]
    total = sum(timings.values())
    print(f"\n== {docs} pages (corpus generated in {result['generate_s']:.1f} s)")
    print(f"{'stage':11} {'seconds':>9} {'share':>7} {'docs/s':>9}")
    for name in STAGES:
        seconds = timings[name]
        rate = docs / seconds if seconds else float("inf")
        print(f"{name:11} {seconds:9.2f} {seconds / total:7.1%} {rate:9.1f}")
    print(f"{'total':11} {total:9.2f} {1:7.0%} {docs / total:9.1f}")
    print(f"outcomes: {result['outcomes']}")
    r = result["recall"]
    print(
        f"known statements recovered: {r['recovered']}/{r['known']} = {r['recall']:.1%} over "
        f"{r['ingested']} ingested documents ({r['unexpected']} events not in the ground truth)"
    )
    print(
        f"peak memory {result['peak_pss_mb']:.0f} MB (summed PSS of the process and its workers,"
        f" {result['pss_samples']} samples); peak RSS {result['peak_self_mb']:.0f} MB (largest"
        f" child {result['peak_children_mb']:.0f} MB), log {result['db_mb']:.0f} MB"
    )
    if "incremental_timings" in result:
        inc = result["incremental_timings"]
        cells = ", ".join(f"{k} {v:.2f}" for k, v in inc.items())
        print(
            f"incremental run of {result['incremental_docs']} new pages over the filled log: "
            f"{sum(inc.values()):.2f} s ({cells})"
        )
    if "reextract" in result:
        rx = result["reextract"]
        print(
            f"re-extract {rx['documents']} stored documents with a new extractor version: "
            f"{rx['seconds']:.1f} s = {rx['documents'] / rx['seconds']:.1f} docs/s "
            f"({rx['appended']} events appended, {rx['statements']} statements)"
        )


def summary(results: list[dict]) -> dict:
    """The flat dict `--json` writes."""
    largest = max(results, key=lambda r: r["docs"])
    timings = largest["timings"]
    total = sum(timings.values())
    rate = {r["docs"]: r["docs"] / sum(r["timings"].values()) for r in results}
    flat: dict = {
        "e2e_docs_per_s": rate[largest["docs"]],
        "e2e_docs_per_s_1k": rate.get(1000),
        "e2e_docs_per_s_10k": rate.get(10000),
        "e2e_peak_mb": max(r["peak_pss_mb"] for r in results),
        # the earlier figure: the process's peak RSS plus its largest worker's, which counts
        # the pages they share twice (an upper bound)
        "e2e_peak_rss_sum_mb": max(r["peak_self_mb"] + r["peak_children_mb"] for r in results),
        "e2e_stage_share": {name: timings[name] / total for name in STAGES},
        "e2e_limiting_stage": max(STAGES, key=lambda name: timings[name]),
        "e2e_recall": largest["recall"]["recall"],
    }
    rx = largest.get("reextract")
    if rx and rx["documents"]:
        per_s = rx["documents"] / rx["seconds"]
        flat["reextract_docs_per_s"] = per_s
        flat["reextract_10k_s"] = rx["seconds"] if rx["documents"] >= 10000 else 10000 / per_s
        flat["reextract_documents"] = rx["documents"]
    return flat


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", default="1000,10000", help="comma-separated corpus sizes")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--incremental", type=int, default=100, help="pages in the second run")
    parser.add_argument("--no-reextract", action="store_true")
    parser.add_argument("--json", type=Path, help="write the summary figures here")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # child: one size
    parser.add_argument("--reextract", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    if args.one:
        result = one_size(args.one, args.seed, args.incremental, args.reextract)
        args.out.write_text(json.dumps(result), encoding="utf-8")
        return result
    sizes = sorted(int(s) for s in args.docs.split(",") if s.strip())
    results = []
    with tempfile.TemporaryDirectory(prefix="e2e-bench-out-") as tmp:
        for size in sizes:
            # A fresh process per size: its own peak RSS, nothing cached from a smaller run.
            out = Path(tmp) / f"{size}.json"
            command = [sys.executable, str(Path(__file__).resolve()), "--one", str(size)]
            command += ["--seed", str(args.seed), "--incremental", str(args.incremental)]
            command += ["--out", str(out)]
            if size == sizes[-1] and not args.no_reextract:
                command.append("--reextract")
            subprocess.run(command, check=True)
            results.append(json.loads(out.read_text(encoding="utf-8")))
            print_size(results[-1])
    flat = summary(results)
    print("\n" + json.dumps(flat, indent=2))
    if args.json:
        args.json.write_text(json.dumps(flat, indent=2) + "\n", encoding="utf-8")
    return flat


if __name__ == "__main__":
    main()
