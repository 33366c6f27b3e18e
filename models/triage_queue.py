"""The triage officers' queue: contacts whose model decision waits for a person.

Urgent ones first, then the least confident, oldest first among equals. One indexed read
(`ix_triage_decisions_review_queue`) with a page of rows joined to their contact and case,
whatever the size of the rest of the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from models.cases import Case
from models.intake import Contact
from models.paging import PAGE_SIZE, Page, clamp
from models.staff import StaffUser
from models.triage import TriageDecision

PREVIEW_CHARS = 160


@dataclass(frozen=True)
class Filters:
    channel: str | None = None
    category: str | None = None
    service_area: str | None = None


@dataclass(frozen=True)
class QueueRow:
    reference: str
    channel: str
    received_at: datetime
    preview: str
    category: str
    exclusion: str | None
    service_area: str
    score: float | None
    urgent: bool



def _waiting(filters: Filters, *columns: Any) -> Select:  # type: ignore[type-arg]
    query = select(*columns).select_from(TriageDecision).where(TriageDecision.awaiting_review)
    if filters.channel:
        query = query.join(Contact, Contact.id == TriageDecision.contact_id).where(Contact.channel == filters.channel)
    if filters.category:
        query = query.where(TriageDecision.category == filters.category)
    if filters.service_area:
        query = query.where(TriageDecision.service_area == filters.service_area)
    return query


def awaiting_review(db: Session, filters: Filters = Filters(), page: int = 1) -> Page[QueueRow]:
    total = db.scalar(_waiting(filters, func.count())) or 0
    page, pages = clamp(total, page)
    ordered = (_waiting(filters, TriageDecision.id)
               .order_by(TriageDecision.urgent.desc(), TriageDecision.score, TriageDecision.id)  # the index's order
               .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE).subquery())
    query = (
        select(TriageDecision, Contact)
        .join(ordered, ordered.c.id == TriageDecision.id)
        .join(Contact, Contact.id == TriageDecision.contact_id)
        .order_by(TriageDecision.urgent.desc(), TriageDecision.score, TriageDecision.id)
    )
    rows = [
        QueueRow(reference=contact.reference or str(contact.id), channel=contact.channel,
                 received_at=contact.received_at, preview=" ".join((contact.text or "")[:PREVIEW_CHARS * 2].split())[:PREVIEW_CHARS],
                 category=decision.category, exclusion=decision.exclusion, service_area=decision.service_area,
                 score=decision.score, urgent=decision.urgent)
        for decision, contact in db.execute(query)
    ]
    return Page(rows, total, page, pages)


@dataclass(frozen=True)
class Review:
    """One contact as an officer reviews it: what came in, what was decided, and where it went."""

    contact: Contact
    decisions: list[TriageDecision]  # oldest first; the last is the current one
    case: Case | None
    merged_into: str | None  # the case reference a duplicate joined
    officers: dict[str, str]  # decided_by ("officer:<id>") to the officer's name

    @property
    def current(self) -> TriageDecision | None:
        return self.decisions[-1] if self.decisions else None


def review(db: Session, reference: str) -> Review | None:
    contact = db.scalar(select(Contact).where(Contact.reference == reference))
    if contact is None:
        return None
    decisions = list(db.scalars(select(TriageDecision).where(TriageDecision.contact_id == contact.id)
                                .order_by(TriageDecision.id)))
    case = db.scalar(select(Case).where(Case.contact_id == contact.id))
    merged_into = db.scalar(select(Case.reference).where(Case.id == case.merged_into_id)) if case and case.merged_into_id else None
    ids = {int(d.decided_by.removeprefix("officer:")) for d in decisions
           if d.decided_by.startswith("officer:") and d.decided_by.removeprefix("officer:").isdigit()}
    officers = {f"officer:{user_id}": name for user_id, name in
                db.execute(select(StaffUser.id, StaffUser.name).where(StaffUser.id.in_(ids)))} if ids else {}
    return Review(contact, decisions, case, merged_into, officers)
