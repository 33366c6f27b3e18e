"""RQ jobs: thin, idempotent steps that reload what they need and call the domain.

Names are stable (`heard.jobs.triage_contact`), arguments are ids. Running a job twice,
or again after a worker died half-way, finishes the work exactly once: every step checks
what is already recorded, and unique constraints catch a concurrent duplicate.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

import triage
from heard.config import settings
from heard.queue import enqueue_send
from models.base import utcnow
from models.chase import chase
from intake.mail import new_text
from models import Case, Contact, Notification, TriageDecision
from models.db import transaction
from models.intake import ContactState
from models.outbox import NotificationState
from models.policy import Policy, load_policy
from models.records import open_record
from models.acknowledgement import plan_acknowledgement
from notify.send import send_notification as send

log = logging.getLogger(__name__)

UNSENT = (NotificationState.PENDING.value, NotificationState.SENDING.value)


def current_policy() -> Policy:
    return load_policy(settings().council_policy)


def triage_contact(contact_id: int) -> str:
    """Classify a contact, open and route its record, and queue its acknowledgement."""
    policy = current_policy()
    try:
        notification_id = _triage_and_open(contact_id, policy)
    except IntegrityError:
        # A concurrent run of the same job committed first: its work stands.
        log.info("contact %s was triaged by a concurrent job", contact_id)
        notification_id = _pending_acknowledgement(contact_id)
    if notification_id is not None:
        enqueue_send(notification_id)
    return "triaged"


def _triage_and_open(contact_id: int, policy: Policy) -> int | None:
    with transaction() as db:
        contact = db.get(Contact, contact_id)
        if contact is None:
            raise LookupError(f"contact {contact_id} does not exist")
        if contact.state != ContactState.RECEIVED.value:
            return _pending_acknowledgement(contact_id, db)
        # Counted in its own transaction, so a contact that kills its worker every time
        # is noticed by the reconciler instead of being retried for ever.
        contact.triage_attempts += 1
    with transaction() as db:
        contact = db.get_one(Contact, contact_id)
        if contact.state != ContactState.RECEIVED.value:
            return _pending_acknowledgement(contact_id, db)
        if contact.channel == "email" and contact.triage_text is None:
            stripped = new_text(contact.text)
            contact.triage_text = stripped if stripped != contact.text else None
        result = triage.classify(triage.TriageInput(
            id=str(contact.id),
            text=contact.triage_text or contact.text,
            subject=contact.subject,
            channel=contact.channel,
            received_at=contact.received_at,
            declared_category=contact.declared_category,
            declared_service_area=contact.declared_service_area,
        ))
        decision = TriageDecision(
            contact_id=contact.id,
            category=result.category,
            exclusion=result.exclusion,
            service_area=result.service_area,
            confidence=result.confidence,
            flags=[asdict(flag) for flag in result.flags],
            signals=list(result.signals),
            decided_by=f"model:{result.model_version}",
            needs_review=result.needs_review,
            awaiting_review=result.needs_review or result.urgent,  # safeguarding always gets an officer's eyes
            urgent=result.urgent,
            score=min(result.confidence.values(), default=0.0),
        )
        db.add(decision)
        case = open_record(db, contact, decision, policy, urgent=result.urgent)
        db.flush()
        notification = plan_acknowledgement(db, case, contact)
        db.flush()
        return notification.id if notification else None


def _pending_acknowledgement(contact_id: int, db=None) -> int | None:  # type: ignore[no-untyped-def]
    """The acknowledgement still to send for an already-triaged contact, if any."""
    query = (
        select(Notification.id)
        .join(Case, Notification.case_id == Case.id)
        .where(Case.contact_id == contact_id, Notification.state.in_(UNSENT))
    )
    if db is not None:
        return db.scalar(query)
    with transaction() as session:
        return session.scalar(query)


def send_notification(notification_id: int) -> str:
    """Send one outbox row. A failure is recorded on the row, which the reconciler retries
    with backoff; RQ itself does not retry sends."""
    config = settings()
    return send(notification_id, current_policy(), config.smtp_url, config.mail_from)


def chase_deadlines(day: str) -> dict[str, int]:
    """One deadline chase for the council's date `day` (ISO); queues what it wrote."""
    policy = current_policy()
    for attempt in (1, 2):
        try:
            with transaction() as db:
                result = chase(db, policy, date.fromisoformat(day))
            break
        except IntegrityError:  # a concurrent pass recorded the same chase first; go again
            if attempt == 2:
                raise
    for notification_id in result.notifications:
        enqueue_send(notification_id)
    log.info("deadline chase for %s: %s reminders, %s missed", day, len(result.reminded), len(result.missed))
    return {"reminded": len(result.reminded), "missed": len(result.missed)}


def apply_retention(day: str) -> dict[str, int]:
    """Anonymise cases closed longer ago than the profile keeps them (`day` names the run;
    the cut-off is counted from now). Commits batch by batch."""
    from models.db import session
    from models.retention import anonymise_expired

    with session() as db:
        result = anonymise_expired(db, current_policy(), utcnow())
    log.info("retention run %s: %s", day, asdict(result))
    return {key: value for key, value in asdict(result).items() if isinstance(value, int)}
