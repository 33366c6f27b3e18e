"""Storing a received contact: the raw bytes and the normalised contact, together, once."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import Contact, RawMessage
from models.db import transaction
from models.policy import Policy
from models.intake import ContactState


@dataclass(frozen=True)
class Received:
    """Everything a channel adapter hands over: the raw payload and the contact's fields."""

    channel: str
    provider_id: str  # the channel's idempotency key
    content_type: str
    body: bytes
    text: str
    received_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    flags: tuple[str, ...] = ()
    fields: dict[str, Any] = field(default_factory=dict)  # other Contact columns
    state: str = ContactState.RECEIVED.value  # noise and correspondence are never triaged
    # Work that must commit with the contact, such as the event on the case a reply joins.
    on_insert: Callable[[Session, Contact], None] | None = None


@dataclass(frozen=True)
class Stored:
    contact_id: int
    reference: str
    created: bool  # False when this was a repeat delivery of something already stored
    state: str = ContactState.RECEIVED.value


def make_reference(prefix: str, received_at: datetime, contact_id: int) -> str:
    """A human-readable reference such as HDC-2026-000123, unique because the id is."""
    return f"{prefix}-{received_at.year}-{contact_id:06d}"


def store(received: Received, policy: Policy) -> Stored:
    """Commit the raw message and its contact in one transaction, or find the earlier copy.

    A repeat delivery (same channel and provider id) changes nothing and returns the
    contact that is already stored.
    """
    try:
        with transaction() as db:
            contact = _insert(db, received, policy)
            return Stored(contact.id, contact.reference or "", created=True, state=contact.state)
    except IntegrityError:
        # The unique (channel, provider id) says this delivery is already stored: by an
        # earlier attempt, or by another process a moment ago. Return that one.
        found = _find(received)
        if found is None:
            raise
        return found


def _find(received: Received) -> Stored | None:
    with transaction() as db:
        row = db.execute(
            select(Contact.id, Contact.reference, Contact.state)
            .join(RawMessage, Contact.raw_message_id == RawMessage.id)
            .where(RawMessage.channel == received.channel, RawMessage.provider_id == received.provider_id)
        ).first()
    return Stored(row.id, row.reference, created=False, state=row.state) if row else None


def _insert(db: Session, received: Received, policy: Policy) -> Contact:
    raw = RawMessage(
        channel=received.channel,
        provider_id=received.provider_id,
        content_type=received.content_type,
        body=received.body,
        size=len(received.body),
        digest=hashlib.sha256(received.body).hexdigest(),
        flags=list(received.flags),
        received_at=received.received_at,
    )
    contact = Contact(
        raw_message=raw,
        channel=received.channel,
        received_at=received.received_at,
        text=received.text,
        state=received.state,
        **received.fields,
    )
    db.add(contact)
    db.flush()  # assigns the id the reference is made from
    contact.reference = make_reference(policy.council.reference_prefix, received.received_at, contact.id)
    if received.on_insert:
        received.on_insert(db, contact)
    return contact
