"""Turn extracted statements into events: the statements stage's output."""

from __future__ import annotations

from datetime import date

from pipeline.documents.model import Document
from pipeline.events import Event
from pipeline.payloads import ExtractionCompleted, StatementExtracted
from pipeline.statements.model import Statement


def producer_of(name: str, version: str) -> str:
    """Name an extractor as an event producer: 'name/version'."""
    return f"{name}/{version}"


def statement_payload(
    statement: Statement, document: Document, extractor: str
) -> StatementExtracted:
    """Flatten a statement and its document into the event payload the views read."""
    name, _, version = extractor.partition("/")
    actor = statement.actor
    return StatementExtracted(
        doc_id=document.doc_id,
        doc_url=document.url,
        doc_title=document.title,
        publisher=document.publisher,
        published=document.published,
        actor_id=actor.actor_id,
        actor_name=actor.name,
        actor_kind=actor.kind,
        country=actor.country,
        role=actor.role,
        actor_needs_review=actor.needs_review,
        topic=statement.topic,
        stance=statement.stance,
        evidence=statement.evidence,
        start=statement.start,
        end=statement.end,
        stated_on=statement.stated_on or document.published,
        stated_on_inferred=statement.stated_on_inferred or statement.stated_on is None,
        confidence=round(float(statement.confidence), 4),
        extractor=name,
        extractor_version=version,
    )


def statement_events(
    statements: list[Statement], document: Document, extractor: str, today: date
) -> list[Event]:
    """Build one event per statement and one extraction-completed event for the document."""
    events = []
    for statement in statements:
        payload = statement_payload(statement, document, extractor)
        identity = {
            "doc_id": document.doc_id,
            "actor_id": statement.actor.actor_id,
            "topic": statement.topic,
            "stance": statement.stance,
            "start": statement.start,
            "end": statement.end,
        }
        occurred = statement.stated_on or document.published or today
        events.append(
            payload.event(
                f"actor:{statement.actor.actor_id}", occurred, extractor, identity=identity
            )
        )
    name, _, version = extractor.partition("/")
    completed = ExtractionCompleted(
        doc_id=document.doc_id,
        extractor=name,
        extractor_version=version,
        statements=len(statements),
    )
    events.append(
        completed.event(
            f"document:{document.doc_id}",
            document.published or today,
            extractor,
            identity={"doc_id": document.doc_id},
        )
    )
    return events
