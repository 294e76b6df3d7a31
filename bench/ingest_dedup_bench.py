"""Benchmark the document stage: extraction throughput, near-duplicate query time, peak RSS.

    .venv/bin/python bench/ingest_dedup_bench.py [--pages 2000] [--sizes 1000,100000]

Extraction runs over the offline corpus scaled up to --pages pages: each page keeps its
outlet's chrome, but its body is a fresh mix of corpus paragraphs with about one word in
five replaced, so the pages are not duplicates of each other. Query time is measured on an
index of real sketches topped up with random signatures (what distinct documents look like
to LSH) at each size; it should stay flat as the index grows.
"""

from __future__ import annotations

import argparse
import html
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.memory import peak_rss_mb  # noqa: E402
from pipeline.documents.dedup import NearDuplicateIndex, deduplicate  # noqa: E402
from pipeline.documents.extract import Skipped, extract_document  # noqa: E402

SITE = ROOT / "seeds" / "offline" / "site"
KEYWORDS = ["security guarantee", "Ukraine", "Kyiv", "NATO", "ceasefire"]
_PARAGRAPH = re.compile(r"(<p>)(.*?)(</p>)", re.S)


def corpus_pages() -> list[tuple[str, bytes]]:
    """Return (path, bytes) of the English article pages in the offline corpus."""
    pages = []
    for path in sorted(SITE.rglob("*.html")):
        rel = path.relative_to(SITE).as_posix()
        if rel.startswith(("courier/", "ledger/news/", "dispatch/")):
            pages.append((rel, path.read_bytes()))
    return pages


def scaled_pages(count: int, seed: int = 7) -> list[tuple[str, bytes]]:
    """Make `count` distinct pages from the corpus templates and paragraph pool."""
    rng = random.Random(seed)
    pages = corpus_pages()
    pool = [
        html.unescape(m.group(2)) for _, raw in pages for m in _PARAGRAPH.finditer(raw.decode())
    ]
    pool = [p for p in pool if len(p) > 120]
    vocabulary = sorted({w for p in pool for w in p.split() if w.isalpha() and len(w) > 3})
    out = []
    for n in range(count):
        rel, raw = pages[n % len(pages)]
        chosen = rng.sample(pool, k=min(8, len(pool)))
        bodies = iter(
            " ".join(rng.choice(vocabulary) if rng.random() < 0.2 else w for w in p.split())
            for p in chosen
        )

        def swap(match: re.Match, bodies=bodies) -> str:
            text = next(bodies, None)
            return match.group(0) if text is None else f"<p>{html.escape(text)}</p>"

        page = _PARAGRAPH.sub(swap, raw.decode())
        out.append((f"{rel}?copy={n}", page.encode()))
    return out


def bench_extract(pages: list[tuple[str, bytes]]) -> list:
    started = time.perf_counter()
    docs, skipped = [], 0
    for rel, raw in pages:
        result = extract_document(
            raw, f"http://127.0.0.1:8123/{rel}", source="bench", keywords=KEYWORDS
        )
        if isinstance(result, Skipped):
            skipped += 1
        else:
            docs.append(result)
    elapsed = time.perf_counter() - started
    print(
        f"extract: {len(pages)} pages in {elapsed:.1f} s = {len(pages) / elapsed:.0f} docs/s "
        f"({len(docs)} documents, {skipped} skipped)"
    )
    return docs


def bench_dedup_batch(docs: list) -> None:
    index = NearDuplicateIndex()
    started = time.perf_counter()
    unique, events = deduplicate(docs, index)
    elapsed = time.perf_counter() - started
    print(
        f"dedup batch: {len(docs)} documents in {elapsed:.2f} s = "
        f"{1000 * elapsed / max(len(docs), 1):.2f} ms/doc ({len(unique)} unique, "
        f"{len(events)} duplicates)"
    )


def filled_index(docs: list, size: int, rng: np.random.Generator) -> NearDuplicateIndex:
    index = NearDuplicateIndex()
    for doc in docs[:size]:
        index.add(doc.doc_id, doc.text, url=doc.url)
    num_perm = index.params.num_perm
    remaining = size - len(index)
    rows = rng.integers(0, 2**32, size=(max(remaining, 0), num_perm), dtype=np.uint64)
    for n, row in enumerate(rows.astype(np.uint32)):
        index.add(f"doc_synthetic_{n}", "", text_hash=f"h{n}", minhash=index._minhash(row))
    return index


def bench_queries(docs: list, sizes: list[int], queries: int) -> None:
    rng = np.random.default_rng(11)
    probes = docs[-queries:]
    sketcher = NearDuplicateIndex()
    sketches = [sketcher.sketch(doc.text) for doc in probes]
    started = time.perf_counter()
    for doc in probes:
        sketcher.sketch(doc.text)
    sketch_ms = 1000 * (time.perf_counter() - started) / len(probes)
    print(f"sketch: {sketch_ms:.2f} ms/document (128 perms, 5-word shingles)")
    for size in sizes:
        started = time.perf_counter()
        index = filled_index(docs[: len(docs) - queries], size, rng)
        build = time.perf_counter() - started
        timings = []
        for minhash in sketches:
            t0 = time.perf_counter()
            index.near(minhash)
            timings.append(1000 * (time.perf_counter() - t0))
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "dedup.npz"
            t0 = time.perf_counter()
            index.save(path)
            saved = time.perf_counter() - t0
            t0 = time.perf_counter()
            NearDuplicateIndex.load(path)
            loaded = time.perf_counter() - t0
            mb = path.stat().st_size / 1e6
        print(
            f"near query @ {size:>7,} indexed: median {statistics.median(timings):.3f} ms, "
            f"p95 {sorted(timings)[int(0.95 * len(timings)) - 1]:.3f} ms "
            f"(build {build:.1f} s, save {saved:.2f} s, load {loaded:.1f} s, file {mb:.1f} MB)"
        )


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--sizes", default="1000,100000")
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args(argv)
    pages = scaled_pages(args.pages)
    docs = bench_extract(pages)
    bench_dedup_batch(docs)
    bench_queries(docs, [int(s) for s in args.sizes.split(",")], min(args.queries, len(docs) // 2))
    peak_mb = peak_rss_mb()
    print(f"peak RSS: {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
