"""The job queue: one Redis connection per process, the queues Heard uses, stable job ids.

Jobs are named by their import path and take ids, never objects, so a job enqueued by one
release can be run by the next.
"""

from __future__ import annotations

import logging
from datetime import date
from functools import lru_cache

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Retry

from heard.config import settings

log = logging.getLogger(__name__)

TRIAGE = "triage"
NOTIFY = "notify"
QUEUES = (TRIAGE, NOTIFY)  # every queue a worker must listen to; the Procfile test checks it

TRIAGE_JOB = "heard.jobs.triage_contact"
SEND_JOB = "heard.jobs.send_notification"
CHASE_JOB = "heard.jobs.chase_deadlines"
RETENTION_JOB = "heard.jobs.apply_retention"

# Triage retries at once for passing faults; anything longer is the reconciler's work,
# which keeps every backoff in the database rather than in Redis timers. Sends are
# retried only by the reconciler, from the outbox row's own next_attempt_at.
TRIAGE_RETRY = Retry(max=2)


@lru_cache(maxsize=None)
def _connection(url: str) -> Redis:
    return Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5, health_check_interval=30)


def redis() -> Redis:
    return _connection(settings().redis_url)


def queue(name: str) -> Queue:
    """The process's one Queue object for `name` on the configured Redis."""
    return _queue(settings().redis_url, name)


@lru_cache(maxsize=None)
def _queue(url: str, name: str) -> Queue:
    return Queue(name, connection=_connection(url))


def triage_job_id(contact_id: int) -> str:
    return f"triage-contact-{contact_id}"


def send_job_id(notification_id: int) -> str:
    return f"send-notification-{notification_id}"


def enqueue_triage(contact_id: int) -> bool:
    """Queue triage for a committed contact. False if Redis is unreachable: the contact is
    safe in the database and the reconciler will queue it later."""
    return _enqueue(TRIAGE, TRIAGE_JOB, contact_id, triage_job_id(contact_id), TRIAGE_RETRY)


def enqueue_send(notification_id: int) -> bool:
    return _enqueue(NOTIFY, SEND_JOB, notification_id, send_job_id(notification_id), None)


def enqueue_chase(day: date) -> bool:
    """Queue a deadline chase for the council's date `day`; a pass already queued for the day
    is replaced, and a pass that runs twice sends nothing twice."""
    return _enqueue(NOTIFY, CHASE_JOB, day.isoformat(), f"chase-deadlines-{day.isoformat()}", None)


def enqueue_retention(day: date) -> bool:
    """Queue the day's retention run: personal data of long-closed cases anonymised."""
    return _enqueue(NOTIFY, RETENTION_JOB, day.isoformat(), f"retention-{day.isoformat()}", None)


def _enqueue(queue_name: str, func: str, arg: int | str, job_id: str, retry: Retry | None) -> bool:
    """One round trip: RQ queues every command of an enqueue (the queue's registration, the
    job's hash and status, the push) on the pipeline it is given, and this sends them as
    one MULTI/EXEC. Without a pipeline RQ sends two."""
    target = queue(queue_name)
    try:
        with target.connection.pipeline() as pipe:
            target.enqueue(func, arg, job_id=job_id, retry=retry, result_ttl=3600, failure_ttl=7 * 86400, pipeline=pipe)
            pipe.execute()
    except RedisError as exc:
        log.warning("could not enqueue %s: %s; the reconciler will retry", job_id, exc.__class__.__name__)
        return False
    return True
