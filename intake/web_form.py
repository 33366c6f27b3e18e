"""The public feedback form as a channel: a validated submission becomes a stored contact.

The form's one-time submission token is the idempotency key, so a double click or a
browser resubmitting the POST finds the contact already stored.
"""

from __future__ import annotations

from dataclasses import dataclass

from heard.queue import enqueue_triage
from intake.store import Received, Stored, store
from models.policy import Policy

CHANNEL = "web"


@dataclass(frozen=True)
class FormSubmission:
    token: str
    feedback_type: str  # complaint, compliment, comment, service_request, not_sure
    service_area: str | None
    what_happened: str
    when_happened: str | None
    desired_outcome: str | None
    anonymous: bool
    name: str | None
    email: str | None
    phone: str | None  # E.164
    on_behalf: bool
    represented_person: str | None
    representative_relationship: str | None
    representative_consent: bool
    adjustments: str | None


def contact_text(form: FormSubmission) -> str:
    """The text triage reads: the description, then the form's other answers, labelled."""
    parts = [form.what_happened.strip()]
    if form.when_happened:
        parts.append(f"When it happened: {form.when_happened.strip()}")
    if form.desired_outcome:
        parts.append(f"What would put it right: {form.desired_outcome.strip()}")
    return "\n".join(parts)


def accept(form: FormSubmission, raw_body: bytes, content_type: str, policy: Policy) -> Stored:
    """Store the submission and its raw request, then queue triage."""
    received = Received(
        channel=CHANNEL,
        provider_id=form.token,
        content_type=content_type,
        body=raw_body,
        text=contact_text(form),
        fields={
            "sender_name": None if form.anonymous else form.name,
            "sender_email": None if form.anonymous else form.email,
            "sender_phone": None if form.anonymous else form.phone,
            "anonymous": form.anonymous,
            "preferred_contact": "none" if form.anonymous else "email",
            "when_happened": form.when_happened,
            "desired_outcome": form.desired_outcome,
            "declared_category": None if form.feedback_type == "not_sure" else form.feedback_type,
            "declared_service_area": form.service_area,
            "representative": form.on_behalf,
            "represented_person": form.represented_person if form.on_behalf else None,
            "representative_relationship": form.representative_relationship if form.on_behalf else None,
            "representative_consent": form.representative_consent if form.on_behalf else False,
            "adjustments": form.adjustments,
        },
    )
    stored = store(received, policy)
    if stored.created:
        enqueue_triage(stored.contact_id)
    return stored
