"""GET /healthz: the state of the database, Redis and the queues, as JSON."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify
from redis.exceptions import RedisError
from rq.registry import FailedJobRegistry
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError

from heard.queue import QUEUES, queue
from models import Contact, Notification
from models.db import transaction
from models.intake import MAX_TRIAGE_ATTEMPTS, ContactState
from models.outbox import NotificationState

health = Blueprint("health", __name__)


@health.get("/healthz")
def healthz():  # type: ignore[no-untyped-def]
    report: dict[str, Any] = {"database": _database(), "redis": _redis()}
    ok = report["database"]["ok"]
    report["status"] = "ok" if ok and report["redis"]["ok"] else ("degraded" if ok else "down")
    response = jsonify(report)
    response.status_code = 200 if ok else 503
    response.headers["Cache-Control"] = "no-store"
    return response


def _database() -> dict[str, Any]:
    try:
        with transaction() as db:
            db.execute(text("SELECT 1"))
            waiting = db.scalar(select(func.count()).where(Contact.state == ContactState.RECEIVED.value))
            stuck = db.scalar(select(func.count()).where(Contact.state == ContactState.RECEIVED.value,
                                                         Contact.triage_attempts >= MAX_TRIAGE_ATTEMPTS))
            by_state = dict(db.execute(
                select(Notification.state, func.count()).group_by(Notification.state)
            ).all())
    except SQLAlchemyError as exc:
        return {"ok": False, "error": exc.__class__.__name__}
    return {
        "ok": True,
        "contacts_awaiting_triage": waiting,
        "contacts_stuck": stuck,  # gave up after MAX_TRIAGE_ATTEMPTS: an officer must look
        "notifications": {state.value: by_state.get(state.value, 0) for state in NotificationState},
    }


def _redis() -> dict[str, Any]:
    try:
        queues = {}
        for name in QUEUES:
            q = queue(name)
            queues[name] = {"queued": q.count, "failed": FailedJobRegistry(queue=q).count}
    except RedisError as exc:
        return {"ok": False, "error": exc.__class__.__name__}
    return {"ok": True, "queues": queues}
