"""Social media posts and messages, stored as contacts: one per message, comment or DM.

The platform adapters (`intake/meta.py`, `intake/x.py`) authenticate a notification and
turn it into `Post`s; this module stores them. Neither platform's signature covers a
timestamp, so a captured notification could be replayed at any time: replays are made
harmless by idempotency instead, one contact per provider id however often it arrives.

A notification may carry many events. Each is stored on its own, so one that cannot be
read is kept raw as noise and never costs the others. A lone event is stored as the exact
bytes that were signed; an event split out of a batch is stored as a notification holding
only that event (as Meta and X write them, non-ASCII escaped), with the batch's SHA-256,
so a big batch is not copied once per contact.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from heard.queue import enqueue_triage
from intake.store import Received, store
from models import Case, Contact, RawMessage
from models.db import transaction
from models.intake import ContactState
from models.policy import Policy
from models.records import record_event

CHANNEL = "social"
CONTENT_TYPE = "application/json"
MAX_TEXT = 20_000  # Messenger allows 2,000 characters, Instagram 1,000, X DMs 10,000
MAX_NAME = 200
MAX_ATTACHMENTS = 10
ID = re.compile(r"[\w.:=+/-]{1,200}")  # ids as the platforms write them; anything else is malformed


class Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


@dataclass(frozen=True)
class Post:
    """One message, comment or direct message, normalised, with the event it came from."""

    provider_id: str  # platform-prefixed, so ids from different platforms never collide
    text: str
    raw: dict[str, Any]  # a notification holding only this event
    received_at: datetime
    sender_name: str | None = None
    sender_handle: str | None = None
    attachments: list[dict[str, Any]] = field(default_factory=list)
    thread_refs: dict[str, Any] = field(default_factory=dict)
    edit_of: str | None = None  # the provider id of the message this edits
    edit_number: int = 0  # later edits have higher numbers
    malformed: bool = False


@dataclass
class Outcome:
    """What one notification did, for the answer to the platform (counts only, no text)."""

    new: int = 0
    duplicates: int = 0
    edits: int = 0
    malformed: int = 0

    def count(self, kind: str) -> None:
        setattr(self, kind, getattr(self, kind) + 1)


def clean(value: Any, limit: int | None = None) -> str:
    """A string any database will take: no NULs, no lone surrogates. TypeError if not text."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise TypeError("expected text")
    text = value.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")
    return text[:limit] if limit else text


def optional(value: Any, limit: int = 200) -> str | None:
    """A detail worth keeping if it is there and is text; never a reason to refuse an event."""
    return (clean(value, limit) or None) if isinstance(value, str) else None


def identifier(value: Any) -> str:
    """A platform id as text, or ValueError: ids become idempotency keys, so they are strict."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not ID.fullmatch(value):
        raise ValueError("not a platform id")
    return value


def when(stamp: Any, fallback: datetime | None = None) -> datetime:
    """A platform timestamp (seconds or milliseconds since 1970, number or digits), never
    later than now: deadlines run from when the resident wrote, not from a retry."""
    now = datetime.now(timezone.utc)
    try:
        number = float(stamp)
        moment = datetime.fromtimestamp(number / 1000 if number > 1e11 else number, timezone.utc)
    except (TypeError, ValueError, OverflowError, OSError):
        return fallback or now
    return min(moment, now)


def attachment(kind: Any, url: Any, number: int) -> dict[str, Any]:
    """An attachment listed, never fetched: the URL is the platform's and soon expires."""
    kind = clean(kind, 32) if isinstance(kind, str) else "unknown"
    return {"filename": f"{kind or 'unknown'}-{number}", "content_type": kind or "unknown", "size": 0,
            "url": clean(url, 500) if isinstance(url, str) else ""}


def malformed(prefix: str, raw: dict[str, Any]) -> Post:
    """An event that could not be read: kept as noise, keyed by its own digest."""
    digest = hashlib.sha256(_serialise(raw)).hexdigest()
    return Post(provider_id=f"{prefix}:malformed:{digest}", text="", raw=raw,
                received_at=datetime.now(timezone.utc), malformed=True)


def accept(posts: list[Post], body: bytes, policy: Policy) -> Outcome:
    """Store every post, each in its own transaction, and queue triage for new ones.

    A database error propagates, so the platform is told to retry; what was stored
    before it is found again as duplicates on the retry.
    """
    outcome = Outcome()
    batch = len(posts) > 1
    digest = hashlib.sha256(body).hexdigest()
    for post in posts:
        if batch:
            raw, flags, refs = _serialise(post.raw), ("split_from_batch",), {**post.thread_refs, "batch_sha256": digest}
        else:
            raw, flags, refs = body, (), post.thread_refs
        outcome.count(_accept_one(post, raw, flags, refs, policy))
    return outcome


def _accept_one(post: Post, raw: bytes, flags: tuple[str, ...], refs: dict[str, Any], policy: Policy) -> str:
    if not post.edit_of:
        if not _store(post, raw, flags, refs, policy):
            return "duplicates"
        return "malformed" if post.malformed else "new"
    applied = _apply_edit(post, raw, flags)
    if applied is None:
        # The original never reached us, or not yet: the edit stands in for it under the
        # original's key, so the original arriving later is a duplicate.
        if _store(post, raw, (*flags, "edited"), refs, policy, provider_id=post.edit_of):
            return "new"
        applied = _apply_edit(post, raw, flags)  # the original was stored a moment ago
    return "edits" if applied else "duplicates"


def _serialise(raw: dict[str, Any]) -> bytes:
    return json.dumps(raw, separators=(",", ":")).encode()


def _text(post: Post) -> tuple[str, tuple[str, ...]]:
    if len(post.text) > MAX_TEXT:
        return post.text[:MAX_TEXT], ("truncated",)
    return post.text, ()


def _store(post: Post, raw: bytes, flags: tuple[str, ...], refs: dict[str, Any], policy: Policy,
           provider_id: str | None = None) -> bool:
    """Store a post as a new contact; True if it was new."""
    text, more = _text(post)
    edits = [_edit_record(post, text)] if post.edit_of else []
    received = Received(
        channel=CHANNEL,
        provider_id=provider_id or post.provider_id,
        content_type=CONTENT_TYPE,
        body=raw,
        text=text,
        received_at=post.received_at,
        flags=(*flags, *more, *(("malformed",) if post.malformed else ())),
        state=ContactState.NOISE.value if post.malformed else ContactState.RECEIVED.value,
        fields={
            "sender_name": post.sender_name,
            "sender_handle": post.sender_handle,
            "preferred_contact": None if post.malformed else CHANNEL,
            "attachments": post.attachments,
            "thread_refs": {**refs, "edits": edits} if edits else refs,
            "noise": "malformed" if post.malformed else None,
        },
    )
    stored = store(received, policy)
    if stored.created and stored.state == ContactState.RECEIVED.value:
        enqueue_triage(stored.contact_id)
    return stored.created


def _edit_record(post: Post, text: str) -> dict[str, Any]:
    return {"key": post.provider_id, "number": post.edit_number, "received_at": post.received_at.isoformat(), "text": text}


def _apply_edit(post: Post, raw: bytes, flags: tuple[str, ...]) -> bool | None:
    """Apply an edit to the contact it edits, once. None if that contact is not stored.

    Before triage the contact's text becomes the latest edit, so triage reads what the
    resident meant. After triage the decision stands on the text it read: the edit is
    kept with the contact and recorded on its case for the officer to see.
    """
    text, _ = _text(post)
    try:
        with transaction() as db:
            contact = db.scalar(
                select(Contact).join(RawMessage, Contact.raw_message_id == RawMessage.id)
                .where(RawMessage.channel == CHANNEL, RawMessage.provider_id == post.edit_of)
            )
            if contact is None:
                return None
            edits = list(contact.thread_refs.get("edits", []))
            if any(edit.get("key") == post.provider_id for edit in edits):
                return False  # this edit again; also how an edit that stood in for its original is found
            db.add(RawMessage(channel=CHANNEL, provider_id=post.provider_id, content_type=CONTENT_TYPE, body=raw,
                              size=len(raw), digest=hashlib.sha256(raw).hexdigest(), flags=[*flags, "edit"],
                              received_at=post.received_at))
            db.flush()  # a concurrent delivery of the same edit fails here
            latest = all(post.edit_number >= edit.get("number", 0) for edit in edits)
            contact.thread_refs = {**contact.thread_refs, "edits": [*edits, _edit_record(post, text)]}
            if contact.state == ContactState.RECEIVED.value:
                if latest:
                    contact.text = text
            else:
                case = db.scalar(select(Case).where(Case.contact_id == contact.id))
                if case is not None:
                    record_event(db, case, "contact_edited", f"{CHANNEL}:{contact.id}",
                                 {"contact_id": contact.id, "edit": post.edit_number, "text": text})
            return True
    except IntegrityError:
        return False
