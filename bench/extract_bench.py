"""Benchmark the statement extractor on ~200 synthetic ~700-word articles.

Run: .venv/bin/python bench/extract_bench.py [--articles N] [--words W] [--workers K]
    [--json PATH]
Prints articles/s, words/s, CPU seconds per article and the peak resident memory: of this
process plus every worker process of the extractor (the sum of their high-water marks, so
pages the forked workers share with this process are counted more than once - an upper
bound). CPU time is user + system time of this process and the workers over the timed run;
unlike articles/s it hardly depends on what else the machine is doing. --json writes
extract_docs_per_s, extract_peak_mb, extract_cpu_s_per_article and extract_workers.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.memory import peak_rss_mb  # noqa: E402
from pipeline.statements import load_extractor  # noqa: E402
from pipeline.statements.model import ArticleText  # noqa: E402

ON_TOPIC = [
    '"Europe must be ready to put troops on the ground in Ukraine," Keir Starmer said on Monday.',
    "Sergei Lavrov said any deployment of Western peacekeepers would be unacceptable to Moscow.",
    "The United States has ruled out sending its own soldiers, officials in Washington said.",
    "Emmanuel Macron proposed a reassurance force stationed far from the front line.",
    "Andrii Sybiha insisted the guarantees must be legally binding and ratified by parliaments.",
    "Friedrich Merz said a strong Ukrainian army remains the first security guarantee.",
    "According to Mark Rutte, NATO membership for Ukraine is not on the table in the talks.",
    "Dmitry Peskov told reporters the Kremlin would not accept NATO forces under any flag.",
    "Giorgia Meloni suggested an Article 5-like clause outside the alliance.",
    "Poland is considering a role in air policing over western Ukraine, Donald Tusk said.",
    '"We need a U.S. backstop, otherwise the coalition will not work," he added.',
    "Canada offered to help train Ukrainian forces as part of the security guarantees.",
    "Maria Zakharova said security guarantees without Russia's participation were worthless.",
    "Kaja Kallas said the EU would keep funding weapons supplies for years.",
    "Pete Hegseth said American troops would not be part of any peacekeeping mission.",
    "Zelenskyy said Ukraine needs air defence systems and a reliable security framework.",
    "Recep Tayyip Erdogan said Turkey could help with maritime security in the Black Sea.",
    "Beijing said it had no plans to send Chinese peacekeepers to Ukraine.",
    "Keith Kellogg floated a demilitarized zone along the line of contact.",
    "Viktor Orban said Hungary opposes Ukraine's NATO membership.",
    "One European diplomat said the reassurance force would need American air cover.",
    "Analysts say a buffer zone would freeze the conflict.",
    "A poll showed 60 percent of Ukrainians want security guarantees before a ceasefire.",
    "Negotiators are weighing a buffer zone of 15 kilometres on each side of the line.",
]
OFF_TOPIC = [
    "Russian troops advanced near Pokrovsk, the General Staff said in its morning update.",
    "Air raid sirens sounded across Kyiv overnight as drones hit an energy facility.",
    "The central bank kept its key rate unchanged at 15.5 percent on Thursday.",
    "Grain exports through the Odesa ports rose for a third month in a row.",
    "The European Commission proposed a new sanctions package targeting the shadow fleet.",
    "Farmers in the south reported a better harvest than expected despite the drought.",
    "Shakhtar Donetsk beat Dynamo Kyiv 2-1 in a tense derby on Sunday evening.",
    "Rescue workers pulled three people from the rubble of a residential building.",
    "Electricity outages are expected to last up to four hours a day in several regions.",
    "The parliament passed a law on the reform of the customs service.",
    "Oil prices edged higher after the OPEC meeting ended without a deal.",
    "Officials said repairs to the damaged bridge would take at least six months.",
    "The city council approved a budget for new bomb shelters in schools.",
    "Humanitarian groups warned that winter would be hard for displaced families.",
    "A court in Kyiv sentenced a former official to eight years for embezzlement.",
    "The ministry said more than 200 prisoners of war had returned home in an exchange.",
    "Temperatures will fall below freezing across the north by the end of the week.",
    "The national team will play Iceland in the qualifying play-off next month.",
    "Trade between the two countries grew by 12 percent last year, the statistics office said.",
    "Teachers in frontline towns continue to hold lessons online for safety reasons.",
]


def build_articles(count: int, words: int, seed: int = 7) -> list[ArticleText]:
    """Build articles by recombining the sentences; about one in four is off-topic."""
    rng = random.Random(seed)
    articles = []
    for number in range(count):
        off_topic_only = number % 4 == 3
        paragraphs, total = [], 0
        while total < words:
            bank = OFF_TOPIC if off_topic_only or rng.random() < 0.5 else ON_TOPIC
            paragraph = " ".join(rng.choice(bank) for _ in range(rng.randint(2, 4)))
            paragraphs.append(paragraph)
            total += len(paragraph.split())
        articles.append(ArticleText("\n\n".join(paragraphs), date(2025, 8, 20)))
    return articles


def _cpu_seconds(pid: int | str) -> float:
    """Return a process's user + system CPU time in seconds, 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    # After the command name: state is field 3, utime and stime are fields 14 and 15.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _total_cpu(worker_pids: list[int]) -> float:
    return time.process_time() + sum(_cpu_seconds(pid) for pid in worker_pids)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--words", type=int, default=700)
    parser.add_argument("--workers", type=int, default=2, help="extraction processes (cores)")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args()
    started = time.perf_counter()
    extractor = load_extractor(workers=args.workers)
    loaded = time.perf_counter()
    articles = build_articles(args.articles, args.words)
    word_count = sum(len(a.text.split()) for a in articles)
    extractor.extract(articles[0])  # warm-up (starts the worker pool, if any)
    worker_pids = list(getattr(extractor, "worker_pids", []))
    cpu_begin = _total_cpu(worker_pids)
    begin = time.perf_counter()
    statements = sum(len(found) for found in extractor.extract_many(articles))
    elapsed = time.perf_counter() - begin
    worker_pids = sorted(set(worker_pids) | set(getattr(extractor, "worker_pids", [])))
    cpu = _total_cpu(worker_pids) - cpu_begin
    peak_mb = peak_rss_mb() + sum(peak_rss_mb(pid) for pid in worker_pids)
    workers = len(worker_pids) or 1
    print(f"model load      {loaded - started:.2f} s")
    print(f"articles        {len(articles)} ({word_count} words, {statements} statements)")
    print(f"articles/s      {len(articles) / elapsed:.1f}")
    print(f"words/s         {word_count / elapsed:.0f}")
    print(f"CPU s/article   {cpu / len(articles):.4f} (this process + workers)")
    print(f"workers         {workers}")
    print(f"peak RSS        {peak_mb:.0f} MB (sum over processes)")
    if args.json is not None:
        figures = {
            "extract_docs_per_s": round(len(articles) / elapsed, 2),
            "extract_peak_mb": round(peak_mb, 1),
            "extract_cpu_s_per_article": round(cpu / len(articles), 5),
            "extract_workers": workers,
        }
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    close = getattr(extractor, "close", None)
    if close is not None:
        close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
