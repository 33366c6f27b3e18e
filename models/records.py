"""Opening the record a triaged contact calls for, routing it, and recording each step.

Pure domain over a session: the caller owns the transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from models.base import utcnow
from models.cases import Case, CaseEvent
from models.intake import Contact, ContactState
from models.policy import INFORMAL, Policy
from models.tracking import issue as issue_tracking_code
from models.triage import TriageDecision

SUMMARY_CHARS = 200
REFERENCE_DIGITS = 6  # the id's digits in a reference, zero-padded; longer ids are written in full


def reference_start(prefix: str, received_at: datetime) -> str:
    return f"{prefix}-{received_at.year}-"


def reference_for(start: str, contact_id: int) -> str:
    """The reference from its start ("HDC-2026-") and the contact's id."""
    return f"{start}{contact_id:0{REFERENCE_DIGITS}d}"


def make_reference(prefix: str, received_at: datetime, contact_id: int) -> str:
    """A human-readable reference such as HDC-2026-000123, unique because the id is."""
    return reference_for(reference_start(prefix, received_at), contact_id)


def stage_number(key: str | None) -> int | None:
    """The stage's number for reports: 0 for an informal stage, n for `stage_n`."""
    if key is None:
        return None
    return 0 if key == INFORMAL else int(key.removeprefix("stage_"))


def summarise(text: str) -> str:
    return " ".join(text.split())[:SUMMARY_CHARS]


class CaseState:
    OPEN = "open"  # opened, not yet acknowledged
    ACKNOWLEDGED = "acknowledged"
    RESPONDED = "responded"  # a complaint stage answered; it may be escalated or closed
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"


ACTOR_CHARS = CaseEvent.__table__.c.actor.type.length  # a longer name is cut, not refused


def record_event(db: Session, case: Case, kind: str, actor: str, detail: dict[str, Any] | None = None) -> CaseEvent:
    event = CaseEvent(case=case, kind=kind, actor=actor[:ACTOR_CHARS], detail=detail or {}, at=utcnow())
    db.add(event)
    return event


def open_record(db: Session, contact: Contact, decision: TriageDecision, policy: Policy, *, urgent: bool) -> Case:
    """Open the case for a contact's current decision and route it to the owning team."""
    kind = decision.category
    area = policy.service_areas[decision.service_area]
    case = Case(
        reference=contact.reference,
        contact_id=contact.id,
        policy=policy.profile,
        kind=kind,
        exclusion=decision.exclusion,
        stage=stage_number(policy.first_stage) if kind == "complaint" else None,
        stage_key=policy.first_stage if kind == "complaint" else None,
        stage_requested_at=contact.received_at if kind == "complaint" else None,
        state=CaseState.OPEN,
        service_area=decision.service_area,
        team=area.team,
        urgent=urgent,
        summary=summarise(contact.text),
        received_at=contact.received_at,
        acknowledgement_due=None if contact.anonymous else policy.acknowledgement_due(kind, contact.received_at),
        needs_review=contact.anonymous and kind == "complaint",
    )
    case.deadline_kind = "acknowledge" if case.acknowledgement_due else None
    case.deadline_due = case.acknowledgement_due
    issue_tracking_code(case)  # the plain code goes only into the acknowledgement
    db.add(case)
    actor = decision.decided_by
    record_event(db, case, "opened", actor, {"kind": kind, "exclusion": decision.exclusion,
                                             "confidence": decision.confidence, "needs_review": decision.needs_review})
    record_event(db, case, "routed", actor, {"service_area": decision.service_area, "team": area.team})
    if urgent:
        reasons = [flag["reason"] for flag in decision.flags if flag.get("name") == "urgent"]
        record_event(db, case, "flagged_urgent", actor, {"reasons": reasons})
    if contact.anonymous:
        record_event(db, case, "not_acknowledged", "system", {"reason": "anonymous: no contact details given",
                                                             "flagged_for_review": case.needs_review})
    contact.state = ContactState.TRIAGED.value
    return case
