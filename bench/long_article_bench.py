"""Benchmark statement extraction on single very long articles (issue 18, item 4).

    .venv/bin/python -m bench.long_article_bench [--sizes 100000 1000000] [--json PATH]

Each article is real text: the development articles (`../shared/eval/dev/docs`, or the
seeds when that folder is absent) joined paragraph after paragraph to the given number of
characters, so the topic cues, quotes and speakers come at the density of real news. For
each size the extractor runs once in this process (after one warm-up article) and the CPU
seconds are reported, with the characters it actually read (`MAX_ARTICLE_CHARS` cuts the
longest) and the seconds per 100,000 characters read: flat when extraction is linear.
Only figures are printed or written, never article text.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
DEV_DOCS = ROOT.parent / "shared" / "eval" / "dev" / "docs"
SEEDS = ROOT / "seeds"


def corpus_text() -> tuple[str, str]:
    """Return (source name, the texts joined) from the dev articles or the seeds."""
    folder, name = (DEV_DOCS, "dev") if DEV_DOCS.is_dir() else (SEEDS, "seeds")
    texts = [p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.txt"))]
    return name, "\n".join(t.strip() for t in texts if t.strip())


def long_article(blob: str, size: int) -> str:
    """Repeat the joined texts to `size` characters, cut at a paragraph end."""
    text = (blob + "\n") * (size // (len(blob) + 1) + 1)
    cut = text.rfind("\n", 0, size)
    return text[: cut if cut > 0 else size]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args(argv)

    from pipeline.statements import load_extractor
    from pipeline.statements.model import ArticleText
    from pipeline.statements.rules import MAX_ARTICLE_CHARS

    source, blob = corpus_text()
    extractor = load_extractor()
    extractor.extract(ArticleText(long_article(blob, 5_000)))  # load lazily built parts
    figures: dict[str, object] = {"long_corpus": source}
    print(
        f"long articles from the {source} texts; the extractor reads at most "
        f"{MAX_ARTICLE_CHARS:,} characters of one article"
    )
    print(f"{'characters':>12} {'read':>10} {'CPU s':>8} {'s/100k read':>12} {'statements':>11}")
    for size in args.sizes:
        text = long_article(blob, size)
        began = time.process_time()
        found = extractor.extract(ArticleText(text))
        seconds = time.process_time() - began
        read = min(len(text), MAX_ARTICLE_CHARS)
        per_100k = seconds / read * 100_000
        print(f"{len(text):>12,} {read:>10,} {seconds:>8.2f} {per_100k:>12.2f} {len(found):>11}")
        label = f"{size // 1000}k" if size < 1_000_000 else f"{size // 1_000_000}m"
        figures[f"long_{label}_cpu_s"] = round(seconds, 2)
    if args.json is not None:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
