"""A local SMTP server that keeps every message it is given as a file: the development outbox.

Each message is written to a temporary name and renamed into place, so a reader never sees
half a message. The file holds the exact bytes received, with the envelope in headers.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from datetime import datetime, timezone
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


class OutboxHandler:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        envelope_headers = (
            f"X-Heard-Envelope-From: {envelope.mail_from}\r\n"
            f"X-Heard-Envelope-To: {', '.join(envelope.rcpt_tos)}\r\n"
        ).encode()
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")
        final = self.directory / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
        temporary = final.with_suffix(".tmp")
        await asyncio.to_thread(_write, temporary, final, envelope_headers + content)
        return "250 Message accepted for delivery"


def _write(temporary: Path, final: Path, data: bytes) -> None:
    with open(temporary, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    temporary.rename(final)


def serve(directory: Path, host: str, port: int) -> Controller:
    controller = Controller(OutboxHandler(directory), hostname=host, port=port, data_size_limit=10 * 1024 * 1024)
    controller.start()
    return controller
