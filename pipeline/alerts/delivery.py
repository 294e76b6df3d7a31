"""Delivery I/O: POST a JSON body to the webhook, send a mail through the SMTP server.

Each call raises DeliveryError (saying what failed and why) or returns when the receiver
accepted the message; the caller records either outcome.
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit

import httpx

from pipeline.errors import MonitorError


class DeliveryError(MonitorError):
    """An alert was not accepted by its receiver."""


def webhook_label(url: str) -> str:
    """The webhook as logs and errors name it: scheme and host only (a Slack webhook's path
    is its secret)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else "(invalid webhook URL)"


def post_webhook(url: str, body: dict[str, Any], timeout: float) -> None:
    """POST `body` as JSON; any 2xx answer is an acceptance."""
    try:
        response = httpx.post(url, json=body, timeout=timeout, follow_redirects=False)
    except (httpx.HTTPError, ValueError) as err:
        raise DeliveryError(f"webhook {webhook_label(url)}: {type(err).__name__}: {err}") from err
    if not 200 <= response.status_code < 300:
        raise DeliveryError(
            f"webhook {webhook_label(url)}: answered HTTP {response.status_code}"
            f" {response.text[:200]!r}"
        )


def send_mail(message: EmailMessage, host: str, port: int, timeout: float) -> None:
    """Send one message through the SMTP server at host:port."""
    try:
        with smtplib.SMTP(host, port, timeout=timeout) as smtp:
            refused = smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as err:
        raise DeliveryError(f"SMTP {host}:{port}: {type(err).__name__}: {err}") from err
    if refused:
        raise DeliveryError(f"SMTP {host}:{port}: recipients refused: {sorted(refused)}")
