"""Email as a channel: the same path for mail the SMTP server receives and mail the IMAP
poller fetches. A message becomes one of three things, and is always kept:

- a new contact, queued for triage;
- correspondence on an existing case (a reply to one of our acknowledgements), shown to
  the case's owner and never triaged again;
- noise (an auto-reply, bounce, mailing list or loop), kept and visible, never
  acknowledged and never a case.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from heard.queue import enqueue_triage
from intake.mail import ParsedMail, parse
from intake.store import Received, Stored, store
from models import Case, Contact, Notification
from models.db import transaction
from models.intake import ContactState
from models.policy import Policy
from models.records import record_event

CHANNEL = "email"


@dataclass(frozen=True)
class Envelope:
    mail_from: str | None  # "" for the null reverse-path of bounces
    recipients: tuple[str, ...]
    peer: str | None = None
    received_at: datetime | None = None


def accept(raw: bytes, envelope: Envelope, policy: Policy, own_addresses: tuple[str, ...] = (),
           flags: tuple[str, ...] = ()) -> Stored:
    """Store one email (exact bytes and contact in one transaction), then queue triage if
    it is a new contact. Safe to call again with the same message: nothing changes."""
    mail = parse(raw, envelope_from=envelope.mail_from)
    noise = mail.noise or ("loop" if mail.sender_email and mail.sender_email in own_addresses else None)
    case_id = None if noise else _case_replied_to(mail)
    state = ContactState.NOISE.value if noise else ContactState.CORRESPONDENCE.value if case_id else ContactState.RECEIVED.value

    def join_case(db: Session, contact: Contact) -> None:
        if case_id is not None:
            case = db.get_one(Case, case_id)
            record_event(db, case, "correspondence_received", f"email:{contact.id}",
                         {"contact_id": contact.id, "subject": mail.subject[:200]})

    received = Received(
        channel=CHANNEL,
        provider_id=mail.content_key(raw),
        content_type="message/rfc822",
        body=raw,
        text=mail.text,
        received_at=envelope.received_at or datetime.now(timezone.utc),
        flags=(*flags, *mail.flags),
        state=state,
        on_insert=join_case,
        fields={
            "sender_name": mail.sender_name,
            "sender_email": mail.sender_email,
            "preferred_contact": "email" if mail.sender_email else None,
            "subject": mail.subject,
            "thread_refs": {
                "message_id": mail.message_id, "in_reply_to": mail.in_reply_to, "references": mail.references,
                "envelope_from": envelope.mail_from, "recipients": list(envelope.recipients), "peer": envelope.peer,
            },
            "attachments": [a.__dict__ for a in mail.attachments],
            "noise": noise,
            "case_id": case_id,
        },
    )
    stored = store(received, policy)
    if stored.created and stored.state == ContactState.RECEIVED.value:
        enqueue_triage(stored.contact_id)
    return stored


def _case_replied_to(mail: ParsedMail) -> int | None:
    """The case a message replies to: first by our own Message-IDs in In-Reply-To or
    References; then by a reference in the subject, but only from the case's own sender,
    since a subject is easy to forge."""
    ids = [*mail.in_reply_to, *mail.references]
    if not ids and not mail.case_references:
        return None  # most mail: nothing to look up
    with transaction() as db:
        if ids:
            case_id = db.scalar(select(Notification.case_id).where(Notification.provider_id.in_(ids)).limit(1))
            if case_id is not None:
                return case_id
        for reference in mail.case_references:
            row = db.execute(
                select(Case.id, Contact.sender_email).join(Contact, Case.contact_id == Contact.id).where(Case.reference == reference)
            ).first()
            if row and mail.sender_email and row.sender_email == mail.sender_email:
                return row.id
    return None
