"""GET /healthz over HTTP: database, Redis and queue depths."""

from __future__ import annotations

import requests

from heard import config
from heard.queue import enqueue_triage


def test_healthy(live_server):
    enqueue_triage(12345)
    response = requests.get(f"{live_server.url}/healthz", timeout=10)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] and body["database"]["contacts_awaiting_triage"] == 0
    assert body["redis"]["queues"]["triage"]["queued"] == 1
    assert set(body["redis"]["queues"]) == {"triage", "notify"}


def test_redis_down_is_degraded_not_down(live_server, monkeypatch):
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
    config.settings.cache_clear()
    response = requests.get(f"{live_server.url}/healthz", timeout=10)
    assert response.status_code == 200
    assert response.json()["status"] == "degraded" and not response.json()["redis"]["ok"]


def test_database_down_is_503(live_server, monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/no/such/dir/db.sqlite3")
    config.settings.cache_clear()
    response = requests.get(f"{live_server.url}/healthz", timeout=10)
    assert response.status_code == 503
    assert response.json()["status"] == "down"


def test_a_contact_that_keeps_failing_triage_shows_as_stuck(live_server):
    from datetime import datetime, timezone

    from heard.reconcile import reconcile
    from intake.store import Received, store
    from models import Contact
    from models.db import transaction
    from models.intake import MAX_TRIAGE_ATTEMPTS
    from models.policy import load_policy

    stored = store(Received(channel="web", provider_id="stuck", content_type="text/plain", body=b"x", text="bins",
                            received_at=datetime.now(timezone.utc)), load_policy("huntingdonshire"))
    with transaction() as db:
        db.get_one(Contact, stored.contact_id).triage_attempts = MAX_TRIAGE_ATTEMPTS
    result = reconcile()
    assert (result.triage_queued, result.stuck_contacts) == (0, 1)
    body = requests.get(f"{live_server.url}/healthz", timeout=10).json()
    assert body["database"]["contacts_awaiting_triage"] == 1 and body["database"]["contacts_stuck"] == 1
