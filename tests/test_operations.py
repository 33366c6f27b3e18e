"""The administrators' operations page on both stacks: queue depths, a failed job from a
real worker shown, retried and removed, the workers seen, and who may see it."""

from __future__ import annotations

import re

from rq.registry import FailedJobRegistry

from heard import config
from heard.queue import TRIAGE, enqueue_triage, queue
from models.db import transaction
from models.staff import create
from web import create_app

from tests.conftest import run_jobs

PASSWORD = "correct horse battery staple"
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def signed_in(email: str, roles: list[str], areas: list[str] | None = None):  # type: ignore[no-untyped-def]
    with transaction() as db:
        create(db, email, "Ada Admin", PASSWORD, roles, areas or [])
    client = create_app().test_client()
    token = CSRF.search(client.get("/staff/sign-in").get_data(as_text=True)).group(1)  # type: ignore[union-attr]
    assert client.post("/staff/sign-in", data={"csrf_token": token, "email": email, "password": PASSWORD}).status_code == 303
    return client


def failed_ids() -> list[str]:
    return FailedJobRegistry(queue=queue(TRIAGE)).get_job_ids()


def test_a_failed_job_is_shown_with_its_error_then_retried_and_removed(heard_env):
    admin = signed_in("ada@example.gov.uk", ["administrator"])
    enqueue_triage(987654)  # no such contact: the job fails in a real worker
    run_jobs()
    assert failed_ids() == ["triage-contact-987654"]
    page = admin.get("/staff/operations").get_data(as_text=True)
    assert "heard.jobs.triage_contact(987654)" in page and "LookupError: contact 987654 does not exist" in page
    token = CSRF.search(page).group(1)  # type: ignore[union-attr]

    response = admin.post("/staff/operations/triage/triage-contact-987654/retry", data={"csrf_token": token})
    assert response.status_code == 303
    assert failed_ids() == [] and queue(TRIAGE).job_ids == ["triage-contact-987654"]
    assert "back on the triage queue" in admin.get("/staff/operations").get_data(as_text=True)

    run_jobs()  # fails again
    response = admin.post("/staff/operations/triage/triage-contact-987654/discard", data={"csrf_token": token})
    assert response.status_code == 303 and failed_ids() == []
    again = admin.post("/staff/operations/triage/triage-contact-987654/discard", data={"csrf_token": token}, follow_redirects=True)
    assert "no longer in the failed list" in again.get_data(as_text=True)


def test_job_actions_need_the_form_and_a_real_queue(heard_env):
    admin = signed_in("ada@example.gov.uk", ["administrator"])
    enqueue_triage(987654)
    run_jobs()
    assert admin.post("/staff/operations/triage/triage-contact-987654/retry").status_code == 400  # no CSRF token
    token = CSRF.search(admin.get("/staff/operations").get_data(as_text=True)).group(1)  # type: ignore[union-attr]
    shown = admin.post("/staff/operations/<script>/x/retry", data={"csrf_token": token}, follow_redirects=True)
    assert "no queue" in shown.get_data(as_text=True) and "<script>" not in shown.get_data(as_text=True)
    assert failed_ids() == ["triage-contact-987654"]


def test_only_administrators_see_operations(heard_env):
    assert create_app().test_client().get("/staff/operations").status_code == 302
    manager = signed_in("mo@example.gov.uk", ["complaints_manager", "triage_officer"])
    assert manager.get("/staff/operations").status_code == 403
    assert manager.post("/staff/operations/triage/x/retry", data={}).status_code == 403


def test_redis_away_is_said_plainly(heard_env, monkeypatch):
    admin = signed_in("ada@example.gov.uk", ["administrator"])
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
    config.settings.cache_clear()
    page = admin.get("/staff/operations")
    assert page.status_code == 200 and "Redis cannot be reached" in page.get_data(as_text=True)
    token = CSRF.search(page.get_data(as_text=True)).group(1)  # type: ignore[union-attr]
    for action in ("retry", "discard"):
        shown = admin.post(f"/staff/operations/triage/triage-contact-1/{action}", data={"csrf_token": token},
                           follow_redirects=True)
        assert shown.status_code == 200 and "nothing was changed" in shown.get_data(as_text=True)


def test_health_probes_only_read_the_queues(heard_env):
    """/healthz is open to anyone: counting a registry must not clean it up (RQ's `.count`
    does, moving abandoned jobs about)."""
    from rq.registry import StartedJobRegistry

    from heard.queue import redis

    started = StartedJobRegistry(queue=queue(TRIAGE))
    redis().zadd(started.key, {"triage-contact-5:abandoned": 1})  # expired long ago, as a dead worker leaves it
    assert create_app().test_client().get("/healthz").status_code == 200
    assert redis().zcard(started.key) == 1
