"""What came in: the exact bytes received, and the contact normalised from them."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, utcnow


class Channel(str, enum.Enum):
    EMAIL = "email"
    VOICE = "voice"
    SOCIAL = "social"
    WEB = "web"
    SMS = "sms"


# After this many triage attempts the reconciler stops queueing a contact and /healthz
# counts it as stuck, for someone to look at.
MAX_TRIAGE_ATTEMPTS = 5


class ContactState(str, enum.Enum):
    RECEIVED = "received"  # committed, waiting for triage
    TRIAGED = "triaged"  # a decision made and its record opened
    CORRESPONDENCE = "correspondence"  # a reply on an existing case: shown to its owner, not triaged
    NOISE = "noise"  # from a machine (auto-reply, bounce, list, loop): kept, never acknowledged


class RawMessage(Base):
    """The exact bytes or payload a channel delivered, kept as evidence and for re-processing.

    `(channel, provider_id)` is the idempotency key: a retried delivery finds the row that
    is already there instead of making a second contact.
    """

    __tablename__ = "raw_messages"
    __table_args__ = (UniqueConstraint("channel", "provider_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    provider_id: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(255))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    size: Mapped[int]
    digest: Mapped[str] = mapped_column(String(64))  # SHA-256 of body, hex
    flags: Mapped[list[Any]] = mapped_column(default=list)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)

    contact: Mapped[Contact | None] = relationship(back_populates="raw_message")


class Contact(Base):
    """One contact from a resident (or someone acting for them), in a channel-neutral form."""

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    raw_message_id: Mapped[int] = mapped_column(ForeignKey("raw_messages.id"), unique=True)
    # Set in the intake transaction, so the sender can be told it before triage runs.
    reference: Mapped[str | None] = mapped_column(String(32), unique=True)
    channel: Mapped[str] = mapped_column(String(16), index=True)
    received_at: Mapped[datetime] = mapped_column(index=True)
    state: Mapped[str] = mapped_column(String(16), default=ContactState.RECEIVED.value, index=True)
    triage_attempts: Mapped[int] = mapped_column(default=0)

    sender_name: Mapped[str | None] = mapped_column(String(200))
    sender_email: Mapped[str | None] = mapped_column(String(320))
    sender_phone: Mapped[str | None] = mapped_column(String(32))  # E.164
    sender_handle: Mapped[str | None] = mapped_column(String(200))
    anonymous: Mapped[bool] = mapped_column(default=False)
    preferred_contact: Mapped[str | None] = mapped_column(String(16))  # email, phone, none

    subject: Mapped[str | None] = mapped_column(String(998))
    text: Mapped[str] = mapped_column(Text)
    when_happened: Mapped[str | None] = mapped_column(Text)
    desired_outcome: Mapped[str | None] = mapped_column(Text)
    # What the sender chose on a form, if anything: a hint for triage, never the decision.
    declared_category: Mapped[str | None] = mapped_column(String(32))
    declared_service_area: Mapped[str | None] = mapped_column(String(32))
    thread_refs: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # What triage reads when it differs from `text` (an email without its quoted replies).
    triage_text: Mapped[str | None] = mapped_column(Text)
    attachments: Mapped[list[Any]] = mapped_column(default=list, server_default="[]")  # [{filename, content_type, size}]
    noise: Mapped[str | None] = mapped_column(String(16))  # why it is noise, when it is
    # The case this contact is correspondence on (a reply to an acknowledgement).
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", use_alter=True), index=True)  # cases also point at contacts

    representative: Mapped[bool] = mapped_column(default=False)
    represented_person: Mapped[str | None] = mapped_column(String(200))
    representative_relationship: Mapped[str | None] = mapped_column(String(200))
    representative_consent: Mapped[bool] = mapped_column(default=False)
    adjustments: Mapped[str | None] = mapped_column(Text)

    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    raw_message: Mapped[RawMessage] = relationship(back_populates="contact")


class MailboxState(Base):
    """How far the IMAP poller has read one mailbox folder.

    A UID means something only together with the folder's UIDVALIDITY; when that changes,
    the folder is read again from the start and the content key stops any duplicates.
    """

    __tablename__ = "mailbox_states"
    __table_args__ = (UniqueConstraint("account", "folder"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account: Mapped[str] = mapped_column(String(320))
    folder: Mapped[str] = mapped_column(String(200))
    uidvalidity: Mapped[int] = mapped_column(BigInteger)
    last_uid: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
