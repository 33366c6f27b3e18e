"""X's Account Activity webhook over real HTTP: the challenge-response check, and DMs and
mentions signed with the real algorithm (base64 HMAC-SHA256 over the exact bytes)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import pytest
import requests
from sqlalchemy import select

from models import Case, Notification
from models.db import transaction
from tests.conftest import run_jobs
from tests.stored import contacts, raw_rows

CONSUMER_SECRET = "x-test-consumer-secret"
OAUTH2_SECRET = "x-test-oauth2-client-secret"
PATH = "/webhooks/x"
COUNCIL = "3001"  # the subscribed account: for_user_id
RESIDENT = "4002"
COMPLAINT = "@TheCouncil the bins on Hartford Road have not been emptied for three weeks"


@pytest.fixture()
def x_hook(live_server, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("X_CONSUMER_SECRET", CONSUMER_SECRET)
    monkeypatch.delenv("X_OAUTH2_CLIENT_SECRET", raising=False)
    return live_server


def users() -> dict:
    return {RESIDENT: {"id": RESIDENT, "name": "Ann Example", "screen_name": "ann_example"},
            COUNCIL: {"id": COUNCIL, "name": "The Council", "screen_name": "TheCouncil"}}


def dm(event_id: str = "1100000000000000001", text: str | None = "Hello, my bin was missed again",
       sender: str = RESIDENT, recipient: str = COUNCIL, **data: Any) -> dict:
    message_data: dict[str, Any] = {"entities": {"hashtags": [], "urls": []}, **data}
    if text is not None:
        message_data["text"] = text
    return {"type": "message_create", "id": event_id, "created_timestamp": str(int(time.time() * 1000)),
            "message_create": {"target": {"recipient_id": recipient}, "sender_id": sender, "message_data": message_data}}


def tweet(tweet_id: str = "1200000000000000001", text: str = COMPLAINT, author: str = RESIDENT, **extra: Any) -> dict:
    return {"created_at": "Wed Oct 10 20:19:24 +0000 2018", "id": int(tweet_id), "id_str": tweet_id, "text": text,
            "user": {"id": int(author), "id_str": author, "name": "Ann Example", "screen_name": "ann_example"},
            "in_reply_to_status_id_str": None, "entities": {"user_mentions": [{"id_str": COUNCIL}]},
            "user_has_blocked": False, **extra}


def notification(dms: list[dict] | None = None, tweets: list[dict] | None = None) -> dict:
    data: dict[str, Any] = {"for_user_id": COUNCIL}
    if dms is not None:
        data["direct_message_events"] = dms
        data["users"] = users()
    if tweets is not None:
        data["tweet_create_events"] = tweets
    return data


def b64_hmac(secret: str, message: bytes) -> str:
    return "sha256=" + base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()


def post(server, body: bytes, headers: dict[str, str] | None = None, *, secret: str = CONSUMER_SECRET,  # type: ignore[no-untyped-def]
         content_type: str = "application/json; charset=utf-8") -> requests.Response:
    sent = {"Content-Type": content_type, "x-twitter-webhooks-signature": b64_hmac(secret, body)}
    sent.update(headers or {})
    return requests.post(server.url + PATH, data=body, headers={k: v for k, v in sent.items() if v is not None}, timeout=10)


def send(server, data: dict) -> requests.Response:  # type: ignore[no-untyped-def]
    response = post(server, json.dumps(data).encode())
    assert response.status_code == 200, response.text
    return response


# The challenge-response check


def test_the_crc_answer_is_the_base64_hmac_of_the_token(x_hook):
    token = "9b4507b3-9040-4669-9ca3-6b94edb50553"
    response = requests.get(x_hook.url + PATH, params={"crc_token": token}, timeout=10)
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/json"
    assert response.json() == {"response_token": b64_hmac(CONSUMER_SECRET, token.encode())}
    assert len(response.json()["response_token"]) == len("sha256=") + 44  # base64 of 32 bytes, not 64 hex digits


def test_the_crc_is_refused_without_a_secret_or_a_token(x_hook, monkeypatch):
    assert requests.get(x_hook.url + PATH, timeout=10).status_code == 400
    assert requests.get(x_hook.url + PATH, params={"crc_token": "x" * 600}, timeout=10).status_code == 400
    monkeypatch.delenv("X_CONSUMER_SECRET")
    assert requests.get(x_hook.url + PATH, params={"crc_token": "abc"}, timeout=10).status_code == 403


def test_the_crc_uses_the_oauth2_secret_only_when_no_consumer_secret_is_set(x_hook, monkeypatch):
    monkeypatch.delenv("X_CONSUMER_SECRET")
    monkeypatch.setenv("X_OAUTH2_CLIENT_SECRET", OAUTH2_SECRET)
    response = requests.get(x_hook.url + PATH, params={"crc_token": "abc"}, timeout=10)
    assert response.json() == {"response_token": b64_hmac(OAUTH2_SECRET, b"abc")}


# Signed notifications


def test_a_signed_dm_becomes_a_social_contact_with_the_senders_handle(x_hook):
    body = json.dumps(notification(dms=[dm()])).encode()
    response = post(x_hook, body)
    assert response.status_code == 200
    assert response.json() == {"new": 1, "duplicates": 0, "edits": 0, "malformed": 0}
    (contact,) = contacts()
    assert (contact.channel, contact.text) == ("social", "Hello, my bin was missed again")
    assert (contact.sender_name, contact.sender_handle) == ("Ann Example", "@ann_example")
    assert contact.thread_refs["kind"] == "direct_message" and contact.thread_refs["sender_id"] == RESIDENT
    (raw,) = raw_rows()
    assert raw.body == body and raw.provider_id == "x:dm:1100000000000000001"


def test_a_mention_becomes_a_contact_and_the_accounts_own_posts_and_reposts_do_not(x_hook):
    own = tweet("1200000000000000002", "We'll be collecting on Saturday this week", author=COUNCIL)
    repost = tweet("1200000000000000003", "RT @TheCouncil: collections on Saturday", retweeted_status={"id_str": "1"})
    long = tweet("1200000000000000004", "@TheCouncil the street light…", truncated=True,
                 extended_tweet={"full_text": "@TheCouncil the street light outside number 12 Mill Lane has been out for a month"})
    send(x_hook, notification(tweets=[tweet(), own, repost, long]))
    first, second = contacts()
    assert first.text == COMPLAINT and first.thread_refs["kind"] == "mention" and first.sender_handle == "@ann_example"
    assert first.received_at.year == 2018  # when the resident posted, from created_at
    assert second.text.endswith("has been out for a month")  # the full text, not the truncated one


def test_the_accounts_own_dms_are_skipped(x_hook):
    response = send(x_hook, notification(dms=[dm(sender=COUNCIL, recipient=RESIDENT, text="Thanks, we've logged it")]))
    assert response.json()["new"] == 0 and contacts() == []


def test_welsh_and_emoji_verify_over_the_raw_bytes_escaped_or_not(x_hook):
    text = "Mae'r bin heb ei gasglu — ŵ ŷ â 🙂"
    escaped = json.dumps(notification(dms=[dm("1100000000000000011", text)]), separators=(",", ":")).encode()
    plain = json.dumps(notification(dms=[dm("1100000000000000012", text)]), ensure_ascii=False).encode()
    assert b"\\u0175" in escaped and "ŵ".encode() in plain
    assert post(x_hook, escaped).status_code == 200 and post(x_hook, plain).status_code == 200
    assert [c.text for c in contacts()] == [text, text]


@pytest.mark.parametrize("tamper", ["missing", "wrong_secret", "changed_body", "hex_not_base64", "no_prefix", "empty"])
def test_bad_signatures_are_refused_and_nothing_is_stored(x_hook, tamper):
    body = json.dumps(notification(dms=[dm()])).encode()
    headers: dict[str, Any] = {}
    if tamper == "missing":
        headers["x-twitter-webhooks-signature"] = None
    elif tamper == "wrong_secret":
        headers["x-twitter-webhooks-signature"] = b64_hmac("another-secret", body)
    elif tamper == "changed_body":
        headers["x-twitter-webhooks-signature"] = b64_hmac(CONSUMER_SECRET, body)
        body = body.replace(b"missed", b"emptied")
    elif tamper == "hex_not_base64":
        headers["x-twitter-webhooks-signature"] = "sha256=" + hmac.new(CONSUMER_SECRET.encode(), body, hashlib.sha256).hexdigest()
    elif tamper == "no_prefix":
        headers["x-twitter-webhooks-signature"] = b64_hmac(CONSUMER_SECRET, body)[7:]
    else:
        headers["x-twitter-webhooks-signature"] = ""
    response = post(x_hook, body, headers)
    assert response.status_code == 403 and "error" in response.json()
    assert contacts() == [] and raw_rows() == []


def test_no_secret_configured_refuses_everything(x_hook, monkeypatch):
    monkeypatch.delenv("X_CONSUMER_SECRET")
    body = json.dumps(notification(dms=[dm()])).encode()
    assert post(x_hook, body).status_code == 403
    assert post(x_hook, body, secret="").status_code == 403
    assert contacts() == []


def test_the_oauth2_signature_is_preferred_when_present(x_hook, monkeypatch):
    monkeypatch.setenv("X_OAUTH2_CLIENT_SECRET", OAUTH2_SECRET)
    body = json.dumps(notification(dms=[dm()])).encode()
    oauth2 = "x-twitter-webhooks-signature-oauth2"
    # A good OAuth2 signature stands even beside a stale legacy one (a rotated consumer secret).
    assert post(x_hook, body, {oauth2: b64_hmac(OAUTH2_SECRET, body)}, secret="old-consumer-secret").status_code == 200
    # A bad OAuth2 signature is refused even beside a good legacy one.
    other = json.dumps(notification(dms=[dm("1100000000000000099")])).encode()
    assert post(x_hook, other, {oauth2: b64_hmac("wrong", other)}).status_code == 403
    assert len(contacts()) == 1


def test_an_oauth2_header_without_its_secret_configured_falls_back_to_the_legacy_one(x_hook):
    body = json.dumps(notification(dms=[dm()])).encode()
    assert post(x_hook, body, {"x-twitter-webhooks-signature-oauth2": "sha256=anything"}).status_code == 200
    assert len(contacts()) == 1


def test_retries_and_replays_are_one_contact(x_hook):
    body = json.dumps(notification(dms=[dm()])).encode()
    assert post(x_hook, body).json()["new"] == 1
    assert post(x_hook, body).json() == {"new": 0, "duplicates": 1, "edits": 0, "malformed": 0}
    send(x_hook, notification(dms=[dm(), dm("1100000000000000002", "another")], tweets=[tweet()]))  # X's replay job
    assert len(contacts()) == 3


def test_a_batch_of_dms_and_mentions_is_stored_event_by_event(x_hook):
    data = notification(dms=[dm("1100000000000000001", "one"), dm("1100000000000000002", "two"),
                             {"type": "message_create_typing", "id": "1"}],
                        tweets=[tweet("1200000000000000001", "@TheCouncil three")])
    data["favorite_events"] = [{"id": "f1"}]
    data["follow_events"] = [{"type": "follow"}]
    body = json.dumps(data).encode()
    assert post(x_hook, body).json() == {"new": 3, "duplicates": 0, "edits": 0, "malformed": 0}
    assert [c.text for c in contacts()] == ["one", "two", "@TheCouncil three"]
    rows = raw_rows()
    assert all("split_from_batch" in r.flags for r in rows)
    stored = json.loads(rows[0].body)
    assert stored["direct_message_events"][0]["id"] == "1100000000000000001"
    assert stored["users"] == {RESIDENT: users()[RESIDENT]}  # only the sender's details travel with the event


def test_an_edited_post_updates_the_first_instead_of_duplicating_it(x_hook):
    first = "1200000000000000001"
    send(x_hook, notification(tweets=[tweet(first, "@TheCouncil bin mised", edit_history={"initial_tweet_id": first, "edit_tweet_ids": [first]})]))
    edited = tweet("1200000000000000009", "@TheCouncil bin missed on Mill Lane",
                   edit_history={"initial_tweet_id": first, "edit_tweet_ids": [first, "1200000000000000009"]})
    assert send(x_hook, notification(tweets=[edited])).json()["edits"] == 1
    assert send(x_hook, notification(tweets=[edited])).json()["duplicates"] == 1
    (contact,) = contacts()
    assert contact.text == "@TheCouncil bin missed on Mill Lane"
    assert contact.thread_refs["edits"][0]["number"] == 1


# Hostile and broken input


def test_one_bad_event_in_a_batch_does_not_lose_the_good_ones(x_hook):
    bad_dm = dm("not an id!")
    bad_tweet = {"id_str": "1", "text": "no user at all"}
    data = notification(dms=[dm("1100000000000000001", "good"), bad_dm], tweets=[bad_tweet, tweet()])
    assert send(x_hook, data).json() == {"new": 2, "duplicates": 0, "edits": 0, "malformed": 2}
    run_jobs()
    assert sorted((c.state, c.noise) for c in contacts()) == [("noise", "malformed"), ("noise", "malformed"),
                                                               ("triaged", None), ("triaged", None)]


@pytest.mark.parametrize("body", [
    b"{not json",
    b"",
    json.dumps(notification(dms=[dm()])).encode("utf-16"),
    json.dumps(notification(dms=[dm(text="caf\u00e9")])).encode().replace(b"\\u00e9", b"\xe9"),
    b"[]",
    b'{"direct_message_events": []}',
    b'{"for_user_id": {"id": 1}}',
    b'{"for_user_id": "3001", "direct_message_events": {"id": "1"}}',
    b'{"for_user_id": "3001", "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
])
def test_malformed_bodies_get_400_and_store_nothing(x_hook, body):
    response = post(x_hook, body)
    assert response.status_code == 400 and "error" in response.json()
    assert contacts() == [] and raw_rows() == []


def test_oversize_wrong_type_and_wrong_method(x_hook):
    big = json.dumps(notification(dms=[dm(str(1100000000000000000 + n), "x" * 10_000) for n in range(30)])).encode()
    assert len(big) > 256 * 1024
    response = post(x_hook, big)
    assert response.status_code == 413 and "error" in response.json()
    body = json.dumps(notification(dms=[dm()])).encode()
    assert post(x_hook, body, content_type="text/plain").status_code == 415
    assert requests.delete(x_hook.url + PATH, timeout=10).status_code == 405
    assert contacts() == []


def test_html_and_script_are_stored_as_text_and_never_echoed(x_hook):
    text = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    response = send(x_hook, notification(dms=[dm(text=text)]))
    assert "<script>" not in response.text and contacts()[0].text == text
    crc = requests.get(x_hook.url + PATH, params={"crc_token": "<script>alert(1)</script>"}, timeout=10)
    assert crc.headers["Content-Type"] == "application/json" and "<script>" not in crc.text


def test_empty_and_huge_texts(x_hook):
    media = {"type": "media", "media": {"type": "photo", "media_url_https": "https://ton.twitter.com/1.1/ton/data/dm/1/2/photo.jpg"}}
    send(x_hook, notification(dms=[dm("1100000000000000001", ""), dm("1100000000000000002", None, attachment=media),
                                   dm("1100000000000000003", "ŵ" * 25_000)]))
    photo, huge = contacts()
    assert photo.text == "" and photo.attachments[0]["content_type"] == "photo"
    assert len(huge.text) == 20_000


# After intake


def test_a_social_contact_is_triaged_and_gets_no_acknowledgement(x_hook):
    send(x_hook, notification(tweets=[tweet()]))
    run_jobs()
    (contact,) = contacts()
    assert contact.state == "triaged"
    with transaction() as db:
        assert db.scalars(select(Case.contact_id)).one() == contact.id
        assert db.scalars(select(Notification)).all() == []  # no email or phone: nobody to acknowledge by
