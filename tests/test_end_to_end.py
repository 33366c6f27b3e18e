"""End to end: Heard's real processes as subprocesses, driven over HTTP and SMTP."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from heard import embedded
from heard.reconcile import reconcile
from models import Case, Notification, TriageDecision
from models.db import transaction
from tests.conftest import Sink, free_port, run_jobs
from tests.helpers import FormClient, reference_in
from tests.processes import Process, base_env, heard_json, wait_http, wait_until

pytestmark = pytest.mark.e2e


def test_heard_run_serves_the_form_and_acknowledges_by_email(heard_env, tmp_path: Path):
    """What `make run` does: one command, embedded defaults where nothing is configured."""
    port = free_port()
    var = tmp_path / "run-var"
    values: dict[str, str | None] = {"PORT": str(port), "OUTBOX_PORT": str(free_port()), "SMS_SINK_PORT": str(free_port()),
                                     "SMTP_LISTEN": f"127.0.0.1:{free_port()}", "HEARD_VAR_DIR": str(var)}
    if heard_env.embedded_redis:
        values.update(DATABASE_URL=None, REDIS_URL=None)  # the defaults: SQLite under var/, bundled Redis
    else:
        values.update(DATABASE_URL=heard_env.database_url, REDIS_URL=heard_env.redis_url)
    env = base_env(**values)
    run = Process(["run"], env, tmp_path / "run.log")
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz", timeout=60)
        response = FormClient(f"http://127.0.0.1:{port}").submit()
        reference = reference_in(response.text)
        assert response.status_code == 200 and reference

        def acknowledged():  # type: ignore[no-untyped-def]
            cases = heard_json(["cases", "list", "--json"], env)
            return cases if cases and cases[0]["acknowledged_at"] else None

        cases = wait_until(acknowledged, timeout=60)
        assert cases, run.output()
        (case,) = cases
        assert case["reference"] == reference
        assert case["kind"] == "complaint" and case["acknowledgement_due"] and case["response_due"]
        outbox = wait_until(lambda: list((var / "outbox").glob("*.eml")), timeout=20)
        assert len(outbox) == 1
        assert reference in outbox[0].read_text()
        contacts = heard_json(["contacts", "list", "--json"], env)
        assert [c["reference"] for c in contacts] == [reference]
    finally:
        run.kill(signal.SIGINT)
    if heard_env.embedded_redis:
        assert not (var / "redis" / "redis.sock").exists() or not embedded._answers(var / "redis" / "redis.sock")


def test_redis_down_then_up_triages_every_contact_exactly_once(heard_env, tmp_path: Path):
    """Web, worker and scheduler run against a Redis we can stop; forms keep being accepted."""
    socket_path = Path(tmp_path / "r" / "redis.sock")
    redis_server = embedded.start_redis(socket_path)
    sink = Sink(tmp_path / "outbox")
    port = free_port()
    env = base_env(DATABASE_URL=heard_env.database_url, REDIS_URL=f"unix://{socket_path}",
                   SMTP_URL=sink.url, PORT=str(port), HEARD_VAR_DIR=str(tmp_path / "var"))
    processes = [Process([name], env, tmp_path / f"{name}.log") for name in ("web", "worker", "scheduler")]
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz")
        embedded.stop(redis_server)
        references = [reference_in(FormClient(f"http://127.0.0.1:{port}").submit().text) for _ in range(3)]
        assert all(references), "forms must be accepted while Redis is down"
        assert _count(Case) == 0
        redis_server = embedded.start_redis(socket_path)
        assert wait_until(lambda: _count(Notification, sent=True) == 3, timeout=60), [p.output() for p in processes]
        assert (_count(Case), _count(TriageDecision), _count(Notification)) == (3, 3, 3)
        assert len(sink.wait_for(3)) == 3
        time.sleep(2)  # a few more reconciler rounds change nothing
        assert len(sink.messages()) == 3
    finally:
        for process in processes:
            process.kill()
        embedded.stop(redis_server)
        sink.controller.stop()


def test_a_worker_killed_mid_job_leaves_work_a_retry_finishes_once(smtp_sink, tmp_path: Path):
    from heard.queue import enqueue_triage
    from tests.test_pipeline import receive

    ids = receive(40)
    for contact_id in ids:
        enqueue_triage(contact_id)
    # The killed worker cannot reach the mail relay, so no message is in flight when it
    # dies: what this test counts is then exact, not merely likely.
    env = base_env(DATABASE_URL=os.environ["DATABASE_URL"], REDIS_URL=os.environ["REDIS_URL"],
                   SMTP_URL=f"smtp://127.0.0.1:{free_port()}", HEARD_VAR_DIR=str(tmp_path / "var"))
    worker = Process(["worker"], env, tmp_path / "worker.log")
    try:
        assert wait_until(lambda: _count(Case) >= 3, timeout=60, interval=0.02), worker.output()
    finally:
        worker.kill(signal.SIGKILL)  # the worker and its work horse, with no chance to clean up
    assert _count(Case) < 40, "the worker finished everything before it could be killed"

    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and _count(Notification, sent=True) < 40:
        reconcile(now=time.time() + 3600)  # look past the dead worker's heartbeat and any backoff
        run_jobs()
        time.sleep(0.5)
    assert (_count(Case), _count(TriageDecision), _count(Notification)) == (40, 40, 40)
    assert _count(Notification, sent=True) == 40
    recipients = [m["To"] for m in smtp_sink.messages()]
    assert len(recipients) == len(set(recipients)) == 40


def _count(model, sent: bool = False) -> int:  # type: ignore[no-untyped-def]
    with transaction() as db:
        query = select(func.count()).select_from(model)
        if sent:
            query = query.where(Notification.state == "sent")
        return db.scalar(query)
