"""Every table the reports promise, for a period and the active profile, each one SQL
aggregation (GROUP BY, COUNT, CASE) on PostgreSQL and SQLite: nothing here loads every case.

What counts, and when:
- contacts and cases count in the period they were *received* in (UK dates);
- a stage counts where it *started*: the first stage when the complaint was received, a
  later one when escalation was asked for;
- responses, extensions, escalations and Ombudsman steps count when they were *recorded*
  (the case event's time);
- a response is on time when its UK date is on or before the due date in force then, the
  extended date after an agreed extension (the lifecycle records this as `on_time`);
- a duplicate merged into another case (`merged_into_id`) is never counted.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal, or_, select
from sqlalchemy.orm import Session, aliased

from models.cases import Case, CaseEvent
from models.intake import Channel, Contact, ContactState
from models.policy import EXCLUSIONS, UK, Policy
from models.progress import EXCLUSION_NAMES
from models.triage import TriageDecision
from reports.period import Period
from reports.sql import json_text, json_true, uk_date, uk_month

KINDS = ("complaint", "compliment", "service_request", "comment", "excluded")
KIND_LABELS = {"complaint": "Complaints", "compliment": "Compliments", "service_request": "Service requests",
               "comment": "Comments", "excluded": "Excluded matters"}
CHANNEL_LABELS = {"web": "Web form", "email": "Email", "voice": "Phone", "sms": "Text message", "social": "Social media"}
OMBUDSMAN_OUTCOMES = {"upheld": "Upheld", "not_upheld": "Not upheld", "not_investigated": "Not investigated",
                      "premature": "Premature (sent back to the council)", "withdrawn": "Withdrawn"}
IMPROVEMENTS_SHOWN = 100  # on the page and in the PDF; the CSV lists up to IMPROVEMENTS_LISTED
IMPROVEMENTS_LISTED = 10_000


@dataclass(frozen=True)
class Chart:
    """How a table is drawn: bars of `values` (column indexes) against `label` (a column)."""

    label: int
    values: tuple[int, ...]
    percent: bool = False  # values are percentages: the axis runs to 100


@dataclass(frozen=True)
class Table:
    name: str  # the CSV's file name and the page anchor
    title: str
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]
    chart: Chart | None = None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def percent(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(100 * part / whole, 1)


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _live() -> ColumnElement[bool]:
    return Case.merged_into_id.is_(None)


def _in(column: Any, period: Period) -> ColumnElement[bool]:
    return and_(column >= period.start_utc, column < period.end_utc)


def _events(kind: str, period: Period) -> ColumnElement[bool]:
    return and_(CaseEvent.kind == kind, _in(CaseEvent.at, period), _live())


def _detail(key: str) -> Any:
    return json_text(CaseEvent.detail, key)


def _grouped(db: Session, statement: Any) -> dict[Any, Any]:
    return {row[0]: row[1:] for row in db.execute(statement)}


# --- what came in ------------------------------------------------------------------------

def cases_by_kind(db: Session, policy: Policy, period: Period) -> Table:
    found = _grouped(db, select(Case.kind, func.count()).where(_in(Case.received_at, period), _live()).group_by(Case.kind))
    rows = [(KIND_LABELS[kind], found.get(kind, (0,))[0]) for kind in KINDS]
    return Table("cases_by_kind", "Cases opened, by kind", ("Kind", "Cases"), rows, Chart(0, (1,)))


def _by_area(db: Session, policy: Policy, period: Period, kind: str) -> list[tuple[str, int]]:
    found = _grouped(db, select(Case.service_area, func.count())
                     .where(Case.kind == kind, _in(Case.received_at, period), _live()).group_by(Case.service_area))
    return [(area.label, found.get(key, (0,))[0]) for key, area in policy.service_areas.items()]


def complaints_by_area(db: Session, policy: Policy, period: Period) -> Table:
    return Table("complaints_by_area", "Complaints by service area", ("Service area", "Complaints"),
                 _by_area(db, policy, period, "complaint"), Chart(0, (1,)))


def compliments_by_area(db: Session, policy: Policy, period: Period) -> Table:
    return Table("compliments_by_area", "Compliments by service area", ("Service area", "Compliments"),
                 _by_area(db, policy, period, "compliment"), Chart(0, (1,)))


def service_requests_by_area(db: Session, policy: Policy, period: Period) -> Table:
    return Table("service_requests_by_area", "Service requests by service area", ("Service area", "Service requests"),
                 _by_area(db, policy, period, "service_request"), Chart(0, (1,)))


def complaints_by_channel(db: Session, policy: Policy, period: Period) -> Table:
    """One pass over the period's contacts, each joined to the complaint it opened, if any."""
    complaint = and_(Case.contact_id == Contact.id, Case.kind == "complaint", _in(Case.received_at, period), _live())
    found = _grouped(db, select(Contact.channel, func.count(Contact.id), func.count(Case.id))
                     .outerjoin(Case, complaint)
                     .where(_in(Contact.received_at, period), Contact.state != ContactState.NOISE.value)
                     .group_by(Contact.channel))
    rows = [(CHANNEL_LABELS[c.value], *found.get(c.value, (0, 0))) for c in Channel]
    return Table("complaints_by_channel", "Contacts and complaints by channel", ("Channel", "Contacts", "Complaints"),
                 rows, Chart(0, (2,)), note="Contacts leave out machine noise (auto-replies, bounces, silent calls).")


def complaints_by_stage(db: Session, policy: Policy, period: Period) -> Table:
    received = db.scalar(select(func.count()).select_from(Case)
                         .where(Case.kind == "complaint", _in(Case.received_at, period), _live())) or 0
    escalated = _grouped(db, select(_detail("to"), func.count()).join(Case, Case.id == CaseEvent.case_id)
                         .where(_events("escalated", period)).group_by(_detail("to")))
    rows = [(stage.name, (received if key == policy.first_stage else 0) + escalated.get(key, (0,))[0])
            for key, stage in policy.stages.items()]
    return Table("complaints_by_stage", "Complaints by stage", ("Stage", "Complaints started"), rows, Chart(0, (1,)),
                 note="A complaint counts at each stage it started in the period: the first when it was received, "
                      "a later one when the complainant asked to escalate it.")


def monthly_trend(db: Session, policy: Policy, period: Period) -> Table:
    month = uk_month(Case.received_at)
    found: dict[tuple[str, str], int] = {
        (m, kind): n for m, kind, n in db.execute(
            select(month, Case.kind, func.count()).where(_in(Case.received_at, period), _live()).group_by(month, Case.kind))}
    rows = [(m, *(found.get((m, kind), 0) for kind in ("complaint", "compliment", "service_request")))
            for m in period.months()]
    return Table("monthly_trend", "Month by month", ("Month", "Complaints", "Compliments", "Service requests"),
                 rows, Chart(0, (1, 2, 3)))


# --- how well they were handled -------------------------------------------------------------

def response_times(db: Session, policy: Policy, period: Period) -> Table:
    on_time = json_true(CaseEvent.detail, "on_time")
    found = _grouped(db, select(_detail("stage"), func.count(), _count_if(on_time))
                     .join(Case, Case.id == CaseEvent.case_id).where(_events("responded", period))
                     .group_by(_detail("stage")))
    rows = []
    for key, stage in policy.stages.items():
        answered, in_time = found.get(key, (0, 0))
        rows.append((stage.name, answered, in_time, answered - in_time, percent(in_time, answered)))
    return Table("response_times", "Complaints answered on time, by stage",
                 ("Stage", "Responses", "On time", "Late", "% on time"), rows, Chart(0, (4,), percent=True),
                 note="On time: answered on or before the due date, or the extended date after an extension. "
                      "Dates are UK dates and working days leave out weekends, bank holidays and closure days.")


def acknowledgements(db: Session, policy: Policy, period: Period, as_of: date) -> Table:
    """Acknowledgements owed for what was received (or escalated) in the period: on time,
    late (including those still not sent after their date), or not yet due."""
    acknowledged_on = uk_date(Case.acknowledged_at)
    sent = Case.acknowledged_at.is_not(None)
    requested = func.coalesce(Case.stage_requested_at, Case.received_at)
    statement = (select(Case.kind, Case.stage_key, func.count(),
                        _count_if(and_(sent, acknowledged_on <= Case.acknowledgement_due)),
                        _count_if(or_(and_(sent, acknowledged_on > Case.acknowledgement_due),
                                      and_(~sent, Case.acknowledgement_due < as_of))))
                 .where(_in(requested, period), _live(), Case.acknowledgement_due.is_not(None))
                 .group_by(Case.kind, Case.stage_key))
    found = {(kind, stage): counts for kind, stage, *counts in db.execute(statement)}
    lines = [("complaint", key, f"Complaints, {stage.name}") for key, stage in policy.stages.items()]
    lines += [(kind, None, KIND_LABELS[kind]) for kind in KINDS if kind != "complaint"]
    rows = []
    for kind, stage, label in lines:
        owed, in_time, late = found.get((kind, stage), (0, 0, 0))
        rows.append((label, owed, in_time, late, owed - in_time - late, percent(in_time, in_time + late)))
    return Table("acknowledgements", "Acknowledgements on time",
                 ("Kind", "Owed", "On time", "Late", "Not yet due", "% on time"), rows, Chart(0, (5,), percent=True),
                 note="Anonymous contacts are owed no acknowledgement. A complaint counts at the stage it is at now; "
                      "an escalated complaint's earlier acknowledgement is kept in its history.")


def outcomes_by_area(db: Session, policy: Policy, period: Period) -> Table:
    outcome = _detail("outcome")
    found = {(area, key): n for area, key, n in db.execute(
        select(Case.service_area, outcome, func.count()).join(Case, Case.id == CaseEvent.case_id)
        .where(_events("responded", period)).group_by(Case.service_area, outcome))}
    rows = []
    for key, area in policy.service_areas.items():
        counts = [found.get((key, o), 0) for o in policy.outcomes]
        rows.append((area.label, *counts, sum(counts)))
    totals = tuple(sum(row[i] for row in rows) for i in range(1, len(policy.outcomes) + 2))
    rows.append(("All areas", *totals))
    return Table("outcomes_by_area", "Outcomes of complaint responses, by service area",
                 ("Service area", *(o.label for o in policy.outcomes.values()), "Responses"), rows,
                 Chart(0, tuple(range(1, len(policy.outcomes) + 1))),
                 note="Each stage's response counts once, in the period it was recorded.")


def extensions(db: Session, policy: Policy, period: Period) -> Table:
    agreed = json_true(CaseEvent.detail, "complainant_agreed")
    found = _grouped(db, select(_detail("stage"), func.count(), func.count(func.distinct(CaseEvent.case_id)),
                                _count_if(agreed))
                     .join(Case, Case.id == CaseEvent.case_id).where(_events("extended", period))
                     .group_by(_detail("stage")))
    rows = [(stage.name, *found.get(key, (0, 0, 0))) for key, stage in policy.stages.items()]
    return Table("extensions", "Extensions to response dates", ("Stage", "Extensions", "Complaints extended",
                                                                "Agreed with the complainant"), rows, Chart(0, (1,)))


def escalations(db: Session, policy: Policy, period: Period) -> Table:
    answered = _grouped(db, select(_detail("stage"), func.count()).join(Case, Case.id == CaseEvent.case_id)
                        .where(_events("responded", period)).group_by(_detail("stage")))
    moved = {(a, b): n for a, b, n in db.execute(
        select(_detail("from"), _detail("to"), func.count()).join(Case, Case.id == CaseEvent.case_id)
        .where(_events("escalated", period)).group_by(_detail("from"), _detail("to")))}
    rows = []
    for key in policy.stages:
        after = policy.next_stage(key)
        if after is None:
            continue
        done, up = answered.get(key, (0,))[0], moved.get((key, after), 0)
        rows.append((f"{policy.stages[key].name} to {policy.stages[after].name}", done, up, percent(up, done)))
    return Table("escalations", "Escalations", ("From and to", "Responses at the earlier stage", "Escalated",
                                                "Escalated per 100 responses"), rows, Chart(0, (2,)),
                 note="Escalations and responses recorded in the period; an escalation may follow a response "
                      "from an earlier period.")


def ombudsman(db: Session, policy: Policy, period: Period) -> Table:
    kinds = _grouped(db, select(CaseEvent.kind, func.count()).join(Case, Case.id == CaseEvent.case_id)
                     .where(CaseEvent.kind.in_(("ombudsman_signposted", "ombudsman_enquiry")),
                            _in(CaseEvent.at, period), _live()).group_by(CaseEvent.kind))
    remedy = func.coalesce(_detail("remedy"), literal(""))
    decisions = _grouped(db, select(_detail("outcome"), func.count(), _count_if(remedy != ""))
                         .join(Case, Case.id == CaseEvent.case_id).where(_events("ombudsman_decision", period))
                         .group_by(_detail("outcome")))
    rows: list[tuple[Any, ...]] = [
        ("Complainants told they can go to the Ombudsman", kinds.get("ombudsman_signposted", (0,))[0], ""),
        ("Enquiries from the Ombudsman", kinds.get("ombudsman_enquiry", (0,))[0], ""),
    ]
    rows += [(f"Decision: {label}", *decisions.get(key, (0, 0))) for key, label in OMBUDSMAN_OUTCOMES.items()]
    return Table("ombudsman", f"{policy.ombudsman.name}", ("Measure", "Cases", "With a remedy"), rows, Chart(0, (1,)))


def excluded_and_refused(db: Session, policy: Policy, period: Period) -> Table:
    excluded = _grouped(db, select(Case.exclusion, func.count()).where(
        Case.kind == "excluded", _in(Case.received_at, period), _live()).group_by(Case.exclusion))
    refused = _grouped(db, select(_detail("stage"), func.count()).join(Case, Case.id == CaseEvent.case_id)
                       .where(_events("responded", period), _detail("outcome") == "not_investigated")
                       .group_by(_detail("stage")))
    rows = [("Excluded when received", EXCLUSION_NAMES[key], excluded.get(key, (0,))[0]) for key in EXCLUSIONS]
    unknown = sum(n for key, (n,) in excluded.items() if key not in EXCLUSIONS)
    if unknown:
        rows.append(("Excluded when received", "No reason recorded", unknown))
    label = policy.outcomes["not_investigated"].label
    rows += [(f"Refused at {stage.name}", label, refused.get(key, (0,))[0]) for key, stage in policy.stages.items()]
    return Table("excluded_and_refused", "Excluded matters and complaints refused, by reason",
                 ("When", "Reason", "Count"), rows, Chart(1, (2,)),
                 note="The Code (8.1) asks for a summary of the types of complaint refused.")


def triage_accuracy(db: Session, policy: Policy, period: Period) -> Table:
    """The share of the model's decisions an officer changed, by the label the model gave.
    Two passes: the model's decisions counted by label, and the few officer decisions
    joined back to the model decision each one reviewed (by contact, through its index)."""
    model, officer = aliased(TriageDecision), aliased(TriageDecision)
    by_model = and_(model.decided_by.like("model:%"), _in(model.decided_at, period))
    decided = _grouped(db, select(model.category, func.count()).where(by_model).group_by(model.category))
    category = officer.category != model.category
    exclusion = func.coalesce(officer.exclusion, "") != func.coalesce(model.exclusion, "")
    area = officer.service_area != model.service_area
    changed = (select(model.id, model.category.label("label"), func.max(case((category, 1), else_=0)).label("category"),
                      func.max(case((exclusion, 1), else_=0)).label("exclusion"),
                      func.max(case((area, 1), else_=0)).label("area"))
               .select_from(officer)
               .join(model, and_(model.contact_id == officer.contact_id, model.id < officer.id, by_model))
               .where(officer.decided_by.like("officer:%"))
               .group_by(model.id, model.category).subquery())
    any_change = or_(changed.c.category == 1, changed.c.exclusion == 1, changed.c.area == 1)
    corrected = _grouped(db, select(changed.c.label, _count_if(any_change), func.sum(changed.c.category),
                                    func.sum(changed.c.exclusion), func.sum(changed.c.area))
                         .group_by(changed.c.label))
    rows = []
    for kind in KINDS:
        count = decided.get(kind, (0,))[0]
        fixed, *fields = (int(n or 0) for n in corrected.get(kind, (0, 0, 0, 0)))
        rows.append((KIND_LABELS[kind], count, fixed, percent(fixed, count), *fields))
    count, fixed = sum(r[1] for r in rows), sum(r[2] for r in rows)
    rows.append(("All labels", count, fixed, percent(fixed, count), *(sum(r[i] for r in rows) for i in (4, 5, 6))))
    return Table("triage_accuracy", "Triage: the model's decisions officers corrected, by label",
                 ("Model's label", "Decisions", "Corrected", "% corrected", "Kind changed", "Exclusion changed",
                  "Service area changed"), rows, Chart(0, (3,), percent=True),
                 note="A correction is a later officer decision on the same contact that differs in kind, exclusion "
                      "or service area; an officer who agreed with the model corrected nothing.")


def improvements(db: Session, policy: Policy, period: Period, limit: int = IMPROVEMENTS_SHOWN) -> Table:
    actions = func.coalesce(_detail("actions"), literal(""))
    upheld = _detail("outcome").in_(("upheld", "partially_upheld"))
    where = and_(_events("responded", period), upheld)
    total, with_actions = db.execute(select(func.count(), _count_if(actions != "")).select_from(CaseEvent)
                                     .join(Case, Case.id == CaseEvent.case_id).where(where)).one()
    listed = db.execute(select(Case.reference, Case.service_area, _detail("stage"), _detail("outcome"), actions, CaseEvent.at)
                        .join(Case, Case.id == CaseEvent.case_id).where(where, actions != "")
                        .order_by(CaseEvent.at, CaseEvent.id).limit(limit)).all()
    rows = [(ref, policy.service_areas[a].label if a in policy.service_areas else a,
             policy.stages[s].name if s in policy.stages else s,
             policy.outcomes[o].label if o in policy.outcomes else o, text, at.astimezone(UK).date().isoformat())
            for ref, a, s, o, text, at in listed]
    return Table("improvements", "Actions and service improvements from upheld complaints",
                 ("Reference", "Service area", "Stage", "Outcome", "Actions", "Recorded on"), rows,
                 note=f"{total or 0} upheld or partially upheld responses; {with_actions or 0} recorded actions"
                      + (f" (the first {len(rows)} are listed; the CSV has up to {IMPROVEMENTS_LISTED:,})."
                         if len(rows) < (with_actions or 0) else "."),
                 extra={"upheld": total or 0, "with_actions": with_actions or 0})


Builder = Callable[[Session, Policy, Period], Table]
BUILDERS: dict[str, Builder] = {
    "cases_by_kind": cases_by_kind,
    "monthly_trend": monthly_trend,
    "compliments_by_area": compliments_by_area,
    "complaints_by_area": complaints_by_area,
    "complaints_by_stage": complaints_by_stage,
    "complaints_by_channel": complaints_by_channel,
    "response_times": response_times,
    "acknowledgements": lambda db, policy, period: acknowledgements(db, policy, period, _today()),
    "outcomes_by_area": outcomes_by_area,
    "extensions": extensions,
    "escalations": escalations,
    "ombudsman": ombudsman,
    "excluded_and_refused": excluded_and_refused,
    "service_requests_by_area": service_requests_by_area,
    "triage_accuracy": triage_accuracy,
    "improvements": improvements,
}
NAMES: tuple[str, ...] = tuple(BUILDERS)


def _today() -> date:
    from models.base import utcnow

    return utcnow().astimezone(UK).date()


def table(db: Session, policy: Policy, period: Period, name: str, *, as_of: date | None = None,
          full: bool = False) -> Table:
    """One table by name (KeyError for a name that is not a table); `full` lists every row
    a CSV should have, not only those a page shows."""
    if name == "acknowledgements":
        return acknowledgements(db, policy, period, as_of or _today())
    if name == "improvements" and full:
        return improvements(db, policy, period, IMPROVEMENTS_LISTED)
    return BUILDERS[name](db, policy, period)


def all_tables(db: Session, policy: Policy, period: Period, *, as_of: date | None = None,
               names: Sequence[str] = NAMES) -> list[Table]:
    return [table(db, policy, period, name, as_of=as_of) for name in names]
