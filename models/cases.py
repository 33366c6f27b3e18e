"""Cases (the record a contact opens) and their history of events."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, utcnow

class Case(Base):
    """The record a triaged contact opens: a complaint, a service request, a compliment,
    a comment, or an excluded matter with its signpost."""

    __tablename__ = "cases"
    # models.retention's query: closed cases not yet anonymised, by closing date, without a scan.
    __table_args__ = (Index("ix_cases_anonymised_at_closed_at", "anonymised_at", "closed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), unique=True)
    policy: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32), index=True)
    exclusion: Mapped[str | None] = mapped_column(String(32))
    stage: Mapped[int | None]  # the formal stage number (0 for an informal stage), for reports
    stage_key: Mapped[str | None] = mapped_column(String(16))  # the policy's stage: informal, stage_1...
    stage_requested_at: Mapped[datetime | None]  # when this stage was asked for: its clock starts here
    state: Mapped[str] = mapped_column(String(32), index=True)
    service_area: Mapped[str] = mapped_column(String(32), index=True)
    team: Mapped[str] = mapped_column(String(200))
    urgent: Mapped[bool] = mapped_column(default=False)
    summary: Mapped[str] = mapped_column(Text, default="")
    assigned_to: Mapped[str | None] = mapped_column(String(100))
    extensions: Mapped[int] = mapped_column(default=0, server_default="0")  # agreed at this stage
    outcome: Mapped[str | None] = mapped_column(String(32))  # of this stage's response
    # The one deadline the case is waiting on now (acknowledge or respond), kept beside the
    # case so the chaser's query is one indexed range scan, whatever the number open.
    deadline_kind: Mapped[str | None] = mapped_column(String(16))
    deadline_due: Mapped[date | None] = mapped_column(index=True)
    parent_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))  # the service request a complaint grew from
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))  # a duplicate: closed, its contact joined this case
    other_service_areas: Mapped[list[Any]] = mapped_column(default=list, server_default="[]")  # the lead team coordinates
    representative: Mapped[dict[str, Any] | None]  # who acts for the person, and their recorded consent
    adjustments: Mapped[list[Any]] = mapped_column(default=list, server_default="[]")  # reasonable adjustments asked for
    contact_restriction: Mapped[dict[str, Any] | None]  # unreasonable behaviour: how contact is limited, until when
    needs_review: Mapped[bool] = mapped_column(default=False, server_default=false())  # e.g. anonymous complaints
    tracking_code_hash: Mapped[str | None] = mapped_column(String(64))  # models.tracking: the resident's secret, hashed

    received_at: Mapped[datetime]
    acknowledgement_due: Mapped[date | None]
    acknowledged_at: Mapped[datetime | None]
    response_due: Mapped[date | None]
    responded_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    anonymised_at: Mapped[datetime | None]  # personal data removed by models.retention
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    events: Mapped[list[CaseEvent]] = relationship(
        back_populates="case", order_by="CaseEvent.id", cascade="all, delete-orphan"
    )


class CaseEvent(Base):
    """One change to a case: what happened, who or what did it, and when."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(100))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    at: Mapped[datetime] = mapped_column(default=utcnow)

    case: Mapped[Case] = relationship(back_populates="events")


class DeadlineChase(Base):
    """One reminder or missed-deadline escalation, recorded once: the chaser's memory, so
    running it twice sends nothing twice."""

    __tablename__ = "deadline_chases"
    __table_args__ = (UniqueConstraint("case_id", "stage_key", "deadline_kind", "due_on", "action",
                                       name="uq_deadline_chases_once"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    stage_key: Mapped[str] = mapped_column(String(16))
    deadline_kind: Mapped[str] = mapped_column(String(16))
    due_on: Mapped[date]
    action: Mapped[str] = mapped_column(String(16))  # reminder | missed
    at: Mapped[datetime] = mapped_column(default=utcnow)
