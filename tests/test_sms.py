"""Text messages: Twilio's webhook over real HTTP, signed by the twilio library's own
algorithm, and acknowledgements sent by the twilio client to a local Messages API."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
import requests
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from models import Notification
from models.db import transaction
from tests.conftest import run_jobs
from tests.stored import contacts

from tests.conftest import TWILIO_TOKEN as TOKEN
PATH = "/webhooks/twilio/sms"


@pytest.fixture()
def sms(twilio):  # type: ignore[no-untyped-def]
    return twilio


def params(sid: str = "SM" + "a" * 32, body: str = "bin not emptied again 3rd time this month!!", **extra: str) -> dict[str, str]:
    return {"MessageSid": sid, "AccountSid": "AC" + "1" * 32, "From": "+447700900982", "To": "+441632960000",
            "Body": body, "NumMedia": "0", **extra}


def post(server, fields: dict[str, str], *, token: str = TOKEN, signature: str | None = None,  # type: ignore[no-untyped-def]
         content_type: str = "application/x-www-form-urlencoded", url_suffix: str = "") -> requests.Response:
    url = server.url + PATH + url_suffix
    headers = {"Content-Type": content_type}
    headers["X-Twilio-Signature"] = signature if signature is not None else RequestValidator(token).compute_signature(url, fields)
    return requests.post(url, data=urlencode(fields).encode(), headers=headers, timeout=10)




def test_a_signed_text_is_stored_and_acknowledged_by_text(sms):
    server, sink = sms
    response = post(server, params())
    assert response.status_code == 200 and response.text.endswith("<Response/>")
    (contact,) = contacts()
    assert (contact.channel, contact.sender_phone) == ("sms", "+447700900982")
    run_jobs()
    (sent,) = sink.messages()
    assert sent["to"] == "+447700900982" and contact.reference in str(sent["body"])
    assert len(str(sent["body"])) <= 306
    with transaction() as db:
        notification = db.scalars(select(Notification)).one()
        assert (notification.channel, notification.state, notification.provider_id) == ("sms", "sent", sent["sid"])


def test_twilio_retrying_the_same_message_is_one_contact(sms):
    server, _ = sms
    assert post(server, params()).status_code == 200
    assert post(server, params()).status_code == 200
    assert len(contacts()) == 1


def test_welsh_text_and_a_query_string_are_signed_as_sent(sms):
    server, _ = sms
    assert post(server, params(body="Diolch! Mae'r bin ŵ wedi'i gasglu 🙂"), url_suffix="?council=hdc&x=1").status_code == 200
    assert "ŵ" in contacts()[0].text


@pytest.mark.parametrize("tamper", ["missing", "wrong_token", "changed_body", "empty"])
def test_bad_signatures_are_refused_and_nothing_is_stored(sms, tamper):
    server, _ = sms
    fields = params()
    if tamper == "missing":
        response = requests.post(server.url + PATH, data=fields, timeout=10)
    elif tamper == "wrong_token":
        response = post(server, fields, token="not-the-token")
    elif tamper == "changed_body":
        signature = RequestValidator(TOKEN).compute_signature(server.url + PATH, fields)
        response = post(server, {**fields, "Body": "something else"}, signature=signature)
    else:
        response = post(server, fields, signature="")
    assert response.status_code == 403
    assert contacts() == []


def test_no_auth_token_configured_refuses_everything(sms, monkeypatch):
    server, _ = sms
    monkeypatch.delenv("TWILIO_AUTH_TOKEN")
    assert post(server, params()).status_code == 403
    assert contacts() == []


def test_broken_requests_are_refused(sms):
    server, _ = sms
    assert post(server, params(sid="XX123")).status_code == 400
    assert post(server, params(), content_type="application/json").status_code == 415
    assert post(server, params(body="x" * 300_000)).status_code == 413
    assert requests.get(server.url + PATH, timeout=10).status_code == 405
    assert contacts() == []


def test_picture_messages_list_their_media_without_fetching_it(sms):
    server, _ = sms
    post(server, params(NumMedia="1", MediaContentType0="image/jpeg", MediaUrl0="https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1"))
    (contact,) = contacts()
    assert contact.attachments[0]["content_type"] == "image/jpeg" and contact.attachments[0]["size"] == 0
