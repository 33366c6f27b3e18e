"""Benchmarks: figures printed beside a bare baseline measured in the same run.

Run with `make bench`. They never fail on a time; they fail only if the work is wrong.
"""

from __future__ import annotations

import sqlite3
import time
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import func, select

from heard import jobs
from intake.store import Received, store
from models import Case
from models.db import transaction
from models.policy import load_policy
from tests.conftest import TEST_POSTGRES_URL

N = 300
POLICY = load_policy("huntingdonshire")


def _rate(count: int, seconds: float) -> str:
    return f"{count / seconds:8.0f}/s ({seconds * 1000 / count:.2f} ms each)"


def _bare_inserts(database_url: str, tmp_path: Path) -> float:
    if database_url.startswith("sqlite"):
        bare = sqlite3.connect(tmp_path / "bare.sqlite3")
        bare.execute("PRAGMA journal_mode=WAL")
        bare.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB, text TEXT)")
        sql = "INSERT INTO t (body, text) VALUES (?, ?)"
    else:
        import psycopg

        bare = psycopg.connect(TEST_POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://"))
        bare.execute("CREATE TEMPORARY TABLE t (id SERIAL PRIMARY KEY, body BYTEA, text TEXT)")
        sql = "INSERT INTO t (body, text) VALUES (%s, %s)"
    start = time.perf_counter()
    for _ in range(N):
        bare.execute(sql, (b"x" * 300, "text"))
        bare.commit()
    elapsed = time.perf_counter() - start
    bare.close()
    return elapsed


def test_intake_and_triage_throughput(heard_env, tmp_path: Path):
    # Baseline: the bare minimum a store can cost on the same database: one INSERT and
    # COMMIT per contact through the driver, no ORM.
    baseline = _bare_inserts(heard_env.database_url, tmp_path)

    start = time.perf_counter()
    ids = [
        store(Received(channel="web", provider_id=f"bench-{i}", content_type="application/x-www-form-urlencoded",
                       body=b"x" * 300, text=f"My bin was missed again ({i})",
                       received_at=datetime.now(timezone.utc),
                       fields={"sender_email": f"r{i}@example.org", "declared_category": "complaint",
                               "declared_service_area": "waste"}), POLICY).contact_id
        for i in range(N)
    ]
    intake = time.perf_counter() - start

    start = time.perf_counter()
    for contact_id in ids:
        jobs.triage_contact(contact_id)  # includes enqueueing the acknowledgement on Redis
    triage = time.perf_counter() - start

    with transaction() as db:
        assert db.scalar(select(func.count()).select_from(Case)) == N
    print(f"\n[{heard_env.name}] {N} contacts")
    print(f"  baseline: bare driver insert+commit  {_rate(N, baseline)}")
    print(f"  intake.store (raw + contact, 1 tx)   {_rate(N, intake)}")
    print(f"  triage job (decision, case, outbox)  {_rate(N, triage)}")
