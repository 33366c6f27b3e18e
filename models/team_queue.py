"""A service team's queue: its live cases, what is due first at the top.

Live means open, acknowledged or responded (a responded stage waits to be escalated or
closed). Order: the deadline the case waits on (`deadline_due`, indexed), urgent first
within a day, then the oldest; cases waiting on no deadline come last. Days left are
counted in the council's working days, negative once a deadline has passed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.calendar import WorkingCalendar
from models.cases import Case
from models.lifecycle import ACTIVE
from models.paging import PAGE_SIZE, Page, clamp
from models.policy import Policy



@dataclass(frozen=True)
class QueueRow:
    reference: str
    kind: str
    stage_key: str | None
    state: str
    service_area: str
    urgent: bool
    summary: str
    assigned_to: str | None
    received_at: datetime
    deadline_kind: str | None  # acknowledge | respond | None
    deadline_due: date | None
    days_left: int | None  # working days; 0 is due today, negative is overdue



def days_left(calendar: WorkingCalendar, today: date, due: date) -> int:
    """Working days from `today` to `due`: 0 on the day, -n when n working days late."""
    if due >= today:
        return calendar.working_days_between(today, due)
    return -calendar.working_days_between(due, today)


def team_queue(db: Session, policy: Policy, areas: Sequence[str], *, today: date, page: int = 1) -> Page[QueueRow]:
    """One page of the live cases led by any of `areas`."""
    live = (Case.state.in_(ACTIVE), Case.service_area.in_(list(areas)))
    total = db.scalar(select(func.count()).select_from(Case).where(*live)) or 0
    page, pages = clamp(total, page)
    order = (Case.deadline_due.asc().nulls_last(), Case.urgent.desc(), Case.id)
    # The page's ids first, from the index alone however deep the page; then only their rows.
    chosen = select(Case.id).where(*live).order_by(*order).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE).subquery()
    found = db.execute(
        select(Case.reference, Case.kind, Case.stage_key, Case.state, Case.service_area, Case.urgent, Case.summary,
               Case.assigned_to, Case.received_at, Case.deadline_kind, Case.deadline_due)
        .join(chosen, Case.id == chosen.c.id)
        .order_by(*order)
    ).all()
    calendar = policy.calendar()
    rows = [QueueRow(*row, days_left=days_left(calendar, today, row.deadline_due) if row.deadline_due else None)
            for row in found]
    return Page(rows, total, page, pages)
