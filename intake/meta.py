"""Facebook Page, Messenger and Instagram, delivered by Meta's webhooks.

Subscribing: Meta calls GET with `hub.mode=subscribe`, `hub.verify_token` and
`hub.challenge`; the challenge is echoed only if the token is the one configured.

Authenticity: `X-Hub-Signature-256: sha256=<hex>`, an HMAC-SHA256 of the request body
keyed with the app secret. Meta escapes non-ASCII as `\\uXXXX` before signing, so only the
exact bytes received verify; JSON parsed and written again would fail for every Welsh or
accented message. The signature covers no timestamp, so a captured notification can be
replayed: replay safety is idempotency, one contact per message id (comment id for
comments), however often it arrives.

What becomes a contact: Messenger and Instagram messages, Page feed comments and
Instagram comments. Echoes of the council's own messages, delivery and read receipts,
reactions, deleted messages and events with neither text nor attachments are skipped.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import Any

from intake.social import (MAX_ATTACHMENTS, MAX_NAME, Post, Refused, attachment, clean, identifier, malformed, optional,
                           when)

PLATFORMS = {"page": "facebook", "instagram": "instagram"}  # Meta's object names, ours
CHALLENGE = re.compile(r"[\w.-]{1,256}")  # Meta sends digits; nothing that could be markup is echoed
SKIPPED_COMMENT_VERBS = {"remove", "delete", "hide", "unhide", "block", "unblock"}
EDIT_VERBS = {"edited", "edit"}


def handshake(token: str | None, params: Mapping[str, str]) -> str:
    """The challenge to answer a subscription check with, or Refused(403)."""
    if not token:
        raise Refused(403, "no verify token is configured")
    if params.get("hub.mode") != "subscribe":
        raise Refused(403, "hub.mode must be subscribe")
    if not hmac.compare_digest(params.get("hub.verify_token", "").encode(), token.encode()):
        raise Refused(403, "hub.verify_token does not match")
    challenge = params.get("hub.challenge", "")
    if not CHALLENGE.fullmatch(challenge):
        raise Refused(400, "hub.challenge missing or not a plain token")
    return challenge


def verify(secret: str | None, body: bytes, signature: str | None) -> None:
    """Raise Refused(403) unless Meta signed these exact bytes with the app secret."""
    if not secret:
        raise Refused(403, "no app secret is configured")
    if not signature or not signature.startswith("sha256="):
        raise Refused(403, "missing X-Hub-Signature-256")
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest().encode()
    if not hmac.compare_digest(expected, signature[7:].strip().lower().encode("utf-8", "replace")):
        raise Refused(403, "X-Hub-Signature-256 does not match")


def parse(body: bytes) -> dict[str, Any]:
    """The notification's envelope, or Refused(400)."""
    try:
        envelope = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise Refused(400, "the body is not UTF-8 JSON") from None
    if not isinstance(envelope, dict) or not isinstance(envelope.get("object"), str) \
            or not isinstance(envelope.get("entry"), list):
        raise Refused(400, "not a Meta notification: object and entry[] expected")
    return envelope


def posts(envelope: dict[str, Any]) -> list[Post]:
    """Every message and comment in a notification. Objects other than Pages and Instagram
    accounts hold nothing for intake and give an empty list."""
    obj = envelope["object"]
    platform = PLATFORMS.get(obj)
    if platform is None:
        return []
    found = []
    for entry, kind, event in _events(envelope["entry"]):
        raw = {"object": obj, "entry": [{**_entry_head(entry), kind: [event]} if kind else entry]}
        try:
            post = _read(platform, entry, kind, event, raw)
        except (KeyError, TypeError, ValueError, AttributeError):
            post = malformed(platform, raw)
        if post is not None:
            found.append(post)
    return found


def _read(platform: str, entry: Any, kind: str | None, event: Any, raw: dict[str, Any]) -> Post | None:
    if kind == "messaging":
        return _message(platform, entry, event, raw)
    if kind == "changes":
        return _change(platform, entry, event, raw)
    raise ValueError("an entry is not an object")


def _entry_head(entry: dict[str, Any]) -> dict[str, Any]:
    return {key: entry[key] for key in ("id", "time") if key in entry}


def _events(entries: list[Any]) -> Iterator[tuple[Any, str | None, Any]]:
    """(entry, "messaging" or "changes", event) for each event; (entry, None, None) for an
    entry that is not even an object, so it is kept as malformed."""
    for entry in entries:
        if not isinstance(entry, dict):
            yield entry, None, None
            continue
        for kind in ("messaging", "changes"):
            events = entry.get(kind) or []
            for event in events if isinstance(events, list) else [events]:
                yield entry, kind, event


def _sender(event: dict[str, Any]) -> str:
    return identifier(event["sender"]["id"])


def _message(platform: str, entry: dict[str, Any], event: dict[str, Any], raw: dict[str, Any]) -> Post | None:
    account = identifier(entry["id"])
    received_at = when(event.get("timestamp"), when(entry.get("time")))
    refs = {"platform": platform, "account_id": account}
    if "message" in event:
        message = event["message"]
        if message.get("is_echo") or message.get("is_deleted"):
            return None  # the council's own reply, or gone
        sender = _sender(event)
        if sender == account:
            return None
        mid = identifier(message["mid"])
        text = clean(message.get("text"))
        attachments = _attachments(message.get("attachments"))
        if not text.strip() and not attachments:
            return None  # unsupported content or an empty message: nothing to read
        reply_to = message.get("reply_to")
        return Post(provider_id=f"{platform}:message:{mid}", text=text, raw=raw, received_at=received_at,
                    attachments=attachments,
                    thread_refs={**refs, "kind": "message", "sender_id": sender, "mid": mid,
                                 "reply_to": optional(reply_to.get("mid")) if isinstance(reply_to, dict) else None})
    if "message_edit" in event:
        edit = event["message_edit"]
        if _sender(event) == account:
            return None  # the council editing its own reply
        mid = identifier(edit["mid"])
        number = int(edit.get("num_edit", 1))
        return Post(provider_id=f"{platform}:message:{mid}:edit:{number}", text=clean(edit.get("text")), raw=raw,
                    received_at=received_at, edit_of=f"{platform}:message:{mid}", edit_number=number,
                    thread_refs={**refs, "kind": "message", "sender_id": _sender(event), "mid": mid})
    return None  # deliveries, reads, reactions, postbacks, opt-ins: no words from a resident


def _change(platform: str, entry: dict[str, Any], change: dict[str, Any], raw: dict[str, Any]) -> Post | None:
    account = identifier(entry["id"])
    field, value = change.get("field"), change.get("value")
    if platform == "facebook" and field == "feed":
        return _page_comment(account, entry, value, raw)
    if platform == "instagram" and field in ("comments", "live_comments"):
        return _instagram_comment(account, entry, value, raw)
    return None  # likes, mentions, story insights and other fields carry no contact


def _page_comment(account: str, entry: dict[str, Any], value: dict[str, Any], raw: dict[str, Any]) -> Post | None:
    verb = value.get("verb")
    if value.get("item") != "comment" or verb in SKIPPED_COMMENT_VERBS:
        return None
    author = value.get("from") or {}
    author_id = identifier(author["id"])
    if author_id == account:
        return None  # the Page's own comment
    comment = identifier(value["comment_id"])
    text = clean(value.get("message"))
    attachments = [attachment("image", value["photo"], 0)] if isinstance(value.get("photo"), str) else []
    if not text.strip() and not attachments:
        return None
    key = f"facebook:comment:{comment}"
    received_at = when(value.get("created_time"), when(entry.get("time")))
    post = Post(provider_id=key, text=text, raw=raw, received_at=received_at,
                sender_name=optional(author.get("name"), MAX_NAME), attachments=attachments,
                thread_refs={"platform": "facebook", "account_id": account, "kind": "comment", "sender_id": author_id,
                             "comment_id": comment, "post_id": optional(value.get("post_id")),
                             "parent_id": optional(value.get("parent_id"))})
    if verb in EDIT_VERBS:
        # Page comments carry no edit count: the notification's own time orders edits, as
        # sent (so a retry has the same key), and the text tells apart two in one second.
        number = int(entry.get("time") or 0)
        version = hashlib.sha256(text.encode()).hexdigest()[:16]
        return replace(post, provider_id=f"{key}:edit:{number}:{version}", edit_of=key, edit_number=number)
    return post


def _instagram_comment(account: str, entry: dict[str, Any], value: dict[str, Any], raw: dict[str, Any]) -> Post | None:
    author = value.get("from") or {}
    author_id = identifier(author["id"])
    if author_id == account:
        return None  # the account's own reply
    comment = identifier(value["id"])
    text = clean(value.get("text"))
    if not text.strip():
        return None
    username = optional(author.get("username"), MAX_NAME - 1)
    media = value.get("media") or {}
    return Post(provider_id=f"instagram:comment:{comment}", text=text, raw=raw, received_at=when(entry.get("time")),
                sender_handle=f"@{username}" if username else None,
                thread_refs={"platform": "instagram", "account_id": account, "kind": "comment", "sender_id": author_id,
                             "comment_id": comment, "parent_id": optional(value.get("parent_id")),
                             "media_id": optional(media.get("id")) if isinstance(media, dict) else None})


def _attachments(items: Any) -> list[dict[str, Any]]:
    if not isinstance(items, list):
        return []
    listed = []
    for number, item in enumerate(items[:MAX_ATTACHMENTS]):
        if isinstance(item, dict):
            payload = item.get("payload") if isinstance(item.get("payload"), dict) else {}
            listed.append(attachment(item.get("type"), payload.get("url"), number))
    return listed
