"""Your own sources files (issue 17, item 12): whole runs over real files.

- The bundled offline sources copied elsewhere still start their local server (the file
  says `offline_corpus: true`; it used to start only when the path was the default one),
  and its file sources, now missing, are `fetch-failed: not-found` with their real path
  (not "skipped: no-text").
- A file source without a date in a manifest is dated by the file's modification time,
  and says so, instead of failing the gate for most of its rows."""

from __future__ import annotations

import os
import shutil
from dataclasses import replace
from datetime import UTC, datetime

from pipeline.runner import run_pipeline
from pipeline.settings import PROJECT_DIR, Settings
from pipeline.store import open_store

OFFLINE = PROJECT_DIR / "seeds" / "offline" / "sources.yaml"
SEED = sorted((PROJECT_DIR / "seeds").glob("001_*.txt"))[0]


def outcomes(db, prefix: str) -> list[tuple[str, str]]:
    with open_store(db, read_only=True) as store:
        return store.con.execute(
            "select outcome, url from document_outcomes where url like ? order by url",
            [f"{prefix}%"],
        ).fetchall()


def test_a_copy_of_the_offline_sources_serves_its_corpus_and_names_missing_files(tmp_path):
    copy = tmp_path / "elsewhere" / "sources.yaml"
    copy.parent.mkdir()
    shutil.copy(OFFLINE, copy)
    db = tmp_path / "wh" / "monitor.duckdb"
    summary = run_pipeline(replace(Settings(), db_path=db, sources_path=copy), rebuild=True)
    assert summary["document_ingested"] >= 5, summary
    web = [o for o, _ in outcomes(db, "http://")] + [o for o, _ in outcomes(db, "https://")]
    assert web.count("ok") >= 5 and not [o for o in web if "connection" in o], web
    missing = outcomes(db, "file://")
    expected = (tmp_path / "000_b81e1e3c4ea0acb7.txt").as_uri()  # ../ of the copy, resolved
    assert ("fetch-failed: not-found", expected) in missing, missing
    assert all(outcome == "fetch-failed: not-found" for outcome, _ in missing), missing


def test_a_file_without_a_dated_manifest_is_dated_by_its_modification_time(tmp_path):
    folder = tmp_path / "own"
    folder.mkdir()
    article = folder / "article.txt"
    shutil.copy(SEED, article)
    moment = datetime(2025, 8, 20, 12, 0, tzinfo=UTC).timestamp()
    os.utime(article, (moment, moment))
    sources = folder / "sources.yaml"
    sources.write_text("sources:\n  - {name: own, url: article.txt, kind: file}\n", "utf-8")
    db = tmp_path / "wh" / "monitor.duckdb"
    summary = run_pipeline(replace(Settings(), db_path=db, sources_path=sources), rebuild=False)
    assert summary["quarantined"] == 0, summary
    with open_store(db, read_only=True) as store:
        (document,) = [r.payload for r in store.read(event_types=["document_ingested"])]
        statements = list(store.read(event_types=["statement_extracted"]))
    assert document["published"] == "2025-08-20"
    assert document["published_inferred_from"].startswith("file modification time")
    assert statements and all(s.payload["stated_on"] for s in statements)
