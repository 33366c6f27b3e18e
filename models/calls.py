"""Phone calls in progress: each answer a caller gives, kept until the call becomes a contact."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class CallTurn(Base):
    """One answer (or silence) to one question of a Twilio call, stored the moment it arrives.

    A call's requests can reach any web process, so its answers live here rather than in
    memory. `(call_sid, step, attempt)` is unique: each question asked posts to its own
    URL, so Twilio re-posting the same step finds the row already here.
    """

    __tablename__ = "call_turns"
    __table_args__ = (UniqueConstraint("call_sid", "step", "attempt"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_sid: Mapped[str] = mapped_column(String(64))
    step: Mapped[str] = mapped_column(String(16))
    attempt: Mapped[int]
    speech: Mapped[str] = mapped_column(Text)  # "" when nothing was heard
    confidence: Mapped[float | None]  # Twilio's, 0 to 1, when it sent one
    body: Mapped[bytes] = mapped_column(LargeBinary)  # the request exactly as Twilio sent it
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)  # the abandoned-call sweep reads a range
