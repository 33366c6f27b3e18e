"""X (formerly Twitter): direct messages and mentions, delivered by its Account Activity webhook.

Registering: X calls GET with a `crc_token` and expects
`{"response_token": "sha256=<base64 HMAC-SHA256(secret, crc_token)>"}`, at registration
and again every day or so; a wrong answer marks the webhook invalid.

Authenticity: `x-twitter-webhooks-signature: sha256=<base64>` (base64, not hex as Meta
writes it), an HMAC-SHA256 of the exact body bytes keyed with the app's consumer secret.
Newer apps also send `x-twitter-webhooks-signature-oauth2`, keyed with the OAuth 2.0
client secret; when it is present and that secret is configured, it is the one checked.
No timestamp is signed, so replay safety is idempotency: one contact per event id
(a DM event's id, a post's id), however often it arrives or is replayed by X's recovery.

What becomes a contact: DMs to the account and posts mentioning or replying to it. The
account's own DMs and posts, and reposts, are skipped.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from intake.social import (MAX_ATTACHMENTS, MAX_NAME, Post, Refused, attachment, clean, identifier, malformed, optional,
                           when)

MAX_CRC_TOKEN = 512
LEGACY_HEADER = "x-twitter-webhooks-signature"
OAUTH2_HEADER = "x-twitter-webhooks-signature-oauth2"


def _sign(secret: str, message: bytes) -> str:
    return "sha256=" + base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()


def crc(consumer_secret: str | None, oauth2_secret: str | None, token: str | None) -> dict[str, str]:
    """The answer to a challenge-response check, or Refused."""
    secret = consumer_secret or oauth2_secret
    if not secret:
        raise Refused(403, "no X consumer secret is configured")
    if not token or len(token) > MAX_CRC_TOKEN:
        raise Refused(400, "crc_token missing or too long")
    return {"response_token": _sign(secret, token.encode())}


def verify(consumer_secret: str | None, oauth2_secret: str | None, body: bytes, headers: Mapping[str, str]) -> None:
    """Raise Refused(403) unless X signed these exact bytes."""
    if headers.get(OAUTH2_HEADER) and oauth2_secret:
        secret, given = oauth2_secret, headers[OAUTH2_HEADER]
    else:
        secret, given = consumer_secret, headers.get(LEGACY_HEADER)
    if not secret:
        raise Refused(403, "no X consumer secret is configured")
    if not given:
        raise Refused(403, "missing x-twitter-webhooks-signature")
    if not hmac.compare_digest(_sign(secret, body).encode(), given.strip().encode("utf-8", "replace")):
        raise Refused(403, "x-twitter-webhooks-signature does not match")


def parse(body: bytes) -> dict[str, Any]:
    """The notification, or Refused(400)."""
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise Refused(400, "the body is not UTF-8 JSON") from None
    if not isinstance(payload, dict):
        raise Refused(400, "not an Account Activity notification: an object expected")
    try:
        identifier(payload.get("for_user_id"))
    except ValueError:
        raise Refused(400, "not an Account Activity notification: for_user_id expected") from None
    for key in ("direct_message_events", "tweet_create_events"):
        if not isinstance(payload.get(key, []), list):
            raise Refused(400, f"{key} must be a list")
    return payload


def posts(payload: dict[str, Any]) -> list[Post]:
    """Every DM and mention in a notification; other events (likes, follows, typing,
    read receipts, deletions) carry no words from a resident and give nothing."""
    account = identifier(payload["for_user_id"])
    users = payload.get("users") if isinstance(payload.get("users"), dict) else {}
    readers = {"direct_message_events": lambda event, raw: _direct_message(account, event, users, raw),
               "tweet_create_events": lambda event, raw: _mention(account, event, raw)}
    found = []
    for key, read in readers.items():
        for event in payload.get(key, []):
            raw = {"for_user_id": account, key: [event]}
            try:
                post = read(event, raw)
            except (KeyError, TypeError, ValueError, AttributeError):
                post = malformed("x", raw)
            if post is not None:
                found.append(post)
    return found


def _names(user: Any) -> tuple[str | None, str | None]:
    """(name, @handle) from X's user object, as far as it has them."""
    if not isinstance(user, dict):
        return None, None
    name = user.get("name")
    handle = user.get("screen_name") or user.get("username")
    return optional(name, MAX_NAME), f"@{clean(handle, MAX_NAME - 1)}" if isinstance(handle, str) and handle else None


def _direct_message(account: str, event: dict[str, Any], users: dict[str, Any], raw: dict[str, Any]) -> Post | None:
    if event.get("type") != "message_create":
        return None
    created = event["message_create"]
    sender = identifier(created["sender_id"])
    if sender == account:
        return None  # the council's own DM, echoed back
    event_id = identifier(event["id"])
    data = created.get("message_data") or {}
    text = clean(data.get("text"))
    media = (data.get("attachment") or {}).get("media")
    attachments = [attachment(media.get("type"), media.get("media_url_https"), 0)] if isinstance(media, dict) else []
    if not text.strip() and not attachments:
        return None
    name, handle = _names(users.get(sender))
    raw = {**raw, "users": {sender: users[sender]} if sender in users else {}}  # only this sender's details
    return Post(provider_id=f"x:dm:{event_id}", text=text, raw=raw, received_at=when(event.get("created_timestamp")),
                sender_name=name, sender_handle=handle, attachments=attachments,
                thread_refs={"platform": "x", "account_id": account, "kind": "direct_message",
                             "sender_id": sender, "event_id": event_id})


def _mention(account: str, tweet: dict[str, Any], raw: dict[str, Any]) -> Post | None:
    user = tweet["user"]
    author = identifier(user.get("id_str") or user["id"])
    if author == account or "retweeted_status" in tweet:
        return None  # the council's own post, or a repost with nothing new in it
    tweet_id = identifier(tweet.get("id_str") or tweet["id"])
    extended = tweet.get("extended_tweet") if isinstance(tweet.get("extended_tweet"), dict) else {}
    text = clean(extended.get("full_text") or tweet.get("full_text") or tweet.get("text"))
    media = ((extended.get("extended_entities") or tweet.get("extended_entities") or {}).get("media") or [])
    attachments = [attachment(item.get("type"), item.get("media_url_https"), number)
                   for number, item in enumerate(media[:MAX_ATTACHMENTS]) if isinstance(item, dict)]
    if not text.strip() and not attachments:
        return None
    name, handle = _names(user)
    post = Post(provider_id=f"x:tweet:{tweet_id}", text=text, raw=raw, received_at=_tweet_time(tweet),
                sender_name=name, sender_handle=handle, attachments=attachments,
                thread_refs={"platform": "x", "account_id": account, "kind": "mention", "sender_id": author,
                             "tweet_id": tweet_id, "in_reply_to": optional(tweet.get("in_reply_to_status_id_str")),
                             "user_has_blocked": tweet.get("user_has_blocked") is True})
    history = tweet.get("edit_history")
    if isinstance(history, dict) and history.get("initial_tweet_id") not in (None, tweet_id):
        # Each edit of a post is a new post whose history names the first: an edit, not a new contact.
        initial = identifier(history["initial_tweet_id"])
        ids = history.get("edit_tweet_ids") if isinstance(history.get("edit_tweet_ids"), list) else []
        number = ids.index(tweet_id) if tweet_id in ids else len(ids)
        return replace(post, edit_of=f"x:tweet:{initial}", edit_number=number)
    return post


def _tweet_time(tweet: dict[str, Any]) -> datetime:
    """X's posts say `timestamp_ms`, or `created_at` in the form "Wed Oct 10 20:19:24 +0000 2018"."""
    if tweet.get("timestamp_ms"):
        return when(tweet["timestamp_ms"])
    try:
        return when(datetime.strptime(tweet["created_at"], "%a %b %d %H:%M:%S %z %Y").timestamp())
    except (KeyError, TypeError, ValueError):
        return when(None)
