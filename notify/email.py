"""Sending one email through the relay named by SMTP_URL.

SMTP_URL forms: smtp://host:port (plain, or STARTTLS with ?starttls=true),
smtps://host:port (implicit TLS), with optional user:password@ for AUTH.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from urllib.parse import parse_qs, unquote, urlsplit


@dataclass(frozen=True)
class SmtpTarget:
    host: str
    port: int
    implicit_tls: bool
    starttls: bool
    username: str | None
    password: str | None


def parse_smtp_url(url: str) -> SmtpTarget:
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps"):
        raise ValueError("SMTP_URL must start smtp:// or smtps://")
    query = parse_qs(parts.query)
    return SmtpTarget(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or (465 if parts.scheme == "smtps" else 25),
        implicit_tls=parts.scheme == "smtps",
        starttls=query.get("starttls", ["false"])[0].lower() in ("1", "true", "yes"),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


def build_message(*, sender: str, recipient: str, subject: str, text: str, html: str,
                  message_id: str, in_reply_to: str | None = None, references: list[str] | None = None) -> EmailMessage:
    """An acknowledgement as a proper automatic reply: plain text and HTML, threaded.

    EmailMessage refuses CR/LF in headers, so text from a resident cannot inject any.
    """
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-replied"  # RFC 3834: other robots must not answer it
    message["X-Auto-Response-Suppress"] = "All"
    if in_reply_to:
        # RFC 5322 3.6.4: the parent's References, then the parent's own Message-ID.
        message["In-Reply-To"] = in_reply_to
        message["References"] = " ".join([*(references or [])[-20:], in_reply_to])
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def stable_message_id(key: str, domain: str) -> str:
    """The same Message-ID for every attempt of one notification, so a resend after a crash
    is recognisable as the same message by the recipient's mail system."""
    return f"<{key}@{domain}>"


def send_message(message: EmailMessage, target: SmtpTarget, timeout: float = 30) -> str:
    """Hand the message to the relay; returns its Message-ID."""
    context = ssl.create_default_context()
    client_class = smtplib.SMTP_SSL if target.implicit_tls else smtplib.SMTP
    kwargs = {"context": context} if target.implicit_tls else {}
    with client_class(target.host, target.port, timeout=timeout, **kwargs) as client:
        if target.starttls:
            client.starttls(context=context)
        if target.username:
            client.login(target.username, target.password or "")
        client.send_message(message)
    return str(message["Message-ID"])


