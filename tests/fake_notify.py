"""A local GOV.UK Notify: its two send endpoints over real HTTP, for the official client.

It checks the bearer token as Notify does (an HS256 JSON Web Token signed with the key's
secret, `iss` the service id, `iat` within 30 seconds of its clock), validates what the
client sends, answers with Notify's status codes and error bodies, and records every
request. A test can script the next answers (a 500, a 429) before Notify behaves again.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import jwt
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

SERVICE_ID = "26785a09-ab16-4eb0-8407-a37497a57506"
SECRET = "3d844edf-8d35-48ac-975b-e847b4f122b0"
API_KEY = f"heard_test-{SERVICE_ID}-{SECRET}"
EMAIL_TEMPLATE = "f33517ff-2a88-4f6e-b855-c550268ce08a"
SMS_TEMPLATE = "ceb50d92-100d-4b8b-b559-14fa3b091cda"
REPLY_TO_ID = "8e222534-7f05-4972-86e3-17c5d9f894e2"
SMS_SENDER_ID = "e0877ed9-cb8d-4ab1-a4b4-3dbb8e1c37b2"
CLOCK_LEEWAY = 30  # seconds, as Notify allows

TEMPLATES = {EMAIL_TEMPLATE: ("email", {"subject", "body"}), SMS_TEMPLATE: ("sms", {"body"})}
UK_MOBILE = re.compile(r"^(?:\+44|0044|0)7\d{9}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass
class Recorded:
    path: str
    status: int
    body: dict[str, Any] | None
    answer: dict[str, Any] = field(default_factory=dict)


def error(status: int, kind: str, message: str) -> tuple[int, dict[str, Any]]:
    return status, {"errors": [{"error": kind, "message": message}], "status_code": status}


def token(secret: str = SECRET, *, iss: str = SERVICE_ID, iat: float | None = None, algorithm: str = "HS256") -> str:
    """A bearer token as the client makes one, with any part wrong on request."""
    return jwt.encode({"iss": iss, "iat": int(time.time() if iat is None else iat)}, secret, algorithm=algorithm)


class FakeNotify:
    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.scripted: list[tuple[int, dict[str, Any] | str]] = []  # answered first, in order
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self._lock = threading.Lock()

    def start(self) -> FakeNotify:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()

    def sent(self) -> list[Recorded]:
        """The requests Notify accepted: the messages that would reach someone."""
        return [r for r in self.requests if r.status == 201]

    @Request.application
    def app(self, request: Request) -> Response:
        body = request.get_json(silent=True) if request.mimetype == "application/json" else None
        with self._lock:
            status, answer = self._answer(request, body)
            self.requests.append(Recorded(request.path, status, body, answer if isinstance(answer, dict) else {}))
        if isinstance(answer, str):  # an HTML error page from something in front of Notify
            return Response(answer, status=status, content_type="text/html")
        return Response(json.dumps(answer), status=status, content_type="application/json")

    def _answer(self, request: Request, body: dict[str, Any] | None) -> tuple[int, dict[str, Any] | str]:
        kind = {"/v2/notifications/email": "email", "/v2/notifications/sms": "sms"}.get(request.path)
        if kind is None or request.method != "POST":
            return error(404, "NotFound", "Not Found")
        refused = self._authenticate(request.headers.get("Authorization", ""))
        if refused:
            return refused
        if self.scripted:
            return self.scripted.pop(0)
        if not isinstance(body, dict):
            return error(400, "BadRequestError", "Invalid JSON supplied in POST data")
        return self._send(kind, body)

    def _authenticate(self, header: str) -> tuple[int, dict[str, Any]] | None:
        scheme, _, bearer = header.partition(" ")
        if scheme != "Bearer" or not bearer:
            return error(401, "AuthError", "Unauthorized: authentication token must be provided")
        try:
            if jwt.get_unverified_header(bearer).get("alg") != "HS256":
                return error(403, "AuthError", "Invalid token: algorithm used is not HS256")
            issuer = jwt.decode(bearer, options={"verify_signature": False}).get("iss")
            if issuer != SERVICE_ID:
                return error(403, "AuthError", "Invalid token: service not found")
            claims = jwt.decode(bearer, SECRET, algorithms=["HS256"], options={"verify_iat": False})
        except jwt.InvalidSignatureError:
            return error(403, "AuthError", "Invalid token: API key not found")
        except jwt.InvalidTokenError:
            return error(403, "AuthError", "Invalid token: signature")
        iat = claims.get("iat")
        if not isinstance(iat, int):
            return error(403, "AuthError", "Invalid token: iat field not provided")
        if abs(time.time() - iat) > CLOCK_LEEWAY:
            return error(403, "AuthError", "Error: Your system clock must be accurate to within 30 seconds")
        return None

    def _send(self, kind: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        recipient_field = "email_address" if kind == "email" else "phone_number"
        recipient = str(body.get(recipient_field, ""))
        if kind == "sms" and not UK_MOBILE.match(re.sub(r"[\s()-]", "", recipient)):
            return error(400, "ValidationError", "phone_number Not a UK mobile number")
        if kind == "email" and not EMAIL.match(recipient):
            return error(400, "ValidationError", "email_address Not a valid email address")
        template = TEMPLATES.get(str(body.get("template_id")))
        if template is None or template[0] != kind:
            return error(400, "BadRequestError", "Template not found")
        personalisation = body.get("personalisation") or {}
        missing = sorted(template[1] - set(personalisation))
        if missing:
            return error(400, "BadRequestError", f"Missing personalisation: {', '.join(missing)}")
        for option, known in (("email_reply_to_id", REPLY_TO_ID), ("sms_sender_id", SMS_SENDER_ID)):
            if option in body and body[option] != known:
                return error(400, "BadRequestError", f"{option} {body[option]} does not exist in database for service id {SERVICE_ID}")
        notification_id = str(uuid.uuid4())
        content = {"body": personalisation["body"]}
        if kind == "email":
            content.update(subject=personalisation["subject"], from_email="council@notifications.service.gov.uk")
        return 201, {"id": notification_id, "reference": body.get("reference"), "content": content,
                     "uri": f"https://api.notifications.service.gov.uk/v2/notifications/{notification_id}",
                     "template": {"id": body["template_id"], "version": 1, "uri": "https://api.notifications.service.gov.uk/v2/template/x"}}
