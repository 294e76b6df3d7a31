"""Stance-change alerts: each new row of `stance_changes`, once per channel, to a webhook
(Slack-compatible JSON) and/or as an e-mail digest.

`changes` decides what is new and returns the events that record it, `messages` formats,
`delivery` talks to the webhook and the SMTP server, `stage` wires them to the store.
"""

from pipeline.alerts.stage import AlertPlan, AlertReport, plan_alerts, send_alerts

__all__ = ["AlertPlan", "AlertReport", "plan_alerts", "send_alerts"]
