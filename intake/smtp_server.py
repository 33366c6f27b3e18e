"""`heard smtp`: the SMTP server the council's mail relay delivers to (aiosmtpd).

It answers 250 only once the message's exact bytes and its contact are committed, refuses
recipients outside the council's own domains (it is never a relay), advertises and
enforces a size limit (552 past it), and answers 451 when storage fails so the sending
server tries again later.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from datetime import datetime, timezone
from email.utils import parseaddr

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope as SmtpEnvelope, LoginPassword, Session

from intake.email import Envelope, accept
from models.policy import Policy

log = logging.getLogger(__name__)


class IntakeHandler:
    def __init__(self, policy: Policy, domains: tuple[str, ...], own_addresses: tuple[str, ...]) -> None:
        self.policy = policy
        self.domains = tuple(d.lower() for d in domains)
        self.own_addresses = own_addresses

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: SmtpEnvelope, address: str, rcpt_options: list[str]) -> str:
        domain = parseaddr(address)[1].rpartition("@")[2].lower()
        if domain not in self.domains:
            return "550 5.7.1 Relaying denied: this server accepts mail only for its council's own addresses"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: SmtpEnvelope) -> str:
        raw = envelope.original_content or b""
        details = Envelope(
            mail_from=envelope.mail_from if envelope.mail_from not in (None, "<>") else "",
            recipients=tuple(envelope.rcpt_tos),
            peer=str(session.peer[0]) if session.peer else None,
            received_at=datetime.now(timezone.utc),
        )
        try:
            stored = await asyncio.to_thread(accept, raw, details, self.policy, self.own_addresses)
        except Exception as exc:  # storage failed: the sender must keep the message and retry
            log.error("could not store an email: %s", exc.__class__.__name__)
            return "451 4.3.0 Could not store the message; please try again later"
        return f"250 2.0.0 Stored as {stored.reference}"


class _Authenticator:
    def __init__(self, username: str, password: str) -> None:
        self.username, self.password = username.encode(), password.encode()

    def __call__(self, server: SMTP, session: Session, envelope: SmtpEnvelope, mechanism: str, auth_data: object) -> AuthResult:
        import hmac

        ok = (isinstance(auth_data, LoginPassword)
              and hmac.compare_digest(auth_data.login, self.username)
              and hmac.compare_digest(auth_data.password, self.password))
        return AuthResult(success=ok, handled=False)


def serve(handler: IntakeHandler, host: str, port: int, *, max_bytes: int, tls: ssl.SSLContext | None = None,
          auth: tuple[str, str] | None = None) -> Controller:
    kwargs: dict[str, object] = {
        "data_size_limit": max_bytes,
        "enable_SMTPUTF8": True,
        "decode_data": False,
        "ident": "Heard intake",
        "timeout": 120,
    }
    if tls is not None:
        kwargs["tls_context"] = tls
    if auth is not None:
        kwargs.update(authenticator=_Authenticator(*auth), auth_required=True, auth_require_tls=tls is not None)
    controller = Controller(handler, hostname=host, port=port, server_hostname="heard", **kwargs)
    controller.start()
    return controller


def tls_context(certificate: str, key: str) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certificate, key)
    return context
