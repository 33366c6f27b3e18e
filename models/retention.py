"""Retention: a case's personal data is removed once the policy's retention period has run
from its closure, and what reports count is kept.

Each profile sets `retention_years` (both shipped profiles: 6). A case closed (or withdrawn)
more than that many calendar years before `now` and not yet anonymised is anonymised: its
personal data is removed in place, the rows stay, so every count by kind, stage, outcome,
service area, channel and date still adds up. The case is stamped `anonymised_at` and gets
an `anonymised` event by `system:retention`, so a second run finds nothing to do. Cases
never closed are never touched, and neither is any other case of the same person: the
work follows a case's own rows (its opening contact and the contacts threaded onto it),
never a name or an address. A contact threaded onto this case that opened a case of its own
is left to that case's retention. The profile in force decides for every case in the
database, whichever profile opened it.

Column by column (anything not listed is kept as it is):

| table | column | decision | why |
|---|---|---|---|
| raw_messages | body | emptied (b"") | the exact bytes received: the whole message |
| raw_messages | size, digest | 0 and the digest of b"" | a digest of personal text can confirm a guess of it |
| raw_messages | provider_id | `anonymised:<id>` | Message-IDs, call and message ids lead back to the sender |
| raw_messages | channel, content_type, flags, received_at | kept | codes and dates |
| contacts | sender_name, sender_email, sender_phone, sender_handle | NULL | who the person is |
| contacts | subject, text, triage_text, when_happened, desired_outcome | NULL, or "" for text | what they wrote or said |
| contacts | represented_person, representative_relationship, adjustments | NULL | about them and the person they act for, health included |
| contacts | thread_refs, attachments | {} and [] | addresses, message and account ids, edits' text, file names |
| contacts | reference, channel, received_at, state, anonymous, preferred_contact, declared_category, declared_service_area, representative, representative_consent, noise, case_id, triage_attempts | kept | codes, flags and dates |
| call_turns | every column | rows deleted | each answer a caller spoke, and Twilio's request with their number |
| triage_decisions | signals | [] | they quote the contact's words |
| triage_decisions | flags | names only | a flag's reason describes what the person said |
| triage_decisions | category, exclusion, service_area, confidence, decided_by, needs_review, decided_at | kept | the decision itself |
| cases | summary | "" | the first words of the contact |
| cases | representative, contact_restriction | NULL | a representative's name and address; why contact was limited |
| cases | adjustments | [] | adjustments the person asked for, health included |
| cases | assigned_to | NULL | a member of staff by name; reports count by team |
| cases | tracking_code_hash | NULL | nothing is left for the resident to track |
| cases | reference, kind, exclusion, stage, stage_key, state, outcome, service_area, other_service_areas, team, urgent, needs_review, extensions, every date | kept | what reports count |
| case_events | detail | only keys in `KEPT_DETAIL` (and `from`/`to` where they are stages, dates or service areas) | reasons, notes, subjects, quotes and names go; codes and dates stay |
| case_events | actor | staff names become "staff" | machine actors ("system:chase", "model:...", "email:12") are kept |
| case_events | kind, at | kept | the event kinds with their dates |
| notifications | recipient | "" | the person's address or number |
| notifications | last_error, provider_id, context | NULL, NULL, {} | errors quote addresses; a provider id leads back to them; context holds reasons |
| notifications | state | unsent rows become `failed` | nothing may be sent to an address that is gone |
| notifications | purpose, channel, template, attempts, dates | kept | what was sent, and when |
| deadline_chases, mailbox_states | every column | kept | dates and codes; nothing about a person |

Batches of `BATCH` cases, each in its own transaction, so a first run over years of closed
cases never holds one huge transaction; on PostgreSQL each batch locks its cases with SKIP
LOCKED, so two runs at once share the work instead of doing it twice.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, String, and_, cast, delete, exists, insert, literal, null, or_, select, update
from sqlalchemy.orm import Session

from models.calls import CallTurn
from models.cases import Case, CaseEvent
from models.intake import Contact, RawMessage
from models.outbox import Notification, NotificationState
from models.policy import Policy
from models.triage import TriageDecision

BATCH = 500
ACTOR = "system:retention"
EMPTY_DIGEST = hashlib.sha256(b"").hexdigest()

# Event detail keys whose values are codes, numbers, booleans, dates or Heard references,
# whatever the event. Anything else (reasons, notes, subjects, quotes, names) is removed.
KEPT_DETAIL = frozenset({
    "kind", "exclusion", "confidence", "needs_review", "flagged_for_review", "service_area", "team", "lead",
    "channel", "stage", "outcome", "on_time", "final", "count", "complainant_agreed", "deadline", "due_on",
    "response_due", "new_due", "requested_at", "expressed_at", "received_at", "review_on", "consent_on",
    "contact_id", "edit", "from_service_request", "complaint", "retention_years",
})
# `from` and `to` are stage keys, dates or service areas in these events; elsewhere `to` is a person.
KEPT_FROM_TO = frozenset({"escalated", "extended", "lead_changed"})
# "system", or a part of Heard and an id: "system:chase", "model:spacy@3", "email:12", "officer:7".
MACHINE_ACTOR = re.compile(r"^(system|[a-z_]+:\S+)$")


@dataclass
class RetentionResult:
    """How many rows one run changed (or, in a dry run, would change)."""

    cases: int = 0
    contacts: int = 0
    raw_messages: int = 0
    triage_decisions: int = 0
    notifications: int = 0
    call_turns: int = 0  # deleted
    events: int = 0  # existing events whose detail or actor was cleaned; not the new `anonymised` ones

    def add(self, other: RetentionResult) -> None:
        for field in fields(self):
            setattr(self, field.name, getattr(self, field.name) + getattr(other, field.name))

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def retention_cutoff(policy: Policy, now: datetime) -> datetime:
    """`retention_years` calendar years before `now` (29 February counts back to the 28th).
    Cases closed before this moment are due."""
    year = now.year - policy.retention_years
    try:
        return now.replace(year=year)
    except ValueError:
        return now.replace(year=year, day=28)


def anonymise_expired(db: Session, policy: Policy, now: datetime, *, dry_run: bool = False,
                      batch_size: int = BATCH) -> RetentionResult:
    """Anonymise every case closed before `retention_cutoff(policy, now)`, batch by batch.

    `db` is a session with no transaction open: each batch is committed as it is done, or
    rolled back in a dry run, which counts what a real run would change.
    """
    cutoff = retention_cutoff(policy, now)
    total = RetentionResult()
    after: tuple[datetime, int] | None = None
    while True:
        query = due_query(cutoff, after, batch_size)
        batch = db.execute(query if dry_run else query.with_for_update(skip_locked=True)).all()
        if not batch:
            db.rollback()
            return total
        total.add(_anonymise(db, [row.id for row in batch], policy, now))
        if dry_run:
            db.rollback()
        else:
            db.commit()
        after = (batch[-1].closed_at, batch[-1].id)


def due_query(cutoff: datetime, after: tuple[datetime, int] | None = None, size: int = BATCH) -> Select[tuple[int, datetime]]:
    """The next cases due, oldest closure first, after the (closed_at, id) of the last batch:
    one range scan of ix_cases_anonymised_at_closed_at. A real run would find its next
    batch without `after`; a dry run changes nothing, so it pages on past what it counted."""
    query = (select(Case.id, Case.closed_at)
             .where(Case.anonymised_at.is_(None), Case.closed_at < cutoff)
             .order_by(Case.closed_at, Case.id)
             .limit(size))
    if after is not None:
        closed, case_id = after
        query = query.where(Case.closed_at >= closed,
                            or_(Case.closed_at > closed, and_(Case.closed_at == closed, Case.id > case_id)))
    return query  # type: ignore[return-value]


def _anonymise(db: Session, case_ids: list[int], policy: Policy, now: datetime) -> RetentionResult:
    """One batch: every row of these cases that holds personal data, in one transaction."""
    contacts = _contacts_of(db, case_ids)
    refs = [c.thread_refs if isinstance(c.thread_refs, dict) else {} for c in contacts]
    contact_ids = [c.id for c in contacts]
    result = RetentionResult(
        cases=len(case_ids),
        raw_messages=_empty_raw_messages(db, contacts, refs),
        call_turns=_delete_call_turns(db, refs),
        contacts=_rowcount(db, update(Contact).where(Contact.id.in_(contact_ids)).values(
            sender_name=None, sender_email=None, sender_phone=None, sender_handle=None, subject=None, text="",
            triage_text=None, when_happened=None, desired_outcome=None, represented_person=None,
            representative_relationship=None, adjustments=None, thread_refs={}, attachments=[])),
        triage_decisions=_clean_decisions(db, contact_ids),
        notifications=_clean_notifications(db, case_ids),
        events=_clean_events(db, case_ids),
    )
    # null(), not None: None in a JSON column would be stored as the JSON text 'null'.
    _rowcount(db, update(Case).where(Case.id.in_(case_ids)).values(
        summary="", assigned_to=None, representative=null(), adjustments=[], contact_restriction=null(),
        tracking_code_hash=None, anonymised_at=now))  # an anonymised case can no longer be tracked
    db.execute(insert(CaseEvent), [
        {"case_id": case_id, "kind": "anonymised", "actor": ACTOR, "at": now,
         "detail": {"retention_years": policy.retention_years}} for case_id in case_ids])
    return result


def _contacts_of(db: Session, case_ids: list[int]) -> list[Row[Any]]:
    """Each case's opening contact and the contacts threaded onto it, except a threaded
    contact that opened a case of its own (that case's retention decides)."""
    return list(db.execute(
        select(Contact.id, Contact.raw_message_id, Contact.channel, Contact.thread_refs).where(or_(
            Contact.id.in_(select(Case.contact_id).where(Case.id.in_(case_ids))),
            and_(Contact.case_id.in_(case_ids), ~exists().where(Case.contact_id == Contact.id)),
        ))
    ).all())


def _empty_raw_messages(db: Session, contacts: list[Row[Any]], refs: list[dict[str, Any]]) -> int:
    """Each contact's raw message, and the raw bytes of each edit of a social post."""
    raw_ids = [c.raw_message_id for c in contacts]
    for contact, ref in zip(contacts, refs):
        edits = ref.get("edits")
        keys = [e["key"] for e in edits if isinstance(e, dict) and isinstance(e.get("key"), str)] if isinstance(edits, list) else []
        if keys:
            raw_ids += db.scalars(select(RawMessage.id).where(
                RawMessage.channel == contact.channel, RawMessage.provider_id.in_(keys))).all()
    return _rowcount(db, update(RawMessage).where(RawMessage.id.in_(raw_ids)).values(
        body=b"", size=0, digest=EMPTY_DIGEST, provider_id=literal("anonymised:") + cast(RawMessage.id, String)))


def _delete_call_turns(db: Session, refs: list[dict[str, Any]]) -> int:
    """A Twilio call's answers, kept under its CallSid, which the contact's thread_refs name."""
    call_sids = [ref["call_sid"] for ref in refs if isinstance(ref.get("call_sid"), str)]
    return _rowcount(db, delete(CallTurn).where(CallTurn.call_sid.in_(call_sids))) if call_sids else 0


def _clean_decisions(db: Session, contact_ids: list[int]) -> int:
    decisions = db.execute(select(TriageDecision.id, TriageDecision.flags)
                           .where(TriageDecision.contact_id.in_(contact_ids))).all()
    if decisions:
        db.execute(update(TriageDecision), [
            {"id": d.id, "signals": [],
             "flags": [{"name": f.get("name")} for f in (d.flags if isinstance(d.flags, list) else []) if isinstance(f, dict)]}
            for d in decisions])
    return len(decisions)


def _clean_notifications(db: Session, case_ids: list[int]) -> int:
    """Addresses and what was said go; a message not yet sent never will be."""
    count = _rowcount(db, update(Notification).where(Notification.case_id.in_(case_ids)).values(
        recipient="", last_error=None, provider_id=None, context={}))
    _rowcount(db, update(Notification).where(
        Notification.case_id.in_(case_ids),
        Notification.state.in_((NotificationState.PENDING.value, NotificationState.SENDING.value)),
    ).values(state=NotificationState.FAILED.value, next_attempt_at=None,
             last_error="not sent: the recipient was removed by retention"))
    return count


def _clean_events(db: Session, case_ids: list[int]) -> int:
    cleaned = []
    for event in db.execute(select(CaseEvent.id, CaseEvent.kind, CaseEvent.actor, CaseEvent.detail)
                            .where(CaseEvent.case_id.in_(case_ids))):
        detail, actor = clean_detail(event.kind, event.detail), clean_actor(event.actor)
        if detail != event.detail or actor != event.actor:
            cleaned.append({"id": event.id, "detail": detail, "actor": actor})
    if cleaned:
        db.execute(update(CaseEvent), cleaned)
    return len(cleaned)


def _rowcount(db: Session, statement: Any) -> int:
    """Run a set-based UPDATE or DELETE over rows this session never loaded; the rows it matched."""
    return db.execute(statement, execution_options={"synchronize_session": False}).rowcount  # type: ignore[attr-defined]


def clean_detail(kind: str, detail: dict[str, Any] | None) -> dict[str, Any]:
    """An event's detail with only what reports read: codes, numbers, dates, references."""
    kept = KEPT_DETAIL | ({"from", "to"} if kind in KEPT_FROM_TO else set())
    return {key: value for key, value in (detail or {}).items() if key in kept}


def clean_actor(actor: str) -> str:
    """A machine actor as it is; a member of staff's name as "staff"."""
    return actor if MACHINE_ACTOR.match(actor) else "staff"
