"""Child process for the reliability tests: the parent kills it, starves it, or races it.

Run as `python tests/reliability/reliability_driver.py COMMAND ...`. It uses the real
DuckDBRecorder, rebuild_views and publish_snapshot, and prints one line per step
(`begin append 3`, `end append 3 240`, ...) so the parent can kill it at a chosen point.

Batches are deterministic: batch k has run id `batch-00k` and `batch_size(docs)` events
(a document, one statement and one extraction-completed event per document). The clock of
the recorder is frozen, so two stores that log the same batches in the same order hold the
same rows and their rebuilt views have the same `views_fingerprint`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import traceback
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb

from pipeline.documents.model import Document, document_id
from pipeline.errors import MonitorError
from pipeline.events import DOCUMENT_INGESTED, new_event, sha256_hex
from pipeline.statements.events import statement_events
from pipeline.statements.model import TOPICS, Actor, Statement
from pipeline.store import duckdb_store
from pipeline.store.duckdb_store import DuckDBRecorder
from pipeline.store.views import publish_snapshot, rebuild_views, views_fingerprint

FROZEN_NOW = datetime(2025, 9, 1, 12, 0, tzinfo=UTC)
ACTORS = (
    Actor("person:emmanuel-macron", "Emmanuel Macron", "person", "FR", "President"),
    Actor("person:friedrich-merz", "Friedrich Merz", "person", "DE", "Chancellor"),
    Actor("state:gb", "United Kingdom", "state", "GB"),
)
STANCES = ("support", "oppose", "conditional", "neutral")
EVENTS_PER_DOC = 3


class _FrozenClock(datetime):
    @classmethod
    def now(cls, tz=None):  # noqa: ANN206 - mirrors datetime.now
        return FROZEN_NOW if tz is not None else FROZEN_NOW.replace(tzinfo=None)


def freeze_clock() -> None:
    """Make every append record the same `recorded_at` (fingerprints comparable across stores)."""
    duckdb_store.datetime = _FrozenClock


def run_id(batch: int) -> str:
    return f"batch-{batch:03d}"


def batch_size(docs: int) -> int:
    return docs * EVENTS_PER_DOC


def batch_events(batch: int, docs: int, tag: str = "") -> list:
    """The events of batch `batch`: `docs` documents, each with one statement."""
    events = []
    for i in range(docs):
        day = date(2025, 1, 1) + timedelta(days=batch * 3 + i % 3)
        text = (
            f"Article {tag}{batch}-{i}. Leaders discussed security guarantees for Ukraine "
            f"in round {batch}, item {i}; the statement below is the evidence."
        )
        doc = Document(
            doc_id=document_id(text),
            source="reliability",
            url=f"https://example.org/{tag}b{batch}/{i}",
            title=f"Round {batch} item {i}",
            text=text,
            raw_text=text,
            published=day,
        )
        actor = ACTORS[(batch + i) % len(ACTORS)]
        statement = Statement(
            actor,
            TOPICS[i % len(TOPICS)],
            STANCES[(batch * 7 + i) % len(STANCES)],
            text[:20],
            0,
            20,
            day,
            0.9,
        )
        events.append(document_event(doc))
        events.extend(statement_events([statement], doc, "rules/1", day))
    assert len(events) == batch_size(docs)
    return events


def document_event(doc: Document):  # noqa: ANN201
    """The document_ingested event (as pipeline.documents.extract makes it, without
    importing trafilatura: the driver starts often and should start fast)."""
    payload = {
        "doc_id": doc.doc_id,
        "source": doc.source,
        "url": doc.url,
        "title": doc.title,
        "published": doc.published,
        "language": doc.language,
        "text": doc.text,
        "content_hash": sha256_hex(doc.text),
    }
    stream = f"document:{doc.doc_id}"
    return new_event(DOCUMENT_INGESTED, stream, doc.published, payload, "extract/1")


def say(*parts: object) -> None:
    print(*parts, flush=True)


def work(args: argparse.Namespace) -> None:
    """Append batches 1..N in order; after each that adds rows, rebuild and publish."""
    freeze_clock()
    recorder = DuckDBRecorder(args.db)
    for k in range(1, args.batches + 1):
        say("begin append", k)
        result = recorder.append(batch_events(k, args.docs), run_id(k))
        say("end append", k, result.appended)
        if result.appended == 0 and k != args.batches:
            continue
        if args.ids:
            say("begin ids", k)
            recorder.refresh_id_index()
            say("end ids", k)
        if args.rebuild:
            say("begin rebuild", k)
            rebuild_views(recorder)
            fingerprint = views_fingerprint(recorder.con) if args.fingerprints else "-"
            say("end rebuild", k, fingerprint)
        if args.snapshot:
            say("begin publish", k)
            publish_snapshot(recorder, Path(args.snapshot))
            say("end publish", k)
    recorder.close()
    say("done")
    # A kill aimed at the last phases may come after the work is done: it then meets a
    # finished process, not a vanished one.
    time.sleep(args.linger)


def writer(args: argparse.Namespace) -> None:
    """One of two writers: open, append each batch, close; on a busy log wait or give up."""
    freeze_clock()
    for k in range(args.first, args.first + args.batches):
        deadline = time.monotonic() + args.wait
        while True:
            try:
                recorder = DuckDBRecorder(args.db)
                break
            except MonitorError as err:
                if type(err).__name__ != "StoreBusyError" or time.monotonic() > deadline:
                    say("error", type(err).__name__, json.dumps(str(err)))
                    sys.exit(3)
                say("busy", k)
                time.sleep(0.05)
        try:
            result = recorder.append(batch_events(k, args.docs, tag=args.tag), f"{args.tag}{k}")
            say("end append", k, result.appended)
            if args.hold:
                say("holding")
                sys.stdin.readline()
        finally:
            recorder.close()
    say("done")


def append_once(args: argparse.Namespace) -> None:
    """Open, report ready, wait for a line on stdin, then append one batch and report."""
    freeze_clock()
    try:
        recorder = DuckDBRecorder(args.db)
    except MonitorError as err:
        say("error", type(err).__name__, json.dumps(str(err)))
        return
    say("ready")
    sys.stdin.readline()
    try:
        result = recorder.append(batch_events(args.batch, args.docs), run_id(args.batch))
        say("end append", args.batch, result.appended)
    except MonitorError as err:
        say("error", type(err).__name__, json.dumps(str(err)))
    try:
        recorder.close()
    except duckdb.Error as err:
        say("close-error", json.dumps(str(err)))


def reader(args: argparse.Namespace) -> None:
    """A BI reader: hold the snapshot open, answer each stdin command with a fingerprint."""
    con = duckdb.connect(args.snapshot, read_only=True)
    say("fingerprint", views_fingerprint(con))
    for line in sys.stdin:
        command = line.strip()
        if command == "reopen":
            con.close()
            con = duckdb.connect(args.snapshot, read_only=True)
        elif command == "quit":
            break
        say("fingerprint", views_fingerprint(con))
    con.close()


def open_log(args: argparse.Namespace) -> None:
    """Open the log as a writer (which applies pending migrations), then close it."""
    say("begin open")
    recorder = DuckDBRecorder(args.db)
    say("end open")
    recorder.close()
    say("done")
    time.sleep(args.linger)


def serve(args: argparse.Namespace) -> None:
    """Fork one child per stdin line (a JSON argv); the child reports `pid N` first.

    Imports are paid once here, so the parent can kill many short-lived children. This
    process itself never opens DuckDB; each forked child opens, works and is killed (or
    exits), then `exit STATUS` follows (negative: killed by that signal).
    """
    for line in sys.stdin:
        argv = json.loads(line)
        sys.stdout.flush()
        pid = os.fork()
        if pid == 0:
            status = 0
            try:
                say("pid", os.getpid())
                main(argv)
            except SystemExit as stop:
                status = stop.code if isinstance(stop.code, int) else 1
            except BaseException:
                traceback.print_exc()
                status = 1
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(status)
        _, wait_status = os.waitpid(pid, 0)
        say("exit", os.waitstatus_to_exitcode(wait_status))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("work")
    p.add_argument("db")
    p.add_argument("--batches", type=int, required=True)
    p.add_argument("--docs", type=int, required=True)
    p.add_argument("--rebuild", action="store_true")
    p.add_argument("--snapshot")
    p.add_argument("--fingerprints", action="store_true")
    p.add_argument("--ids", action="store_true", help="rewrite the id file after each append")
    p.add_argument("--linger", type=float, default=0.0, help="seconds to stay after done")
    p.set_defaults(func=work)
    p = sub.add_parser("writer")
    p.add_argument("db")
    p.add_argument("--tag", required=True)
    p.add_argument("--first", type=int, default=1)
    p.add_argument("--batches", type=int, required=True)
    p.add_argument("--docs", type=int, required=True)
    p.add_argument("--wait", type=float, default=0.0, help="seconds to retry a busy log")
    p.add_argument("--hold", action="store_true", help="keep the log open after each append")
    p.set_defaults(func=writer)
    p = sub.add_parser("append-once")
    p.add_argument("db")
    p.add_argument("--batch", type=int, required=True)
    p.add_argument("--docs", type=int, required=True)
    p.set_defaults(func=append_once)
    p = sub.add_parser("open")
    p.add_argument("db")
    p.add_argument("--linger", type=float, default=0.0, help="seconds to stay after done")
    p.set_defaults(func=open_log)
    p = sub.add_parser("serve")
    p.set_defaults(func=serve)
    p = sub.add_parser("reader")
    p.add_argument("snapshot")
    p.set_defaults(func=reader)
    args = parser.parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
