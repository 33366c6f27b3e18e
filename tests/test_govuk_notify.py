"""Acknowledgements through GOV.UK Notify: the official client, over real HTTP, to a local
Notify that checks its signed tokens, through the real pipeline, worker and reconciler."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime, timezone
from urllib.parse import urlencode

import pytest
import requests
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from heard import config as heard_config
from heard import jobs
from heard.queue import enqueue_triage
from heard.reconcile import reconcile
from intake.store import Received, store
from models import Case, Notification
from models.db import transaction
from models.policy import load_policy
from notify import govuk_notify
from tests import fake_notify
from tests.conftest import free_port, run_jobs
from tests.fake_notify import FakeNotify

POLICY = load_policy("huntingdonshire")
TWILIO_TOKEN = "twilio-test-auth-token"
WRONG_KEY = f"heard_test-{fake_notify.SERVICE_ID}-00000000-0000-4000-8000-000000000000"


@pytest.fixture()
def notify(smtp_sink, monkeypatch) -> Iterator[FakeNotify]:  # type: ignore[no-untyped-def]
    """Notify configured for both channels; SMTP still there, to show nothing goes by it;
    Twilio not configured, so a text can only go by Notify."""
    fake = FakeNotify().start()
    monkeypatch.setenv("NOTIFY_API_KEY", fake_notify.API_KEY)
    monkeypatch.setenv("NOTIFY_EMAIL_TEMPLATE_ID", fake_notify.EMAIL_TEMPLATE)
    monkeypatch.setenv("NOTIFY_SMS_TEMPLATE_ID", fake_notify.SMS_TEMPLATE)
    monkeypatch.setenv("NOTIFY_BASE_URL", fake.url)
    for name in ("NOTIFY_EMAIL_REPLY_TO_ID", "NOTIFY_SMS_SENDER_ID", "TWILIO_ACCOUNT_SID", "TWILIO_FROM", "TWILIO_API_BASE"):
        monkeypatch.delenv(name, raising=False)
    yield fake
    fake.stop()


def email_contact(name: str = "Ann Example", address: str = "ann@example.org") -> int:
    stored = store(Received(
        channel="web", provider_id=f"token-{address}", content_type="application/x-www-form-urlencoded",
        body=b"what_happened=bin+missed", text="My bin was missed again, the third time this month.",
        received_at=datetime(2026, 11, 18, 10, 0, tzinfo=timezone.utc),
        fields={"sender_name": name, "sender_email": address, "anonymous": False,
                "declared_category": "complaint", "declared_service_area": "waste"},
    ), POLICY)
    enqueue_triage(stored.contact_id)
    return stored.contact_id


def text_contact(server, monkeypatch, sender: str = "+447700900982") -> None:  # type: ignore[no-untyped-def]
    """A text to the council's number, through Twilio's signed webhook."""
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", TWILIO_TOKEN)
    monkeypatch.setenv("PUBLIC_BASE_URL", server.url)
    heard_config.settings.cache_clear()
    url = server.url + "/webhooks/twilio/sms"
    fields = {"MessageSid": "SM" + sender[-10:].rjust(32, "a"), "AccountSid": "AC" + "1" * 32, "From": sender,
              "To": "+441632960000", "Body": "bin not emptied again 3rd time this month!!", "NumMedia": "0"}
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(url, fields)
    response = requests.post(url, data=urlencode(fields).encode(), timeout=10,
                             headers={"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature})
    assert response.status_code == 200


def outbox() -> Notification:
    with transaction() as db:
        return db.scalars(select(Notification)).one()


def case() -> Case:
    with transaction() as db:
        return db.scalars(select(Case)).one()


def retry_later(seconds: float = 60) -> None:
    """What the scheduler does once the row's backoff has passed."""
    assert reconcile(now=time.time() + seconds).sends_queued == 1
    run_jobs()


def test_an_email_acknowledgement_goes_through_notify(notify, smtp_sink, monkeypatch):
    monkeypatch.setenv("NOTIFY_EMAIL_REPLY_TO_ID", fake_notify.REPLY_TO_ID)
    email_contact(name="<b>Ann</b> Ŵyn 🙂 [verify here](https://evil.example)")
    run_jobs()

    (request,) = notify.requests
    assert request.path == "/v2/notifications/email" and request.status == 201
    body = request.body or {}
    row, opened = outbox(), case()
    assert body["email_address"] == "ann@example.org" and body["template_id"] == fake_notify.EMAIL_TEMPLATE
    assert body["reference"] == f"notification-{row.id}" and body["email_reply_to_id"] == fake_notify.REPLY_TO_ID
    assert body["personalisation"]["subject"] == f"We have received your complaint ({opened.reference})"
    text = body["personalisation"]["body"]
    assert opened.reference in text and "Local Government and Social Care Ombudsman" in text
    # The plain-text part, the resident's name verbatim: Notify escapes HTML itself.
    assert "Dear <b>Ann</b> Ŵyn 🙂 [verify here](https://evil.example)," in text and "<p>" not in text
    assert (row.state, row.provider_id, row.attempts) == ("sent", request.answer["id"], 1)
    assert opened.state == "acknowledged"
    assert smtp_sink.messages() == []


def test_a_text_acknowledgement_goes_through_notify(notify, live_server, monkeypatch):
    monkeypatch.setenv("NOTIFY_SMS_SENDER_ID", fake_notify.SMS_SENDER_ID)
    text_contact(live_server, monkeypatch)
    run_jobs()

    (request,) = notify.sent()
    body = request.body or {}
    row, opened = outbox(), case()
    assert request.path == "/v2/notifications/sms" and body["phone_number"] == "+447700900982"
    assert body["template_id"] == fake_notify.SMS_TEMPLATE and body["sms_sender_id"] == fake_notify.SMS_SENDER_ID
    assert body["reference"] == f"notification-{row.id}" and set(body["personalisation"]) == {"body"}
    assert opened.reference in body["personalisation"]["body"] and len(body["personalisation"]["body"]) <= 306
    assert (row.channel, row.state, row.provider_id) == ("sms", "sent", request.answer["id"])
    assert opened.state == "acknowledged"


def test_sending_again_sends_nothing_twice(notify):
    email_contact()
    run_jobs()
    jobs.send_notification(outbox().id)
    assert len(notify.requests) == 1 and reconcile(now=time.time() + 86400).sends_queued == 0


def test_a_wrong_key_is_retried_later_and_not_lost(notify, monkeypatch):
    monkeypatch.setenv("NOTIFY_API_KEY", WRONG_KEY)
    email_contact()
    run_jobs()
    (refused,) = notify.requests
    assert refused.status == 403 and notify.sent() == []
    row = outbox()
    assert row.state == "sending" and row.attempts == 1 and row.next_attempt_at is not None
    assert (row.last_error or "").startswith("KeyRefused: GOV.UK Notify refused the API key")
    assert reconcile().sends_queued == 0  # backing off: not yet

    monkeypatch.setenv("NOTIFY_API_KEY", fake_notify.API_KEY)
    retry_later()
    assert len(notify.sent()) == 1
    assert (outbox().state, outbox().attempts, case().state) == ("sent", 2, "acknowledged")


def test_an_invalid_number_fails_at_once_without_retries(notify, live_server, monkeypatch):
    text_contact(live_server, monkeypatch, sender="+441632960001")  # a landline: Notify texts only mobiles
    run_jobs()
    (refused,) = notify.requests
    assert refused.status == 400 and refused.answer["errors"][0]["error"] == "ValidationError"
    row = outbox()
    assert (row.state, row.attempts) == ("failed", 1)
    assert row.last_error == "Undeliverable: GOV.UK Notify refused the message: ValidationError phone_number Not a UK mobile number"
    assert reconcile(now=time.time() + 7 * 86400).sends_queued == 0
    assert len(notify.requests) == 1 and case().state != "acknowledged"


def test_a_refusal_the_council_can_fix_is_retried(notify, monkeypatch):
    """A reply-to address that is not set up in Notify is a 400 too, but not the message's fault."""
    monkeypatch.setenv("NOTIFY_EMAIL_REPLY_TO_ID", "11111111-2222-4333-8444-555555555555")
    email_contact()
    run_jobs()
    assert [r.status for r in notify.requests] == [400]
    row = outbox()
    assert row.state == "sending" and row.next_attempt_at is not None and "does not exist" in (row.last_error or "")
    monkeypatch.setenv("NOTIFY_EMAIL_REPLY_TO_ID", fake_notify.REPLY_TO_ID)
    retry_later()
    assert outbox().state == "sent" and len(notify.sent()) == 1


@pytest.mark.parametrize("trouble", [
    fake_notify.error(500, "Exception", "Internal server error"),
    fake_notify.error(429, "RateLimitError", "Exceeded rate limit for key type LIVE of 3000 requests per 60 seconds"),
    (502, "<html><body>Bad gateway</body></html>"),
], ids=["500", "429", "502-html"])
def test_a_failure_on_notifys_side_is_retried_and_sent_once(notify, trouble):
    notify.scripted.append(trouble)
    email_contact()
    run_jobs()
    row = outbox()
    assert row.state == "sending" and row.attempts == 1 and row.next_attempt_at is not None
    assert row.last_error and row.last_error.startswith("HTTPError")
    assert reconcile().sends_queued == 0
    retry_later()
    assert [r.status for r in notify.requests] == [trouble[0], 201]
    (sent,) = notify.sent()
    assert (outbox().state, outbox().provider_id) == ("sent", sent.answer["id"])
    assert sent.body and sent.body["reference"] == f"notification-{row.id}"  # the same reference on the retry


def test_notify_unreachable_is_retried(notify, monkeypatch):
    monkeypatch.setenv("NOTIFY_BASE_URL", f"http://127.0.0.1:{free_port()}")
    email_contact()
    run_jobs()
    row = outbox()
    assert row.state == "sending" and row.next_attempt_at is not None
    assert row.last_error == "HTTP503Error: 503 - Request failed"  # how the client reports no answer
    monkeypatch.setenv("NOTIFY_BASE_URL", notify.url)
    retry_later()
    assert outbox().state == "sent" and len(notify.requests) == 1


@pytest.mark.parametrize(("variable", "value", "named"), [
    ("NOTIFY_EMAIL_TEMPLATE_ID", "template-for-acknowledgements", "NOTIFY_EMAIL_TEMPLATE_ID"),
    ("NOTIFY_API_KEY", "just-a-password", "NOTIFY_API_KEY"),
    ("NOTIFY_SMS_SENDER_ID", "Huntingdon", "NOTIFY_SMS_SENDER_ID"),
])
def test_broken_configuration_holds_messages_back_with_a_clear_error(notify, smtp_sink, monkeypatch, variable, value, named):
    monkeypatch.setenv(variable, value)
    email_contact()
    run_jobs()
    row = outbox()
    assert row.state == "sending" and row.next_attempt_at is not None
    assert (row.last_error or "").startswith("ValueError") and named in (row.last_error or "")
    assert notify.requests == [] and smtp_sink.messages() == []  # held back, not sent some other way


def test_a_key_without_templates_is_a_configuration_error(notify, monkeypatch):
    monkeypatch.delenv("NOTIFY_EMAIL_TEMPLATE_ID")
    monkeypatch.delenv("NOTIFY_SMS_TEMPLATE_ID")
    with pytest.raises(ValueError, match="neither NOTIFY_EMAIL_TEMPLATE_ID nor NOTIFY_SMS_TEMPLATE_ID"):
        govuk_notify.NotifySettings.from_environment()


def test_email_keeps_smtp_when_notify_only_sends_texts(notify, smtp_sink, monkeypatch):
    monkeypatch.delenv("NOTIFY_EMAIL_TEMPLATE_ID")
    email_contact()
    run_jobs()
    assert notify.requests == [] and len(smtp_sink.messages()) == 1 and outbox().state == "sent"


def test_without_a_notify_key_email_goes_by_smtp(notify, smtp_sink, monkeypatch):
    monkeypatch.delenv("NOTIFY_API_KEY")
    email_contact()
    run_jobs()
    assert notify.requests == []
    (message,) = smtp_sink.messages()
    assert case().reference in message["Subject"] and outbox().provider_id == message["Message-ID"]


def test_a_huge_text_is_cut_to_two_segments(notify):
    settings = govuk_notify.NotifySettings.from_environment()
    assert settings is not None
    notification_id = govuk_notify.send_sms(settings, "07700 900982", "Diolch 🙂 " * 200, "notification-9")
    (sent,) = notify.sent()
    assert sent.answer["id"] == notification_id and sent.body
    assert sent.body["personalisation"]["body"] == ("Diolch 🙂 " * 200)[:306]


class TestTheFakeChecksTokensAsNotifyDoes:
    """The local Notify must refuse what Notify refuses, or the tests above prove nothing."""

    @pytest.fixture()
    def fake(self) -> Iterator[FakeNotify]:
        server = FakeNotify().start()
        yield server
        server.stop()

    def post(self, fake: FakeNotify, authorization: str | None) -> requests.Response:
        headers = {"Authorization": authorization} if authorization is not None else {}
        body = {"phone_number": "+447700900982", "template_id": fake_notify.SMS_TEMPLATE, "personalisation": {"body": "hi"}}
        return requests.post(fake.url + "/v2/notifications/sms", json=body, headers=headers, timeout=10)

    @pytest.mark.parametrize(("authorization", "status"), [
        (lambda: None, 401),
        (lambda: "Bearer ", 401),
        (lambda: f"Basic {fake_notify.token()}", 401),
        (lambda: "Bearer not-a-token", 403),
        (lambda: f"Bearer {fake_notify.token('00000000-0000-4000-8000-000000000000')}", 403),
        (lambda: f"Bearer {fake_notify.token(iss='00000000-0000-4000-8000-000000000000')}", 403),
        (lambda: f"Bearer {fake_notify.token(iat=time.time() - 45)}", 403),
        (lambda: f"Bearer {fake_notify.token(iat=time.time() + 45)}", 403),
        (lambda: f"Bearer {fake_notify.token(algorithm='HS512')}", 403),
    ], ids=["missing", "empty", "not-bearer", "garbage", "wrong-secret", "other-service", "stale", "future", "hs512"])
    @pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")  # the HS512 token's short key
    def test_bad_tokens_are_refused(self, fake, authorization, status):
        response = self.post(fake, authorization())  # made now: a token's age is what is tested
        assert response.status_code == status and response.json()["errors"][0]["error"] == "AuthError"
        assert fake.sent() == []

    def test_a_good_token_is_accepted(self, fake):
        assert self.post(fake, f"Bearer {fake_notify.token()}").status_code == 201
