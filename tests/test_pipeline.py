"""The pipeline on real Redis and a real SMTP sink: triage -> case -> acknowledgement."""

from __future__ import annotations

import time
from datetime import datetime, timezone

from sqlalchemy import func, select

from heard import jobs
from heard.queue import redis
from heard.reconcile import reconcile
from intake.store import Received, store
from models import Case, CaseEvent, Contact, Notification, TriageDecision
from models.db import transaction
from models.policy import load_policy
from tests.conftest import run_jobs

POLICY = load_policy("huntingdonshire")


def receive(n: int = 1, *, anonymous: bool = False, kind: str | None = "complaint", area: str | None = "waste") -> list[int]:
    ids = []
    for i in range(n):
        stored = store(Received(
            channel="web", provider_id=f"token-{i}-{anonymous}", content_type="application/x-www-form-urlencoded",
            body=f"what_happened=bin+missed+{i}".encode(), text=f"My bin was missed again, the third time ({i}).",
            received_at=datetime(2026, 11, 18, 10, 0, tzinfo=timezone.utc),
            fields={"sender_name": None if anonymous else "Ann Example",
                    "sender_email": None if anonymous else f"ann{i}@example.org",
                    "anonymous": anonymous, "declared_category": kind, "declared_service_area": area},
        ), POLICY)
        ids.append(stored.contact_id)
    return ids


def count(model) -> int:  # type: ignore[no-untyped-def]
    with transaction() as db:
        return db.scalar(select(func.count()).select_from(model))


def test_a_contact_becomes_an_acknowledged_case(smtp_sink):
    (contact_id,) = receive()
    jobs.triage_contact(contact_id)
    (notification_id,) = _notification_ids()
    jobs.send_notification(notification_id)

    with transaction() as db:
        case = db.scalars(select(Case)).one()
        assert case.reference == "HDC-2026-000001"
        assert (case.kind, case.stage, case.service_area, case.team) == ("complaint", 1, "waste", "Operations: Waste Services")
        # Received Wed 18 Nov 2026: 5 working days later is Wed 25 Nov.
        assert case.acknowledgement_due.isoformat() == "2026-11-25"
        assert case.state == "acknowledged" and case.acknowledged_at is not None
        assert case.response_due is not None
        events = [e.kind for e in db.scalars(select(CaseEvent).order_by(CaseEvent.id))]
        assert events == ["opened", "routed", "acknowledged"]
        decision = db.scalars(select(TriageDecision)).one()
        assert decision.decided_by.startswith("model:")
        assert db.get_one(Contact, contact_id).state == "triaged"

    (message,) = smtp_sink.messages()
    assert message["To"] == "ann0@example.org"
    assert "HDC-2026-000001" in message["Subject"]
    assert message["Auto-Submitted"] == "auto-replied"
    body = message.get_body(("plain",)).get_content()
    assert "Stage 1 of our complaints procedure" in body and "Operations: Waste Services" in body
    due = case.response_due
    assert f"{due:%B %Y}" in body and str(due.day) in body
    assert message.get_body(("html",)) is not None


def test_jobs_run_twice_change_nothing(smtp_sink):
    (contact_id,) = receive()
    jobs.triage_contact(contact_id)
    jobs.triage_contact(contact_id)
    (notification_id,) = _notification_ids()
    jobs.send_notification(notification_id)
    jobs.send_notification(notification_id)
    assert (count(Case), count(TriageDecision), count(Notification)) == (1, 1, 1)
    assert len(smtp_sink.messages()) == 1


def test_anonymous_contact_opens_a_case_without_acknowledgement(smtp_sink):
    (contact_id,) = receive(anonymous=True)
    jobs.triage_contact(contact_id)
    with transaction() as db:
        case = db.scalars(select(Case)).one()
        assert case.acknowledgement_due is None
        assert [e.kind for e in case.events][-1] == "not_acknowledged"
    assert count(Notification) == 0


def test_unreadable_contact_goes_to_review(smtp_sink):
    stored = store(Received(channel="web", provider_id="emoji", content_type="text/plain", body=b"x",
                            text="\U0001F5D1\U0001F621\U0001F621", fields={"sender_email": "e@example.org"}), POLICY)
    jobs.triage_contact(stored.contact_id)
    with transaction() as db:
        decision = db.scalars(select(TriageDecision)).one()
        assert decision.needs_review and decision.decided_by.startswith("model:spacy-bow+tfidf@")
        assert any("no readable words" in s for s in decision.signals)
        assert db.scalars(select(Case.service_area)).one() == "customer_services"


def test_urgent_contacts_are_flagged_on_the_case(smtp_sink):
    stored = store(Received(channel="web", provider_id="urgent", content_type="text/plain", body=b"x",
                            text="I've been evicted today and I'm sleeping in my car tonight with my kids.",
                            fields={"sender_email": "u@example.org"}), POLICY)
    jobs.triage_contact(stored.contact_id)
    with transaction() as db:
        case = db.scalars(select(Case)).one()
        assert case.urgent and "flagged_urgent" in [e.kind for e in case.events]


def test_officer_corrections_become_training_examples(smtp_sink):
    from heard.cli import _officer_corrections

    (contact_id,) = receive()
    jobs.triage_contact(contact_id)
    assert _officer_corrections() == []
    with transaction() as db:
        db.add(TriageDecision(contact_id=contact_id, category="excluded", exclusion="out_of_time",
                              service_area="waste", decided_by="officer:7"))
    (example,) = _officer_corrections()
    assert (example.category, example.exclusion, example.service_area) == ("excluded", "out_of_time", "waste")


def test_queue_drains_through_a_real_worker(smtp_sink):
    from heard.queue import enqueue_triage

    for contact_id in receive(3):
        enqueue_triage(contact_id)
    run_jobs()
    assert count(Case) == 3
    assert len(smtp_sink.wait_for(3)) == 3


def test_smtp_down_keeps_the_notification_for_a_retry(smtp_sink, monkeypatch):
    from heard import config

    (contact_id,) = receive()
    jobs.triage_contact(contact_id)
    (notification_id,) = _notification_ids()
    monkeypatch.setenv("SMTP_URL", "smtp://127.0.0.1:1")
    config.settings.cache_clear()
    try:
        jobs.send_notification(notification_id)
    except OSError:
        pass
    else:
        raise AssertionError("sending to a closed port must fail")
    with transaction() as db:
        row = db.get_one(Notification, notification_id)
        assert row.state == "sending" and row.attempts == 1 and "Connection" in (row.last_error or "")
        assert row.next_attempt_at is not None
    redis().flushdb()  # and Redis lost the queued job: only the outbox row remains
    assert reconcile().sends_queued == 0  # backing off: not yet
    monkeypatch.setenv("SMTP_URL", smtp_sink.url)
    config.settings.cache_clear()
    assert reconcile(now=time.time() + 60).sends_queued == 1
    run_jobs()
    assert len(smtp_sink.messages()) == 1
    with transaction() as db:
        assert db.get_one(Notification, notification_id).state == "sent"


def test_contacts_stored_while_redis_was_down_are_triaged_once(smtp_sink):
    ids = receive(5)  # stored without any job queued, as when Redis is unreachable
    first = reconcile()
    assert first.triage_queued == 5
    assert reconcile().triage_queued == 0  # already queued: not queued twice
    run_jobs()
    assert count(Case) == 5
    assert reconcile().triage_queued == 0
    assert len(smtp_sink.wait_for(5)) == 5
    assert sorted(ids) == sorted(_case_contact_ids())


def _notification_ids() -> list[int]:
    with transaction() as db:
        return list(db.scalars(select(Notification.id).order_by(Notification.id)))


def _case_contact_ids() -> list[int]:
    with transaction() as db:
        return list(db.scalars(select(Case.contact_id)))


def test_a_job_a_dead_worker_took_but_never_started_is_queued_again(smtp_sink):
    """RQ moves a job's id to an intermediate list when a worker takes it; a worker killed
    before it starts the job leaves it there, marked queued, for RQ to notice minutes later."""
    from rq import Queue

    from heard.queue import TRIAGE, enqueue_triage, triage_job_id

    (contact_id,) = receive()
    enqueue_triage(contact_id)
    queue_key = Queue(TRIAGE, connection=redis()).key
    redis().lmove(queue_key, f"{queue_key}:intermediate", "RIGHT", "LEFT")  # what dequeue does
    assert reconcile().triage_queued == 1
    assert redis().lpos(queue_key, triage_job_id(contact_id)) is not None
    run_jobs()
    assert count(Case) == 1
