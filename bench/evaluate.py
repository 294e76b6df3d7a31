"""`make eval`: score the current statement extractor on the seeds, the development set and
the invented articles.

    .venv/bin/python -m bench.evaluate [--only seeds|dev|invented] [--no-misses] [--json PATH]

The extractor runs in this process (`pipeline.statements.load_extractor`) on each article
read the way `monitor statements` reads a file (`normalise_text`; the seeds' dates from
`seeds/manifest.yaml`, the development articles' from `manifest.jsonl`, field
"published"). The figures come from the official scorer, `../shared/eval/score.py`,
imported as it is, so they equal what `score.py GOLD OUT --docs DIR` prints:

- seeds: `seeds/*.txt` against `../shared/eval/seeds_gold.jsonl`;
- dev: `../shared/eval/dev/docs/*.txt` against `../shared/eval/dev/gold.jsonl`, every
  file of the folder counted (statements on an article without gold ones are extras);
- invented: `bench/invented/docs/*.txt` against `bench/invented/gold.jsonl`, articles the
  team wrote and annotated (see `bench/invented/README.md`), a check beside the dev set.

Printed per set: actor / actor_topic / full P/R/F1 and stance accuracy; a table per topic
(actor_topic and full tuples of that topic) and per stance (full tuples of that stance);
then the misses (with the gold evidence) and the extras (with the extractor's evidence).
Nothing is written into the project; --json writes the figures to a file outside it
(for comparing a change before and after).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
EVAL = ROOT.parent / "shared" / "eval"
METRICS = ("actor", "actor_topic", "full")
EVIDENCE_CHARS = 160


@dataclass(frozen=True)
class EvalSet:
    """One scored set: its articles, their dates, the gold file and the folder that counts."""

    name: str
    files: list[Path]
    dates: dict[str, date | None]
    gold: Path


def load_scorer(path: Path) -> ModuleType:
    """Import the official scorer (`score.py`) from its file."""
    spec = importlib.util.spec_from_file_location("shared_eval_score", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def seeds_set(root: Path, eval_dir: Path) -> EvalSet:
    """Describe the seeds: files and dates from the repository, gold from the shared folder."""
    from pipeline.documents.file_sources import load_file_manifest

    folder = root / "seeds"
    manifest = load_file_manifest(folder)
    files = sorted(folder.glob("*.txt"))
    dates = {f.name: manifest.get(f.name, {}).get("published") for f in files}
    return EvalSet("seeds", files, dates, eval_dir / "seeds_gold.jsonl")


def invented_set(root: Path) -> EvalSet:
    """Describe the invented articles of bench/invented (written and annotated for the
    project; see its README): every file of docs/ counts, without dates."""
    folder = root / "bench" / "invented"
    files = sorted((folder / "docs").glob("*.txt"))
    return EvalSet(
        "invented", files, dict.fromkeys((f.name for f in files), None), folder / "gold.jsonl"
    )


def dev_set(eval_dir: Path) -> EvalSet:
    """Describe the development set: every file of docs/, dates from manifest.jsonl."""
    folder = eval_dir / "dev"
    dates: dict[str, date | None] = {}
    manifest = folder / "manifest.jsonl"
    if manifest.exists():
        for line in manifest.read_text(encoding="utf-8").splitlines():
            if line.strip():
                entry = json.loads(line)
                dates[Path(str(entry["doc"])).name] = _date(entry.get("published"))
    files = sorted(p for p in (folder / "docs").iterdir() if p.is_file())
    return EvalSet("dev", files, dates, folder / "gold.jsonl")


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def predict(extractor: Any, files: list[Path], dates: dict[str, date | None]) -> list[dict]:
    """Extract statements from text files; return one row per statement, as score.py reads."""
    from pipeline.documents.normalise import normalise_text
    from pipeline.statements.model import ArticleText

    articles = [
        ArticleText(normalise_text(f.read_text(encoding="utf-8")), dates.get(f.name)) for f in files
    ]
    return [
        {
            "doc": f.name,
            "actor": s.actor.name,
            "topic": s.topic,
            "stance": s.stance,
            "evidence": s.evidence,
        }
        for f, found in zip(files, extractor.extract_many(articles), strict=True)
        for s in found
    ]


def breakdown(
    scorer: ModuleType, gold_rows: list[dict], pred_rows: list[dict], docs: Iterable[str]
) -> dict[str, Any]:
    """Score predictions: the scorer's overall figures, then per topic and per stance."""
    docs = set(docs)
    overall = scorer.score(gold_rows, pred_rows, docs)
    counted = docs | {Path(str(r["doc"])).name for r in gold_rows}
    gold, pred = scorer.tuples(gold_rows), scorer.tuples(pred_rows, counted)
    topics = sorted({t[2] for t in gold["actor_topic"] | pred["actor_topic"]})
    stances = sorted({t[3] for t in gold["full"] | pred["full"]})
    per_topic = {
        topic: {
            metric: scorer.prf(
                {t for t in gold[metric] if t[2] == topic},
                {t for t in pred[metric] if t[2] == topic},
            )
            for metric in ("actor_topic", "full")
        }
        for topic in topics
    }
    per_stance = {
        stance: scorer.prf(
            {t for t in gold["full"] if t[3] == stance},
            {t for t in pred["full"] if t[3] == stance},
        )
        for stance in stances
    }
    return {**overall, "per_topic": per_topic, "per_stance": per_stance}


def misses_and_extras(
    scorer: ModuleType, gold_rows: list[dict], pred_rows: list[dict], docs: Iterable[str]
) -> tuple[list[tuple[tuple, str]], list[tuple[tuple, str]]]:
    """Return the gold full tuples not predicted and the predicted ones not in gold, each
    with the first evidence sentence behind it (gold's for a miss, ours for an extra)."""
    counted = set(docs) | {Path(str(r["doc"])).name for r in gold_rows}
    gold, pred = scorer.tuples(gold_rows)["full"], scorer.tuples(pred_rows, counted)["full"]
    return (
        [(t, _evidence(scorer, gold_rows, t)) for t in sorted(gold - pred)],
        [(t, _evidence(scorer, pred_rows, t)) for t in sorted(pred - gold)],
    )


def _evidence(scorer: ModuleType, rows: list[dict], wanted: tuple) -> str:
    for row in rows:
        if scorer.tuples([row])["full"] == {wanted}:
            return _shorten(str(row.get("evidence") or ""))
    return ""


def _shorten(text: str, limit: int = EVIDENCE_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def format_report(name: str, result: dict[str, Any]) -> list[str]:
    """Return the printed figures of one set: overall, per topic, per stance."""
    lines = [f"== {name}: {result['docs']} documents"]
    for metric in METRICS:
        m = result[metric]
        lines.append(
            f"{metric:12} P={m['precision']:.3f} R={m['recall']:.3f} F1={m['f1']:.3f}"
            f"  (gold {m['gold']}, predicted {m['predicted']}, matched {m['matched']})"
        )
    lines.append(f"stance accuracy on found actor-topic pairs: {result['stance_accuracy']:.3f}")
    lines.append("")
    lines.append(
        f"{'topic':24} {'gold':>4} {'pred':>4} {'hit':>4} {'P':>6} {'R':>6} {'F1':>6}"
        f"   {'full F1':>7} ({'hit':>3})"
    )
    for topic, figures in result["per_topic"].items():
        at, full = figures["actor_topic"], figures["full"]
        lines.append(
            f"{topic:24} {at['gold']:>4} {at['predicted']:>4} {at['matched']:>4}"
            f" {at['precision']:>6.3f} {at['recall']:>6.3f} {at['f1']:>6.3f}"
            f"   {full['f1']:>7.3f} ({full['matched']:>3})"
        )
    lines.append("")
    lines.append(f"{'stance':24} {'gold':>4} {'pred':>4} {'hit':>4} {'P':>6} {'R':>6} {'F1':>6}")
    for stance, m in result["per_stance"].items():
        lines.append(
            f"{stance:24} {m['gold']:>4} {m['predicted']:>4} {m['matched']:>4}"
            f" {m['precision']:>6.3f} {m['recall']:>6.3f} {m['f1']:>6.3f}"
        )
    return lines


def format_misses(misses: list[tuple[tuple, str]], extras: list[tuple[tuple, str]]) -> list[str]:
    """Return the lines listing misses and extras, as `score.py --misses` does, with evidence."""
    lines = []
    for label, found in (("missed  ", misses), ("extra   ", extras)):
        for t, evidence in found:
            lines.append(f"{label} {' '.join(t)}")
            if evidence:
                lines.append(f"           | {evidence}")
    return lines


def evaluate(
    scorer: ModuleType, extractor: Any, chosen: EvalSet, show_misses: bool
) -> dict[str, Any]:
    """Extract from one set, print its figures (and misses), return them."""
    gold_rows = scorer.load(str(chosen.gold))
    pred_rows = predict(extractor, chosen.files, chosen.dates)
    docs = {f.name for f in chosen.files}
    result = breakdown(scorer, gold_rows, pred_rows, docs)
    print("\n".join(format_report(chosen.name, result)))
    if show_misses:
        misses, extras = misses_and_extras(scorer, gold_rows, pred_rows, docs)
        print(f"\n{chosen.name}: {len(misses)} missed, {len(extras)} extra (full tuples)")
        print("\n".join(format_misses(misses, extras)))
    print()
    return result


def _inside(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["seeds", "dev", "invented"], help="score one set only")
    parser.add_argument("--no-misses", action="store_true", help="omit misses and extras")
    parser.add_argument("--json", type=Path, help="write the figures to this file (outside)")
    parser.add_argument("--eval-dir", type=Path, default=EVAL, help=f"default {EVAL}")
    parser.add_argument(
        "--topics",
        choices=["rules", "model", "both"],
        default="both",
        help="where topics come from: the cues, the clause classifier, or both (default)",
    )
    args = parser.parse_args(argv)
    if args.json is not None and _inside(args.json, ROOT):
        parser.error(f"--json {args.json} is inside the project: write it outside, e.g. /tmp")
    scorer_path = args.eval_dir / "score.py"
    if not scorer_path.exists():
        print(f"no scorer at {scorer_path}: nothing scored (the shared eval folder is absent)")
        return 0
    sets = []
    if args.only in (None, "seeds"):
        seeds = seeds_set(ROOT, args.eval_dir)
        if seeds.gold.exists():
            sets.append(seeds)
        else:
            print(f"no seed gold at {seeds.gold}: seeds not scored")
    if args.only in (None, "dev"):
        if (args.eval_dir / "dev" / "docs").is_dir() and (
            args.eval_dir / "dev" / "gold.jsonl"
        ).exists():
            sets.append(dev_set(args.eval_dir))
        else:
            print(f"no development set at {args.eval_dir / 'dev'}: dev not scored")
    if args.only in (None, "invented"):
        sets.append(invented_set(ROOT))
    if not sets:
        return 0
    from pipeline.statements import load_extractor

    scorer = load_scorer(scorer_path)
    extractor = load_extractor(topic_source=args.topics)
    try:
        results = {s.name: evaluate(scorer, extractor, s, not args.no_misses) for s in sets}
    finally:
        getattr(extractor, "close", lambda: None)()
    if args.json is not None:
        payload = {
            "extractor": f"{extractor.name}/{extractor.version}",
            "date": datetime.now(UTC).replace(microsecond=0).isoformat(),
            **results,
        }
        args.json.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
