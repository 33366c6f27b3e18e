"""What operations staff need to see and do: queue depths, failed jobs (to retry or drop),
workers, and the database's own backlog. Shared by /healthz and the administrators' page.

Every job is idempotent (heard.jobs), so retrying a failed one is always safe: it finishes
the work once or finds it done.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from collections.abc import Callable
from typing import Any

from redis.exceptions import RedisError
from rq import Worker
from rq.exceptions import InvalidJobOperation, NoSuchJobError
from rq.job import Job
from rq.results import Result
from rq.registry import FailedJobRegistry, ScheduledJobRegistry, StartedJobRegistry
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError

from heard.queue import QUEUES, queue, redis
from models import Contact, Notification
from models.db import transaction
from models.intake import MAX_TRIAGE_ATTEMPTS, ContactState
from models.outbox import NotificationState
from models.triage import TriageDecision

FAILED_SHOWN = 50


@dataclass(frozen=True)
class QueueDepth:
    name: str
    queued: int
    running: int
    scheduled: int
    failed: int


@dataclass(frozen=True)
class FailedJob:
    id: str
    queue: str
    job: str  # the function and its argument, e.g. heard.jobs.triage_contact(42)
    failed_at: datetime | None
    error: str  # the last line of the traceback


@dataclass(frozen=True)
class WorkerSeen:
    name: str
    state: str
    queues: list[str]
    last_heartbeat: datetime | None


@dataclass(frozen=True)
class Database:
    ok: bool
    error: str | None = None
    contacts_awaiting_triage: int = 0
    contacts_stuck: int = 0  # gave up after MAX_TRIAGE_ATTEMPTS: an officer must look
    awaiting_review: int = 0
    notifications: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Queues:
    ok: bool
    error: str | None = None
    depths: list[QueueDepth] = field(default_factory=list)
    failed: list[FailedJob] = field(default_factory=list)
    workers: list[WorkerSeen] = field(default_factory=list)


def database() -> Database:
    try:
        with transaction() as db:
            db.execute(text("SELECT 1"))
            waiting = db.scalar(select(func.count()).where(Contact.state == ContactState.RECEIVED.value)) or 0
            stuck = db.scalar(select(func.count()).where(Contact.state == ContactState.RECEIVED.value,
                                                         Contact.triage_attempts >= MAX_TRIAGE_ATTEMPTS)) or 0
            review = db.scalar(select(func.count()).where(TriageDecision.awaiting_review.is_(True))) or 0
            by_state = dict(db.execute(select(Notification.state, func.count()).group_by(Notification.state)).all())
    except SQLAlchemyError as exc:
        return Database(ok=False, error=exc.__class__.__name__)
    return Database(ok=True, contacts_awaiting_triage=waiting, contacts_stuck=stuck, awaiting_review=review,
                    notifications={state.value: by_state.get(state.value, 0) for state in NotificationState})


def queues(*, details: bool = False) -> Queues:
    """Depths of every queue; with `details`, the newest failed jobs and the workers too."""
    try:
        depths, failed = [], []
        for name in QUEUES:
            q = queue(name)
            registry = FailedJobRegistry(queue=q)
            # get_job_count(cleanup=False): `.count` cleans the registry up first, moving
            # abandoned jobs about, and a health probe must only read.
            depths.append(QueueDepth(name, q.count, StartedJobRegistry(queue=q).get_job_count(cleanup=False),
                                     ScheduledJobRegistry(queue=q).get_job_count(cleanup=False),
                                     registry.get_job_count(cleanup=False)))
            if details:
                ids = registry.get_job_ids(0, FAILED_SHOWN - 1)
                failed += [_failed(job, name) for job in Job.fetch_many(ids, connection=redis()) if job is not None]
        workers = [WorkerSeen(w.name, str(w.get_state()), w.queue_names(), getattr(w, "last_heartbeat", None))
                   for w in Worker.all(connection=redis())] if details else []
    except RedisError as exc:
        return Queues(ok=False, error=exc.__class__.__name__)
    failed.sort(key=lambda job: job.failed_at or datetime.min, reverse=True)
    return Queues(ok=True, depths=depths, failed=failed[:FAILED_SHOWN], workers=workers)


def _failed(job: Job, queue_name: str) -> FailedJob:
    result = job.latest_result()
    trace = result.exc_string if result is not None and result.type == Result.Type.FAILED else ""
    lines = [line for line in (trace or "").strip().splitlines() if line.strip()]
    arguments = ", ".join(repr(a) for a in job.args or ())
    return FailedJob(job.id, queue_name, f"{job.func_name}({arguments})", getattr(job, "ended_at", None),
                     lines[-1][:300] if lines else "")


class OperationError(ValueError):
    """An operation that cannot be done; the message says why."""


def _on_failed_job(queue_name: str, job_id: str, action: Callable[[FailedJobRegistry, Job], object]) -> None:
    """Run `action` on a job still in a queue's failed list; every way it cannot be done,
    Redis being away included, is an OperationError that says why."""
    if queue_name not in QUEUES:
        raise OperationError(f"no queue {queue_name[:40]!r}")
    try:
        registry = FailedJobRegistry(queue=queue(queue_name))
        if job_id not in registry:  # one ZSCORE, not the whole list
            raise OperationError("that job is no longer in the failed list: it may have been retried already")
        action(registry, Job.fetch(job_id, connection=redis()))
    except (NoSuchJobError, InvalidJobOperation) as exc:
        raise OperationError("that job is no longer in the failed list: it may have been retried already") from exc
    except RedisError as exc:
        raise OperationError(f"Redis cannot be reached ({exc.__class__.__name__}); nothing was changed") from exc


def retry(queue_name: str, job_id: str) -> None:
    """Put a failed job back on its queue."""
    _on_failed_job(queue_name, job_id, lambda registry, job: registry.requeue(job))


def discard(queue_name: str, job_id: str) -> None:
    """Remove a failed job for good. What it was doing is still in the database: a contact
    not triaged or a message not sent is picked up again by the reconciler."""
    _on_failed_job(queue_name, job_id, lambda registry, job: registry.remove(job, delete_job=True))


def summary() -> dict[str, Any]:
    """The /healthz document."""
    db, rq = database(), queues()
    report: dict[str, Any] = {
        "database": {"ok": False, "error": db.error} if not db.ok else {
            "ok": True, "contacts_awaiting_triage": db.contacts_awaiting_triage, "contacts_stuck": db.contacts_stuck,
            "contacts_awaiting_review": db.awaiting_review, "notifications": db.notifications},
        "redis": {"ok": False, "error": rq.error} if not rq.ok else {
            "ok": True, "queues": {d.name: {"queued": d.queued, "failed": d.failed} for d in rq.depths}},
    }
    report["status"] = "ok" if db.ok and rq.ok else ("degraded" if db.ok else "down")
    return report
