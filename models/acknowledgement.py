"""Deciding whether and how a new case is acknowledged, as an outbox row."""

from __future__ import annotations

from sqlalchemy.orm import Session

from models.cases import Case
from models.intake import Contact
from models.lifecycle import tell_complainant
from models.outbox import Notification
from models.tracking import take_plain_code

PURPOSE = "acknowledgement"


def template_for(kind: str) -> str:
    return {
        "complaint": "ack_complaint",
        "service_request": "ack_service_request",
        "compliment": "ack_feedback",
        "comment": "ack_feedback",
        "excluded": "ack_excluded",
    }[kind]


def plan_acknowledgement(db: Session, case: Case, contact: Contact) -> Notification | None:
    """Write the acknowledgement to the outbox, or return None when nobody can be told.

    On the person's own channel (`models.outbox.reach`); anonymous contacts are never
    acknowledged. The unique (case, purpose) constraint
    means a retried triage job cannot plan a second one. The case's tracking code, issued
    in this transaction, travels in the row's context: the acknowledgement is the only
    place a resident learns it, and the send clears it from the row.
    """
    return tell_complainant(db, case, contact, PURPOSE, template_for(case.kind), _tracking(case))


def _tracking(case: Case) -> dict[str, str]:
    code = take_plain_code(case)
    return {"tracking_code": code} if code else {}
