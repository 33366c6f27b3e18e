"""Triage decisions: what a contact was judged to be, by which model version or officer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class TriageDecision(Base):
    """One decision about one contact. Corrections add a row; none is ever overwritten."""

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
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
