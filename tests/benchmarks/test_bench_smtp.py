"""SMTP intake throughput with durable storage, beside a bare aiosmtpd handler that only
discards, measured in the same run so the ratio shows what storage costs."""

from __future__ import annotations

import smtplib
import time
from concurrent.futures import ThreadPoolExecutor

from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from intake.smtp_server import IntakeHandler, serve
from models import Contact
from models.db import transaction
from models.policy import load_policy
from tests.conftest import free_port

N = 400
CLIENTS = 4
TO = "complaints@huntingdonshire.gov.uk"


class Discard:
    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        return "250 OK"


def _message(i: int) -> bytes:
    body = "My bin was missed again on Hartford Road, third time this month.\r\n" * 40  # about 3 KB
    return (f"From: r{i}@example.org\r\nTo: {TO}\r\nSubject: Bins {i}\r\nMessage-ID: <bench-{i}@example.org>\r\n\r\n{body}\r\n").encode()


def _blast(port: int) -> float:
    def client(worker: int) -> None:
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
            for i in range(worker, N, CLIENTS):
                smtp.sendmail(f"r{i}@example.org", [TO], _message(i))

    start = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(client, range(CLIENTS)))
    return time.perf_counter() - start


def test_smtp_throughput(heard_env):
    bare_port = free_port()
    bare = Controller(Discard(), hostname="127.0.0.1", port=bare_port)
    bare.start()
    try:
        bare_seconds = _blast(bare_port)
    finally:
        bare.stop()

    port = free_port()
    server = serve(IntakeHandler(load_policy("huntingdonshire"), ("huntingdonshire.gov.uk",), ()), "127.0.0.1", port, max_bytes=10_000_000)
    try:
        heard_seconds = _blast(port)
    finally:
        server.stop()
    with transaction() as db:
        assert db.scalar(select(func.count()).select_from(Contact)) == N

    print(f"\n[{heard_env.name}] {N} messages of about 3 KB from {CLIENTS} clients over SMTP")
    print(f"  baseline: aiosmtpd handler that discards  {N / bare_seconds:7.0f} msg/s")
    print(f"  heard smtp (stored, committed, queued)    {N / heard_seconds:7.0f} msg/s")
