"""Everything about one case that its owner reads, as one timeline.

The case's events (notes and decisions of staff included), every contact on it (the one
that opened it and any correspondence or merged duplicate since), each phone call's turns,
every triage decision about those contacts, and every message written to the outbox. The
items carry plain strings: what residents wrote stays text, for the page to escape.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from models.calls import CallTurn
from models.cases import Case, CaseEvent
from models.intake import Contact
from models.outbox import Notification
from models.policy import UK, Policy
from models.triage import TriageDecision

EVENT_TITLES = {
    "opened": "Case opened",
    "routed": "Routed to the team",
    "flagged_urgent": "Flagged urgent",
    "not_acknowledged": "Not acknowledged",
    "acknowledged": "Acknowledged",
    "assigned": "Assigned",
    "extended": "Response date extended",
    "responded": "Response recorded",
    "ombudsman_signposted": "Told about the Ombudsman",
    "escalated": "Escalated",
    "closed": "Closed",
    "withdrawn": "Withdrawn",
    "note": "Internal note",
    "correspondence_received": "Correspondence received",
    "contact_edited": "Contact edited",
    "deadline_reminder": "Deadline reminder sent",
    "deadline_missed": "Deadline missed",
    "complaint_raised": "Complaint raised",
    "service_added": "Service area added",
    "lead_changed": "Lead service area changed",
    "representative_recorded": "Representative recorded",
    "adjustment_recorded": "Adjustment recorded",
    "contact_restricted": "Contact restricted",
    "ombudsman_enquiry": "Ombudsman enquiry",
    "ombudsman_decision": "Ombudsman decision",
    "merged_into": "Merged as a duplicate",
    "merged": "Duplicate merged in",
    "split": "Split",
    "split_from": "Split from another case",
    "reclassified": "Reclassified",
    "rerouted": "Rerouted",
    "triage_confirmed": "Triage confirmed",
    "anonymised": "Personal data removed",
}
# Event detail whose value is the text a person wrote: shown as its own paragraph.
BODY_KEYS = {"note": "text", "responded": "letter"}


@dataclass(frozen=True)
class HistoryItem:
    at: datetime
    title: str
    actor: str | None = None
    lines: list[tuple[str, str]] = field(default_factory=list)
    body: str | None = None  # a resident's words, a note or a letter: plain text
    transcript: list[tuple[str, str]] = field(default_factory=list)  # a call's (question, answer) turns


@dataclass(frozen=True)
class CaseRecord:
    """A case page's content: the case row and its timeline."""

    case: Case
    merged_into: str | None  # the reference of the case this duplicate joined
    history: list[HistoryItem]


def case_record(db: Session, reference: str, policy: Policy) -> CaseRecord | None:
    case = db.scalar(select(Case).where(Case.reference == reference))
    if case is None:
        return None
    contacts = list(db.scalars(select(Contact).where(or_(Contact.id == case.contact_id, Contact.case_id == case.id))
                               .order_by(Contact.id)))
    merged_into = db.scalar(select(Case.reference).where(Case.id == case.merged_into_id)) if case.merged_into_id else None
    history = [_event(event, policy) for event in db.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id))]
    calls = _call_turns(db, contacts)
    history += [_contact(c, c.id == case.contact_id, calls.get(str((c.thread_refs or {}).get("call_sid")), []))
                for c in contacts]
    history += [_decision(d, policy) for d in db.scalars(
        select(TriageDecision).where(TriageDecision.contact_id.in_([c.id for c in contacts])).order_by(TriageDecision.id))]
    history += [_notification(n) for n in db.scalars(
        select(Notification).where(Notification.case_id == case.id).order_by(Notification.id))]
    history.sort(key=lambda item: item.at)
    return CaseRecord(case, merged_into, history)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, (list, tuple)):
        return ", ".join(_text(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{_label(k)}: {_text(v)}" for k, v in value.items() if v not in (None, "", [], {}))
    if isinstance(value, str):
        try:
            day = date.fromisoformat(value) if len(value) == 10 else None
            return f"{day.day} {day:%B %Y}" if day else value
        except ValueError:
            return value
    return str(value)


def _label(key: str) -> str:
    return key.replace("_", " ").capitalize()


def _event(event: CaseEvent, policy: Policy) -> HistoryItem:
    detail = dict(event.detail or {})
    body = detail.pop(BODY_KEYS.get(event.kind, ""), None)
    if event.kind == "responded" and detail.get("outcome") in policy.outcomes:
        detail["outcome"] = policy.outcomes[detail["outcome"]].label
    if detail.get("stage") in policy.stages:
        detail["stage"] = policy.stages[detail["stage"]].name
    lines = [(_label(k), _text(v)) for k, v in detail.items() if v not in (None, "", [], {})]
    return HistoryItem(event.at, EVENT_TITLES.get(event.kind, _label(event.kind)), event.actor, lines,
                       body or None)


def _call_turns(db: Session, contacts: list[Contact]) -> dict[str, list[tuple[str, str]]]:
    sids = [str(c.thread_refs["call_sid"]) for c in contacts if (c.thread_refs or {}).get("call_sid")]
    turns: dict[str, list[tuple[str, str]]] = {}
    if sids:
        for turn in db.scalars(select(CallTurn).where(CallTurn.call_sid.in_(sids))
                               .order_by(CallTurn.received_at, CallTurn.id)):
            heard = turn.speech or "(nothing heard)"
            if turn.confidence is not None:
                heard += f" (confidence {turn.confidence:.2f})"
            turns.setdefault(turn.call_sid, []).append((f"{_label(turn.step)}, attempt {turn.attempt}", heard))
    return turns


def _contact(contact: Contact, opened_case: bool, transcript: list[tuple[str, str]]) -> HistoryItem:
    sender = contact.sender_name or ("Anonymous" if contact.anonymous else None)
    reached = contact.sender_email or contact.sender_phone or contact.sender_handle
    lines = [("From", ", ".join(part for part in (sender, reached) if part) or "Not given"),
             ("Channel", contact.channel), ("Contact reference", contact.reference or "")]
    if contact.subject:
        lines.append(("Subject", contact.subject))
    if contact.when_happened:
        lines.append(("When it happened", contact.when_happened))
    if contact.desired_outcome:
        lines.append(("What would put it right", contact.desired_outcome))
    if contact.representative:
        lines.append(("On behalf of", f"{contact.represented_person or 'someone'} ({contact.representative_relationship or 'relationship not given'})"))
    if contact.adjustments:
        lines.append(("Adjustments asked for", contact.adjustments))
    for attachment in contact.attachments or []:
        lines.append(("Attachment", f"{attachment.get('filename') or 'unnamed'} ({attachment.get('content_type', '')}, "
                                    f"{attachment.get('size', 0):,} bytes)"))
    title = ("Contact that opened the case" if opened_case else "Correspondence") + f" by {contact.channel}"
    return HistoryItem(contact.received_at, title, None, lines, contact.text, transcript)


def _decision(decision: TriageDecision, policy: Policy) -> HistoryItem:
    area = policy.service_areas.get(decision.service_area)
    lines = [("Category", _label(decision.category)), ("Service area", area.label if area else decision.service_area)]
    if decision.exclusion:
        lines.append(("Exclusion", _label(decision.exclusion)))
    if decision.confidence:
        lines.append(("Confidence", ", ".join(f"{k} {float(v):.2f}" for k, v in decision.confidence.items()
                                             if isinstance(v, (int, float)))))
    for flag in decision.flags or []:
        if isinstance(flag, dict):
            lines.append(("Flag", f"{flag.get('name', '')}: {flag.get('reason', '')}".strip(": ")))
    if decision.signals:
        lines.append(("Signals", _text([s if isinstance(s, str) else _text(s) for s in decision.signals])))
    if decision.needs_review:
        lines.append(("Needs review", "Yes"))
    return HistoryItem(decision.decided_at, "Triage decision", decision.decided_by, lines, decision.reason)


def _notification(notification: Notification) -> HistoryItem:
    lines = [("Purpose", _label(notification.purpose.split(":")[0])), ("Channel", notification.channel),
             ("To", notification.recipient or "(removed)"), ("State", notification.state)]
    if notification.sent_at:
        sent = notification.sent_at.astimezone(UK)
        lines.append(("Sent", f"{sent.day} {sent:%B %Y %H:%M}"))
    if notification.last_error:
        lines.append(("Last error", notification.last_error))
    letter = (notification.context or {}).get("letter")
    to = "staff" if notification.template.startswith("staff_") else "the complainant"
    return HistoryItem(notification.created_at, f"Message to {to}", None, lines,
                       letter if isinstance(letter, str) else None)
