"""Sending one already-rendered email or text through GOV.UK Notify with its official client.

Heard renders every message itself, so Notify needs only two templates of its own: an
email whose subject is ((subject)) and whose body is ((body)), and a text whose body is
((body)). Each template is optional: a channel without one keeps its usual route (SMTP
for email, Twilio for texts). NOTIFY_BASE_URL points the client somewhere other than
Notify's API (a test's local server); what is sent is exactly what Notify would get.

Errors, by Notify's status code and error type (its docs say never to rely on the wording):
400 ValidationError means this message can never go (an invalid number or address):
Undeliverable. Other 400s (trial mode, a reply-to or sender id that does not exist) and
403 (a wrong key, a clock more than 30 s out) are configuration the council can fix, so
they are retried with backoff like any failure, as are 429, 5xx and no answer at all.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from notifications_python_client.errors import HTTPError
from notifications_python_client.notifications import NotificationsAPIClient

from notify.errors import Undeliverable
from notify.sms import MAX_LENGTH

NOTIFY_API = "https://api.notifications.service.gov.uk"


class KeyRefused(RuntimeError):
    """Notify refused our API key or its token (403): fixing the key, or the clock, lets the
    waiting messages go."""


@dataclass(frozen=True)
class NotifySettings:
    api_key: str = field(repr=False)  # a secret: never in a log line
    email_template_id: str | None
    sms_template_id: str | None
    email_reply_to_id: str | None
    sms_sender_id: str | None
    base_url: str

    @classmethod
    def from_environment(cls) -> NotifySettings | None:
        """None when no key is set. A key with no template, or a malformed key or id, raises
        ValueError: the send is retried until the configuration is fixed, rather than
        quietly going some other way."""
        api_key = os.environ.get("NOTIFY_API_KEY", "").strip()
        if not api_key:
            return None
        settings = cls(
            api_key=api_key,
            email_template_id=_uuid("NOTIFY_EMAIL_TEMPLATE_ID", os.environ.get("NOTIFY_EMAIL_TEMPLATE_ID")),
            sms_template_id=_uuid("NOTIFY_SMS_TEMPLATE_ID", os.environ.get("NOTIFY_SMS_TEMPLATE_ID")),
            email_reply_to_id=_uuid("NOTIFY_EMAIL_REPLY_TO_ID", os.environ.get("NOTIFY_EMAIL_REPLY_TO_ID")),
            sms_sender_id=_uuid("NOTIFY_SMS_SENDER_ID", os.environ.get("NOTIFY_SMS_SENDER_ID")),
            base_url=os.environ.get("NOTIFY_BASE_URL") or NOTIFY_API,
        )
        try:  # {key_name}-{service id}-{secret key}: the client signs with the last two parts
            uuid.UUID(api_key[-73:-37]), uuid.UUID(api_key[-36:])
        except ValueError:
            raise ValueError("NOTIFY_API_KEY is not a GOV.UK Notify API key ({name}-{service id}-{secret key})") from None
        if not (settings.email_template_id or settings.sms_template_id):
            raise ValueError("NOTIFY_API_KEY is set but neither NOTIFY_EMAIL_TEMPLATE_ID nor NOTIFY_SMS_TEMPLATE_ID is")
        return settings

    def sends(self, channel: str) -> bool:
        """Whether this channel goes through Notify: it does when it has a template."""
        return bool(self.email_template_id if channel == "email" else self.sms_template_id)


def _uuid(name: str, value: str | None) -> str | None:
    if not value or not value.strip():
        return None
    try:
        return str(uuid.UUID(value.strip()))
    except ValueError:
        raise ValueError(f"{name} is not a GOV.UK Notify id (a UUID)") from None


def send_email(settings: NotifySettings, to: str, subject: str, body: str, reference: str) -> str:
    """Send; returns Notify's notification id. `reference` is ours, stable across retries
    and free of personal data, so a resend can be matched in Notify's records."""
    assert settings.email_template_id, "email does not go through Notify without its template"
    with _refusals_explained():
        response = _client(settings).send_email_notification(
            email_address=to, template_id=settings.email_template_id, reference=reference,
            personalisation={"subject": subject, "body": body}, email_reply_to_id=settings.email_reply_to_id)
    return str(response["id"])


def send_sms(settings: NotifySettings, to: str, text: str, reference: str) -> str:
    """Send; returns Notify's notification id. Kept to two segments, as by Twilio."""
    assert settings.sms_template_id, "texts do not go through Notify without their template"
    with _refusals_explained():
        response = _client(settings).send_sms_notification(
            phone_number=to, template_id=settings.sms_template_id, reference=reference,
            personalisation={"body": text[:MAX_LENGTH]}, sms_sender_id=settings.sms_sender_id)
    return str(response["id"])


def _client(settings: NotifySettings) -> NotificationsAPIClient:
    # A new client for each send: the client is not thread-safe, and sends are few.
    return NotificationsAPIClient(settings.api_key, base_url=settings.base_url)


@contextmanager
def _refusals_explained() -> Iterator[None]:
    """Notify's refusals that are not worth the usual retries, as our own exceptions."""
    try:
        yield
    except HTTPError as exc:
        errors = exc.message if isinstance(exc.message, list) else [{"error": "", "message": exc.message}]
        described = "; ".join(f"{e.get('error', '')} {e.get('message', '')}".strip() for e in errors)
        if exc.status_code == 400 and any(e.get("error") == "ValidationError" for e in errors):
            raise Undeliverable(f"GOV.UK Notify refused the message: {described}") from exc
        if exc.status_code == 403:
            raise KeyRefused(f"GOV.UK Notify refused the API key (NOTIFY_API_KEY): {described}") from exc
        raise
