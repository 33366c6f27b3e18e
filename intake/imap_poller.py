"""`heard imap`: fetch mail from a shared mailbox and store it like any other email.

For each new message, by UID: fetch its exact bytes (BODY.PEEK[], so nothing is marked
read), store it through the same path as SMTP mail, and only once that is committed move
it to the processed folder. Mail is never deleted at source: without MOVE it is copied
and, only with UIDPLUS, that one UID expunged; a server with neither keeps the original
and Heard remembers the UID. A crash between storing and moving re-fetches the message
next time, and its content key makes that a no-op.
"""

from __future__ import annotations

import logging
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import unquote, urlsplit

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError
from sqlalchemy import select

from intake.email import Envelope, accept
from models import MailboxState
from models.db import transaction
from models.policy import Policy

log = logging.getLogger(__name__)

BATCH = 50


@dataclass(frozen=True)
class Mailbox:
    host: str
    port: int
    tls: bool
    username: str
    password: str
    folder: str
    processed_folder: str
    max_bytes: int
    # IDLE is renewed this often (well inside RFC 2177's 29 minutes) and every renewal is
    # also a full poll: mail that arrives just before IDLE starts waits at most this long.
    idle_seconds: float = 60

    @property
    def account(self) -> str:
        return f"{self.username}@{self.host}:{self.port}"


def parse_imap_url(url: str, processed_folder: str = "Heard/Processed", max_bytes: int = 25 * 1024 * 1024) -> Mailbox:
    """imaps://user:password@host:993/INBOX (imap:// for plain, tests and local relays only)."""
    parts = urlsplit(url)
    if parts.scheme not in ("imap", "imaps") or not parts.hostname or not parts.username:
        raise ValueError("IMAP_URL must look like imaps://user:password@host:993/INBOX")
    return Mailbox(
        host=parts.hostname,
        port=parts.port or (993 if parts.scheme == "imaps" else 143),
        tls=parts.scheme == "imaps",
        username=unquote(parts.username),
        password=unquote(parts.password or ""),
        folder=unquote(parts.path.lstrip("/")) or "INBOX",
        processed_folder=processed_folder,
        max_bytes=max_bytes,
    )


def connect(mailbox: Mailbox, timeout: float = 60) -> IMAPClient:
    client = IMAPClient(mailbox.host, port=mailbox.port, ssl=mailbox.tls,
                        ssl_context=ssl.create_default_context() if mailbox.tls else None, timeout=timeout)
    client.login(mailbox.username, mailbox.password)
    processed = processed_folder(client, mailbox)
    if not client.folder_exists(processed):
        client.create_folder(processed)
    return client


def processed_folder(client: IMAPClient, mailbox: Mailbox) -> str:
    """The processed folder's name in the server's own hierarchy separator ("/" or ".")."""
    listing = client.list_folders("", "")  # LIST "" "" answers with the separator
    separator = listing[0][1] if listing and listing[0][1] else b"/"
    return mailbox.processed_folder.replace("/", separator.decode() if isinstance(separator, bytes) else separator)


def poll_once(client: IMAPClient, mailbox: Mailbox, policy: Policy) -> int:
    """Store and move every message not yet read; returns how many were handled."""
    selected = client.select_folder(mailbox.folder)
    uidvalidity = int(selected[b"UIDVALIDITY"])
    last_uid = _last_uid(mailbox, uidvalidity)
    # "n:*" always includes the newest message even when its UID is below n: filter it.
    uids = sorted(uid for uid in client.search(["UID", f"{last_uid + 1}:*"]) if uid > last_uid)
    handled = 0
    target = processed_folder(client, mailbox)
    for start in range(0, len(uids), BATCH):
        batch = uids[start:start + BATCH]
        sizes = client.fetch(batch, ["RFC822.SIZE", "INTERNALDATE"])
        for uid in batch:
            info = sizes.get(uid, {})
            raw, flags = _fetch(client, uid, int(info.get(b"RFC822.SIZE", 0)), mailbox.max_bytes)
            if raw is None:
                continue  # gone since the search (another client moved it)
            received = info.get(b"INTERNALDATE")
            accept(raw, Envelope(mail_from=None, recipients=(mailbox.account,), peer=f"imap:{mailbox.folder}:{uidvalidity}:{uid}",
                                 received_at=_aware(received)), policy, flags=flags)
            _move(client, uid, target)
            _remember(mailbox, uidvalidity, uid)
            handled += 1
    return handled


def _fetch(client: IMAPClient, uid: int, size: int, max_bytes: int) -> tuple[bytes | None, tuple[str, ...]]:
    if size > max_bytes:
        # Too big to take whole: keep its headers, flagged, so someone can fetch it by hand.
        data = client.fetch([uid], ["BODY.PEEK[HEADER]"]).get(uid, {})
        header = data.get(b"BODY[HEADER]")
        return (header, ("oversize",)) if header is not None else (None, ())
    data = client.fetch([uid], ["BODY.PEEK[]"]).get(uid, {})
    return data.get(b"BODY[]"), ()


def _move(client: IMAPClient, uid: int, folder: str) -> None:
    capabilities = client.capabilities()
    if b"MOVE" in capabilities:
        client.move([uid], folder)
    elif b"UIDPLUS" in capabilities:
        client.copy([uid], folder)
        client.add_flags([uid], [b"\\Deleted"])
        client.uid_expunge([uid])  # only this UID: never a plain EXPUNGE of others' \\Deleted mail
    else:
        client.copy([uid], folder)  # the original stays; the remembered UID stops a re-read


def _aware(value: object) -> datetime | None:
    if not isinstance(value, datetime):
        return None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _last_uid(mailbox: Mailbox, uidvalidity: int) -> int:
    with transaction() as db:
        state = db.scalar(select(MailboxState).where(MailboxState.account == mailbox.account, MailboxState.folder == mailbox.folder))
        if state is None:
            db.add(MailboxState(account=mailbox.account, folder=mailbox.folder, uidvalidity=uidvalidity, last_uid=0))
            return 0
        if state.uidvalidity != uidvalidity:
            log.warning("UIDVALIDITY of %s changed: reading the folder again from the start", mailbox.folder)
            state.uidvalidity, state.last_uid = uidvalidity, 0
        return state.last_uid


def _remember(mailbox: Mailbox, uidvalidity: int, uid: int) -> None:
    with transaction() as db:
        state = db.scalars(select(MailboxState).where(MailboxState.account == mailbox.account, MailboxState.folder == mailbox.folder)).one()
        if state.uidvalidity == uidvalidity and uid > state.last_uid:
            state.last_uid = uid


def run(mailbox: Mailbox, policy: Policy, stop: threading.Event) -> None:
    """Poll for ever: IDLE where the server has it, a plain poll otherwise, and reconnect
    with backoff whenever the server or the network drops us."""
    delay = 1.0
    while not stop.is_set():
        try:
            client = connect(mailbox)
            delay = 1.0
            try:
                while not stop.is_set():
                    poll_once(client, mailbox, policy)
                    _wait_for_mail(client, stop, mailbox.idle_seconds)
            finally:
                try:
                    client.logout()
                except Exception:
                    pass
        except (IMAPClientError, OSError, socket.error, ssl.SSLError) as exc:
            log.warning("IMAP connection lost (%s); reconnecting in %.0f s", exc.__class__.__name__, delay)
            stop.wait(delay)
            delay = min(delay * 2, 60.0)
        except Exception as exc:  # a poller that dies quietly loses mail: log, back off, go on
            log.error("IMAP poller error (%s); starting again in %.0f s", exc.__class__.__name__, delay)
            stop.wait(delay)
            delay = min(delay * 2, 60.0)


def _wait_for_mail(client: IMAPClient, stop: threading.Event, seconds: float) -> None:
    if b"IDLE" not in client.capabilities():
        stop.wait(seconds)
        return
    if any(kind == b"EXISTS" for _, kind in _untagged(client.noop())):
        return  # mail arrived while we were polling: poll again before idling
    client.idle()
    try:
        deadline = time.monotonic() + seconds
        while not stop.is_set() and time.monotonic() < deadline:
            if client.idle_check(timeout=min(5.0, seconds)):
                break
    finally:
        client.idle_done()


def _untagged(response: object) -> list[tuple[object, bytes]]:
    """NOOP's untagged responses as (number, kind) pairs, e.g. (3, b"EXISTS")."""
    _text, items = response if isinstance(response, tuple) and len(response) == 2 else (None, [])
    return [(item[0], item[1]) for item in items if isinstance(item, tuple) and len(item) >= 2]


__all__ = ["Mailbox", "connect", "parse_imap_url", "poll_once", "run"]
