"""The complaint lifecycle as explicit states and transitions, driven by the policy profile.

Each transition checks it is allowed, changes the case, records a case event saying who
did it, keeps `deadline_kind`/`deadline_due` (what the chaser watches) true, and writes any
message the complainant is owed to the outbox. Pure domain over a session: the caller owns
the transaction, and nothing here sends anything.

States of a stage (a complaint moves through them once per stage):

    open --acknowledge--> acknowledged --respond--> responded --close--> closed
      |                      |  ^ extend                |
      |                      |  +------+                +--escalate--> open (next stage, fresh clock)
      +------ withdraw ------+--------------------------+--> withdrawn

After the final stage's response the complainant is pointed to the Ombudsman, and the same
matter is never reopened. Other kinds of case (service requests, compliments, comments,
excluded matters) use open, acknowledged and closed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from models.cases import Case
from models.intake import Contact
from models.outbox import Notification, NotificationState, reach
from models.policy import INFORMAL, UK, Policy
from models import records
from models.records import CaseState, record_event, stage_number, summarise


class LifecycleError(ValueError):
    """A transition the policy or the procedure does not allow; the message says why."""


class UnknownReference(LifecycleError):
    """No case or contact has the reference given."""


@dataclass(frozen=True)
class Actor:
    """Who did something: a member of staff by name, or a part of Heard ("system:chase")."""

    name: str

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise LifecycleError("every step is recorded with who did it; no name was given")


ACTIVE = (CaseState.OPEN, CaseState.ACKNOWLEDGED, CaseState.RESPONDED)


def _day(moment: datetime) -> date:
    return moment.astimezone(UK).date()


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise LifecycleError(message)


def _set_deadline(case: Case, kind: str | None, due: date | None) -> None:
    case.deadline_kind, case.deadline_due = (kind, due) if due is not None else (None, None)


def _stage_events(case: Case, kind: str, stage_key: str) -> list[Any]:
    return [event for event in case.events if event.kind == kind and event.detail.get("stage") == stage_key]


def stage_responder(case: Case, stage_key: str) -> str | None:
    """Who answered a stage: the person the stage after it must not be investigated by."""
    responses = _stage_events(case, "responded", stage_key)
    return responses[-1].detail.get("responder") if responses else None


def tell_complainant(db: Session, case: Case, contact: Contact, purpose: str, template: str,
                     context: dict[str, Any]) -> Notification | None:
    """Write a message to the complainant (or their representative) to the outbox, on their
    own channel, once per purpose. None when there is nobody to tell."""
    email = (case.representative or {}).get("email") or contact.sender_email
    reached = None if contact.anonymous else reach(email, contact.sender_phone, (case.contact_restriction or {}).get("channel"))
    if reached is None:
        return None
    channel, recipient = reached
    existing = db.query(Notification).filter_by(case_id=case.id, purpose=purpose).one_or_none()
    if existing is not None:
        return existing
    notification = Notification(case_id=case.id, purpose=purpose, channel=channel, recipient=recipient,
                                template=template, context=context, state=NotificationState.PENDING.value)
    db.add(notification)
    return notification


# --- acknowledging and assigning -----------------------------------------------------------

def acknowledge(db: Session, case: Case, policy: Policy, *, at: datetime, actor: Actor, channel: str) -> date | None:
    """Record that the person has been told, with the date they will hear by; start the
    response clock the profile says."""
    _require(case.state == CaseState.OPEN, f"{case.reference} is {case.state}, not waiting for an acknowledgement")
    acknowledged_on = _day(at)
    case.acknowledged_at = at
    if case.kind == "complaint" and case.stage_key:
        requested_on = _day(case.stage_requested_at or case.received_at)
        case.response_due = policy.stage_response_due(case.stage_key, requested_on, acknowledged_on)
    else:
        case.response_due = policy.response_due(case.kind, case.received_at, acknowledged_on)
    case.state = CaseState.ACKNOWLEDGED
    if case.response_due is not None:
        _set_deadline(case, "respond", case.response_due)
    else:
        _set_deadline(case, None, None)
    record_event(db, case, "acknowledged", actor.name, {
        "channel": channel, "stage": case.stage_key,
        "response_due": case.response_due.isoformat() if case.response_due else None})
    return case.response_due


def assign(db: Session, case: Case, policy: Policy, *, to: str, actor: Actor) -> None:
    """Give the case to the officer who will investigate this stage."""
    _require(case.state in ACTIVE, f"{case.reference} is {case.state}; only an open case can be assigned")
    _require(bool(to.strip()), "say who the case is assigned to")
    if case.kind == "complaint" and case.stage_key:
        previous = _previous_stage(policy, case.stage_key)
        if previous is not None:
            responder = stage_responder(case, previous)
            _require(responder is None or responder.casefold() != to.strip().casefold(),
                     f"{to} answered {policy.stages[previous].name}; {policy.stages[case.stage_key].name} "
                     "must be investigated by someone else")
    case.assigned_to = to.strip()
    record_event(db, case, "assigned", actor.name, {"to": case.assigned_to, "stage": case.stage_key})


def _previous_stage(policy: Policy, key: str) -> str | None:
    order = list(policy.stages)
    position = order.index(key)
    return order[position - 1] if position > 0 else None


# --- extensions ------------------------------------------------------------------------------

def extend(db: Session, case: Case, contact: Contact, policy: Policy, *, new_due: date, reason: str,
           complainant_agreed: bool, actor: Actor) -> None:
    """Move the response date, within the stage's extension rules, and tell the complainant."""
    _require(case.kind == "complaint" and case.stage_key is not None, "only a complaint's response date can be extended")
    _require(case.state == CaseState.ACKNOWLEDGED and case.response_due is not None,
             f"{case.reference} is {case.state}; only an acknowledged complaint awaiting its response can be extended")
    assert case.stage_key is not None
    stage = policy.stages[case.stage_key]
    rule = stage.extension
    _require(rule is not None, f"{policy.council.short_name}'s {stage.name} is never extended")
    assert rule is not None and case.response_due is not None
    _require(bool(reason.strip()), "an extension needs its reason, which the complainant is told")
    _require(new_due > case.response_due, f"the new date must be after the current one ({case.response_due.isoformat()})")
    _require(policy.calendar().is_working_day(new_due), f"{new_due.isoformat()} is not a working day")
    if rule.max_times is not None:
        _require(case.extensions < rule.max_times,
                 f"{stage.name} may be extended {rule.max_times} time(s) at most; it already has been")
    original = _original_response_due(case)
    limit = policy.latest_extended_response(case.stage_key, original)
    if limit is not None:
        _require(new_due <= limit, f"{stage.name} may be extended to {limit.isoformat()} at the latest "
                                   f"({rule.max_working_days} working days after {original.isoformat()})")
    if rule.complainant == "agrees":
        _require(complainant_agreed, f"{policy.council.short_name}'s policy has the complainant agree an extension; "
                                     "record that they agreed")
    previous = case.response_due
    case.response_due = new_due
    case.extensions += 1
    _set_deadline(case, "respond", new_due)
    record_event(db, case, "extended", actor.name, {
        "stage": case.stage_key, "from": previous.isoformat(), "to": new_due.isoformat(), "reason": reason.strip(),
        "complainant_agreed": complainant_agreed, "count": case.extensions})
    tell_complainant(db, case, contact, f"extension:{case.stage_key}:{case.extensions}", "extension",
                     {"stage": case.stage_key, "new_due": new_due.isoformat(), "reason": reason.strip()})


def _original_response_due(case: Case) -> date:
    """The response date before any extension at this stage."""
    extensions = _stage_events(case, "extended", case.stage_key or "")
    if extensions:
        return date.fromisoformat(extensions[0].detail["from"])
    assert case.response_due is not None
    return case.response_due


# --- responding, escalating, closing --------------------------------------------------------

def respond(db: Session, case: Case, contact: Contact, policy: Policy, *, outcome: str, reasons: str,
            responder: str, at: datetime, actor: Actor, actions: str = "", letter: str = "") -> None:
    """Record the stage's response: an outcome with its reasons, and any actions promised
    (the improvements reports list against upheld complaints). `letter`, when written, is
    the response's own words: the letter's body in place of the reasons."""
    _require(case.kind == "complaint" and case.stage_key is not None, "only a complaint has a stage response")
    assert case.stage_key is not None
    _require(case.state == CaseState.ACKNOWLEDGED,
             f"{case.reference} is {case.state}; a stage is answered once, after it is acknowledged")
    _require(outcome in policy.outcomes, f"outcome must be one of {', '.join(policy.outcomes)}")
    _require(bool(responder.strip()), "say who is responding")
    if policy.outcomes[outcome].reason_required:
        _require(bool(reasons.strip()), f"'{policy.outcomes[outcome].label}' must give its reasons")
    previous = _previous_stage(policy, case.stage_key)
    if previous is not None:
        earlier = stage_responder(case, previous)
        _require(earlier is None or earlier.casefold() != responder.strip().casefold(),
                 f"{responder} answered {policy.stages[previous].name}; someone else must answer "
                 f"{policy.stages[case.stage_key].name}")
    final = case.stage_key == policy.final_stage
    case.outcome, case.responded_at, case.state = outcome, at, CaseState.RESPONDED
    on_time = case.response_due is None or _day(at) <= case.response_due
    _set_deadline(case, None, None)
    record_event(db, case, "responded", actor.name, {
        "stage": case.stage_key, "outcome": outcome, "reasons": reasons.strip(), "responder": responder.strip(),
        "actions": actions.strip(), "on_time": on_time, "final": final,
        **({"letter": letter.strip()} if letter.strip() else {})})
    next_stage = policy.next_stage(case.stage_key)
    tell_complainant(db, case, contact, f"response:{case.stage_key}", "stage_response", {
        "stage": case.stage_key, "outcome": outcome, "reasons": reasons.strip(), "final": final,
        "next_stage": next_stage, "letter": letter.strip()})
    if final:
        record_event(db, case, "ombudsman_signposted", actor.name, {"stage": case.stage_key})


def escalate(db: Session, case: Case, contact: Contact, policy: Policy, *, requested_at: datetime, actor: Actor) -> str:
    """Move a complaint to the next stage on the complainant's request, with a fresh clock
    from the request. Returns the new stage."""
    refused = escalation_refused(case, policy)
    _require(refused is None, refused or "")
    # Looked up through `records` on each call, so the check reads whatever clock
    # record_event dates steps by (a test's included), not a copy bound at import.
    _require(_day(requested_at) <= _day(records.utcnow()),
             "The date the complainant asked must be today or in the past")
    assert case.stage_key is not None
    next_stage = policy.next_stage(case.stage_key)
    assert next_stage is not None
    previous = case.stage_key
    requested_on = _day(requested_at)
    case.stage_key, case.stage = next_stage, stage_number(next_stage)
    case.stage_requested_at = requested_at
    case.state, case.outcome, case.assigned_to, case.extensions = CaseState.OPEN, None, None, 0
    case.acknowledged_at = case.responded_at = case.closed_at = None
    case.response_due = None
    case.acknowledgement_due = policy.stage_acknowledgement_due(next_stage, requested_on)
    _set_deadline(case, "acknowledge", case.acknowledgement_due)
    record_event(db, case, "escalated", actor.name, {"from": previous, "to": next_stage,
                                                     "requested_at": requested_at.isoformat()})
    tell_complainant(db, case, contact, f"acknowledgement:{next_stage}", "stage_acknowledgement", {"stage": next_stage})
    return next_stage


def escalation_refused(case: Case, policy: Policy) -> str | None:
    """Why this case cannot go to its next stage now, or None if it can. The staff screens
    offer the step exactly when this is None."""
    if case.kind != "complaint" or case.stage_key is None:
        return "only a complaint can be escalated"
    stage = policy.stages[case.stage_key].name
    if case.state == CaseState.WITHDRAWN:
        return f"{case.reference} was withdrawn; a new complaint starts afresh"
    if case.stage_key == policy.final_stage:
        return (f"{stage} is the final stage: the same matter is not reopened; "
                f"the complainant may go to {policy.ombudsman.name}")
    if not (case.state in (CaseState.RESPONDED, CaseState.CLOSED) or (case.stage_key == INFORMAL and case.state in ACTIVE)):
        return f"{stage} has not ended; it can be escalated once it has been answered"
    if case.state == CaseState.CLOSED and not _was_answered(case, case.stage_key):
        return f"{case.reference} was closed without a response at {case.stage_key}; it cannot be escalated"
    return None


def _was_answered(case: Case, stage_key: str) -> bool:
    return bool(_stage_events(case, "responded", stage_key))


def close(db: Session, case: Case, *, at: datetime, actor: Actor, note: str = "") -> None:
    """Close a case: a complaint once its stage is answered, anything else at any time."""
    _require(case.state in ACTIVE, f"{case.reference} is already {case.state}")
    if case.kind == "complaint":
        _require(case.state == CaseState.RESPONDED, f"{case.reference} has not been answered; respond before closing "
                                                    "(or record that the complaint was withdrawn)")
    case.state, case.closed_at = CaseState.CLOSED, at
    _set_deadline(case, None, None)
    record_event(db, case, "closed", actor.name, {"stage": case.stage_key, "note": note.strip()})


def withdraw(db: Session, case: Case, *, at: datetime, actor: Actor, reason: str = "") -> None:
    """The complainant withdrew: nothing more is owed, and nothing is chased."""
    _require(case.kind == "complaint", "only a complaint can be withdrawn")
    _require(case.state in ACTIVE, f"{case.reference} is already {case.state}")
    case.state, case.closed_at = CaseState.WITHDRAWN, at
    _set_deadline(case, None, None)
    record_event(db, case, "withdrawn", actor.name, {"stage": case.stage_key, "reason": reason.strip()})


# --- the Ombudsman ---------------------------------------------------------------------------

def ombudsman_enquiry(db: Session, case: Case, *, reference: str, received_at: datetime, actor: Actor) -> None:
    _require(case.kind == "complaint", "Ombudsman enquiries are recorded against complaints")
    _require(bool(reference.strip()), "record the Ombudsman's reference")
    record_event(db, case, "ombudsman_enquiry", actor.name, {"reference": reference.strip(),
                                                             "received_at": received_at.isoformat()})


def ombudsman_decision(db: Session, case: Case, *, outcome: str, remedy: str, actor: Actor) -> None:
    _require(any(event.kind == "ombudsman_enquiry" for event in case.events),
             "record the Ombudsman's enquiry before its decision")
    _require(outcome in ("upheld", "not_upheld", "not_investigated", "premature", "withdrawn"),
             "outcome must be upheld, not_upheld, not_investigated, premature or withdrawn")
    record_event(db, case, "ombudsman_decision", actor.name, {"outcome": outcome, "remedy": remedy.strip()})


# --- a service request that becomes a complaint ---------------------------------------------

def raise_complaint(db: Session, service_request: Case, contact: Contact, policy: Policy, *,
                    expressed_at: datetime, actor: Actor) -> Case:
    """Open a complaint from dissatisfaction expressed about a service request, in `contact`
    (the reply or call that expressed it). Its clock starts when it was expressed; the
    service request stays open alongside it."""
    _require(service_request.kind == "service_request", f"{service_request.reference} is not a service request")
    _require(contact.case_id == service_request.id or contact.id == service_request.contact_id,
             "the contact that expressed dissatisfaction must belong to the service request")
    _require(contact.id != service_request.contact_id,
             "the service request's own contact is already its record; correct its category in triage instead")
    existing = db.query(Case).filter_by(contact_id=contact.id).one_or_none()
    _require(existing is None, f"that contact already opened {existing.reference if existing else ''}")
    stage = policy.first_stage
    complaint = Case(
        reference=f"{service_request.reference}-C", contact_id=contact.id, policy=policy.profile, kind="complaint",
        exclusion=None, stage=stage_number(stage), stage_key=stage, stage_requested_at=expressed_at,
        state=CaseState.OPEN, service_area=service_request.service_area, team=service_request.team,
        urgent=service_request.urgent, summary=summarise(contact.text), received_at=expressed_at,
        acknowledgement_due=policy.stage_acknowledgement_due(stage, _day(expressed_at)),
        parent_case_id=service_request.id, representative=service_request.representative,
        adjustments=list(service_request.adjustments or []),
    )
    _set_deadline(complaint, "acknowledge", complaint.acknowledgement_due)
    db.add(complaint)
    record_event(db, complaint, "opened", actor.name, {"kind": "complaint", "from_service_request": service_request.reference,
                                                       "expressed_at": expressed_at.isoformat()})
    record_event(db, service_request, "complaint_raised", actor.name, {"complaint": complaint.reference})
    return complaint


# --- who the case is with, and how --------------------------------------------------------------

def add_service_area(db: Session, case: Case, policy: Policy, *, area: str, actor: Actor) -> None:
    """A complaint spanning services: the case's own area leads and answers once for all."""
    _require(area in policy.service_areas, f"no service area {area!r}")
    _require(area != case.service_area and area not in (case.other_service_areas or []),
             f"{area} is already part of {case.reference}")
    case.other_service_areas = [*(case.other_service_areas or []), area]
    record_event(db, case, "service_added", actor.name, {"service_area": area, "lead": case.service_area})


def set_lead(db: Session, case: Case, policy: Policy, *, area: str, actor: Actor) -> None:
    _require(area in policy.service_areas, f"no service area {area!r}")
    others = [a for a in (case.other_service_areas or []) if a != area]
    if case.service_area != area:
        others.append(case.service_area)
    previous = case.service_area
    case.service_area, case.team, case.other_service_areas = area, policy.service_areas[area].team, others
    record_event(db, case, "lead_changed", actor.name, {"from": previous, "to": area})


def record_representative(db: Session, case: Case, *, name: str, relationship: str, consent_on: date,
                          email: str | None, actor: Actor) -> None:
    """Someone acting for the person; the consent they gave is recorded before anything is shared."""
    _require(bool(name.strip()) and bool(relationship.strip()), "record the representative's name and relationship")
    case.representative = {"name": name.strip(), "relationship": relationship.strip(),
                           "consent_on": consent_on.isoformat(), "email": email}
    record_event(db, case, "representative_recorded", actor.name, {"relationship": relationship.strip(),
                                                                    "consent_on": consent_on.isoformat()})


def add_adjustment(db: Session, case: Case, *, adjustment: str, actor: Actor) -> None:
    """A reasonable adjustment asked for (large print, phone calls not letters...); it
    travels with the case and is shown to whoever works it."""
    _require(bool(adjustment.strip()), "describe the adjustment")
    case.adjustments = [*(case.adjustments or []), adjustment.strip()]
    record_event(db, case, "adjustment_recorded", actor.name, {"adjustment": adjustment.strip()})


def restrict_contact(db: Session, case: Case, *, reason: str, channel: str | None, single_point_of_contact: str | None,
                     review_on: date, actor: Actor) -> None:
    """Unreasonable behaviour: contact limited as the policy allows (one channel, one named
    officer), decided by a manager, for a time and then reviewed. Messages still go, only on
    that channel."""
    _require(bool(reason.strip()), "record why contact is limited")
    _require(channel in (None, "email", "sms"), "channel must be email or sms")
    case.contact_restriction = {"reason": reason.strip(), "channel": channel,
                                "single_point_of_contact": single_point_of_contact, "review_on": review_on.isoformat()}
    record_event(db, case, "contact_restricted", actor.name, {"channel": channel, "review_on": review_on.isoformat(),
                                                              "single_point_of_contact": single_point_of_contact})


def note(db: Session, case: Case, *, text: str, actor: Actor) -> None:
    _require(bool(text.strip()), "an empty note says nothing")
    record_event(db, case, "note", actor.name, {"text": text.strip()})

