"""The reconciler: whatever the database says is waiting, and no job is doing, gets queued.

This is what makes "nothing lost" hold when Redis was down at intake, a worker died, or
Redis lost its data: the database is the truth, the queue only a means.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timezone

from redis import Redis
from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq.registry import StartedJobRegistry
from sqlalchemy import or_, select

from heard.config import settings
from heard.queue import NOTIFY, QUEUES, TRIAGE, enqueue_send, enqueue_triage, redis, send_job_id, triage_job_id
from intake.twilio_voice import finish_abandoned
from models import Contact, Notification
from models.base import utcnow
from models.db import transaction
from models.intake import MAX_TRIAGE_ATTEMPTS, ContactState
from models.outbox import NotificationState
from models.policy import load_policy

log = logging.getLogger(__name__)

BATCH = 500
LIVE = {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.DEFERRED, JobStatus.SCHEDULED}


@dataclass(frozen=True)
class Reconciled:
    triage_queued: int
    sends_queued: int
    stuck_contacts: int  # gave up after MAX_TRIAGE_ATTEMPTS; an officer must look
    calls_finished: int = 0  # phone calls whose status callback never came


def _has_live_job(connection: Redis, queue_name: str, job_id: str) -> bool:
    """Is some job going to do this work? A job marked queued counts only while its id is
    really in the queue: a worker killed between taking it and starting it leaves it in
    RQ's intermediate list, which RQ itself only notices minutes later."""
    try:
        status = Job.fetch(job_id, connection=connection).get_status(refresh=False)
    except NoSuchJobError:
        return False
    if status == JobStatus.QUEUED:
        return connection.lpos(Queue(queue_name, connection=connection).key, job_id) is not None
    return status in LIVE


def recover_abandoned_jobs(connection: Redis, now: float | None = None) -> None:
    """Let RQ retry (or fail) jobs whose worker died mid-job, once their heartbeat lapsed.

    RQ does this itself only every ten minutes; the reconciler does it every round.
    """
    for name in QUEUES:
        StartedJobRegistry(queue=Queue(name, connection=connection)).cleanup(timestamp=now)


def reconcile(now: float | None = None) -> Reconciled:
    """One round. `now` (a Unix time, default the clock) lets a test look ahead past a dead
    worker's heartbeat and a notification's backoff."""
    connection = redis()
    recover_abandoned_jobs(connection, now)
    with transaction() as db:
        waiting = db.execute(
            select(Contact.id, Contact.triage_attempts)
            .where(Contact.state == ContactState.RECEIVED.value)
            .order_by(Contact.id)
            .limit(BATCH)
        ).all()
        at = datetime.fromtimestamp(now, timezone.utc) if now is not None else utcnow()
        unsent = db.scalars(
            select(Notification.id)
            .where(Notification.state.in_((NotificationState.PENDING.value, NotificationState.SENDING.value)))
            .where(or_(Notification.next_attempt_at.is_(None), Notification.next_attempt_at <= at))
            .order_by(Notification.id)
            .limit(BATCH)
        ).all()
    calls_finished = finish_abandoned(load_policy(settings().council_policy), at)
    stuck = sum(1 for row in waiting if row.triage_attempts >= MAX_TRIAGE_ATTEMPTS)
    triage_queued = sum(
        1 for row in waiting
        if row.triage_attempts < MAX_TRIAGE_ATTEMPTS
        and not _has_live_job(connection, TRIAGE, triage_job_id(row.id))
        and enqueue_triage(row.id)
    )
    sends_queued = sum(
        1 for notification_id in unsent
        if not _has_live_job(connection, NOTIFY, send_job_id(notification_id)) and enqueue_send(notification_id)
    )
    if triage_queued or sends_queued or stuck or calls_finished:
        log.info("reconciled: %d triage, %d sends queued; %d contacts stuck; %d abandoned calls finished",
                 triage_queued, sends_queued, stuck, calls_finished)
    return Reconciled(triage_queued, sends_queued, stuck, calls_finished)
