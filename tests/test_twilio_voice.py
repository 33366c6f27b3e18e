"""Phone calls: Twilio's voice webhooks over real HTTP, signed by the twilio library's own
algorithm, following the action URLs of the TwiML Heard answers, as Twilio does."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from models import CallTurn, Case, Contact, RawMessage
from models.db import transaction
from tests.conftest import run_jobs

from tests.conftest import TWILIO_TOKEN as TOKEN
CALL = "/webhooks/twilio/voice"
ANSWER = "/webhooks/twilio/voice/answer"
STATUS = "/webhooks/twilio/voice/status"
SID = "CA" + "b" * 32
CALLER = "+447700900982"
ANSWERS = {
    "what": "my green bin has been missed three weeks running on Hartford Road",
    "when": "last Tuesday and the two Tuesdays before",
    "outcome": "collect it and make sure the crew comes every week",
    "contact": "text me please",
}


@pytest.fixture()
def voice(twilio):  # type: ignore[no-untyped-def]
    return twilio


def fields(sid: str = SID, caller: str = CALLER, **extra: str) -> dict[str, str]:
    return {"CallSid": sid, "AccountSid": "AC" + "1" * 32, "From": caller, "To": "+441632960000",
            "CallStatus": "in-progress", "Direction": "inbound", "ApiVersion": "2010-04-01", **extra}


def post(url: str, params: dict[str, str], *, token: str = TOKEN, signature: str | None = None,
         content_type: str = "application/x-www-form-urlencoded", body: bytes | None = None) -> requests.Response:
    if signature is None:
        signature = RequestValidator(token).compute_signature(url, params)
    headers = {"Content-Type": content_type, "X-Twilio-Signature": signature}
    return requests.post(url, data=body if body is not None else urlencode(params).encode(), headers=headers, timeout=10)


def twiml(response: requests.Response) -> ET.Element:
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("application/xml")
    root = ET.fromstring(response.content)
    assert root.tag == "Response"
    return root


def gather(root: ET.Element) -> ET.Element:
    (found,) = root.findall("Gather")
    assert (found.get("input"), found.get("method"), found.get("language")) == ("speech", "POST", "en-GB")
    assert found.get("actionOnEmptyResult") == "true" and found.find("Say") is not None
    return found


def step_of(action: str) -> tuple[str, str]:
    query = parse_qs(urlsplit(action).query)
    return query["step"][0], query["attempt"][0]


def spoken(root: ET.Element) -> str:
    return " ".join("".join(say.itertext()) for say in root.iter("Say"))


def start(server, sid: str = SID, caller: str = CALLER) -> str:  # type: ignore[no-untyped-def]
    """Ring the number; return the first question's action URL."""
    return gather(twiml(post(server.url + CALL, fields(sid, caller, CallStatus="ringing")))).get("action") or ""


def say(action: str, speech: str | None, sid: str = SID, caller: str = CALLER, **extra: str) -> requests.Response:
    params = fields(sid, caller, **extra)
    if speech is not None:
        params.update(SpeechResult=speech, Confidence=extra.get("Confidence", "0.91"))
    return post(action, params)


def call(server, answers: dict[str, str] = ANSWERS, sid: str = SID, caller: str = CALLER) -> ET.Element:  # type: ignore[no-untyped-def]
    """A whole call, question by question; returns the last TwiML."""
    action = start(server, sid, caller)
    for step in ("what", "when", "outcome", "contact"):
        assert step_of(action) == (step, "1")
        root = twiml(say(action, answers[step], sid, caller))
        if step != "contact":
            action = gather(root).get("action") or ""
    return root


def hang_up(server, sid: str = SID, status: str = "completed") -> requests.Response:  # type: ignore[no-untyped-def]
    return post(server.url + STATUS, fields(sid, CallStatus=status, CallDuration="42"))


def contacts() -> list[Contact]:
    with transaction() as db:
        return list(db.scalars(select(Contact).order_by(Contact.id)))


def turns() -> int:
    with transaction() as db:
        return db.scalar(select(func.count()).select_from(CallTurn)) or 0


def raw_of(contact: Contact) -> RawMessage:
    with transaction() as db:
        return db.get_one(RawMessage, contact.raw_message_id)


def test_a_whole_call_becomes_one_contact_acknowledged_by_text(voice):
    server, sink = voice
    greeting = twiml(post(server.url + CALL, fields(CallStatus="ringing")))
    assert "Huntingdonshire District Council" in spoken(greeting)
    first = gather(greeting).get("action") or ""
    assert first.startswith(server.url + ANSWER) and step_of(first) == ("what", "1")
    assert contacts() == []  # nothing is a contact until the call is

    last = call(server)
    assert last.find("Gather") is None and last.find("Hangup") is not None
    (contact,) = contacts()
    assert contact.reference and contact.reference.startswith("HDC-")
    assert spoken(last).count(contact.reference) == 2 and "text message" in spoken(last)
    assert (contact.channel, contact.sender_phone, contact.state) == ("voice", CALLER, "received")
    assert contact.text.startswith(ANSWERS["what"]) and f"When it happened: {ANSWERS['when']}" in contact.text
    assert (contact.when_happened, contact.desired_outcome) == (ANSWERS["when"], ANSWERS["outcome"])
    raw = raw_of(contact)
    assert raw.provider_id == SID and raw.flags == []
    transcript = json.loads(raw.body)
    assert [t["step"] for t in transcript["turns"]] == ["what", "when", "outcome", "contact"]
    assert transcript["turns"][0]["speech"] == ANSWERS["what"] and "SpeechResult=" in transcript["turns"][0]["request"]

    assert hang_up(server).status_code == 204  # Twilio's status callback after the goodbye
    assert len(contacts()) == 1 and "caller_hung_up" not in raw_of(contact).flags

    run_jobs()
    assert contacts()[0].state == "triaged"
    (sent,) = sink.messages()
    assert sent["to"] == CALLER and contact.reference in str(sent["body"])


def test_silence_is_asked_again_once_then_the_call_moves_on(voice):
    server, _ = voice
    action = start(server)
    again = twiml(say(action, None))  # Twilio posts the action with no SpeechResult
    assert "didn't hear" in spoken(again)
    retry = gather(again).get("action") or ""
    assert step_of(retry) == ("what", "2")
    moved_on = gather(twiml(say(retry, "")))
    assert step_of(moved_on.get("action") or "") == ("when", "1")
    action = moved_on.get("action") or ""
    for step in ("when", "outcome"):
        action = gather(twiml(say(action, ANSWERS[step]))).get("action") or ""
    assert twiml(say(action, ANSWERS["contact"])).find("Hangup") is not None
    (contact,) = contacts()
    assert contact.text.startswith("When it happened:") and ANSWERS["what"] not in contact.text
    assert turns() == 5


def test_a_reposted_step_is_one_turn_and_the_same_answer(voice):
    server, _ = voice
    action = start(server)
    first, again = say(action, ANSWERS["what"]), say(action, ANSWERS["what"])
    assert first.content == again.content and turns() == 1
    changed = say(action, "something else entirely")  # a re-post can never rewrite the answer
    assert changed.content == first.content and turns() == 1

    last = call(server)
    (contact,) = contacts()
    final = ET.fromstring(say(last_action(server), ANSWERS["contact"]).content)
    assert spoken(final) == spoken(last) and len(contacts()) == 1 and turns() == 4
    assert "something else" not in contact.text

    other = "CA" + "c" * 32
    action = start(server, other)
    silence = say(action, None, other)
    assert say(action, "speech arriving on a re-post", other).content == silence.content  # the stored silence stands


def last_action(server) -> str:  # type: ignore[no-untyped-def]
    return f"{server.url}{ANSWER}?step=contact&attempt=1"


def test_a_caller_who_hangs_up_half_way_is_still_one_contact(voice):
    server, sink = voice
    action = start(server)
    action = gather(twiml(say(action, ANSWERS["what"]))).get("action") or ""
    gather(twiml(say(action, ANSWERS["when"])))
    assert contacts() == []
    for _ in range(2):  # Twilio's status callback, and a retry of it
        assert hang_up(server).status_code == 204
    (contact,) = contacts()
    assert contact.text == f"{ANSWERS['what']}\nWhen it happened: {ANSWERS['when']}"
    assert contact.desired_outcome is None and "caller_hung_up" in raw_of(contact).flags
    run_jobs()
    (sent,) = sink.messages()
    assert sent["to"] == CALLER and contact.reference in str(sent["body"])


def test_a_call_whose_status_callback_never_comes_is_finished_by_the_reconciler(voice):
    import time

    from heard.reconcile import reconcile

    server, _ = voice
    action = start(server)
    gather(twiml(say(action, ANSWERS["what"])))
    assert reconcile().calls_finished == 0 and contacts() == []  # a call in progress is left alone
    assert reconcile(now=time.time() + 3700).calls_finished == 1  # an hour after its last answer
    (contact,) = contacts()
    assert contact.text == ANSWERS["what"] and contact.sender_phone == CALLER
    assert "caller_hung_up" in raw_of(contact).flags
    assert reconcile(now=time.time() + 3700).calls_finished == 0 and len(contacts()) == 1
    assert hang_up(server).status_code == 204 and len(contacts()) == 1  # a late callback changes nothing


def test_the_same_call_sid_after_the_call_makes_no_second_contact(voice):
    server, _ = voice
    first = call(server)
    hang_up(server)
    (contact,) = contacts()
    replay = twiml(say(start(server), "a different complaint about parking"))  # the whole call again
    assert replay.find("Gather") is None and spoken(replay) == spoken(first)
    assert hang_up(server).status_code == 204
    assert [c.id for c in contacts()] == [contact.id] and contacts()[0].text == contact.text


def test_ringing_and_other_live_statuses_store_nothing(voice):
    server, _ = voice
    for status in ("ringing", "in-progress"):
        assert hang_up(server, status=status).status_code == 204
    assert contacts() == [] and turns() == 0


def test_a_silent_call_is_kept_as_noise_and_never_acknowledged(voice):
    server, sink = voice
    start(server)
    assert hang_up(server, status="completed").status_code == 204
    (contact,) = contacts()
    assert (contact.state, contact.noise, contact.text) == ("noise", "silent_call", "")
    run_jobs()
    with transaction() as db:
        assert db.scalar(select(func.count()).select_from(Case)) == 0
    assert sink.messages() == []


def test_low_confidence_speech_is_kept_with_its_confidence(voice):
    server, _ = voice
    action = start(server)
    action = gather(twiml(say(action, "bins mist agen", Confidence="0.21"))).get("action") or ""
    say(action, "yesterday", Confidence="not-a-number")
    hang_up(server)
    (contact,) = contacts()
    assert contact.text.startswith("bins mist agen")
    assert contact.thread_refs["confidence"] == {"what": 0.21, "when": None}
    assert "low_confidence" in raw_of(contact).flags


def test_a_spoken_email_address_and_reference_are_recognised(voice, smtp_sink):
    server, sink = voice
    last = call(server, {**ANSWERS, "what": "it's about my complaint reference HDC 2026 000123 the bins again",
                         "contact": "my email is ann dot smith at example dot org"})
    (contact,) = contacts()
    assert contact.sender_email == "ann.smith@example.org" and contact.sender_phone == CALLER
    assert contact.thread_refs["references_spoken"] == ["HDC 2026 000123"]
    assert "email it to you" in spoken(last)
    run_jobs()
    (mail,) = smtp_sink.wait_for(1)
    assert mail["To"] == "ann.smith@example.org" and contact.reference in mail["Subject"]
    assert sink.messages() == []  # email when there is an address, as the caller was told


def test_a_withheld_number_is_no_number(voice):
    server, sink = voice
    last = call(server, caller="anonymous")
    (contact,) = contacts()
    assert contact.sender_phone is None and "make a note" in spoken(last)
    run_jobs()
    assert contacts()[0].state == "triaged" and sink.messages() == []


def test_html_welsh_and_emoji_are_stored_as_text_and_never_echoed(voice):
    server, _ = voice
    hostile = "<script>alert('x')</script> <b>mae'r bin ŵ wedi'i fethu</b> 🙂"
    action = start(server)
    response = say(action, hostile)
    assert b"script" not in response.content and b"<b>" not in response.content
    gather(twiml(response))
    hang_up(server)
    (contact,) = contacts()
    assert contact.text == hostile


def test_an_oversize_answer_is_refused_and_a_long_one_truncated(voice):
    server, _ = voice
    action = start(server)
    assert say(action, "x" * 300_000).status_code == 413
    assert turns() == 0
    gather(twiml(say(action, "word " * 2000)))
    hang_up(server)
    (contact,) = contacts()
    assert len(contact.text) == 5000 and "truncated" in raw_of(contact).flags


@pytest.mark.parametrize("path", [CALL, ANSWER + "?step=what&attempt=1", STATUS])
@pytest.mark.parametrize("tamper", ["missing", "wrong_token", "changed_body", "other_url", "empty", "no_token_configured"])
def test_bad_signatures_are_refused_and_nothing_is_stored(voice, monkeypatch, path, tamper):
    server, _ = voice
    url = server.url + path
    params = fields(SpeechResult=ANSWERS["what"], CallStatus="completed")
    if tamper == "missing":
        response = requests.post(url, data=params, timeout=10)
    elif tamper == "wrong_token":
        response = post(url, params, token="not-the-token")
    elif tamper == "changed_body":
        signature = RequestValidator(TOKEN).compute_signature(url, params)
        response = post(url, {**params, "SpeechResult": "forged"}, signature=signature)
    elif tamper == "other_url":
        response = post(url, params, signature=RequestValidator(TOKEN).compute_signature(server.url + CALL + "x", params))
    elif tamper == "empty":
        response = post(url, params, signature="")
    else:
        monkeypatch.delenv("TWILIO_AUTH_TOKEN")
        response = post(url, params)
    assert response.status_code == 403 and "error" in response.json()
    assert contacts() == [] and turns() == 0


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        (CALL, {"From": CALLER}, 400),  # no CallSid
        (CALL, fields(sid="XX123"), 400),
        (ANSWER + "?step=what&attempt=1", fields(sid="CA' OR 1=1 --", SpeechResult="x"), 400),
        (ANSWER + "?step=complain&attempt=1", fields(SpeechResult="x"), 400),
        (ANSWER + "?step=what&attempt=3", fields(SpeechResult="x"), 400),
        (ANSWER + "?step=what", fields(SpeechResult="x"), 400),
        (STATUS, fields(sid="", CallStatus="completed"), 400),
    ],
)
def test_malformed_requests_are_400_and_store_nothing(voice, path, params, status):
    server, _ = voice
    response = post(server.url + path, params)
    assert response.status_code == status and "error" in response.json()
    assert contacts() == [] and turns() == 0


def test_wrong_encoding_type_and_method_are_refused(voice):
    server, _ = voice
    url = server.url + ANSWER + "?step=what&attempt=1"
    not_utf8 = urlencode(fields()).encode() + b"&SpeechResult=%FF%FEbins"
    assert post(url, fields(), body=not_utf8).status_code == 400
    assert post(url, fields(SpeechResult="x"), content_type="application/json").status_code == 415
    assert requests.get(server.url + CALL, timeout=10).status_code == 405
    assert contacts() == [] and turns() == 0
