"""What a triage officer decides about a contact: confirm or correct the model, merge a
duplicate into the case it repeats, or split off a second matter as a case of its own.

Every decision is a new `TriageDecision` row with the officer and their reason (the
model's row is never changed, only taken out of the queue), and every change to a case is
a case event. A corrected decision is what `heard triage train --with-corrections` learns
from. Pure domain over a session: the caller owns the transaction.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.base import utcnow
from models.cases import Case
from models.intake import Contact, ContactState, RawMessage
from models.lifecycle import Actor, LifecycleError, tell_complainant
from models.outbox import Notification, NotificationState
from models.acknowledgement import PURPOSE, plan_acknowledgement, template_for
from models.policy import CATEGORIES, EXCLUSIONS, SERVICE_AREAS, Policy
from models.records import CaseState, make_reference, open_record, record_event, stage_number
from models.triage import TriageDecision

ACKNOWLEDGEMENT = PURPOSE
MAX_REASON = 2000
MAX_SPLIT_TEXT = 20_000


@dataclass(frozen=True)
class Labels:
    """The three labels of the label contract, as an officer chose them."""

    category: str
    exclusion: str | None
    service_area: str

    def check(self, policy: Policy) -> None:
        if self.category not in CATEGORIES:
            raise LifecycleError(f"category must be one of {', '.join(CATEGORIES)}")
        if self.category == "excluded":
            if self.exclusion not in EXCLUSIONS:
                raise LifecycleError("an excluded matter needs the reason it is excluded")
        elif self.exclusion:
            raise LifecycleError("only an excluded matter has an exclusion reason")
        if self.service_area not in SERVICE_AREAS or self.service_area not in policy.service_areas:
            raise LifecycleError(f"no service area {self.service_area!r} in this council's profile")


@dataclass(frozen=True)
class Officer:
    """The member of staff deciding: their account id goes on the decision, their name on
    the case history."""

    id: int
    name: str

    @property
    def decided_by(self) -> str:
        return f"officer:{self.id}"

    @property
    def actor(self) -> Actor:
        return Actor(self.name)


def current_decision(db: Session, contact_id: int) -> TriageDecision | None:
    return db.scalar(select(TriageDecision).where(TriageDecision.contact_id == contact_id)
                     .order_by(TriageDecision.id.desc()).limit(1))


def case_for(db: Session, contact: Contact) -> Case | None:
    return db.scalar(select(Case).where(Case.contact_id == contact.id))


def _reason(reason: str, *, required: bool) -> str:
    reason = " ".join(reason.split())
    if required and not reason:
        raise LifecycleError("give a reason: it is kept with the decision and teaches the model")
    if len(reason) > MAX_REASON:
        raise LifecycleError(f"keep the reason under {MAX_REASON} characters")
    return reason


def _correctable(case: Case) -> None:
    if case.merged_into_id is not None:
        raise LifecycleError(f"{case.reference} was merged as a duplicate; work on the case it joined")
    if case.state not in (CaseState.OPEN, CaseState.ACKNOWLEDGED) or case.responded_at is not None:
        raise LifecycleError(f"{case.reference} is {case.state}: it has moved past triage, so its record stands; "
                             "a new matter is a new contact or a complaint raised from it")


def _record_decision(db: Session, contact: Contact, labels: Labels, officer: Officer, reason: str,
                     reviewed: TriageDecision | None) -> TriageDecision:
    if reviewed is not None:
        reviewed.awaiting_review = False  # out of the queue; its labels are never changed
    decision = TriageDecision(
        contact_id=contact.id, category=labels.category, exclusion=labels.exclusion,
        service_area=labels.service_area, confidence={}, flags=list(reviewed.flags) if reviewed else [],
        signals=[f"officer: {reason}"] if reason else ["officer confirmed"], decided_by=officer.decided_by,
        needs_review=False, awaiting_review=False, urgent=reviewed.urgent if reviewed else False, score=1.0,
        reason=reason or None, corrects_id=reviewed.id if reviewed else None,
    )
    db.add(decision)
    return decision


def decide(db: Session, contact: Contact, policy: Policy, labels: Labels, *, reason: str,
           officer: Officer) -> TriageDecision:
    """Confirm the model's labels (no reason needed) or correct them (a reason is), and bring
    the contact's case into line: a new kind re-opens the record as that kind with its clock
    from the original receipt, a new service area routes it to that team."""
    labels.check(policy)
    previous = current_decision(db, contact.id)
    case = case_for(db, contact)
    if previous is None or case is None:
        raise LifecycleError(f"{contact.reference} has not been triaged yet; it joins the queue once it has")
    changed = (labels.category, labels.exclusion, labels.service_area) != (
        previous.category, previous.exclusion, previous.service_area)
    reason = _reason(reason, required=changed)
    if changed:
        _correctable(case)
    decision = _record_decision(db, contact, labels, officer, reason, previous)
    if not changed:
        record_event(db, case, "triage_confirmed", officer.actor.name, {"decision": "confirmed"})
        return decision
    if labels.service_area != case.service_area:
        _reroute(db, case, policy, labels.service_area, officer, reason)
    if (labels.category, labels.exclusion) != (case.kind, case.exclusion):
        _rekind(db, case, contact, policy, labels, officer, reason)
    return decision


def _reroute(db: Session, case: Case, policy: Policy, area: str, officer: Officer, reason: str) -> None:
    team = policy.service_areas[area].team
    record_event(db, case, "rerouted", officer.actor.name, {"from": case.service_area, "to": area, "team": team,
                                                            "reason": reason})
    case.service_area, case.team, case.assigned_to = area, team, None
    case.other_service_areas = [a for a in (case.other_service_areas or []) if a != area]


def _rekind(db: Session, case: Case, contact: Contact, policy: Policy, labels: Labels, officer: Officer,
            reason: str) -> None:
    """The record was opened as the wrong kind: make it the right one, as if it had been
    from the start. Its clocks count from the original receipt, so a complaint found late
    may already be due; the chaser then says so rather than the council quietly resetting it."""
    was = {"kind": case.kind, "exclusion": case.exclusion}
    kind = labels.category
    complaint = kind == "complaint"
    case.kind, case.exclusion = kind, labels.exclusion
    case.stage_key = policy.first_stage if complaint else None
    case.stage = stage_number(case.stage_key)
    case.stage_requested_at = contact.received_at if complaint else None
    case.extensions, case.response_due, case.assigned_to = 0, None, None
    case.needs_review = contact.anonymous and complaint
    acknowledgement = db.scalar(select(Notification).where(Notification.case_id == case.id,
                                                          Notification.purpose == ACKNOWLEDGEMENT))
    told = case.state == CaseState.ACKNOWLEDGED or (
        acknowledgement is not None and acknowledgement.state != NotificationState.PENDING.value)
    case.state, case.acknowledged_at = CaseState.OPEN, None
    case.acknowledgement_due = None if contact.anonymous else policy.acknowledgement_due(kind, contact.received_at)
    case.deadline_kind = "acknowledge" if case.acknowledgement_due else None
    case.deadline_due = case.acknowledgement_due
    record_event(db, case, "reclassified", officer.actor.name, {"from": was, "to": {"kind": kind,
                                                                                   "exclusion": labels.exclusion},
                                                                "reason": reason})
    if acknowledgement is not None and not told:
        acknowledgement.template = template_for(kind)  # not sent yet: it goes out as the right kind
        return
    count = sum(1 for event in case.events if event.kind == "reclassified")
    tell_complainant(db, case, contact, f"{ACKNOWLEDGEMENT}:corrected:{count}", template_for(kind), {"corrected": True})


def merge(db: Session, contact: Contact, into_reference: str, policy: Policy, *, reason: str,
          officer: Officer) -> Case:
    """The contact repeats an open case: its own record closes as a duplicate and the contact
    joins that case's history, where the owning team sees it."""
    reason = _reason(reason, required=False)
    case = case_for(db, contact)
    if case is None:
        raise LifecycleError(f"{contact.reference} has not been triaged yet")
    target = db.scalar(select(Case).where(Case.reference == into_reference.strip().upper()))
    if target is None:
        raise LifecycleError(f"no case {into_reference.strip()[:40]}")
    if target.id == case.id:
        raise LifecycleError("a case cannot be merged into itself")
    if target.merged_into_id is not None:
        raise LifecycleError(f"{target.reference} was itself merged as a duplicate; merge into the case it joined")
    if target.state not in (CaseState.OPEN, CaseState.ACKNOWLEDGED, CaseState.RESPONDED):
        raise LifecycleError(f"{target.reference} is {target.state}; a new contact about a closed matter stays a case of its own")
    _correctable(case)
    previous = current_decision(db, contact.id)
    labels = Labels(target.kind, target.exclusion, target.service_area)
    _record_decision(db, contact, labels, officer, reason or f"duplicate of {target.reference}", previous)
    now = utcnow()
    case.merged_into_id = target.id
    case.state, case.closed_at, case.deadline_kind, case.deadline_due = CaseState.CLOSED, now, None, None
    record_event(db, case, "merged_into", officer.actor.name, {"into": target.reference, "reason": reason})
    record_event(db, target, "merged", officer.actor.name, {"contact": contact.reference, "case": case.reference,
                                                            "reason": reason})
    pending = db.scalar(select(Notification).where(Notification.case_id == case.id,
                                                   Notification.purpose == ACKNOWLEDGEMENT,
                                                   Notification.state == NotificationState.PENDING.value))
    if pending is not None:
        db.delete(pending)  # never sent: the resident hears about the case it joined instead
    contact.case_id = target.id
    contact.state = ContactState.CORRESPONDENCE.value
    return target


def split(db: Session, contact: Contact, policy: Policy, labels: Labels, *, text: str, reason: str,
          officer: Officer) -> Case:
    """The contact raises a second matter: record it as a contact of its own (the officer's
    words for it, kept as its raw message) and open its case, with its clock from the
    original receipt. The resident is acknowledged with the new reference."""
    labels.check(policy)
    reason = _reason(reason, required=False)
    text = text.strip()
    if not text:
        raise LifecycleError("say what the second matter is: it becomes the new case's text")
    if len(text) > MAX_SPLIT_TEXT:
        raise LifecycleError(f"keep the second matter under {MAX_SPLIT_TEXT} characters")
    original = case_for(db, contact)
    if original is None:
        raise LifecycleError(f"{contact.reference} has not been triaged yet")
    count = 1 + len([e for e in original.events if e.kind == "split"])
    body = text.encode("utf-8")
    raw = RawMessage(channel=contact.channel, provider_id=f"split:{contact.id}:{count}",
                     content_type="text/plain; charset=utf-8", body=body, size=len(body),
                     digest=hashlib.sha256(body).hexdigest(), flags=["split"], received_at=contact.received_at)
    second = Contact(
        raw_message=raw, channel=contact.channel, received_at=contact.received_at, text=text,
        sender_name=contact.sender_name, sender_email=contact.sender_email, sender_phone=contact.sender_phone,
        sender_handle=contact.sender_handle, anonymous=contact.anonymous,
        preferred_contact=contact.preferred_contact, subject=contact.subject,
        thread_refs={"split_from": contact.reference}, representative=contact.representative,
        represented_person=contact.represented_person,
        representative_relationship=contact.representative_relationship,
        representative_consent=contact.representative_consent, adjustments=contact.adjustments,
    )
    db.add(second)
    db.flush()
    second.reference = make_reference(policy.council.reference_prefix, contact.received_at, second.id)
    decision = _record_decision(db, second, labels, officer, reason or f"split from {contact.reference}", None)
    db.flush()
    case = open_record(db, second, decision, policy, urgent=False)
    db.flush()
    record_event(db, original, "split", officer.actor.name, {"into": case.reference, "reason": reason})
    record_event(db, case, "split_from", officer.actor.name, {"case": original.reference, "contact": contact.reference})
    plan_acknowledgement(db, case, second)
    return case
