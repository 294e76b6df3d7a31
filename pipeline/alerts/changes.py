"""Which stance changes are new on which channel, and the events that record a delivery.

A change is named by what it says (actor, topic, old and new stance, date, article), not by
its statement's event id: a reprocess with a newer extractor logs new statement events for
the same change, and the change must not be alerted again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pipeline.events import ALERT_FAILED, ALERT_SENT, Event, canonical_json, sha256_hex
from pipeline.payloads import AlertFailed, AlertSent

PRODUCER = "alerts/1"
WEBHOOK, EMAIL = "webhook", "email"
CHANNELS = (WEBHOOK, EMAIL)


@dataclass(frozen=True, slots=True)
class StanceChange:
    """One row of `stance_changes`: an actor's stance on a topic changed."""

    actor_id: str
    actor_name: str
    country: str | None
    topic: str
    changed_on: date | None
    previous_stance: str
    new_stance: str
    evidence: str
    doc_url: str | None
    event_id: str

    @property
    def key(self) -> str:
        """The change's identity across rebuilds, reruns and extractor versions."""
        identity = [
            self.actor_id,
            self.topic,
            self.previous_stance,
            self.new_stance,
            self.changed_on,
            self.doc_url,
        ]
        return sha256_hex(canonical_json(identity))[:32]


def change_from_row(row: Mapping[str, Any]) -> StanceChange:
    """Make a StanceChange from a `stance_changes` row."""
    return StanceChange(
        actor_id=str(row["actor_id"]),
        actor_name=str(row.get("actor_name") or row["actor_id"]),
        country=row.get("country"),
        topic=str(row["topic"]),
        changed_on=row.get("changed_on"),
        previous_stance=str(row["previous_stance"]),
        new_stance=str(row["new_stance"]),
        evidence=str(row.get("evidence") or ""),
        doc_url=row.get("doc_url"),
        event_id=str(row.get("event_id") or ""),
    )


@dataclass(frozen=True, slots=True)
class ChannelHistory:
    """What the log says a channel did: the changes it delivered and, per change not
    delivered yet, how often its delivery failed and why, last."""

    sent: frozenset[str]
    failures: Mapping[str, tuple[int, str]]


def channel_histories(outcomes: Iterable[Mapping[str, Any]]) -> dict[str, ChannelHistory]:
    """Fold alert_sent / alert_failed rows (log order) into each channel's history."""
    sent: dict[str, set[str]] = {channel: set() for channel in CHANNELS}
    failures: dict[str, dict[str, tuple[int, str]]] = {channel: {} for channel in CHANNELS}
    for row in outcomes:
        channel, key = row["channel"], row["change_key"]
        sent.setdefault(channel, set())
        failures.setdefault(channel, {})
        if row["event_type"] == ALERT_SENT:
            sent[channel].add(key)
            failures[channel].pop(key, None)
        elif row["event_type"] == ALERT_FAILED and key not in sent[channel]:
            count = failures[channel].get(key, (0, ""))[0]
            failures[channel][key] = (count + 1, str(row.get("error") or ""))
    return {
        channel: ChannelHistory(frozenset(sent[channel]), dict(failures[channel]))
        for channel in sent
    }


def pending_changes(
    changes: Iterable[StanceChange], history: ChannelHistory, limit: int | None = None
) -> list[StanceChange]:
    """The changes a channel has not delivered yet, oldest first, at most `limit` (the rest
    wait for the next run); a change listed twice counts once."""
    pending: list[StanceChange] = []
    seen: set[str] = set()
    for change in changes:
        if change.key in history.sent or change.key in seen:
            continue
        seen.add(change.key)
        pending.append(change)
    return pending if limit is None else pending[:limit]


def _change_fields(channel: str, change: StanceChange) -> dict[str, Any]:
    """The fields alert_sent and alert_failed share: the change and its channel."""
    return {
        "channel": channel,
        "change_key": change.key,
        "actor_id": change.actor_id,
        "topic": change.topic,
        "previous_stance": change.previous_stance,
        "new_stance": change.new_stance,
        "changed_on": change.changed_on,
        "doc_url": change.doc_url,
        "statement_event_id": change.event_id,
    }


def sent_event(channel: str, change: StanceChange, moment: datetime) -> Event:
    """Record that `change` was delivered on `channel`. Its id depends on both only, so
    the log refuses a second one: the store's uniqueness guards exactly-once."""
    return AlertSent(**_change_fields(channel, change)).event(
        f"alert:{channel}",
        moment,
        PRODUCER,
        identity={"channel": channel, "change_key": change.key},
    )


def failed_event(
    channel: str, change: StanceChange, error: str, run_id: str, moment: datetime
) -> Event:
    """Record that delivering `change` on `channel` failed in this run (one per attempt)."""
    payload = AlertFailed(**_change_fields(channel, change), error=error[:1000], run_id=run_id)
    identity = {"channel": channel, "change_key": change.key, "run_id": run_id, "at": moment}
    return payload.event(f"alert:{channel}", moment, PRODUCER, identity)
