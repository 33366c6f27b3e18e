"""The service team's queue and case page, and the case page's actions.

Every view checks the role, then need to know: the case's service area (403 for another
team's case, on GET and POST alike). Each action runs one lifecycle step through
`heard.casework.act`, as the `heard cases` commands do: one transaction, and the messages
it owes queued once committed. A refused step comes back as the lifecycle's own words in
an error summary; a done step redirects to the case page with a success banner.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from heard.casework import Done, Step, act
from models import Case, lifecycle
from models.case_actions import available, extension_rule
from models.case_history import case_record
from models.db import transaction
from models.lifecycle import Actor, LifecycleError, UnknownReference
from models.policy import UK, Policy
from models.staff import StaffUser, can_see_area, has_role
from models.team_queue import days_left, team_queue
from notify.render import long_date
from web.auth import current_staff, require_area, require_role
from web.case_forms import FORMS, StaffForm, DateParts, EscalateForm, RespondForm
from web.govuk import form_error_list
from web.staff_requests import page_number, reference_or_404, stale_form

cases = Blueprint("cases", __name__, url_prefix="/staff/cases")


# Who works cases (every step, notes included); every staff role may read those it can see.
CASEWORKERS = ("service_team", "complaints_manager")


def _policy() -> Policy:
    return current_app.config["POLICY"]


def _today() -> date:
    return datetime.now(UK).date()


def _staff() -> StaffUser:
    user = current_staff()
    assert user is not None  # require_role ran first
    return user


# --- the queue ---------------------------------------------------------------------------------

@cases.get("")
@require_role()
def queue() -> str:
    user, policy = _staff(), _policy()
    visible = [area for area in policy.service_areas if can_see_area(user, area)]
    chosen = request.args.get("area", "")
    if chosen:
        if chosen not in policy.service_areas:
            abort(404)
        require_area(user, chosen)
    with transaction() as db:
        found = team_queue(db, policy, [chosen] if chosen else visible, today=_today(), page=page_number())
    return render_template("staff/cases/queue.html", staff=user, queue=found, visible=visible, chosen=chosen,
                           every_area=len(visible) == len(policy.service_areas))


# --- the case page -----------------------------------------------------------------------------

def _forms(user: StaffUser, failed: tuple[str, StaffForm] | None) -> dict[str, StaffForm]:
    """A fresh form for each action, or the one just sent back with what was typed."""
    forms: dict[str, StaffForm] = {}
    for name, form_class in FORMS.items():
        if failed is not None and failed[0] == name:
            forms[name] = failed[1]
            continue
        form = form_class(prefix=name, formdata=None)
        if isinstance(form, RespondForm):
            form.responder.data = user.name
        if isinstance(form, EscalateForm):
            today = _today()
            form.day.data, form.month.data, form.year.data = str(today.day), str(today.month), str(today.year)
        forms[name] = form
    for form in forms.values():
        if isinstance(form, RespondForm):
            form.outcome.choices = [(key, outcome.label) for key, outcome in _policy().outcomes.items()]
    return forms


def _case_page(reference: str, *, failed: tuple[str, StaffForm] | None = None, refused: str | None = None,
               status: int = 200) -> tuple[str, int]:
    user, policy = _staff(), _policy()
    with transaction() as db:
        record = case_record(db, reference_or_404(reference), policy)
        if record is None:
            abort(404)
        require_area(user, record.case.service_area)
        case = record.case
        steps = available(case, policy) if has_role(user, *CASEWORKERS) else ()
        rule = extension_rule(case, policy)
        waiting = days_left(policy.calendar(), _today(), case.deadline_due) if case.deadline_due else None
        # A refusal links to its form when the page still offers that step (it may not, now).
        errors = ([{"text": refused, **({"href": f"#action-{failed[0]}"} if failed and failed[0] in steps else {})}]
                  if refused else []) + (form_error_list(failed[1]) if failed else [])
        html = render_template(
            "staff/cases/case.html", staff=user, record=record, case=case, steps=steps, rule=rule, waiting=waiting,
            forms=_forms(user, failed), error_items=errors,
            area_label=policy.service_areas[case.service_area].label,
            stage_name=policy.stages[case.stage_key].name if case.stage_key in policy.stages else None,
            outcome_label=policy.outcomes[case.outcome].label if case.outcome in policy.outcomes else None,
            other_areas=[policy.service_areas[a].label for a in case.other_service_areas or [] if a in policy.service_areas],
        )
    return html, status


@cases.get("/<reference>")
@require_role()
def case_page(reference: str) -> tuple[str, int]:
    return _case_page(reference)


# --- the actions -------------------------------------------------------------------------------

def _step(action: str, form: Any, actor: Actor) -> tuple[Step, Callable[[Done], str]] | None:
    """The lifecycle call for `action` with the form's answers, and the banner once it is done.
    None when a date typed on the form is not a date (its error is on the form)."""
    now = datetime.now(UK)
    if action == "acknowledge":
        return (lambda db, case, contact, policy: lifecycle.acknowledge(
            db, case, policy, at=now, actor=actor, channel=form.channel.data),
            lambda done: "Acknowledgement recorded" + (f". The response is due by {long_date(done.deadline_due)}"
                                                       if done.deadline_due else ""))
    if action == "assign":
        return (lambda db, case, contact, policy: lifecycle.assign(db, case, policy, to=form.to.data, actor=actor),
                lambda done: f"Assigned to {form.to.data.strip()}")
    if action == "extend":
        new_due = form.read_date("new response date")
        if new_due is None:
            return None
        return (lambda db, case, contact, policy: lifecycle.extend(
            db, case, contact, policy, new_due=new_due, reason=form.reason.data, complainant_agreed=form.agreed.data,
            actor=actor), lambda done: f"Response date moved to {long_date(new_due)}" + _told(done))
    if action == "respond":
        return (lambda db, case, contact, policy: lifecycle.respond(
            db, case, contact, policy, outcome=form.outcome.data, reasons=form.reasons.data or "",
            responder=form.responder.data, at=now, actor=actor, actions=form.actions.data or "",
            letter=form.letter.data), lambda done: "Response recorded" + _told(done))
    if action == "escalate":
        requested = form.read_date("date the complainant asked")
        if requested is None:
            return None
        if requested > now.date():  # said on the field; lifecycle.escalate refuses it for every caller too
            form.day.errors = [*form.day.errors, "The date the complainant asked must be today or in the past"]
            return None
        at = now if requested == now.date() else datetime.combine(requested, time(12), UK)
        return (lambda db, case, contact, policy: lifecycle.escalate(db, case, contact, policy, requested_at=at, actor=actor),
                lambda done: f"Escalated to {_policy().stages[done.stage].name}" if done.stage in _policy().stages
                else "Escalated")
    if action == "close":
        return (lambda db, case, contact, policy: lifecycle.close(db, case, at=now, actor=actor, note=form.note.data or ""),
                lambda done: "Case closed")
    if action == "withdraw":
        return (lambda db, case, contact, policy: lifecycle.withdraw(
            db, case, at=now, actor=actor, reason=form.reason.data or ""), lambda done: "Recorded as withdrawn")
    return (lambda db, case, contact, policy: lifecycle.note(db, case, text=form.text.data, actor=actor),
            lambda done: "Note added")


def _told(done: Done) -> str:
    return ". A letter to the complainant is queued to send" if done.queued else \
        ". There is no address to write to, so tell the complainant another way"


@cases.post("/<reference>/<action>")
@require_role(*CASEWORKERS)
def act_on(reference: str, action: str) -> Response | tuple[str, int]:
    user = _staff()
    if action not in FORMS:
        abort(404)
    with transaction() as db:
        area = db.scalar(select(Case.service_area).where(Case.reference == reference_or_404(reference)))
    if area is None:
        abort(404)
    require_area(user, area)
    form = FORMS[action](prefix=action)
    if isinstance(form, RespondForm):
        form.outcome.choices = [(key, outcome.label) for key, outcome in _policy().outcomes.items()]
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            stale_form()
        return _case_page(reference, failed=(action, form), status=400)
    step = _step(action, form, Actor(user.name))
    if step is None:
        assert isinstance(form, DateParts)
        return _case_page(reference, failed=(action, form), status=400)
    run, banner = step
    try:
        done = act(reference, run)
    except UnknownReference:
        abort(404)
    except LifecycleError as refused:
        return _case_page(reference, failed=(action, form), refused=str(refused), status=409)
    flash(banner(done), "success")
    return redirect(url_for("cases.case_page", reference=reference), code=303)
