"""bench/extract_bench.py: the corpus it builds from real articles and the figures it reports."""

from __future__ import annotations

import json
from datetime import date

import pytest

from bench import extract_bench
from bench.extract_bench import build_corpus, report, source_folder

# Invented articles: 10, 20 and 30 words.
TEXTS = {
    "a.txt": " ".join(["alpha"] * 10),
    "b.txt": " ".join(["bravo"] * 20),
    "c.txt": " ".join(["charlie"] * 30),
}


@pytest.fixture
def docs(tmp_path):
    folder = tmp_path / "dev" / "docs"
    folder.mkdir(parents=True)
    for name, text in TEXTS.items():
        (folder / name).write_text(text + "\n", encoding="utf-8")
    manifest = [{"doc": "b.txt", "published": "2025-03-04"}, {"doc": "c.txt", "published": ""}]
    (tmp_path / "dev" / "manifest.jsonl").write_text(
        "\n".join(json.dumps(entry) for entry in manifest) + "\n", encoding="utf-8"
    )
    return folder


def test_whole_articles_repeat_in_name_order_until_the_word_count_is_reached(docs):
    corpus = build_corpus("dev", docs, words=100, articles=None)
    assert [len(t.split()) for t in corpus.texts] == [10, 20, 30, 10, 20, 30]
    assert corpus.words == 120 and corpus.distinct == 3
    assert corpus.dates[:3] == [None, date(2025, 3, 4), None]


def test_articles_gives_exactly_that_many(docs):
    corpus = build_corpus("dev", docs, words=10**6, articles=4)
    assert [len(t.split()) for t in corpus.texts] == [10, 20, 30, 10]


def test_a_missing_dev_folder_falls_back_to_the_seeds(tmp_path, docs):
    assert source_folder(docs) == ("given", docs)
    source, folder = source_folder(tmp_path / "absent")
    assert (source, folder) == ("seeds", extract_bench.SEEDS)
    corpus = build_corpus(source, folder, words=1, articles=None)
    assert corpus.source == "seeds" and len(corpus.texts) == 1
    assert corpus.dates[0] is not None  # from seeds/manifest.yaml


def _run(mode, wall, cpu, peak, processes=1, statements=7):
    return {
        "mode": mode,
        "articles": 6,
        "words": 120,
        "load_s": 1.0,
        "wall_s": wall,
        "cpu_s": cpu,
        "peak_mb": peak,
        "own_peak_mb": peak / processes,
        "worker_peaks_mb": [peak / processes] * (processes - 1),
        "processes": processes,
        "components": ["parser"],
        "statements": statements,
        "first_pass_words": 60,
        "first_pass_s": wall / 2,
    }


def test_report_gives_the_ratios_the_harness_figures_and_no_text(docs):
    corpus = build_corpus("dev", docs, words=100, articles=None)
    runs = {
        "serial": _run("serial", wall=2.0, cpu=2.0, peak=300),
        "pooled": _run("pooled", wall=1.2, cpu=2.2, peak=600, processes=3),
        "full": _run("full", wall=10.0, cpu=9.0, peak=500),
    }
    lines, figures = report(runs, corpus, workers=2)
    assert figures["extract_full_parse_speedup"] == 5.0
    assert figures["extract_full_parse_speedup_pooled"] == pytest.approx(8.33, abs=0.01)
    assert figures["extract_full_parse_cpu_ratio"] == 4.5
    assert figures["extract_docs_per_s"] == 5.0  # 6 articles in 1.2 s, pooled
    assert figures["extract_peak_mb"] == 600 and figures["extract_workers"] == 2
    assert figures["extract_serial_words_per_cpu_s"] == 60.0
    text = "\n".join(lines) + json.dumps(figures)
    assert "alpha" not in text and "bravo" not in text and "charlie" not in text
    assert "target: extractor >= 4x faster (wall) than the full parse, 1 process: met" in lines
    assert all(isinstance(v, int | float) for k, v in figures.items() if k != "extract_corpus")
    assert "extract_same_ops_speedup" not in figures  # no like-for-like run given


def test_report_gives_the_like_for_like_ratio_against_a_full_parse_on_the_same_blas(docs):
    corpus = build_corpus("dev", docs, words=100, articles=None)
    runs = {
        "serial": _run("serial", wall=2.0, cpu=2.0, peak=300),
        "pooled": _run("pooled", wall=1.0, cpu=2.2, peak=600, processes=3),
        "full": _run("full", wall=10.0, cpu=9.0, peak=500),
        "full_same_ops": _run("full_same_ops", wall=7.0, cpu=7.0, peak=500),
    }
    lines, figures = report(runs, corpus, workers=2)
    assert figures["extract_same_ops_speedup"] == 3.5
    assert figures["extract_same_ops_speedup_pooled"] == 7.0
    assert figures["extract_full_parse_same_ops_wall_s"] == 7.0
    assert any(line.startswith("full parse on the extractor's BLAS") for line in lines)


def test_rounds_report_each_mode_s_median_run_and_each_round_s_ratios(docs):
    from bench.extract_bench import median_runs, round_lines

    corpus = build_corpus("dev", docs, words=100, articles=None)
    walls = [(2.0, 1.0, 9.0), (3.0, 1.6, 12.0), (2.4, 1.2, 10.8)]  # serial, pooled, full
    rounds = [
        {
            "serial": _run("serial", wall=s, cpu=s, peak=300),
            "pooled": _run("pooled", wall=p, cpu=2 * p, peak=600, processes=3),
            "full": _run("full", wall=f, cpu=f, peak=500),
        }
        for s, p, f in walls
    ]
    medians = median_runs(rounds)
    assert [medians[m]["wall_s"] for m in ("serial", "pooled", "full")] == [2.4, 1.2, 10.8]
    lines, figures = report(medians, corpus, workers=2)
    lines += round_lines(rounds, figures)
    assert figures["extract_full_parse_speedup_pooled"] == 9.0  # 10.8 / 1.2, the medians
    assert figures["extract_full_parse_speedup_pooled_rounds"] == [9.0, 7.5, 9.0]
    assert figures["extract_full_parse_speedup_rounds"] == [4.5, 4.0, 4.5]
    assert "full parse / extractor, wall, round by round (pooled): 9.00x, 7.50x, 9.00x" in lines
    # Two rounds: the lower of the two, not an average.
    assert median_runs(rounds[:2])["pooled"]["wall_s"] == 1.0
