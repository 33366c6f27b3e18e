"""Sending one text message through Twilio's Messages API with the twilio library.

TWILIO_API_BASE points the client somewhere other than Twilio's API (the development
SMS sink, or a test's capture server): the library's HTTP client is kept, and only the
host of each request is rewritten, so what is sent is exactly what Twilio would get.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

TWILIO_API = "https://api.twilio.com"
MAX_LENGTH = 306  # two SMS segments at most


@dataclass(frozen=True)
class TwilioSettings:
    account_sid: str
    auth_token: str
    sender: str  # a number (+44...) or a Messaging Service SID (MG...)
    api_base: str | None

    @classmethod
    def from_environment(cls) -> TwilioSettings | None:
        sid, token, sender = (os.environ.get(name) for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM"))
        if not (sid and token and sender):
            return None
        return cls(sid, token, sender, os.environ.get("TWILIO_API_BASE") or None)


class _RedirectingClient(TwilioHttpClient):
    def __init__(self, api_base: str) -> None:
        super().__init__(timeout=30)
        self.api_base = api_base.rstrip("/")

    def request(self, method: str, url: str, *args: Any, **kwargs: Any):  # type: ignore[no-untyped-def]
        if url.startswith(TWILIO_API):
            url = self.api_base + url[len(TWILIO_API):]
        return super().request(method, url, *args, **kwargs)


def send_sms(settings: TwilioSettings, to: str, body: str) -> str:
    """Send; returns the message SID. Raises twilio's TwilioRestException on refusal."""
    http_client = _RedirectingClient(settings.api_base) if settings.api_base else None
    client = Client(settings.account_sid, settings.auth_token, http_client=http_client)
    sender = {"messaging_service_sid": settings.sender} if settings.sender.startswith("MG") else {"from_": settings.sender}
    message = client.messages.create(to=to, body=body[:MAX_LENGTH], **sender)
    return str(message.sid)
