"""Meta's webhooks (Facebook Page, Messenger, Instagram) over real HTTP, signed with the real
algorithm: HMAC-SHA256 over the exact bytes, as Meta writes them (non-ASCII and "/" escaped)."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
import requests
from sqlalchemy import select

from heard import config as heard_config
from models import Case, CaseEvent, Notification, RawMessage
from models.db import transaction
from tests.conftest import run_jobs
from tests.stored import contacts, raw_rows

SECRET = "meta-test-app-secret"
VERIFY_TOKEN = "meta-test-verify-token"
PATH = "/webhooks/meta"
PAGE = "104012345678901"
IG_ACCOUNT = "17841400000000001"
COMPLAINT = "The bin lorry has missed our street for the third week running. Please sort it out."


@pytest.fixture()
def meta(live_server, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("META_APP_SECRET", SECRET)
    monkeypatch.setenv("META_VERIFY_TOKEN", VERIFY_TOKEN)
    return live_server


def now_ms() -> int:
    return int(time.time() * 1000)


def message(mid: str = "m_AbC123", text: str | None = COMPLAINT, sender: str = "7000000000000001", **extra: Any) -> dict:
    body: dict[str, Any] = {"mid": mid, **extra}
    if text is not None:
        body["text"] = text
    return {"sender": {"id": sender}, "recipient": {"id": PAGE}, "timestamp": now_ms(), "message": body}


def envelope(*events: dict, obj: str = "page", account: str = PAGE, changes: list[dict] | None = None) -> dict:
    entry: dict[str, Any] = {"id": account, "time": now_ms(), "messaging": list(events)}
    if changes is not None:
        entry["changes"] = changes
    return {"object": obj, "entry": [entry]}


def as_meta_sends(data: Any) -> bytes:
    """Compact JSON with non-ASCII escaped as lowercase \\uXXXX and "/" as "\\/", as Meta writes it."""
    return json.dumps(data, separators=(",", ":"), ensure_ascii=True).replace("/", "\\/").encode()


def sign(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def post(server, body: bytes, signature: str | None = None, *, content_type: str = "application/json"):  # type: ignore[no-untyped-def]
    headers = {"Content-Type": content_type, "X-Hub-Signature-256": signature if signature is not None else sign(body)}
    return requests.post(server.url + PATH, data=body, headers=headers, timeout=10)


def send(server, data: Any) -> requests.Response:  # type: ignore[no-untyped-def]
    response = post(server, as_meta_sends(data))
    assert response.status_code == 200, response.text
    return response


# The subscription handshake


def handshake(server, **params: str) -> requests.Response:  # type: ignore[no-untyped-def]
    query = {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444", **params}
    return requests.get(server.url + PATH, params=query, timeout=10)


def test_the_subscription_handshake_echoes_the_challenge_as_plain_text(meta):
    response = handshake(meta)
    assert response.status_code == 200
    assert response.text == "1158201444" and response.headers["Content-Type"].startswith("text/plain")


@pytest.mark.parametrize("params", [{"hub.verify_token": "not-the-token"}, {"hub.verify_token": ""},
                                    {"hub.mode": "unsubscribe"}, {"hub.mode": ""}])
def test_a_wrong_token_or_mode_is_refused(meta, params):
    response = handshake(meta, **params)
    assert response.status_code == 403 and "1158201444" not in response.text


def test_no_verify_token_configured_refuses_every_handshake(meta, monkeypatch):
    monkeypatch.delenv("META_VERIFY_TOKEN")
    assert handshake(meta).status_code == 403
    assert handshake(meta, **{"hub.verify_token": ""}).status_code == 403  # empty never equals empty


def test_a_challenge_that_is_markup_is_not_reflected(meta):
    response = handshake(meta, **{"hub.challenge": "<script>alert(1)</script>"})
    assert response.status_code == 400 and "<script>" not in response.text


# Signed notifications


def test_a_signed_page_message_becomes_a_social_contact(meta):
    body = as_meta_sends(envelope(message()))
    response = post(meta, body)
    assert response.status_code == 200
    assert response.json() == {"new": 1, "duplicates": 0, "edits": 0, "malformed": 0}
    (contact,) = contacts()
    assert (contact.channel, contact.text, contact.state) == ("social", COMPLAINT, "received")
    assert contact.reference.startswith("HDC-")
    assert contact.thread_refs["platform"] == "facebook" and contact.thread_refs["sender_id"] == "7000000000000001"
    assert contact.sender_email is None and contact.sender_phone is None
    (raw,) = raw_rows()
    assert raw.body == body and raw.provider_id == "facebook:message:m_AbC123"  # the exact bytes that were signed


def test_welsh_accents_and_emoji_escaped_by_meta_verify_over_the_raw_bytes(meta):
    text = "Mae'r bin heb ei gasglu ers pythefnos — ŵ ŷ â é ï 🙂 https://example.org/lluniau"
    body = as_meta_sends(envelope(message(text=text)))
    assert b"\\u0175" in body and b"\\ud83d\\ude42" in body and b"\\/" in body  # escaped, as Meta sends it
    assert json.dumps(json.loads(body)).encode() != body  # so re-serialised JSON could not verify
    assert post(meta, body).status_code == 200
    assert contacts()[0].text == text


@pytest.mark.parametrize("tamper", ["missing", "wrong_secret", "changed_body", "sha1_only", "garbage", "empty", "hex_of_nothing"])
def test_bad_signatures_are_refused_and_nothing_is_stored(meta, tamper):
    body = as_meta_sends(envelope(message()))
    signature = sign(body)
    headers = {"Content-Type": "application/json", "X-Hub-Signature-256": signature}
    if tamper == "missing":
        del headers["X-Hub-Signature-256"]
    elif tamper == "wrong_secret":
        headers["X-Hub-Signature-256"] = sign(body, "another-app-secret")
    elif tamper == "changed_body":
        body = body.replace(b"third", b"fourth")
    elif tamper == "sha1_only":
        del headers["X-Hub-Signature-256"]
        headers["X-Hub-Signature"] = "sha1=" + hmac.new(SECRET.encode(), body, hashlib.sha1).hexdigest()
    elif tamper == "garbage":
        headers["X-Hub-Signature-256"] = "sha256=ŵŵŵ not hex"
    elif tamper == "empty":
        headers["X-Hub-Signature-256"] = ""
    else:
        headers["X-Hub-Signature-256"] = "sha256=" + hashlib.sha256(body).hexdigest()  # a hash, not an HMAC
    response = requests.post(meta.url + PATH, data=body, headers={k: v.encode() for k, v in headers.items()}, timeout=10)
    assert response.status_code == 403 and "error" in response.json()
    assert contacts() == [] and raw_rows() == []


def test_no_app_secret_configured_refuses_everything(meta, monkeypatch):
    monkeypatch.delenv("META_APP_SECRET")
    body = as_meta_sends(envelope(message()))
    assert post(meta, body).status_code == 403
    assert post(meta, body, sign(body, "")).status_code == 403  # an empty key signs nothing
    assert contacts() == []


def test_retries_and_replays_are_one_contact(meta):
    body = as_meta_sends(envelope(message()))
    assert post(meta, body).json()["new"] == 1
    assert post(meta, body).json() == {"new": 0, "duplicates": 1, "edits": 0, "malformed": 0}
    send(meta, envelope(message(), message(mid="m_other")))  # the same message again inside a later batch
    assert [c.thread_refs["mid"] for c in contacts()] == ["m_AbC123", "m_other"]


def test_a_batch_of_entries_and_events_is_stored_event_by_event(meta):
    page_comment = {"field": "feed", "value": {"item": "comment", "verb": "add", "comment_id": "555_901",
                                               "post_id": "555", "from": {"id": "8000000000000002", "name": "Ann Example"},
                                               "message": "Potholes on Ermine Street again", "created_time": int(time.time())}}
    data = envelope(message(mid="m_1", text="first"), message(mid="m_2", text="second"),
                    message(mid="m_echo", text="Thanks, we'll look", is_echo=True, app_id=1234),
                    {"sender": {"id": "7000000000000001"}, "recipient": {"id": PAGE}, "delivery": {"mids": ["m_x"], "watermark": 1}},
                    {"sender": {"id": "7000000000000001"}, "recipient": {"id": PAGE}, "read": {"watermark": 1}},
                    changes=[page_comment])
    data["entry"].append({"id": PAGE, "time": now_ms(), "messaging": [message(mid="m_3", text="third")]})
    body = as_meta_sends(data)
    assert post(meta, body).json() == {"new": 4, "duplicates": 0, "edits": 0, "malformed": 0}
    found = contacts()
    assert [c.text for c in found] == ["first", "second", "Potholes on Ermine Street again", "third"]
    assert found[2].sender_name == "Ann Example" and found[2].thread_refs["kind"] == "comment"
    rows = raw_rows()
    assert all("split_from_batch" in r.flags for r in rows)
    assert found[0].thread_refs["batch_sha256"] == hashlib.sha256(body).hexdigest()
    single = json.loads(rows[0].body)  # each stored event is a notification of its own
    assert single["entry"][0]["messaging"][0]["message"]["mid"] == "m_1"
    assert post(meta, body).json()["duplicates"] == 4 and len(contacts()) == 4


def test_echoes_receipts_reactions_deleted_and_empty_events_store_nothing(meta):
    events = [message(mid="m_echo", is_echo=True), message(mid="m_gone", is_deleted=True),
              message(mid="m_empty", text=""), message(mid="m_blank", text=None, is_unsupported=True),
              message(mid="m_page", sender=PAGE),
              {"sender": {"id": "1"}, "recipient": {"id": PAGE}, "timestamp": 1, "reaction": {"mid": "m_1", "action": "react"}},
              {"sender": {"id": "1"}, "recipient": {"id": PAGE}, "timestamp": 1, "postback": {"title": "Start", "payload": "GO"}}]
    own_comment = {"field": "feed", "value": {"item": "comment", "verb": "add", "comment_id": "1_2",
                                              "from": {"id": PAGE, "name": "The Council"}, "message": "We're on it"}}
    removed = {"field": "feed", "value": {"item": "comment", "verb": "remove", "comment_id": "1_3", "from": {"id": "9"}}}
    like = {"field": "feed", "value": {"item": "reaction", "verb": "add", "reaction_type": "like", "from": {"id": "9"}}}
    response = send(meta, envelope(*events, changes=[own_comment, removed, like]))
    assert response.json() == {"new": 0, "duplicates": 0, "edits": 0, "malformed": 0}
    assert contacts() == [] and raw_rows() == []


def test_notifications_for_other_objects_are_answered_and_ignored(meta):
    assert send(meta, {"object": "user", "entry": [{"id": "1", "changes": [{"field": "email"}]}]}).json()["new"] == 0
    assert contacts() == []


def test_instagram_messages_and_comments_become_contacts_and_own_replies_do_not(meta):
    dm = message(mid="aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQx", text="Is the tip open on Sunday?")
    dm["recipient"] = {"id": IG_ACCOUNT}
    comment = {"field": "comments", "value": {"id": "17865799348089039", "text": "Street lights out on Hartford Rd",
                                              "from": {"id": "17841405309211844", "username": "resident.ann"},
                                              "media": {"id": "18011112222", "media_product_type": "FEED"}}}
    reply = {"field": "comments", "value": {"id": "17865799348089040", "text": "Thanks, reported",
                                            "from": {"id": IG_ACCOUNT, "username": "thecouncil"}, "media": {"id": "18011112222"}}}
    send(meta, envelope(dm, obj="instagram", account=IG_ACCOUNT, changes=[comment, reply]))
    first, second = contacts()
    assert first.thread_refs["platform"] == "instagram" and first.text == "Is the tip open on Sunday?"
    assert second.sender_handle == "@resident.ann" and second.thread_refs["media_id"] == "18011112222"
    assert {r.provider_id for r in raw_rows()} == {"instagram:message:aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQx",
                                                    "instagram:comment:17865799348089039"}


# Edits


def edit(mid: str = "m_AbC123", text: str = "edited", number: int | str = 1) -> dict:
    return {"sender": {"id": "7000000000000001"}, "recipient": {"id": PAGE}, "timestamp": now_ms(),
            "message_edit": {"mid": mid, "text": text, "num_edit": number}}


def test_an_edit_before_triage_updates_the_contact_instead_of_duplicating_it(meta):
    send(meta, envelope(message(text="bin mised")))
    assert send(meta, envelope(edit(text="Bin missed on Hartford Road", number="2"))).json()["edits"] == 1
    assert send(meta, envelope(edit(text="Bin missed on Hartford Road", number=2))).json()["duplicates"] == 1
    send(meta, envelope(edit(text="an older edit, arriving late", number=1)))
    (contact,) = contacts()
    assert contact.text == "Bin missed on Hartford Road"  # the latest edit wins, whatever the order
    assert [e["number"] for e in contact.thread_refs["edits"]] == [2, 1]
    assert len(raw_rows()) == 3  # the original and both edits are kept as received
    run_jobs()
    with transaction() as db:
        assert db.scalars(select(Case.summary)).one().startswith("Bin missed on Hartford Road")


def test_an_edit_after_triage_is_recorded_on_the_case_and_the_decision_stands(meta):
    send(meta, envelope(message()))
    run_jobs()
    send(meta, envelope(edit(text="Actually it was collected late, not missed", number=2)))
    (contact,) = contacts()
    assert contact.text == COMPLAINT and contact.thread_refs["edits"][0]["text"].startswith("Actually")
    with transaction() as db:
        (event,) = db.scalars(select(CaseEvent).where(CaseEvent.kind == "contact_edited")).all()
        assert event.detail["text"].startswith("Actually") and event.detail["contact_id"] == contact.id


def test_an_edit_that_arrives_before_its_message_stands_in_for_it(meta):
    send(meta, envelope(edit(text="the edited words", number=1)))
    send(meta, envelope(message(text="the original words")))  # late: a duplicate of what is stored
    (contact,) = contacts()
    assert contact.text == "the edited words" and contact.thread_refs["edits"][0]["number"] == 1
    with transaction() as db:
        assert "edited" in db.get_one(RawMessage, contact.raw_message_id).flags


def test_an_edited_page_comment_updates_its_contact(meta):
    def comment(verb: str, text: str, at: int) -> dict:
        data = envelope(changes=[{"field": "feed", "value": {
            "item": "comment", "verb": verb, "comment_id": "555_901", "post_id": "555",
            "from": {"id": "8000000000000002", "name": "Ann"}, "message": text, "created_time": at}}])
        data["entry"][0]["time"] = at
        return data
    start = int(time.time()) - 100
    send(meta, comment("add", "fly tipping by the bridge", start))
    send(meta, comment("edited", "fly tipping by the bridge on Mill Lane", start + 1))
    assert contacts()[0].text == "fly tipping by the bridge on Mill Lane"
    # Two edits in the same second: both kept, the later one's words stand, a retry changes nothing.
    later = comment("edited", "by the old bridge, Mill Lane", start + 2)
    for data in (comment("edited", "by the bridge, Mill Lane", start + 2), later, later):
        send(meta, data)
    send(meta, comment("edited", "an edit delayed in transit", start + 1))
    (contact,) = contacts()
    assert contact.text == "by the old bridge, Mill Lane" and len(contact.thread_refs["edits"]) == 4


# Hostile and broken input


def test_one_bad_event_in_a_batch_does_not_lose_the_good_ones(meta):
    bad = message(mid={"not": "an id"})
    worse = "not even an object"
    data = envelope(message(mid="m_good_1", text="good one"), bad, message(mid="m_good_2", text="good two"))
    data["entry"].append(worse)
    response = send(meta, data)
    assert response.json() == {"new": 2, "duplicates": 0, "edits": 0, "malformed": 2}
    found = contacts()
    assert [c.text for c in found if c.state == "received"] == ["good one", "good two"]
    assert [c.noise for c in found if c.state == "noise"] == ["malformed", "malformed"]  # kept raw, never triaged
    run_jobs()
    assert sorted(c.state for c in contacts()) == ["noise", "noise", "triaged", "triaged"]
    assert send(meta, data).json()["duplicates"] == 4


def deeply_nested(depth: int) -> bytes:
    return b'{"object":"page","entry":' + b"[" * depth + b"]" * depth + b"}"


@pytest.mark.parametrize("body", [
    b"{not json",
    b"",
    as_meta_sends(envelope(message())).decode().encode("utf-16"),
    json.dumps(envelope(message(text="caf\u00e9"))).encode("latin-1").replace(b"\\u00e9", b"\xe9"),
    b"[1, 2, 3]",
    b'{"object": "page"}',
    b'{"object": "page", "entry": {"id": "1"}}',
    b'{"entry": []}',
    deeply_nested(100_000),
])
def test_malformed_bodies_get_400_and_store_nothing(meta, body):
    response = post(meta, body)
    assert response.status_code == 400 and "error" in response.json()
    assert contacts() == [] and raw_rows() == []


def test_oversize_wrong_type_and_wrong_method(meta):
    big = as_meta_sends(envelope(*[message(mid=f"m_{n}", text="x" * 2000) for n in range(200)]))
    assert len(big) > 256 * 1024
    response = post(meta, big)
    assert response.status_code == 413 and "error" in response.json()
    body = as_meta_sends(envelope(message()))
    assert post(meta, body, content_type="text/plain").status_code == 415
    assert post(meta, body, content_type="application/x-www-form-urlencoded").status_code == 415
    assert requests.put(meta.url + PATH, data=body, timeout=10).status_code == 405
    assert contacts() == []


def test_html_and_script_are_stored_as_text_and_never_echoed(meta):
    text = '<script>alert("x")</script><img src=x onerror=alert(1)> & <b>bold</b>'
    response = send(meta, envelope(message(text=text)))
    assert "<script>" not in response.text
    assert contacts()[0].text == text


def test_huge_texts_are_truncated_and_flagged_and_empty_ones_skipped(meta):
    send(meta, envelope(message(mid="m_huge", text="ŵ" * 30_000), message(mid="m_none", text="   ")))
    (contact,) = contacts()
    assert len(contact.text) == 20_000
    with transaction() as db:
        assert "truncated" in db.get_one(RawMessage, contact.raw_message_id).flags


def test_nul_and_lone_surrogates_are_stored_safely(meta):
    body = as_meta_sends(envelope(message(text="a\x00b"))).replace(b"a\\u0000b", b"a\\u0000b \\ud800 end")
    assert post(meta, body).status_code == 200
    assert contacts()[0].text == "ab ? end"


class MediaHost:
    """A web server standing in for Meta's CDN, counting requests: Heard must make none."""

    def __init__(self) -> None:
        self.hits = 0
        host = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
                host.hits += 1
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def test_attachments_are_listed_and_never_fetched(meta):
    cdn = MediaHost()
    attachments = [{"type": "image", "payload": {"url": f"{cdn.url}/photo.jpg?" + "q" * 1000}},
                   {"type": "fallback", "payload": {"url": f"{cdn.url}/link", "title": "a link"}}]
    send(meta, envelope(message(text=None, attachments=attachments)))
    run_jobs()
    (contact,) = contacts()
    assert [a["content_type"] for a in contact.attachments] == ["image", "fallback"]
    assert len(contact.attachments[0]["url"]) == 500 and contact.attachments[0]["size"] == 0
    assert contact.state == "triaged"
    assert cdn.hits == 0
    cdn.server.shutdown()


# After intake


def test_a_social_contact_is_triaged_and_gets_no_acknowledgement(meta):
    send(meta, envelope(message()))
    run_jobs()
    (contact,) = contacts()
    assert contact.state == "triaged"
    with transaction() as db:
        case = db.scalars(select(Case)).one()
        assert case.contact_id == contact.id and case.reference == contact.reference
        assert db.scalars(select(Notification)).all() == []  # no email or phone: nobody to acknowledge by
    run_jobs()
    assert len(contacts()) == 1


def test_the_database_down_is_503_so_meta_retries(meta, heard_env, monkeypatch, tmp_path):
    body = as_meta_sends(envelope(message()))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/no/such/dir/db.sqlite3")
    heard_config.settings.cache_clear()
    response = post(meta, body)
    assert response.status_code == 503 and "retry" in response.json()["error"]
    monkeypatch.setenv("DATABASE_URL", heard_env.database_url)
    heard_config.settings.cache_clear()
    assert contacts() == []
    assert post(meta, body).json()["new"] == 1  # Meta's retry is stored


def test_redis_down_still_stores_the_message(meta, monkeypatch):
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
    heard_config.settings.cache_clear()
    assert send(meta, envelope(message())).json()["new"] == 1
    assert len(contacts()) == 1
