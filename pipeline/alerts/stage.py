"""The alert step: read the published stance changes and what each channel already did
from the log, deliver what is new, and append what happened as events.

The log is opened twice, briefly: to read, then to append the outcomes. It is not held
while a webhook or SMTP server is waited for. A failed delivery is logged as a warning and
recorded (an alert_failed event); it never raises, so it never fails the task that runs
it, and the next run tries again. Delivering and recording are two steps: a process killed
between them sends those alerts again on the next run (at least once, not lost).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from pipeline.alerts.changes import (
    EMAIL,
    WEBHOOK,
    ChannelHistory,
    StanceChange,
    change_from_row,
    channel_histories,
    failed_event,
    pending_changes,
    sent_event,
)
from pipeline.alerts.delivery import DeliveryError, post_webhook, send_mail, webhook_label
from pipeline.alerts.messages import email_digest, webhook_message
from pipeline.events import Event
from pipeline.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ChannelPlan:
    """What one channel will be sent: the changes, any earlier failed attempts at them
    (count, last reason) and how many more wait beyond this run's limit."""

    channel: str
    target: str
    changes: list[StanceChange]
    failures: Mapping[str, tuple[int, str]] = field(default_factory=dict)
    waiting: int = 0


@dataclass(frozen=True, slots=True)
class AlertPlan:
    """The configured channels' plans; with no channel set, `unsent` lists the changes no
    channel has delivered (what a channel would start with)."""

    channels: list[ChannelPlan]
    unsent: list[StanceChange] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class AlertReport:
    """What a run delivered: changes sent and failed per channel, and each failure's
    reason."""

    sent: dict[str, int]
    failed: dict[str, int]
    errors: dict[str, str]

    @property
    def ok(self) -> bool:
        return not any(self.failed.values())

    def as_counts(self) -> dict[str, int]:
        return {
            **{f"{channel}_sent": n for channel, n in self.sent.items()},
            **{f"{channel}_failed": n for channel, n in self.failed.items()},
        }


def plan_alerts(settings: Settings) -> AlertPlan:
    """Decide what each configured channel is to be sent (reads the log and its views)."""
    from pipeline.store import open_store
    from pipeline.store.query import alert_outcomes, stance_change_rows

    # The settings, not settings.db_path: the log may be a DuckLake (MONITOR_STORE_URL).
    with open_store(settings, read_only=True, create=False) as store:
        changes = [change_from_row(row) for row in stance_change_rows(store)]
        histories = channel_histories(alert_outcomes(store))
    return plan_from(settings, changes, histories)


def plan_from(
    settings: Settings,
    changes: list[StanceChange],
    histories: Mapping[str, ChannelHistory],
) -> AlertPlan:
    """The plan for the configured channels, from the changes and the channels' history."""
    targets = {}
    if settings.alert_webhook:
        targets[WEBHOOK] = webhook_label(settings.alert_webhook)
    if settings.alert_email:
        targets[EMAIL] = ", ".join(settings.alert_email)
    empty = ChannelHistory(frozenset(), {})
    plans = []
    for channel, target in targets.items():
        history = histories.get(channel, empty)
        pending = pending_changes(changes, history)
        now = pending[: settings.alert_max_per_run]
        failures = {c.key: history.failures[c.key] for c in now if c.key in history.failures}
        plans.append(ChannelPlan(channel, target, now, failures, len(pending) - len(now)))
    unsent: list[StanceChange] = []
    if not targets:
        delivered = frozenset().union(*(h.sent for h in histories.values()))
        unsent = pending_changes(changes, ChannelHistory(delivered, {}))
    return AlertPlan(plans, unsent)


def send_alerts(
    settings: Settings, run_id: str | None = None, plan: AlertPlan | None = None
) -> AlertReport:
    """Deliver the plan (by default `plan_alerts`), then append an alert_sent event per
    change delivered and an alert_failed event per change that was not."""
    from pipeline.run_folder import new_run_id, safe_run_id

    run_id = safe_run_id(run_id or new_run_id("alerts"))
    plan = plan_alerts(settings) if plan is None else plan
    events: list[Event] = []
    sent: dict[str, int] = {}
    failed: dict[str, int] = {}
    errors: dict[str, str] = {}
    for channel_plan in plan.channels:
        if not channel_plan.changes:
            continue
        deliver = _deliver_webhook if channel_plan.channel == WEBHOOK else _deliver_email
        outcome, error = deliver(settings, channel_plan.changes)
        moment = datetime.now(UTC)
        channel = channel_plan.channel
        for change, delivered in zip(channel_plan.changes, outcome, strict=True):
            if delivered:
                events.append(sent_event(channel, change, moment))
            else:
                events.append(failed_event(channel, change, error or "", run_id, moment))
        sent[channel] = sum(outcome)
        failed[channel] = len(outcome) - sum(outcome)
        if error:
            errors[channel] = error
            log.warning(
                "alerts: %d of %d stance changes not delivered by %s (%s); recorded, retried on"
                " the next run",
                failed[channel],
                len(outcome),
                channel,
                error,
            )
        if channel_plan.waiting:
            log.info("alerts: %d more changes wait for the next run", channel_plan.waiting)
    if events:
        from pipeline.store import open_store

        with open_store(settings, create=False) as store:
            store.append(events, run_id=run_id)
    log.info(
        "alerts: %s",
        ", ".join(f"{c} sent {sent[c]}, failed {failed[c]}" for c in sent) or "nothing new",
    )
    return AlertReport(sent, failed, errors)


def _deliver_webhook(
    settings: Settings, changes: list[StanceChange]
) -> tuple[list[bool], str | None]:
    """Post each change; after the first failure the rest are not tried (the receiver is
    down or refusing: each try would wait out its timeout) and count as failed with it."""
    outcome: list[bool] = []
    for change in changes:
        try:
            post_webhook(
                settings.alert_webhook or "", webhook_message(change), settings.alert_timeout_s
            )
        except DeliveryError as err:
            return outcome + [False] * (len(changes) - len(outcome)), str(err)
        outcome.append(True)
    return outcome, None


def _deliver_email(
    settings: Settings, changes: list[StanceChange]
) -> tuple[list[bool], str | None]:
    """Mail one digest of every change: all delivered or none."""
    message = email_digest(changes, settings.smtp_sender, settings.alert_email)
    try:
        send_mail(message, settings.smtp_host, settings.smtp_port, settings.alert_timeout_s)
    except DeliveryError as err:
        return [False] * len(changes), str(err)
    return [True] * len(changes), None
