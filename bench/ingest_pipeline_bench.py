"""Benchmark ingestion through the real stages: discover, fetch (local HTTP), extract, dedupe.

    .venv/bin/python bench/ingest_pipeline_bench.py [--pages 2000] [--json PATH]

The offline corpus is scaled up to --pages distinct pages (bench/ingest_dedup_bench.py's
generator), written to a temporary site with one RSS feed listing them all, and served by
the offline corpus server on a free local port. The pipeline's own stage functions then run
over it with a fresh warehouse, exactly as `monitor run` does. Prints documents per second
for each stage and overall, and the peak RSS.
"""

from __future__ import annotations

import argparse
import html
import json
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.ingest_dedup_bench import scaled_pages  # noqa: E402
from bench.memory import peak_rss_mb  # noqa: E402
from pipeline import stages  # noqa: E402
from pipeline.documents.offline_server import start_offline_server  # noqa: E402
from pipeline.settings import Settings  # noqa: E402
from pipeline.stages.batches import NewDocuments, read_batch  # noqa: E402


def write_site(root: Path, pages: list[tuple[str, bytes]], base: str) -> None:
    """Write the pages and an RSS feed that lists every one of them."""
    items = []
    for n, (_, body) in enumerate(pages):
        path = root / "a" / f"{n:05d}.html"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
        items.append(
            f"<item><title>Ukraine security guarantees, report {n}</title>"
            f"<link>{base}/a/{n:05d}.html</link><guid>bench-{n}</guid>"
            f"<description>{html.escape('Talks on security guarantees for Ukraine')}"
            "</description><pubDate>Tue, 02 Sep 2025 10:00:00 GMT</pubDate></item>"
        )
    feed = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>bench</title><link>{base}/</link><description>bench</description>"
        + "".join(items)
        + "</channel></rss>"
    )
    (root / "feed.rss").write_text(feed, encoding="utf-8")


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--json", type=Path, help="write the figures to this JSON file")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="ingest-bench-") as tmp:
        tmp_path = Path(tmp)
        site = tmp_path / "site"
        server = start_offline_server(port=0, root=site.mkdir() or site)
        port = server.port
        base = f"http://127.0.0.1:{port}"
        write_site(site, scaled_pages(args.pages), base)
        sources = tmp_path / "sources.yaml"
        sources.write_text(
            "sources:\n"
            f"  - {{name: bench-feed, url: {base}/feed.rss, kind: feed}}\n"
            "keywords: [security guarantee, Ukraine]\n"
            f"fetch:\n  allow_hosts: ['127.0.0.1:{port}']\n  per_host_delay_s: 0\n",
            encoding="utf-8",
        )
        settings = replace(
            Settings(), db_path=tmp_path / "wh" / "monitor.duckdb", sources_path=sources
        )
        run_id = stages.new_run_id("bench")
        timings: dict[str, float] = {}
        started = time.perf_counter()
        ref = stages.discover_stage(settings, run_id)
        timings["discover"] = time.perf_counter() - started
        for name, stage in (
            ("fetch", stages.fetch_stage),
            ("extract", stages.extract_stage),
            ("dedupe", stages.dedupe_stage),
        ):
            started = time.perf_counter()
            ref = stage(settings, run_id, ref)
            timings[name] = time.perf_counter() - started
        server.stop()
        outcomes = stages.run_outcomes(ref)
        unique = len(read_batch(NewDocuments, ref).documents)
    total = sum(timings.values())
    peak_mb = peak_rss_mb()
    print(f"{'stage':10} {'seconds':>8} {'docs/s':>8}")
    for name, seconds in timings.items():
        print(f"{name:10} {seconds:8.2f} {args.pages / seconds:8.1f}")
    print(f"{'total':10} {total:8.2f} {args.pages / total:8.1f}")
    print(f"pages {args.pages}, unique documents {unique}, outcomes {outcomes}")
    print(f"peak RSS {peak_mb:.0f} MB")
    figures = {
        "ingest_docs_per_s": round(args.pages / total, 2),
        "ingest_peak_mb": round(peak_mb, 1),
    }
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return figures


if __name__ == "__main__":
    main()
