"""The outbox: every message Heard sends is a row here before a job sends it."""

from __future__ import annotations

import enum
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class NotificationState(str, enum.Enum):
    PENDING = "pending"  # written, not yet tried
    SENDING = "sending"  # a job has started a send attempt
    SENT = "sent"
    FAILED = "failed"  # gave up after MAX_ATTEMPTS; shows on /healthz


MAX_ATTEMPTS = 12
BACKOFF_SECONDS = (30, 120, 600, 1800, 3600, 3 * 3600, 6 * 3600)


def backoff(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failure: 30 s rising to 6 h (about a day in all)."""
    return timedelta(seconds=BACKOFF_SECONDS[min(attempts, len(BACKOFF_SECONDS)) - 1])


def reach(email: str | None, phone: str | None, only: str | None = None) -> tuple[str, str] | None:
    """How a person is written to, as (channel, recipient): by email when there is an
    address, otherwise by text to an E.164 number (texts and calls are answered by text).
    `only` keeps to one channel, as a contact restriction may. None: nobody to write to."""
    if email and only in (None, "email"):
        return "email", email
    if phone and phone.startswith("+") and only in (None, "sms"):
        return "sms", phone
    return None


class Notification(Base):
    """One message to one person for one purpose.

    Unique per case and purpose, so a retried triage job can never queue a second
    acknowledgement for the same case.
    """

    __tablename__ = "notifications"
    __table_args__ = (UniqueConstraint("case_id", "purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(80))
    channel: Mapped[str] = mapped_column(String(16))
    recipient: Mapped[str] = mapped_column(String(320))
    template: Mapped[str] = mapped_column(String(64))
    context: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")  # what the template says beyond the case
    state: Mapped[str] = mapped_column(String(16), default=NotificationState.PENDING.value, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    provider_id: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    # When the reconciler may try again after a failed attempt; backoff lives here, in the
    # database, so it survives Redis being emptied.
    next_attempt_at: Mapped[datetime | None] = mapped_column(index=True)
