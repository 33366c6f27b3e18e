"""Doing one lifecycle step to a case by its reference: load, transition, commit, queue.

The one place the command line (and, later, the staff screens) call the lifecycle from, so
each step runs in one transaction and every message it owes is queued once committed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from heard.jobs import current_policy
from heard.queue import enqueue_send
from models import Case, Contact, Notification
from models.db import transaction
from models.lifecycle import UnknownReference
from models.policy import Policy


@dataclass(frozen=True)
class Done:
    reference: str
    state: str
    stage: str | None
    deadline_kind: str | None
    deadline_due: str | None
    queued: list[int]
    opened: str | None = None  # a case the step opened (a complaint raised from a service request)


Step = Callable[[Session, Case, Contact, Policy], Any]


@contextmanager
def outbox_rows_written(db: Session) -> Iterator[list[Notification]]:
    """Every outbox row added to `db` inside the block, whenever it is flushed; the block
    flushes at its end so each has its id."""
    written: list[Notification] = []

    def collect(session: Session, *_: Any) -> None:
        written.extend(row for row in session.new if isinstance(row, Notification))

    event.listen(db, "before_flush", collect)
    try:
        yield written
        db.flush()
    finally:
        event.remove(db, "before_flush", collect)


def _queue_sends(notifications: list[Notification]) -> None:
    for notification in notifications:
        enqueue_send(notification.id)  # if Redis is away, the reconciler queues them later


def act(reference: str, step: Step) -> Done:
    """Run `step(db, case, contact, policy)` on the case called `reference`."""
    policy = current_policy()
    with transaction() as db:
        case = db.scalar(select(Case).where(Case.reference == reference))
        if case is None:
            raise UnknownReference(f"no case {reference}")
        contact = db.get_one(Contact, case.contact_id)
        with outbox_rows_written(db) as written:
            outcome = step(db, case, contact, policy)
        opened = outcome if isinstance(outcome, Case) else None
        done = Done(case.reference, case.state, case.stage_key, case.deadline_kind,
                    case.deadline_due.isoformat() if case.deadline_due else None, [n.id for n in written],
                    opened.reference if opened else None)
    _queue_sends(written)
    return done


ContactStep = Callable[[Session, Contact, Policy], Any]


def review(contact_reference: str, step: ContactStep) -> Any:
    """Run a triage officer's `step(db, contact, policy)` on the contact called
    `contact_reference` in one transaction, then queue every message it wrote."""
    policy = current_policy()
    with transaction() as db:
        contact = db.scalar(select(Contact).where(Contact.reference == contact_reference))
        if contact is None:
            raise UnknownReference(f"no contact {contact_reference}")
        with outbox_rows_written(db) as written:
            outcome = step(db, contact, policy)
    _queue_sends(written)
    return outcome
