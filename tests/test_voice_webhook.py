"""The generic voice-bot transcript webhook over real HTTP, signed with the real algorithm."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta, timezone

import pytest
import requests
from sqlalchemy import select
from standardwebhooks import Webhook

from models import Contact, RawMessage
from models.db import transaction
from tests.conftest import run_jobs

SECRET = "whsec_" + base64.b64encode(b"a-test-secret-of-32-bytes-length!").decode()
PATH = "/webhooks/voice/transcript"


@pytest.fixture()
def voice(live_server, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("VOICE_WEBHOOK_SECRET", SECRET)
    return live_server


def event(call_id: str = "call-1", caller_turns: tuple[str, ...] = ("my bin was missed again | third time this month",),
          **data: object) -> dict:
    segments = [{"speaker": "bot", "text": "Hello, you're through to the council. How can I help?"}]
    for turn in caller_turns:
        segments += [{"speaker": "caller", "text": turn, "confidence": 0.91}, {"speaker": "bot", "text": "Thank you."}]
    return {"type": "call.transcript.completed", "timestamp": "2026-11-20T10:05:00Z",
            "data": {"platform": "acme-voice", "call_id": call_id, "from": "07700 900982", "to": "+441480775799",
                     "started_at": "2026-11-20T10:00:00Z", "ended_at": "2026-11-20T10:05:00Z",
                     "transcript": {"segments": segments}, "future_field": {"ignored": True}, **data}}


def signed(body: bytes, *, event_id: str = "msg_1", when: datetime | None = None, secret: str = SECRET) -> dict[str, str]:
    when = when or datetime.now(timezone.utc)
    signature = Webhook(secret).sign(event_id, when, body.decode())
    return {"content-type": "application/json", "webhook-id": event_id,
            "webhook-timestamp": str(int(when.timestamp())), "webhook-signature": signature}


def post(server, body: bytes, headers: dict[str, str]) -> requests.Response:  # type: ignore[no-untyped-def]
    return requests.post(server.url + PATH, data=body, headers=headers, timeout=10)


def contacts() -> list[Contact]:
    with transaction() as db:
        return list(db.scalars(select(Contact).order_by(Contact.id)))


def test_a_signed_transcript_becomes_a_voice_contact(voice):
    body = json.dumps(event()).encode()
    response = post(voice, body, signed(body))
    assert response.status_code == 201 and response.json()["reference"].startswith("HDC-")
    (contact,) = contacts()
    assert contact.channel == "voice" and contact.sender_phone == "+447700900982"
    assert contact.text == "my bin was missed again | third time this month"  # the caller's words only
    with transaction() as db:
        assert db.get_one(RawMessage, contact.raw_message_id).body == body
    run_jobs()
    assert contacts()[0].state == "triaged"


def test_welsh_and_emoji_are_verified_over_the_raw_bytes(voice):
    body = json.dumps(event(caller_turns=("mae'r bin heb ei gasglu ŵ ŷ 🙂",)), ensure_ascii=False).encode()
    assert post(voice, body, signed(body)).status_code == 201
    assert "ŵ ŷ 🙂" in contacts()[0].text


def test_retries_and_replays_of_the_same_call_are_one_contact(voice):
    body = json.dumps(event()).encode()
    first = post(voice, body, signed(body))
    again = post(voice, body, signed(body))  # the same event, retried
    other_id = post(voice, body, signed(body, event_id="msg_2"))  # re-sent as a new event
    assert (first.status_code, again.status_code, other_id.status_code) == (201, 200, 200)
    assert again.json() == {"reference": first.json()["reference"], "duplicate": True}
    assert len(contacts()) == 1


@pytest.mark.parametrize(
    "tamper",
    ["missing", "wrong_secret", "changed_body", "stale", "future", "garbage_signature", "unknown_version"],
)
def test_bad_signatures_are_refused_and_nothing_is_stored(voice, tamper):
    body = json.dumps(event()).encode()
    headers = signed(body)
    if tamper == "missing":
        del headers["webhook-signature"]
    elif tamper == "wrong_secret":
        headers = signed(body, secret="whsec_" + base64.b64encode(b"another-secret-entirely-32-bytes").decode())
    elif tamper == "changed_body":
        body = body.replace(b"third", b"fourth")
    elif tamper == "stale":
        headers = signed(body, when=datetime.now(timezone.utc) - timedelta(minutes=6))  # a captured, replayed request
    elif tamper == "future":
        headers = signed(body, when=datetime.now(timezone.utc) + timedelta(minutes=6))
    elif tamper == "garbage_signature":
        headers["webhook-signature"] = "not-a-signature"
    elif tamper == "unknown_version":
        headers["webhook-signature"] = headers["webhook-signature"].replace("v1,", "v9,")
    response = post(voice, body, headers)
    assert response.status_code == 403 and "error" in response.json()
    assert contacts() == []


def test_no_secret_configured_refuses_everything(live_server, monkeypatch):
    monkeypatch.delenv("VOICE_WEBHOOK_SECRET", raising=False)
    body = json.dumps(event()).encode()
    assert post(live_server, body, signed(body)).status_code == 403
    assert contacts() == []


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"{not json", 400),
        (json.dumps({"type": "call.started", "data": {}}).encode(), 400),
        (json.dumps(event(transcript={"segments": "nope"})).encode(), 400),
        (b"\xff\xfe\x00 not utf-8", 400),
        (json.dumps([1, 2, 3]).encode(), 400),
    ],
)
def test_malformed_bodies_are_400_and_store_nothing(voice, body, status):
    response = post(voice, body, signed(body) if body[:1] != b"\xff" else {**signed(b"x"), "content-type": "application/json"})
    assert response.status_code == status
    assert contacts() == []


def test_oversize_wrong_type_and_wrong_method(voice):
    big = json.dumps(event(caller_turns=("x" * 19_000,) * 30)).encode()
    assert len(big) > 256 * 1024
    response = post(voice, big, signed(big))
    assert response.status_code == 413 and "error" in response.json()
    body = json.dumps(event()).encode()
    assert post(voice, body, {**signed(body), "content-type": "text/plain"}).status_code == 415
    assert requests.get(voice.url + PATH, timeout=10).status_code == 405
    assert contacts() == []


def test_a_call_that_hung_up_half_way_is_still_a_contact(voice):
    body = json.dumps(event(caller_turns=("er hello i want to report a", ), ended_by="caller")).encode()
    assert post(voice, body, signed(body)).status_code == 201
    (contact,) = contacts()
    assert contact.text == "er hello i want to report a"
    with transaction() as db:
        assert "caller_hung_up" in db.get_one(RawMessage, contact.raw_message_id).flags


def test_a_spoken_email_address_and_reference_are_recognised(voice):
    body = json.dumps(event(caller_turns=("my email is ann dot smith at example dot org",
                                          "my reference is HDC-2026-000123"))).encode()
    post(voice, body, signed(body))
    (contact,) = contacts()
    assert contact.thread_refs["references_spoken"] == ["HDC-2026-000123"]
    assert contact.sender_email == "ann.smith@example.org"


def test_the_webhook_url_and_its_openapi_document_are_served(voice):
    document = requests.get(voice.url + "/openapi.json", timeout=10).json()
    assert PATH in document["paths"] and "post" in document["paths"][PATH]
    assert {p["name"] for p in document["paths"][PATH]["post"]["parameters"]} == {"webhook-id", "webhook-timestamp", "webhook-signature"}
