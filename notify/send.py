"""Sending one outbox row: render, send, record. Safe to run again at any point.

A failed attempt records its error and when to try again (`next_attempt_at`); the
reconciler queues the retry then, and after MAX_ATTEMPTS the row is `failed` (at once when
the provider refuses the message for good: `Undeliverable`). Email and texts go through
GOV.UK Notify instead of SMTP and Twilio when it is configured for their channel.
A row already `sent` is left alone. A row found `sending` means an earlier attempt died
between handing the message over and recording it; it is sent again with the same
Message-ID, which is the most an SMTP relay allows us to promise.
"""

from __future__ import annotations

import logging
import os
from datetime import datetime
from typing import Any
from email.utils import parseaddr

from heard.config import settings
from models import Case, Contact, Notification
from models.base import utcnow
from models.db import transaction
from models.outbox import MAX_ATTEMPTS, NotificationState, backoff
from models.policy import UK, Policy
from models.lifecycle import Actor, acknowledge
from models.records import CaseState
from notify import govuk_notify
from models.acknowledgement import PURPOSE as ACKNOWLEDGEMENT
from notify.email import build_message, parse_smtp_url, send_message, stable_message_id
from notify.errors import Undeliverable
from notify.render import KIND_NAMES, render, render_sms
from notify.sms import TwilioSettings, send_sms

log = logging.getLogger(__name__)


class PermanentFailure(Exception):
    """The message can never be sent: the outbox row does not exist."""


class NotConfigured(RuntimeError):
    """A channel has no provider configured. Retried with backoff like any failed send, so
    fixing the configuration lets the waiting messages go; meanwhile it shows on /healthz."""


def send_notification(notification_id: int, policy: Policy, smtp_url: str, mail_from: str) -> str:
    """Send the notification if it has not been sent; returns its final state."""
    with transaction() as db:
        notification = db.get(Notification, notification_id)
        if notification is None:
            raise PermanentFailure(f"notification {notification_id} does not exist")
        if notification.state == NotificationState.SENT.value:
            return notification.state
        notification.state = NotificationState.SENDING.value
        notification.attempts += 1
        case = db.get_one(Case, notification.case_id)
        contact = db.get_one(Contact, case.contact_id)
        at = utcnow()
        context = _context(notification, case, contact, policy, at)
        channel = notification.channel
        if channel == "email":
            message = _compose(notification, case, contact, policy, mail_from, context)
        else:
            text = render_sms(notification.template, **context)
        recipient = notification.recipient

    try:
        notify = govuk_notify.NotifySettings.from_environment()
        reference = f"notification-{notification_id}"
        if notify is not None and notify.sends(channel) and channel == "email":
            plain = message.get_body(("plain",)).get_content()
            provider_id = govuk_notify.send_email(notify, recipient, str(message["Subject"]), plain, reference)
        elif notify is not None and notify.sends(channel):
            provider_id = govuk_notify.send_sms(notify, recipient, text, reference)
        elif channel == "email":
            provider_id = send_message(message, parse_smtp_url(smtp_url))
        else:
            twilio = TwilioSettings.from_environment()
            if twilio is None:
                raise NotConfigured("Twilio is not configured (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM)")
            provider_id = send_sms(twilio, recipient, text)
    except Exception as exc:
        with transaction() as db:
            row = db.get_one(Notification, notification_id)
            row.last_error = f"{exc.__class__.__name__}: {str(exc)[:500]}"
            if row.attempts >= MAX_ATTEMPTS or isinstance(exc, Undeliverable):
                row.state = NotificationState.FAILED.value
            else:
                row.next_attempt_at = utcnow() + backoff(row.attempts)
        log.warning("sending notification %s failed (attempt %s): %s", notification_id, row.attempts, exc.__class__.__name__)
        raise

    with transaction() as db:
        row = db.get_one(Notification, notification_id)
        row.state = NotificationState.SENT.value
        row.provider_id = provider_id
        row.sent_at = utcnow()
        row.last_error = None
        row.next_attempt_at = None
        row.context = {key: value for key, value in row.context.items() if key != "tracking_code"}  # sent: keep no plain code
        case = db.get_one(Case, row.case_id)
        acknowledges = row.purpose == ACKNOWLEDGEMENT or row.purpose.startswith(f"{ACKNOWLEDGEMENT}:")
        if acknowledges and case.state == CaseState.OPEN:  # an officer may have acknowledged it by hand meanwhile
            acknowledge(db, case, policy, at=at, actor=Actor("system:notify"), channel=row.channel)
    return NotificationState.SENT.value


def _context(notification: Notification, case: Case, contact: Contact, policy: Policy, at: datetime) -> dict[str, Any]:
    """What every template may use; the response date counts from this attempt's date."""
    stage_key = notification.context.get("stage") or case.stage_key
    stage = policy.stages.get(stage_key) if stage_key else None
    if stage_key and case.kind == "complaint":
        requested_on = (case.stage_requested_at or case.received_at).astimezone(UK).date()
        response_due = policy.stage_response_due(stage_key, requested_on, at.astimezone(UK).date())
    else:
        response_due = policy.response_due(case.kind, case.received_at, at.astimezone(UK).date())
    next_stage = policy.next_stage(stage_key) if stage_key else None
    return {
        **notification.context,
        "policy": policy,
        "stage": stage,
        "next_stage": policy.stages[next_stage] if next_stage else None,
        "outcome": policy.outcomes.get(notification.context.get("outcome", "")),
        "council": policy.council,
        "ombudsman": policy.ombudsman,
        "case": case,
        "name": contact.sender_name,
        "team": policy.service_areas[case.service_area].team,
        "kind_name": KIND_NAMES[case.kind],
        "response_due": response_due,
        "signpost": policy.signposts.get(case.exclusion) if case.exclusion else None,
        "track_url": _track_url(),
    }


def _track_url() -> str:
    """Where residents track a case: PUBLIC_BASE_URL, or `heard web`'s own address in development."""
    base = settings().public_base_url or f"http://{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '5000')}"
    return f"{base.rstrip('/')}/track"


def _compose(notification: Notification, case: Case, contact: Contact, policy: Policy, mail_from: str, context: dict[str, Any]):  # type: ignore[no-untyped-def]
    rendered = render(notification.template, **context)
    staff = notification.template.startswith("staff_")
    sender = mail_from or f"{policy.council.name} <{policy.council.email}>"
    domain = parseaddr(sender)[1].rpartition("@")[2] or "heard.invalid"
    return build_message(
        sender=sender,
        recipient=notification.recipient,
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        message_id=stable_message_id(f"notification-{notification.id}.{case.reference}", domain),
        # Replies to the resident thread onto their own message; staff reminders never do.
        in_reply_to=None if staff else (contact.thread_refs or {}).get("message_id"),
        references=[] if staff else (contact.thread_refs or {}).get("references") or [],
    )
