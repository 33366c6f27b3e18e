"""A local stand-in for Twilio's Messages API: the development (and test) text outbox.

It accepts what the twilio library sends to create a message, keeps each one as a JSON
file, and answers as Twilio does, so Heard's real sending code runs unchanged.
"""

from __future__ import annotations

import json
import os
import re
import threading
import uuid
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

MESSAGES = re.compile(r"^/2010-04-01/Accounts/(?P<account>AC\w+)/Messages\.json$")


def _handler(directory: Path) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            match = MESSAGES.match(self.path)
            length = min(int(self.headers.get("Content-Length", "0") or 0), 64 * 1024)
            fields = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode("utf-8", "replace")).items()}
            if not match or not self.headers.get("Authorization") or "To" not in fields or "Body" not in fields:
                self._answer(400, {"code": 21604, "message": "To, Body and credentials are required", "status": 400})
                return
            sid = "SM" + uuid.uuid4().hex
            message = {"sid": sid, "account_sid": match["account"], "to": fields["To"], "from": fields.get("From"),
                       "messaging_service_sid": fields.get("MessagingServiceSid"), "body": fields["Body"],
                       "status": "queued", "num_segments": "1", "direction": "outbound-api",
                       "date_created": datetime.now(timezone.utc).strftime("%a, %d %b %Y %H:%M:%S +0000"),
                       "uri": f"/2010-04-01/Accounts/{match['account']}/Messages/{sid}.json"}
            temporary = directory / f"{sid}.tmp"
            temporary.write_text(json.dumps(message, ensure_ascii=False, indent=2))
            temporary.rename(directory / f"{sid}.json")
            self._answer(201, message)

        def _answer(self, status: int, payload: dict[str, object]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:  # keep phone numbers out of logs
            return

    return Handler


class SmsSink:
    def __init__(self, directory: Path, port: int = 0) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self.server = ThreadingHTTPServer(("127.0.0.1", port), _handler(directory))
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> SmsSink:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def messages(self) -> list[dict[str, object]]:
        return [json.loads(p.read_text()) for p in sorted(self.directory.glob("*.json"), key=os.path.getmtime)]
