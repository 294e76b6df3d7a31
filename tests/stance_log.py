"""A small event log with known stance changes and its published views, for the tests of
what reads the views (alerts, BI connections, exports, the stance command)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pipeline.documents.model import Document, document_id
from pipeline.statements.events import statement_events
from pipeline.statements.model import Actor, Statement
from pipeline.store import open_store
from pipeline.store.views import rebuild_views

MERZ = Actor("person:friedrich-merz", "Friedrich Merz", "person", "DE", "Chancellor")
# The registry's own ids (pipeline/data/actors.yaml): `monitor stance --actor` resolves its
# aliases ("Zelenskyy", "the Kremlin") to them.
ZELENSKY = Actor("person:volodymyr-zelensky", "Volodymyr Zelensky", "person", "UA", "President")
RUSSIA = Actor("state:ru", "Russia", "state", "RU")
NEWCOMER = Actor("person:jan-novak", "Jan Novak", "person", "CZ", None, needs_review=True)
# Merz: conditional -> oppose -> support on article5_like (two changes); Zelensky: support,
# then conditional on guarantees_general (one change); Russia and Novak (an actor the
# registry does not know): one statement each, no change.
STATEMENTS = [
    (MERZ, "article5_like", "conditional", date(2025, 8, 1), "Merz set conditions & <limits>."),
    (ZELENSKY, "guarantees_general", "support", date(2025, 8, 2), "Kyiv agrees."),
    (RUSSIA, "nato_membership", "oppose", date(2025, 8, 2), "Moscow says no, 100% no_way."),
    (MERZ, "article5_like", "oppose", date(2025, 8, 3), "Merz now rejects the idea."),
    (NEWCOMER, "troops_in_ukraine", "oppose", date(2025, 8, 4), "Novak objects."),
    (ZELENSKY, "guarantees_general", "conditional", date(2025, 8, 5), "Only if."),
    (MERZ, "article5_like", "support", date(2025, 8, 6), "Merz backs it after all."),
]
CHANGES = 3


def document(text: str, day: date) -> Document:
    return Document(
        doc_id=document_id(text),
        source="test",
        url=f"https://news.example.org/{document_id(text)}?a=1&b=2",
        title=text[:20],
        text=text,
        raw_text=text,
        published=day,
    )


def append_statements(store, statements=STATEMENTS, run_id: str = "r") -> None:
    for actor, topic, stance, day, text in statements:
        said = Statement(actor, topic, stance, text, 0, len(text), day, 0.9)
        events = statement_events([said], document(text, day), "rules/1", date(2025, 9, 1))
        store.append(events, run_id)


def build_stance_log(db_path: Path, statements=STATEMENTS) -> Path:
    """Write the log at `db_path`, rebuild and publish its views; return the snapshot."""
    snapshot = db_path.parent / "snapshot" / f"{db_path.stem}_bi.duckdb"
    db_path.parent.mkdir(parents=True, exist_ok=True)
    with open_store(db_path, views_path=snapshot) as store:
        append_statements(store, statements)
        rebuild_views(store)
    return snapshot
