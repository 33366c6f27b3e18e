"""Email over a real SMTP conversation (smtplib to Heard's aiosmtpd server)."""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from email.message import EmailMessage

import pytest
from sqlalchemy import func, select

from heard.queue import TRIAGE, queue
from intake.smtp_server import IntakeHandler, serve
from models import Case, CaseEvent, Contact, Notification, RawMessage
from models.db import transaction
from models.policy import load_policy
from tests.conftest import free_port, run_jobs

POLICY = load_policy("huntingdonshire")
TO = "complaints@huntingdonshire.gov.uk"


@pytest.fixture()
def smtp_server(smtp_sink) -> Iterator[int]:  # type: ignore[no-untyped-def]
    port = free_port()
    controller = serve(IntakeHandler(POLICY, ("huntingdonshire.gov.uk",), ("complaints@huntingdonshire.gov.uk",)),
                       "127.0.0.1", port, max_bytes=200_000)
    yield port
    controller.stop()


def send(port: int, raw: bytes | str, mail_from: str = "ann@example.org", to: str = TO, **options) -> tuple[int, bytes]:  # type: ignore[no-untyped-def]
    data = raw.encode() if isinstance(raw, str) else raw
    data = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")  # SMTP lines end CRLF, as any MTA sends them
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        client.ehlo("test.example")
        code, message = client.mail(mail_from, options.get("mail_options", []))
        assert code == 250, message
        code, message = client.rcpt(to)
        if code != 250:
            return code, message
        return client.data(data)


def message(subject: str = "Bin missed again", body: str = "Third week running my bin was missed. I reported it twice.",
            sender: str = "Ann Example <ann@example.org>", **headers: str) -> bytes:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = TO
    mail["Subject"] = subject
    mail["Message-ID"] = headers.pop("message_id", "<m1@example.org>")
    for name, value in headers.items():
        mail[name.replace("_", "-")] = value
    mail.set_content(body)
    return bytes(mail)


def contacts() -> list[Contact]:
    with transaction() as db:
        return list(db.scalars(select(Contact).order_by(Contact.id)))


def test_a_message_is_stored_before_250_and_acknowledged_as_a_reply(smtp_server, smtp_sink):
    raw = message()
    code, reply = send(smtp_server, raw)
    assert code == 250 and b"HDC-" in reply
    (contact,) = contacts()
    assert (contact.channel, contact.sender_email, contact.sender_name, contact.subject) == ("email", "ann@example.org", "Ann Example", "Bin missed again")
    with transaction() as db:
        stored = db.get_one(RawMessage, contact.raw_message_id).body
        assert stored.replace(b"\r\n", b"\n").rstrip() == raw.replace(b"\r\n", b"\n").rstrip()  # SMTP sends CRLF lines
    assert queue(TRIAGE).count == 1
    run_jobs()
    (ack,) = smtp_sink.wait_for(1)
    assert ack["To"] == "ann@example.org" and ack["In-Reply-To"] == "<m1@example.org>"
    assert ack["Auto-Submitted"] == "auto-replied" and contact.reference in ack["Subject"]


def test_the_same_message_twice_is_one_contact(smtp_server):
    raw = message()
    first, second = send(smtp_server, raw), send(smtp_server, raw)
    assert first == second and first[0] == 250
    assert len(contacts()) == 1


def test_relaying_is_refused(smtp_server):
    code, _ = send(smtp_server, message(), to="someone@elsewhere.example")
    assert code == 550
    assert contacts() == []


def test_oversize_mail_is_refused_with_552(smtp_server):
    code, _ = send(smtp_server, message(body=("x" * 70 + "\n") * 4000))
    assert code == 552
    assert contacts() == []


def test_oversize_declared_size_is_refused_at_mail_from(smtp_server):
    with smtplib.SMTP("127.0.0.1", smtp_server, timeout=10) as client:
        client.ehlo("test.example")
        assert client.has_extn("size") and int(client.esmtp_features["size"]) == 200_000
        code, _ = client.mail("ann@example.org", ["SIZE=900000"])
    assert code == 552


MALFORMED = (b"From: ann@example.org\r\nTo: complaints@huntingdonshire.gov.uk\r\nSubject: broken\r\n"
             b"Message-ID: <broken@example.org>\r\nMIME-Version: 1.0\r\n"
             b"Content-Type: multipart/mixed; boundary=\"zzz\"\r\n\r\n--zzz\r\nContent-Type: text/plain\r\n\r\n"
             b"The bins were missed and the boundary never closes\r\n")


def test_malformed_mime_is_stored_raw_and_flagged_never_dropped(smtp_server):
    code, _ = send(smtp_server, MALFORMED)
    assert code == 250
    (contact,) = contacts()
    assert "boundary never closes" in contact.text
    with transaction() as db:
        assert "malformed_mime" in db.get_one(RawMessage, contact.raw_message_id).flags


def test_a_lying_charset_is_decoded_anyway(smtp_server):
    raw = (b"From: ann@example.org\r\nTo: complaints@huntingdonshire.gov.uk\r\nSubject: =?iso-8859-1?q?Caf=E9_bins?=\r\n"
           b"Message-ID: <cs@example.org>\r\nContent-Type: text/plain; charset=x-made-up\r\n\r\nDiolch yn fawr \xc5\xb5\r\n")
    assert send(smtp_server, raw)[0] == 250
    (contact,) = contacts()
    assert contact.subject == "Café bins" and "Diolch yn fawr ŵ" in contact.text
    with transaction() as db:
        assert "unknown_charset" in db.get_one(RawMessage, contact.raw_message_id).flags


def test_html_only_mail_becomes_text_without_its_scripts(smtp_server):
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"], mail["Message-ID"] = "ann@example.org", TO, "html", "<h@example.org>"
    mail.set_content("<p>My <b>bin</b> was missed</p><script>alert('x')</script><style>p{}</style>", subtype="html")
    assert send(smtp_server, bytes(mail))[0] == 250
    (contact,) = contacts()
    assert "My bin was missed" in contact.text and "alert" not in contact.text


def test_attachments_are_listed_with_type_and_size_and_a_safe_name(smtp_server):
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"], mail["Message-ID"] = "ann@example.org", TO, "photos", "<a@example.org>"
    mail.set_content("Photos of the fly-tipping attached.")
    mail.add_attachment(b"\x89PNG" + b"0" * 1000, maintype="image", subtype="png", filename="../../etc/passwd.png")
    mail.add_attachment(b"%PDF-1.4 letter", maintype="application", subtype="pdf", filename="letter.pdf")
    assert send(smtp_server, bytes(mail))[0] == 250
    (contact,) = contacts()
    assert contact.attachments == [
        {"filename": "passwd.png", "content_type": "image/png", "size": 1004},
        {"filename": "letter.pdf", "content_type": "application/pdf", "size": 15},
    ]


@pytest.mark.parametrize(
    ("headers", "mail_from", "noise"),
    [
        ({"Auto_Submitted": "auto-replied"}, "ann@example.org", "auto_reply"),
        ({"subject": "Out of Office: back Monday"}, "ann@example.org", "auto_reply"),
        ({"Precedence": "bulk"}, "ann@example.org", "list"),
        ({"List_Id": "<residents.lists.example.org>"}, "ann@example.org", "list"),
        ({"X_Loop": "heard"}, "ann@example.org", "loop"),
        ({}, "", "bounce"),
    ],
)
def test_machines_get_no_acknowledgement_and_no_case(smtp_server, smtp_sink, headers, mail_from, noise):
    headers = dict(headers)  # parametrised values are shared between the two stacks
    subject = headers.pop("subject", "Bin missed again")
    assert send(smtp_server, message(subject=subject, **headers), mail_from=mail_from)[0] == 250
    (contact,) = contacts()
    assert (contact.state, contact.noise) == ("noise", noise)
    assert queue(TRIAGE).count == 0
    run_jobs()
    with transaction() as db:
        assert db.scalar(select(func.count()).select_from(Case)) == 0
    assert smtp_sink.messages() == []


def test_a_delivery_report_is_a_bounce(smtp_server):
    raw = (b"From: MAILER-DAEMON@mx.example.org\r\nTo: complaints@huntingdonshire.gov.uk\r\nSubject: Undelivered Mail\r\n"
           b"Message-ID: <dsn@mx.example.org>\r\nMIME-Version: 1.0\r\n"
           b"Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n\r\n"
           b"--b\r\nContent-Type: text/plain\r\n\r\nDelivery failed\r\n--b\r\nContent-Type: message/delivery-status\r\n\r\n"
           b"Reporting-MTA: dns; mx.example.org\r\n\r\nFinal-Recipient: rfc822; x@example.org\r\nAction: failed\r\nStatus: 5.1.1\r\n--b--\r\n")
    assert send(smtp_server, raw, mail_from="")[0] == 250
    (contact,) = contacts()
    assert contact.noise == "bounce"


def test_a_reply_to_our_acknowledgement_joins_the_case(smtp_server, smtp_sink):
    send(smtp_server, message())
    run_jobs()
    (ack,) = smtp_sink.wait_for(1)
    reply = message(subject=f"Re: {ack['Subject']}", body="Thanks. It was missed again today.\n\n> quoted ack",
                    message_id="<m2@example.org>", In_Reply_To=ack["Message-ID"], References=f"<m1@example.org> {ack['Message-ID']}")
    assert send(smtp_server, reply)[0] == 250
    first, second = contacts()
    assert (second.state, second.case_id) == ("correspondence", first.id and second.case_id)
    run_jobs()
    with transaction() as db:
        assert db.scalar(select(func.count()).select_from(Case)) == 1
        events = [e.kind for e in db.scalars(select(CaseEvent).where(CaseEvent.case_id == second.case_id))]
        assert "correspondence_received" in events
        assert db.scalar(select(func.count()).select_from(Notification)) == 1  # no second acknowledgement


def test_a_reference_in_the_subject_from_someone_else_opens_a_new_contact(smtp_server, smtp_sink):
    send(smtp_server, message())
    run_jobs()
    reference = contacts()[0].reference
    send(smtp_server, message(subject=f"About {reference}", sender="mallory@example.net", message_id="<x@example.net>"))
    assert contacts()[1].state == "received" and contacts()[1].case_id is None


def test_quoted_replies_are_kept_but_not_triaged(smtp_server):
    body = ("The pavement outside is fine, but my bin was missed.\n\nRegards\nAnn\n\n"
            "On Tue, 3 Nov 2026 at 10:14, Someone <s@example.org> wrote:\n> I want to appeal my PCN\n")
    send(smtp_server, message(body=body))
    run_jobs()
    (contact,) = contacts()
    assert "appeal my PCN" in contact.text
    assert contact.triage_text and "bin was missed" in contact.triage_text and "appeal" not in contact.triage_text


def test_smtputf8_addresses_are_accepted(smtp_server):
    with smtplib.SMTP("127.0.0.1", smtp_server, timeout=10) as client:
        client.ehlo("test.example")
        assert client.has_extn("smtputf8")
        raw = ("From: Siân <siân@example.cymru>\r\nTo: " + TO + "\r\nSubject: Biniau\r\n"
               "Message-ID: <u@example.cymru>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nMae'r bin heb ei gasglu.\r\n")
        client.sendmail("siân@example.cymru", [TO], raw.encode(), mail_options=["SMTPUTF8"])
    (contact,) = contacts()
    assert contact.sender_email == "siân@example.cymru"


def test_storage_failure_answers_451_so_the_sender_retries(smtp_server, monkeypatch, tmp_path):
    from heard import config

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/no/such/dir/db.sqlite3")
    config.settings.cache_clear()
    code, _ = send(smtp_server, message())
    assert code == 451


def test_an_over_long_line_is_refused_and_nothing_stored(smtp_server):
    code, reply = send(smtp_server, b"From: ann@example.org\r\nSubject: x\r\n\r\n" + b"y" * 5000 + b"\r\n")
    assert code == 500 and b"Line too long" in reply
    assert contacts() == []


def test_starttls_and_auth_from_configuration(smtp_sink, tmp_path):
    import ssl

    import trustme

    authority = trustme.CA()
    certificate = authority.issue_cert("127.0.0.1", "localhost")
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    certificate.configure_cert(server_context)
    client_context = ssl.create_default_context()
    authority.configure_trust(client_context)
    port = free_port()
    controller = serve(IntakeHandler(POLICY, ("huntingdonshire.gov.uk",), ()), "127.0.0.1", port,
                       max_bytes=200_000, tls=server_context, auth=("relay", "s3cret"))
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
            client.ehlo("relay.example")
            assert client.has_extn("starttls")
            code, _ = client.mail("ann@example.org")
            assert code == 530  # authentication required first
            client.starttls(context=client_context)
            client.ehlo("relay.example")
            with pytest.raises(smtplib.SMTPAuthenticationError):
                client.login("relay", "wrong")
            client.login("relay", "s3cret")
            client.sendmail("ann@example.org", [TO], message().replace(b"\n", b"\r\n"))
    finally:
        controller.stop()
    assert len(contacts()) == 1


def test_a_client_that_hangs_up_mid_data_leaves_nothing(smtp_server):
    import socket

    with socket.create_connection(("127.0.0.1", smtp_server), timeout=10) as raw:
        reader = raw.makefile("rb")
        reader.readline()
        for line in (b"EHLO test.example", b"MAIL FROM:<ann@example.org>", f"RCPT TO:<{TO}>".encode(), b"DATA"):
            raw.sendall(line + b"\r\n")
            while reader.readline()[3:4] == b"-":  # read past multi-line replies
                pass
        raw.sendall(b"Subject: half\r\n\r\nThe bin was miss")  # and hang up without the final dot
    import time

    time.sleep(0.5)
    assert contacts() == []


def test_fifty_senders_at_once_are_all_stored_once(smtp_server):
    from concurrent.futures import ThreadPoolExecutor

    def deliver(i: int) -> int:
        return send(smtp_server, message(subject=f"Sender {i}", message_id=f"<c{i}@example.org>"),
                    mail_from=f"r{i}@example.org")[0]

    with ThreadPoolExecutor(50) as pool:
        codes = list(pool.map(deliver, range(50)))
    assert codes == [250] * 50
    assert sorted(c.subject for c in contacts()) == sorted(f"Sender {i}" for i in range(50))


ODD_MAIL = {
    "no_headers_at_all": b"\r\nJust a body, no headers, from nobody.\r\n",
    "base64_body": (b"From: r@example.org\r\nSubject: b64\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
                    b"Content-Transfer-Encoding: base64\r\n\r\nVGhlIGJpbiB3YXMgbWlzc2VkIOKAlCBhZ2Fpbi4=\r\n"),
    "broken_base64": (b"From: r@example.org\r\nSubject: bad b64\r\nContent-Type: text/plain\r\n"
                      b"Content-Transfer-Encoding: base64\r\n\r\n!!!not*base64***\r\n"),
    "nested_multiparts": (b"From: r@example.org\r\nSubject: nested\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=a\r\n\r\n"
                          b"--a\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nNested plain text about fly-tipping\r\n"
                          b"--b\r\nContent-Type: text/html\r\n\r\n<p>Nested html</p>\r\n--b--\r\n--a\r\nContent-Type: message/rfc822\r\n\r\n"
                          b"From: other@example.org\r\nSubject: forwarded\r\n\r\nForwarded body\r\n--a--\r\n"),
    "latin1_8bit": (b"From: =?iso-8859-1?q?Ren=E9e?= <renee@example.org>\r\nSubject: caf\xe9\r\n"
                    b"Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\nLe caf\xe9 est ferm\xe9.\r\n"),
    "huge_header_count": b"From: r@example.org\r\n" + b"".join(b"X-Junk-%d: y\r\n" % i for i in range(2000)) + b"Subject: many\r\n\r\nbody\r\n",
    "display_name_spoof": b'From: "mayor@huntingdonshire.gov.uk" <evil@attacker.example>\r\nSubject: hi\r\n\r\nbody\r\n',
}


@pytest.mark.parametrize("name", sorted(ODD_MAIL))
def test_odd_and_hostile_mail_is_kept_and_never_crashes(smtp_server, name):
    code, _ = send(smtp_server, ODD_MAIL[name])
    assert code == 250
    (contact,) = contacts()
    if name == "display_name_spoof":
        assert contact.sender_email == "evil@attacker.example"
    if name == "base64_body":
        assert "The bin was missed — again." in contact.text
    if name == "nested_multiparts":
        assert "Nested plain text" in contact.text
    if name == "latin1_8bit":
        assert "Le café est fermé" in contact.text


def test_a_large_attachment_within_the_limit_is_listed_not_inlined(smtp_server):
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"], mail["Message-ID"] = "ann@example.org", TO, "video", "<v@example.org>"
    mail.set_content("A video of the crew throwing my bin.")
    mail.add_attachment(bytes(range(256)) * 400, maintype="video", subtype="mp4", filename="crew.mp4")
    assert send(smtp_server, bytes(mail))[0] == 250
    (contact,) = contacts()
    assert contact.attachments == [{"filename": "crew.mp4", "content_type": "video/mp4", "size": 102400}]
    assert "crew throwing my bin" in contact.text and len(contact.text) < 1000


def test_the_case_owner_sees_the_reply_on_the_case(smtp_server, smtp_sink):
    import json

    from click.testing import CliRunner

    from heard.cli import main

    send(smtp_server, message())
    run_jobs()
    (ack,) = smtp_sink.wait_for(1)
    send(smtp_server, message(subject="Re: bins", body="It was missed again today.", message_id="<m9@example.org>",
                              In_Reply_To=ack["Message-ID"]))
    reference = contacts()[0].reference
    shown = json.loads(CliRunner().invoke(main, ["cases", "show", reference, "--json"]).output)
    assert [c["state"] for c in shown["contacts"]] == ["triaged", "correspondence"]
    assert "missed again today" in shown["contacts"][1]["text"]
    assert "correspondence_received" in [e["kind"] for e in shown["events"]]
