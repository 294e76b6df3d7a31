"""How a stance change reads: a Slack-compatible webhook message, an e-mail digest."""

from __future__ import annotations

from collections.abc import Sequence
from email.message import EmailMessage
from typing import Any

from pipeline.alerts.changes import StanceChange

# Slack's limits: a header's text 150 characters, a section's 3,000, a field's 2,000.
HEADER_MAX, SECTION_MAX = 150, 3000


def change_summary(change: StanceChange) -> str:
    """One line: who, on what, from which stance to which, when."""
    who = f"{change.actor_name} ({change.country})" if change.country else change.actor_name
    when = change.changed_on.isoformat() if change.changed_on else "undated"
    return f"{who} on {change.topic}: {change.previous_stance} -> {change.new_stance} ({when})"


def webhook_message(change: StanceChange) -> dict[str, Any]:
    """The JSON body posted for one change: `text` (what notifications and plain receivers
    show) and Block Kit blocks with the actor, topic, stances, date, evidence and article."""
    who = f"{change.actor_name} ({change.country})" if change.country else change.actor_name
    when = change.changed_on.isoformat() if change.changed_on else "undated"
    fields = [
        ("Actor", who),
        ("Topic", f"`{change.topic}`"),
        ("Stance", f"{change.previous_stance} -> {change.new_stance}"),
        ("Date", when),
    ]
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": _cut(f"Stance change: {who}", HEADER_MAX)},
        },
        {
            "type": "section",
            "fields": [
                {"type": "mrkdwn", "text": f"*{name}*\n{_escape(value)}"} for name, value in fields
            ],
        },
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": _cut(f">{_escape(change.evidence)}", SECTION_MAX)},
        },
    ]
    if change.doc_url:
        blocks.append(
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": f"<{_link(change.doc_url)}|article>"}],
            }
        )
    text = f"Stance change: {change_summary(change)}"
    if change.doc_url:
        text += f" {change.doc_url}"
    return {"text": text, "blocks": blocks}


def email_digest(
    changes: Sequence[StanceChange], sender: str, recipients: Sequence[str]
) -> EmailMessage:
    """One plain-text mail listing every change: summary, evidence quote, article URL."""
    message = EmailMessage()
    count = len(changes)
    message["Subject"] = f"[monitor] {count} stance change{'s' if count != 1 else ''}"
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    parts = []
    for number, change in enumerate(changes, start=1):
        lines = [f"{number}. {change_summary(change)}", f'   "{change.evidence}"']
        if change.doc_url:
            lines.append(f"   {change.doc_url}")
        parts.append("\n".join(lines))
    message.set_content("\n\n".join(parts) + "\n")
    return message


def _escape(text: str) -> str:
    """Escape what Slack's mrkdwn reads as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _link(url: str) -> str:
    """A URL safe inside <url|label>: the characters that would end it percent-encoded."""
    return url.replace("|", "%7C").replace("<", "%3C").replace(">", "%3E")


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
