"""Chasing deadlines: remind the owning team before a deadline, tell the manager the day
after it is missed, and record every breach.

Every open case keeps the one deadline it is waiting on in `deadline_kind`/`deadline_due`,
indexed, so a pass is two range scans of that index joined against what was already
chased: its cost grows with the number of cases due, never with the number open.

Running a pass twice sends nothing twice: each reminder and each breach is a row in
`deadline_chases`, unique per case, stage, deadline, date and action, and the outbox row it
writes is unique per case and purpose.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Row, Select, and_, exists, func, select, text
from sqlalchemy.orm import Session

from models.base import utcnow
from models.cases import Case, CaseEvent, DeadlineChase
from models.outbox import Notification, NotificationState
from models.policy import Policy

REMINDER = "reminder"
MISSED = "missed"
ACTOR = "system:chase"


@dataclass
class Chased:
    reminded: list[str] = field(default_factory=list)  # case references
    missed: list[str] = field(default_factory=list)
    notifications: list[int] = field(default_factory=list)


def _not_yet(action: str):  # type: ignore[no-untyped-def]
    """No chase row yet for this case's current deadline and this action."""
    return ~exists().where(and_(
        DeadlineChase.case_id == Case.id,
        DeadlineChase.stage_key == func.coalesce(Case.stage_key, Case.kind),
        DeadlineChase.deadline_kind == Case.deadline_kind,
        DeadlineChase.due_on == Case.deadline_due,
        DeadlineChase.action == action,
    ))


_COLUMNS = (Case.id, Case.reference, Case.kind, Case.stage_key, Case.service_area, Case.deadline_kind, Case.deadline_due)


def reminder_query(today: date, horizon: date) -> Select[Any]:
    """Cases whose deadline falls between today and the horizon, not yet reminded of it."""
    return (select(*_COLUMNS).where(Case.deadline_due >= today, Case.deadline_due <= horizon, _not_yet(REMINDER))
            .order_by(Case.deadline_due, Case.id))


def missed_query(today: date) -> Select[Any]:
    """Cases whose deadline has passed, not yet recorded as missed."""
    return select(*_COLUMNS).where(Case.deadline_due < today, _not_yet(MISSED)).order_by(Case.deadline_due, Case.id)


def chase(db: Session, policy: Policy, today: date) -> Chased:
    """One pass for `today` (the council's date), on working days only. The caller owns
    the transaction. Everything a pass writes goes in one flush at the end."""
    result = Chased()
    calendar = policy.calendar()
    if not calendar.is_working_day(today):  # nobody is there to act on a reminder; the next working day catches up
        return result
    if db.bind is not None and db.bind.dialect.name == "postgresql":
        # A few index look-ups: PostgreSQL's parallel workers would cost more than the work.
        db.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))
    horizon = calendar.add_working_days(today, policy.reminder_working_days)
    notifications = []
    for row in db.execute(missed_query(today)).all():
        notifications.append(_record(db, policy, row, MISSED))
        result.missed.append(row.reference)
    for row in db.execute(reminder_query(today, horizon)).all():
        notifications.append(_record(db, policy, row, REMINDER))
        result.reminded.append(row.reference)
    db.flush()
    result.notifications = [notification.id for notification in notifications]
    return result


def _record(db: Session, policy: Policy, row: Row[Any], action: str) -> Notification:
    stage = row.stage_key or row.kind  # what a deadline belongs to: the stage, or the kind of contact
    due: date = row.deadline_due
    area = policy.service_areas[row.service_area]
    db.add(DeadlineChase(case_id=row.id, stage_key=stage, deadline_kind=row.deadline_kind, due_on=due, action=action))
    detail = {"deadline": row.deadline_kind, "due_on": due.isoformat(), "stage": row.stage_key}
    if action == MISSED:
        recipient, template, event = area.manager_email or policy.council.email, "staff_deadline_missed", "deadline_missed"
    else:
        recipient, template, event = area.email, "staff_reminder", "deadline_reminder"
        detail["to"] = area.email
    db.add(CaseEvent(case_id=row.id, kind=event, actor=ACTOR, detail=detail, at=utcnow()))
    notification = Notification(
        case_id=row.id, purpose=f"{action}:{stage}:{row.deadline_kind}:{due.isoformat()}", channel="email",
        recipient=recipient, template=template, state=NotificationState.PENDING.value,
        context={"deadline_kind": row.deadline_kind, "due_on": due.isoformat(), "manager_title": f"Manager, {area.team}"},
    )
    db.add(notification)
    return notification
