"""The generic voice-bot transcript webhook: any voice platform posts a finished call's
transcript here, signed the Standard Webhooks way.

Authenticity: `webhook-id`, `webhook-timestamp` and `webhook-signature` headers, an
HMAC-SHA256 over `{id}.{timestamp}.{raw body}` with a shared `whsec_` secret, checked by
the `standardwebhooks` library, which refuses timestamps more than five minutes away.
Idempotency: one contact per `(platform, call_id)`, so a retried or replayed delivery
of the same call changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from heard.queue import enqueue_triage
from intake.phone import e164
from intake.store import Received, Stored, store
from models.policy import Policy

CHANNEL = "voice"
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
SPOKEN_EMAIL = re.compile(r"\b((?:[a-z0-9_-]+ dot )*[a-z0-9._-]+) at ([a-z0-9-]+(?: dot [a-z0-9-]+)+)\b", re.I)
REFERENCE = re.compile(r"\b(?:HDC|HART)[- ]?\d{4}[- ]?\d{6}\b", re.I)


class Segment(BaseModel):
    model_config = ConfigDict(extra="ignore")
    speaker: Literal["caller", "bot", "agent"]
    text: str = Field(max_length=20_000)
    start_ms: int | None = Field(default=None, ge=0)
    end_ms: int | None = Field(default=None, ge=0)
    confidence: float | None = Field(default=None, ge=0, le=1)


class Transcript(BaseModel):
    model_config = ConfigDict(extra="ignore")
    segments: list[Segment] = Field(max_length=2000)


class CallData(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)
    platform: str = Field(min_length=1, max_length=64)
    call_id: str = Field(min_length=1, max_length=128)
    caller: str | None = Field(default=None, alias="from", max_length=64)
    to: str | None = Field(default=None, max_length=64)
    started_at: datetime | None = None
    ended_at: datetime | None = None
    ended_by: Literal["caller", "bot", "agent", "error"] | None = None
    language: str | None = Field(default=None, max_length=35)
    transcript: Transcript


class TranscriptEvent(BaseModel):
    """What a platform posts; unknown fields are ignored, as platforms add them."""

    model_config = ConfigDict(extra="ignore")
    type: Literal["call.transcript.completed"]
    timestamp: datetime | None = None
    data: CallData


class Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


@dataclass(frozen=True)
class Accepted:
    stored: Stored
    event_id: str


def verify(secret: str | None, body: bytes, headers: dict[str, str]) -> TranscriptEvent:
    """Check the signature, then the payload. Raises Refused with the HTTP status to give."""
    if not secret:
        raise Refused(403, "this endpoint is not configured with a signing secret")
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(400, "the body is not UTF-8") from None
    try:
        Webhook(secret).verify(body, headers, json_parse=False)
    except (WebhookVerificationError, ValueError, IndexError) as exc:
        raise Refused(403, f"signature refused: {exc}") from None
    try:
        return TranscriptEvent.model_validate_json(body)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:10])
        raise Refused(400, f"not a transcript event: {problems}") from None


def caller_text(event: TranscriptEvent) -> str:
    """What the caller said, turn by turn, as triage reads voice contacts."""
    return " | ".join(s.text.strip() for s in event.data.transcript.segments if s.speaker == "caller" and s.text.strip())


def spoken_email(text: str) -> str | None:
    """An email address the caller gave, written ("a@b.org") or spoken ("ann at example dot org")."""
    written = EMAIL.search(text)
    if written:
        return written.group(0).lower()
    spoken = SPOKEN_EMAIL.search(text)
    if spoken:
        return f"{spoken.group(1)}@{spoken.group(2)}".replace(" dot ", ".").lower()
    return None


def accept(event: TranscriptEvent, body: bytes, event_id: str, policy: Policy) -> Accepted:
    data = event.data
    text = caller_text(event)
    whole = " ".join(s.text for s in data.transcript.segments)
    flags = ["no_caller_speech"] if not text else []
    if data.ended_by == "caller":
        flags.append("caller_hung_up")
    references = REFERENCE.findall(whole)
    received = Received(
        channel=CHANNEL,
        provider_id=f"{data.platform}:{data.call_id}"[:255],
        content_type="application/json",
        body=body,
        text=text,
        received_at=(data.ended_at or datetime.now(timezone.utc)).astimezone(timezone.utc),
        flags=tuple(flags),
        fields={
            "sender_phone": e164(data.caller),
            "sender_email": spoken_email(text),
            "preferred_contact": "phone",
            "thread_refs": {"platform": data.platform, "call_id": data.call_id, "webhook_id": event_id,
                            "references_spoken": references, "language": data.language},
        },
    )
    stored = store(received, policy)
    if stored.created:
        enqueue_triage(stored.contact_id)
    return Accepted(stored, event_id)
