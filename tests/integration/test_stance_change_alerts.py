"""Stance-change alerts against a local webhook receiver and a local SMTP server: each
change once across runs, failures recorded and retried, never blocking the rebuild."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date
from email import message_from_bytes

import pytest

from pipeline.alerts import plan_alerts, send_alerts
from pipeline.settings import Settings
from pipeline.store import open_store
from pipeline.store.views import rebuild_views
from tests.alert_receivers import WebhookReceiver, free_port, smtp_server
from tests.monitor_cli import run_monitor
from tests.stance_log import CHANGES, MERZ, STATEMENTS, append_statements, build_stance_log


def logged(db, event_type):
    with open_store(db, read_only=True, create=False) as store:
        return [e.payload for e in store.read(event_types=[event_type])]


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "warehouse" / "monitor.duckdb"
    build_stance_log(path)
    return path


def test_each_change_is_posted_once_across_runs_and_rebuilds(db):
    with WebhookReceiver() as receiver:
        settings = Settings(db_path=db, alert_webhook=receiver.url, alert_timeout_s=5)
        first = send_alerts(settings)
        assert first.sent == {"webhook": CHANGES} and first.ok
        assert len(receiver.bodies) == CHANGES
        # A rerun (a new process: everything it knows comes from the log) sends nothing.
        assert send_alerts(settings).sent == {}
        assert len(receiver.bodies) == CHANGES
        # A rebuild that adds one change: only that one is posted.
        with open_store(db, views_path=settings.bi_snapshot_path) as store:
            append_statements(store, [(MERZ, "article5_like", "oppose", date(2025, 8, 9), "No.")])
            rebuild_views(store)
        assert send_alerts(settings).sent == {"webhook": 1}
    assert len(receiver.bodies) == CHANGES + 1
    latest = receiver.bodies[-1]
    assert latest["text"].startswith("Stance change: Friedrich Merz (DE) on article5_like:")
    assert "support -> oppose (2025-08-09)" in latest["text"]
    fields = [f["text"] for f in latest["blocks"][1]["fields"]]
    assert fields == ["*Actor*\nFriedrich Merz (DE)", "*Topic*\n`article5_like`",
                      "*Stance*\nsupport -&gt; oppose", "*Date*\n2025-08-09"]  # fmt: skip
    assert latest["blocks"][2]["text"]["text"] == ">No."
    assert latest["blocks"][3]["elements"][0]["text"].startswith("<https://news.example.org/")
    sent = logged(db, "alert_sent")
    assert len(sent) == CHANGES + 1
    assert len({p["change_key"] for p in sent}) == CHANGES + 1


def test_a_digest_of_every_change_is_mailed_once(db):
    with smtp_server() as (port, mailbox):
        settings = Settings(
            db_path=db,
            alert_email=("ops@example.org", "desk@example.org"),
            smtp_host="127.0.0.1",
            smtp_port=port,
            smtp_sender="monitor@example.org",
        )
        assert send_alerts(settings).sent == {"email": CHANGES}
        assert send_alerts(settings).sent == {}
    assert len(mailbox.messages) == 1
    sender, recipients, content = mailbox.messages[0]
    assert sender == "monitor@example.org"
    assert recipients == ["ops@example.org", "desk@example.org"]
    mail = message_from_bytes(content)
    assert mail["Subject"] == f"[monitor] {CHANGES} stance changes"
    body = mail.get_payload(decode=True).decode()
    assert "Friedrich Merz (DE) on article5_like: conditional -> oppose (2025-08-03)" in body
    assert "Volodymyr Zelensky (UA) on guarantees_general: support -> conditional" in body
    assert '"Merz backs it after all."' in body
    assert "https://news.example.org/" in body


def test_a_failed_delivery_is_recorded_and_retried_on_the_next_run(db, caplog):
    with WebhookReceiver() as receiver:
        receiver.status = 503
        settings = Settings(db_path=db, alert_webhook=receiver.url, alert_timeout_s=5)
        with caplog.at_level(logging.WARNING, logger="pipeline.alerts.stage"):
            report = send_alerts(settings)
        assert report.failed == {"webhook": CHANGES} and not report.ok
        assert "HTTP 503" in report.errors["webhook"]
        assert "secret-path" not in report.errors["webhook"]  # the webhook's path is a secret
        assert any("not delivered" in r.getMessage() for r in caplog.records)
        failures = logged(db, "alert_failed")
        assert len(failures) == CHANGES and all("HTTP 503" in p["error"] for p in failures)
        assert logged(db, "alert_sent") == []
        # The next run knows they failed and tries them again.
        (plan,) = plan_alerts(settings).channels
        assert len(plan.changes) == CHANGES
        assert all(plan.failures[c.key][0] == 1 for c in plan.changes)
        receiver.status = 200
        assert send_alerts(settings).sent == {"webhook": CHANGES}
    assert len(receiver.bodies) == CHANGES
    assert plan_alerts(settings).channels[0].changes == []


def test_unreachable_receivers_do_not_fail_the_alert_step_nor_the_rebuild(db):
    dead = free_port()  # nothing listens there
    settings = Settings(
        db_path=db,
        alert_webhook=f"http://127.0.0.1:{dead}/hook",
        alert_email=("ops@example.org",),
        smtp_host="127.0.0.1",
        smtp_port=dead,
        alert_timeout_s=2,
    )
    report = send_alerts(settings)  # returns: the DAG task that runs it succeeds
    assert report.failed == {"webhook": CHANGES, "email": CHANGES}
    assert "ConnectError" in report.errors["webhook"] and "SMTP" in report.errors["email"]
    # The next rebuild goes ahead and publishes, alerts still pending.
    with open_store(db, views_path=settings.bi_snapshot_path) as store:
        append_statements(store, [(MERZ, "article5_like", "oppose", date(2025, 8, 9), "No.")])
        counts = rebuild_views(store)
    assert counts["stance_changes"] == CHANGES + 1
    assert [len(c.changes) for c in plan_alerts(settings).channels] == [CHANGES + 1] * 2


def test_a_reprocessed_change_is_not_alerted_again(db):
    with WebhookReceiver() as receiver:
        settings = Settings(db_path=db, alert_webhook=receiver.url)
        send_alerts(settings)
        # The same statements, extracted again by a newer extractor: new statement events.
        from pipeline.statements.events import statement_events
        from pipeline.statements.model import Statement
        from tests.stance_log import STATEMENTS, document

        with open_store(db, views_path=settings.bi_snapshot_path) as store:
            for actor, topic, stance, day, text in STATEMENTS:
                said = Statement(actor, topic, stance, text, 0, len(text), day, 0.9)
                events = statement_events([said], document(text, day), "rules/2", day)
                store.append(events, "r2")
            rebuild_views(store)
            ids = {
                r[0] for r in store.con.execute("select event_id from stance_changes").fetchall()
            }
        assert ids and not ids & {p["statement_event_id"] for p in logged(db, "alert_sent")}
        assert send_alerts(settings).sent == {}
    assert len(receiver.bodies) == CHANGES


def test_dry_run_shows_what_would_be_sent_and_sends_nothing(db):
    with WebhookReceiver() as receiver:
        dry = run_monitor("alerts", "--dry-run", db=db, MONITOR_ALERT_WEBHOOK=receiver.url)
        assert dry.returncode == 0, dry.message
        assert f"webhook (http://127.0.0.1:{receiver.server.server_port}): would send 3" in (
            dry.message
        )
        assert "Friedrich Merz (DE) on article5_like: oppose -> support (2025-08-06)" in dry.message
        assert receiver.bodies == [] and logged(db, "alert_sent") == []
        sent = run_monitor("alerts", db=db, MONITOR_ALERT_WEBHOOK=receiver.url)
        assert sent.returncode == 0, sent.message
        assert "webhook: sent 3, failed 0" in sent.message
    assert len(receiver.bodies) == CHANGES


def test_alerts_command_fails_naming_the_receiver_when_delivery_fails(db):
    dead = free_port()
    result = run_monitor("alerts", db=db, MONITOR_ALERT_WEBHOOK=f"http://127.0.0.1:{dead}/x")
    assert result.returncode == 1
    assert f"webhook http://127.0.0.1:{dead}" in result.message
    assert len(logged(db, "alert_failed")) == CHANGES


def test_alerts_read_and_record_in_a_ducklake(lake_url, tmp_path):
    """With MONITOR_STORE_URL=ducklake:..., the alert step reads the lake and its views and
    records its deliveries there (it used to open MONITOR_DB's DuckDB path and fail)."""
    settings = Settings(db_path=tmp_path / "warehouse" / "monitor.duckdb", store_url=lake_url)
    with open_store(settings) as store:
        append_statements(store, STATEMENTS)
        rebuild_views(store)
    with WebhookReceiver() as receiver:
        report = send_alerts(replace(settings, alert_webhook=receiver.url, alert_timeout_s=5))
        assert report.sent == {"webhook": CHANGES} and len(receiver.bodies) == CHANGES
    assert not settings.db_path.exists()  # nothing went to a DuckDB file
    with open_store(lake_url, read_only=True) as store:
        assert store.count_events("alert_sent") == CHANGES
