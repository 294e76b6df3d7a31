"""Benchmark near-duplicate lookup in the project's own index at 10k, 100k and 1M documents.

    .venv/bin/python bench/lsh_bench.py [--sizes 10000,100000,1000000] [--queries 1000]
                                        [--shingles 100] [--json PATH]

Each size runs in a fresh subprocess (so its peak RSS is its own), which builds a
`pipeline.documents.dedup.NearDuplicateIndex` of that many documents through its public
`add()` (one document at a time, as `deduplicate` does), then times `near()` on --queries
queries: half are near-duplicates of indexed documents, half are novel. Per size it prints
the median and p99 query time (wall clock; also the p99 of the thread's CPU time, which the
preemptions of a busy machine do not inflate), the insert rate, the recall on the
near-duplicates, the false matches on the novel ones, the peak RSS (VmHWM, after build
and queries) and the save/load time of the `.npz` file.

How the signatures are made: sketching a million real texts with datasketch one at a time
(~1-2 ms each) would take half an hour, so documents are synthetic shingle sets and their
signatures are computed in vectorised batches with the index's own hashing. A document is
--shingles random 32-bit values, standing for the `sha1_hash32` of its 5-word shingles
(which are uniform 32-bit values); the signature is then exactly what datasketch's
"affine32" scheme computes from those hashes (MurmurHash3 fmix32, then `a * h + b` mod 2^32
with the index's own 128 permutations, then the minimum per permutation). Before timing,
`check_signatures` confirms on real texts that this path gives bit-for-bit the same
signatures as `NearDuplicateIndex.sketch`. A near-duplicate query is an indexed document's
shingle set with 10% of its shingles replaced by fresh ones (Jaccard 0.82 to the original,
above the 0.6 threshold); a novel query is a fresh random set. The number of shingles per
document changes nothing in the index (every signature is 128 values); it only sets how
long the signature computation takes. Signature computation is excluded from the insert
rate (reported separately); building the MinHash objects the index takes is excluded too.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from datasketch.hashfunc import sha1_hash32  # noqa: E402

from bench.memory import peak_rss_mb as peak_mb  # noqa: E402
from pipeline.documents.dedup import NearDuplicateIndex, shingles  # noqa: E402

BATCH = 500
EDIT_RATE = 0.10


def fmix32(values: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer, as datasketch applies it before the permutations."""
    values = values ^ (values >> np.uint32(16))
    values = values * np.uint32(0x85EBCA6B)
    values = values ^ (values >> np.uint32(13))
    values = values * np.uint32(0xC2B2AE35)
    return values ^ (values >> np.uint32(16))


def signatures(hashes: np.ndarray, permutations: np.ndarray) -> np.ndarray:
    """Return (n, num_perm) affine32 MinHash signatures of (n, shingles) uint32 hashes."""
    a, b = (np.asarray(p, dtype=np.uint32) for p in permutations)
    mixed = fmix32(np.asarray(hashes, dtype=np.uint32))
    with np.errstate(over="ignore"):
        return (mixed[:, :, None] * a + b).min(axis=1)


def check_signatures(index: NearDuplicateIndex, count: int = 20) -> None:
    """Fail unless the vectorised path equals `index.sketch` on real texts."""
    rng = random.Random(5)
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    words = " ".join(p.read_text(encoding="utf-8") for p in pages).split()
    for _ in range(count):
        start = rng.randrange(max(len(words) - 300, 1))
        text = " ".join(words[start : start + rng.randint(20, 300)])
        hashes = [sha1_hash32(s) for s in shingles(text, index.params.shingle_size)]
        ours = signatures(np.array([hashes], dtype=np.uint32), index._permutations)[0]
        theirs = np.asarray(index.sketch(text).hashvalues, dtype=np.uint32)
        if not np.array_equal(ours, theirs):
            raise SystemExit("vectorised signatures differ from NearDuplicateIndex.sketch")


def run_size(size: int, queries: int, shingle_count: int) -> dict[str, float]:
    """Build an index of `size` documents and time queries on it (one process per size)."""
    base_mb = peak_mb()
    rng = np.random.default_rng(size)
    index = NearDuplicateIndex()
    check_signatures(index)
    near_count = queries // 2
    sources = np.sort(rng.choice(size, size=min(near_count, size), replace=False))
    kept: dict[int, np.ndarray] = {}
    sign_s = insert_s = 0.0
    for start in range(0, size, BATCH):
        stop = min(start + BATCH, size)
        hashes = rng.integers(0, 2**32, size=(stop - start, shingle_count), dtype=np.uint32)
        for position in sources[(sources >= start) & (sources < stop)].tolist():
            kept[position] = hashes[position - start].copy()
        t0 = time.perf_counter()
        rows = signatures(hashes, index._permutations)
        sign_s += time.perf_counter() - t0
        minhashes = [index._minhash(row) for row in rows]
        t0 = time.perf_counter()
        for offset, minhash in enumerate(minhashes):
            n = start + offset
            index.add(
                f"doc_{n:07d}",
                "",
                url=f"https://bench.example/news/{n:07d}.html",
                text_hash=f"{n:064x}",
                minhash=minhash,
            )
        insert_s += time.perf_counter() - t0
    built_mb = peak_mb()

    # Queries: near-duplicates of the kept sources, and novel documents, interleaved.
    probes: list[tuple[str | None, np.ndarray]] = []
    for position, hashes in kept.items():
        edited = hashes.copy()
        replace = rng.choice(
            shingle_count, size=max(1, int(EDIT_RATE * shingle_count)), replace=False
        )
        edited[replace] = rng.integers(0, 2**32, size=len(replace), dtype=np.uint32)
        probes.append((f"doc_{position:07d}", edited))
    novel = rng.integers(0, 2**32, size=(queries - len(probes), shingle_count), dtype=np.uint32)
    probes += [(None, row) for row in novel]
    random.Random(size).shuffle(probes)
    query_rows = signatures(np.stack([h for _, h in probes]), index._permutations)
    query_minhashes = [index._minhash(row) for row in query_rows]
    timings, cpu_timings, found, false_matches = [], [], 0, 0
    for (expected, _), minhash in zip(probes, query_minhashes, strict=True):
        c0, t0 = time.thread_time(), time.perf_counter()
        match = index.near(minhash)
        timings.append(1000 * (time.perf_counter() - t0))
        cpu_timings.append(1000 * (time.thread_time() - c0))
        if expected is not None:
            found += match is not None and match.doc_id == expected
        else:
            false_matches += match is not None
    peak = peak_mb()

    with tempfile.TemporaryDirectory(prefix="lsh-bench-") as tmp:
        path = Path(tmp) / "dedup.npz"
        t0 = time.perf_counter()
        index.save(path)
        save_s = time.perf_counter() - t0
        file_mb = path.stat().st_size / 1e6
        del index
        t0 = time.perf_counter()
        loaded = NearDuplicateIndex.load(path)
        load_s = time.perf_counter() - t0
        assert len(loaded) == size
    timings.sort()
    return {
        "size": size,
        "query_ms": statistics.median(timings),
        "query_p99_ms": float(np.percentile(timings, 99)),
        "query_cpu_p99_ms": float(np.percentile(cpu_timings, 99)),
        "insert_docs_per_s": size / insert_s,
        "signature_docs_per_s": size / sign_s,
        "recall": found / max(len(kept), 1),
        "false_matches": false_matches,
        "peak_mb": peak,
        "built_mb": built_mb,
        "base_mb": base_mb,
        "peak_after_save_load_mb": peak_mb(),
        "save_s": save_s,
        "load_s": load_s,
        "file_mb": file_mb,
    }


def label(size: int) -> str:
    if size % 1_000_000 == 0:
        return f"{size // 1_000_000}m"
    if size % 1000 == 0:
        return f"{size // 1000}k"
    return str(size)


def figures(results: list[dict[str, float]]) -> dict[str, float]:
    """Flatten per-size results into the lsh_* figures of bench/latest.json."""
    out: dict[str, float] = {}
    for result in results:
        tag = label(int(result["size"]))
        out[f"lsh_query_ms_{tag}"] = round(result["query_ms"], 4)
        out[f"lsh_query_p99_ms_{tag}"] = round(result["query_p99_ms"], 4)
        out[f"lsh_query_cpu_p99_ms_{tag}"] = round(result["query_cpu_p99_ms"], 4)
        out[f"lsh_peak_mb_{tag}"] = round(result["peak_mb"], 1)
        out[f"lsh_insert_docs_per_s_{tag}"] = round(result["insert_docs_per_s"], 1)
        out[f"lsh_recall_{tag}"] = round(result["recall"], 4)
        out[f"lsh_load_s_{tag}"] = round(result["load_s"], 3)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--shingles", type=int, default=100, help="shingles per document")
    parser.add_argument("--json", type=Path, help="write the figures to this JSON file")
    parser.add_argument("--one-size", type=int, help=argparse.SUPPRESS)  # child process
    args = parser.parse_args(argv)
    if args.one_size is not None:
        print(json.dumps(run_size(args.one_size, args.queries, args.shingles)))
        return 0
    results = []
    header = (
        f"{'indexed':>9} {'query ms':>9} {'p99 ms':>8} {'insert/s':>9} {'recall':>7} "
        f"{'false':>5} {'peak MB':>8} {'save s':>7} {'load s':>7} {'file MB':>8}"
    )
    print(header, flush=True)
    for size in [int(s) for s in args.sizes.split(",")]:
        child = subprocess.run(
            [
                sys.executable,
                __file__,
                "--one-size",
                str(size),
                "--queries",
                str(args.queries),
                "--shingles",
                str(args.shingles),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if child.returncode != 0:
            print(child.stderr, file=sys.stderr)
            return child.returncode or 1
        r = json.loads(child.stdout.strip().splitlines()[-1])
        results.append(r)
        print(
            f"{size:>9,} {r['query_ms']:9.3f} {r['query_p99_ms']:8.3f} "
            f"{r['insert_docs_per_s']:9.0f} {r['recall']:7.3f} {r['false_matches']:5d} "
            f"{r['peak_mb']:8.0f} {r['save_s']:7.2f} {r['load_s']:7.2f} {r['file_mb']:8.1f}",
            flush=True,
        )
    print(f"({args.queries} queries per size, half near-duplicates; signatures at ", end="")
    print(", ".join(f"{r['signature_docs_per_s']:.0f}" for r in results) + " docs/s)")
    if args.json:
        args.json.write_text(json.dumps(figures(results), indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
