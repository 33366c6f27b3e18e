"""The mailbox poller against a real IMAP server (Debian's dovecot)."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator

import pytest
from imapclient import IMAPClient
from sqlalchemy import select

from intake.email import Envelope, accept
from intake.imap_poller import Mailbox, connect, poll_once, run
from models import Contact, MailboxState, RawMessage
from models.db import transaction
from models.policy import load_policy
from tests.conftest import free_port
from tests.dovecot import Dovecot

POLICY = load_policy("huntingdonshire")


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    server = Dovecot(free_port())
    server.start()
    yield server
    server.remove()


@pytest.fixture()
def mailbox(dovecot: Dovecot, heard_env) -> Mailbox:  # type: ignore[no-untyped-def]
    user = f"u{uuid.uuid4().hex[:10]}"  # a fresh, empty mailbox for every test
    return Mailbox("127.0.0.1", dovecot.port, False, user, "secret", "INBOX", "Heard/Processed", max_bytes=100_000)


def deliver(mailbox: Mailbox, *messages: bytes) -> None:
    with IMAPClient(mailbox.host, port=mailbox.port, ssl=False) as client:
        client.login(mailbox.username, mailbox.password)
        for raw in messages:
            client.append(mailbox.folder, raw)


def folder_count(mailbox: Mailbox, folder: str) -> int:
    with IMAPClient(mailbox.host, port=mailbox.port, ssl=False) as client:
        client.login(mailbox.username, mailbox.password)
        folder = folder.replace("/", ".")  # dovecot's maildir separator
        if not client.folder_exists(folder):
            return 0
        return len(client.select_folder(folder, readonly=True) and client.search(["ALL"]))


def mail(n: int, body: str = "My bin was missed again this week.") -> bytes:
    return (f"From: Resident {n} <r{n}@example.org>\r\nTo: complaints@huntingdonshire.gov.uk\r\n"
            f"Subject: Bins {n}\r\nMessage-ID: <imap-{n}@example.org>\r\n\r\n{body}\r\n").encode()


def contacts() -> list[Contact]:
    with transaction() as db:
        return list(db.scalars(select(Contact).order_by(Contact.id)))


def poll(mailbox: Mailbox) -> int:
    client = connect(mailbox)
    try:
        return poll_once(client, mailbox, POLICY)
    finally:
        client.logout()


def test_new_mail_is_stored_then_moved_never_deleted(mailbox):
    deliver(mailbox, mail(1), mail(2), mail(3))
    assert poll(mailbox) == 3
    assert [c.subject for c in contacts()] == ["Bins 1", "Bins 2", "Bins 3"]
    assert folder_count(mailbox, "INBOX") == 0 and folder_count(mailbox, "Heard/Processed") == 3
    assert poll(mailbox) == 0 and len(contacts()) == 3


def test_the_same_message_delivered_again_is_one_contact(mailbox):
    deliver(mailbox, mail(1))
    poll(mailbox)
    deliver(mailbox, mail(1))
    assert poll(mailbox) == 1  # read and moved,
    assert len(contacts()) == 1  # but not a second contact


def test_a_crash_between_storing_and_moving_changes_nothing(mailbox):
    deliver(mailbox, mail(7))
    accept(mail(7).replace(b"\r\n", b"\r\n"), Envelope(mail_from=None, recipients=()), POLICY)  # stored, never moved
    assert poll(mailbox) == 1
    assert len(contacts()) == 1 and folder_count(mailbox, "INBOX") == 0


def test_a_new_uidvalidity_reads_the_folder_again_without_duplicates(mailbox):
    deliver(mailbox, mail(1), mail(2))
    poll(mailbox)
    with transaction() as db:
        state = db.scalars(select(MailboxState)).one()
        state.uidvalidity, state.last_uid = 1, 99  # as if the server had rebuilt the folder
    deliver(mailbox, mail(1), mail(3))
    assert poll(mailbox) == 2
    assert [c.subject for c in contacts()] == ["Bins 1", "Bins 2", "Bins 3"]
    with transaction() as db:
        assert db.scalars(select(MailboxState.uidvalidity)).one() != 1


def test_oversize_mail_is_kept_as_headers_and_flagged(mailbox):
    deliver(mailbox, mail(5, body="x" * 70 + ("\r\n" + "y" * 70) * 3000))
    poll(mailbox)
    (contact,) = contacts()
    with transaction() as db:
        raw = db.get_one(RawMessage, contact.raw_message_id)
        assert "oversize" in raw.flags and b"yyyy" not in raw.body
    assert contact.subject == "Bins 5"


def test_malformed_mail_is_stored_and_flagged(mailbox):
    deliver(mailbox, b"From: r@example.org\r\nSubject: odd\r\nMessage-ID: <odd@example.org>\r\n"
                     b"Content-Type: multipart/mixed; boundary=q\r\n\r\n--q\r\nContent-Type: text/plain\r\n\r\nno end\r\n")
    poll(mailbox)
    (contact,) = contacts()
    with transaction() as db:
        assert "malformed_mime" in db.get_one(RawMessage, contact.raw_message_id).flags


def test_the_poller_survives_the_server_going_away(heard_env, tmp_path):
    server = Dovecot(free_port())
    server.start()
    box = Mailbox("127.0.0.1", server.port, False, "restart", "secret", "INBOX", "Heard/Processed", 100_000, idle_seconds=3)
    stop = threading.Event()
    thread = threading.Thread(target=run, args=(box, POLICY, stop), daemon=True)
    thread.start()
    try:
        deliver(box, mail(1))
        assert _wait(lambda: len(contacts()) == 1)
        server.stop()
        time.sleep(1)
        server.start()
        deliver(box, mail(2))
        assert _wait(lambda: len(contacts()) == 2, timeout=40)
    finally:
        stop.set()
        thread.join(20)
        server.remove()


def _wait(predicate, timeout: float = 20) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()
