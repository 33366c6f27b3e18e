"""Text messages to the council's number, delivered by Twilio's messaging webhook.

Authenticity is Twilio's own `X-Twilio-Signature`, checked with the twilio library's
`RequestValidator` over the public URL and the form parameters exactly as Twilio sent
them. Its HMAC covers no timestamp, so replay safety comes from idempotency: one contact
per `MessageSid`, whatever number of times it arrives.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from twilio.request_validator import RequestValidator

from heard.queue import enqueue_triage
from intake.phone import e164
from intake.store import Received, Stored, store
from models.policy import Policy

CHANNEL = "sms"
MAX_BODY = 1600  # Twilio's own limit for one message


class Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def verify(token: str | None, url: str, params: Any, signature: str | None) -> None:
    """Raise Refused(403) unless Twilio signed this URL and these parameters."""
    if not token or not signature:
        raise Refused(403, "missing Twilio signature or no auth token configured")
    if not RequestValidator(token).validate(url, params, signature):
        raise Refused(403, "Twilio signature does not match")


def accept(params: Mapping[str, str], raw: bytes, policy: Policy) -> Stored:
    sid = params.get("MessageSid") or params.get("SmsSid") or ""
    if not sid.startswith(("SM", "MM")) or len(sid) > 64:
        raise Refused(400, "MessageSid missing or not a Twilio message id")
    body = params.get("Body", "")
    media = []
    try:
        count = min(int(params.get("NumMedia", "0") or 0), 10)
    except ValueError:
        count = 0
    for n in range(count):  # listed, never fetched: the URLs are the provider's, not ours to follow
        media.append({"filename": f"media-{n}", "content_type": params.get(f"MediaContentType{n}", "unknown"), "size": 0,
                      "url": params.get(f"MediaUrl{n}", "")[:500]})
    received = Received(
        channel=CHANNEL,
        provider_id=sid,
        content_type="application/x-www-form-urlencoded",
        body=raw,
        text=body[:MAX_BODY],
        received_at=datetime.now(timezone.utc),
        flags=("truncated",) if len(body) > MAX_BODY else (),
        fields={"sender_phone": e164(params.get("From")), "preferred_contact": "sms", "attachments": media,
                "thread_refs": {"message_sid": sid, "to": params.get("To")}},
    )
    stored = store(received, policy)
    if stored.created:
        enqueue_triage(stored.contact_id)
    return stored
