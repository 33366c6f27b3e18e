"""Triage decisions: what a contact was judged to be, by which model version or officer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class TriageDecision(Base):
    """One decision about one contact. Corrections add a row; none is ever overwritten.

    The officers' queue is the decisions `awaiting_review`: the model's low-confidence or
    urgent ones that no officer has looked at yet. `urgent` and `score` (the lowest of the
    confidences) are kept as columns so the queue is one indexed read, however many wait.
    """

    __tablename__ = "triage_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    category: Mapped[str] = mapped_column(String(32))
    exclusion: Mapped[str | None] = mapped_column(String(32))
    service_area: Mapped[str] = mapped_column(String(32))
    confidence: Mapped[dict[str, Any]] = mapped_column(default=dict)
    flags: Mapped[list[Any]] = mapped_column(default=list)
    signals: Mapped[list[Any]] = mapped_column(default=list)
    decided_by: Mapped[str] = mapped_column(String(100))  # "model:<name>@<version>" or "officer:<id>"
    needs_review: Mapped[bool] = mapped_column(default=False)
    awaiting_review: Mapped[bool] = mapped_column(default=False, server_default=false())
    urgent: Mapped[bool] = mapped_column(default=False, server_default=false())
    score: Mapped[float | None] = mapped_column(Float)
    reason: Mapped[str | None] = mapped_column(Text)  # why an officer decided otherwise
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("triage_decisions.id"))  # the decision reviewed
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)


# The queue's order, kept by a partial index of only the decisions waiting: the first page is
# read from its head and a count scans only those entries, however many have been reviewed.
Index("ix_triage_decisions_review_queue", TriageDecision.urgent.desc(), TriageDecision.score, TriageDecision.id,
      postgresql_where=TriageDecision.awaiting_review, sqlite_where=TriageDecision.awaiting_review)
