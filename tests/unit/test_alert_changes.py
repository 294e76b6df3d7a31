"""The pure part of the alerts: which changes are new on a channel, and how they read."""

from __future__ import annotations

from datetime import UTC, date, datetime
from email import message_from_string

from pipeline.alerts.changes import (
    ChannelHistory,
    StanceChange,
    channel_histories,
    failed_event,
    pending_changes,
    sent_event,
)
from pipeline.alerts.messages import email_digest, webhook_message
from pipeline.alerts.stage import plan_from
from pipeline.settings import Settings

NOW = datetime(2025, 9, 1, tzinfo=UTC)


def change(new="oppose", day=date(2025, 8, 3), event_id="e1", evidence="He said <no> & more."):
    return StanceChange(
        "person:friedrich-merz", "Friedrich Merz", "DE", "article5_like", day,
        "support", new, evidence, "https://example.org/a?x=1|2", event_id,
    )  # fmt: skip


def test_a_change_keeps_its_key_when_a_new_extractor_logs_it_again():
    assert change(event_id="e1").key == change(event_id="e2", evidence="other words").key
    assert change(new="conditional").key != change().key
    assert change(day=date(2025, 8, 4)).key != change().key


def test_pending_changes_skip_what_the_channel_delivered_and_duplicates():
    a, b = change(), change(new="conditional")
    history = ChannelHistory(frozenset({a.key}), {})
    assert pending_changes([a, b, b], history) == [b]
    assert pending_changes([a, b], ChannelHistory(frozenset(), {}), limit=1) == [a]


def test_histories_count_failures_until_a_delivery():
    a, b = change(), change(new="conditional")
    rows = [
        {"event_type": "alert_failed", "channel": "webhook", "change_key": a.key, "error": "x"},
        {"event_type": "alert_failed", "channel": "webhook", "change_key": a.key, "error": "y"},
        {"event_type": "alert_failed", "channel": "webhook", "change_key": b.key, "error": "z"},
        {"event_type": "alert_sent", "channel": "webhook", "change_key": b.key},
        {"event_type": "alert_sent", "channel": "email", "change_key": a.key},
    ]
    histories = channel_histories(rows)
    assert histories["webhook"].sent == {b.key}
    assert histories["webhook"].failures == {a.key: (2, "y")}
    assert histories["email"].sent == {a.key}


def test_a_sent_event_is_the_same_event_every_time_a_failure_is_not():
    assert (
        sent_event("webhook", change(), NOW).event_id
        == sent_event("webhook", change(event_id="e9"), datetime(2026, 1, 1, tzinfo=UTC)).event_id
    )
    assert (
        sent_event("webhook", change(), NOW).event_id != sent_event("email", change(), NOW).event_id
    )
    first = failed_event("webhook", change(), "down", "run1", NOW)
    assert first.event_id != failed_event("webhook", change(), "down", "run2", NOW).event_id
    assert first.payload["error"] == "down" and first.payload["channel"] == "webhook"


def test_the_webhook_message_has_text_and_fields_with_escaped_evidence():
    message = webhook_message(change())
    assert message["text"] == (
        "Stance change: Friedrich Merz (DE) on article5_like: support -> oppose (2025-08-03)"
        " https://example.org/a?x=1|2"
    )
    header, fields, evidence, context = message["blocks"]
    assert header["text"]["text"] == "Stance change: Friedrich Merz (DE)"
    assert [f["text"].split("\n")[0] for f in fields["fields"]] == [
        "*Actor*", "*Topic*", "*Stance*", "*Date*",
    ]  # fmt: skip
    assert evidence["text"]["text"] == ">He said &lt;no&gt; &amp; more."
    assert context["elements"][0]["text"] == "<https://example.org/a?x=1%7C2|article>"


def test_long_evidence_is_cut_to_what_slack_accepts():
    message = webhook_message(change(evidence="word " * 2000))
    assert len(message["blocks"][2]["text"]["text"]) == 3000


def test_the_digest_lists_every_change_with_its_evidence_and_link():
    mail = email_digest([change(), change(new="conditional")], "m@x.org", ["a@x.org", "b@x.org"])
    parsed = message_from_string(mail.as_string())
    assert parsed["Subject"] == "[monitor] 2 stance changes" and parsed["To"] == "a@x.org, b@x.org"
    body = parsed.get_payload()
    assert "1. Friedrich Merz (DE) on article5_like: support -> oppose (2025-08-03)" in body
    assert "2. Friedrich Merz (DE) on article5_like: support -> conditional" in body
    assert '"He said <no> & more."' in body


def test_the_plan_holds_back_changes_beyond_the_per_run_limit():
    changes = [change(day=date(2025, 8, d)) for d in range(1, 6)]
    settings = Settings(alert_webhook="http://127.0.0.1:1/h", alert_max_per_run=2)
    (plan,) = plan_from(settings, changes, {}).channels
    assert plan.changes == changes[:2] and plan.waiting == 3 and plan.target == "http://127.0.0.1:1"
    unconfigured = plan_from(Settings(), changes, {})
    assert unconfigured.channels == [] and unconfigured.unsent == changes
