"""The triage officers' screens: the queue of contacts awaiting review, one contact with the
model's decision and its signals, and the three things an officer does (confirm or
correct, merge a duplicate, split off a second matter). The rules are models.corrections';
this module renders and asks.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from heard.casework import review as run_review
from intake.mail import display_html
from models.corrections import Labels, Officer, decide, merge, split
from models.db import transaction
from models.intake import Channel
from models.lifecycle import LifecycleError, UnknownReference
from models.triage_queue import Filters, awaiting_review, review
from web.auth import current_staff, require_role
from web.staff_requests import page_number, reference_or_404, stale_form
from web.triage_forms import CATEGORY_NAMES, EXCLUSION_NAMES, DecideForm, MergeForm, SplitForm, area_choices

triage_review = Blueprint("triage_review", __name__, url_prefix="/staff/triage")

OFFICERS = ("triage_officer", "complaints_manager", "administrator")


def _filters() -> Filters:
    """Only known values filter; anything else in the query string is ignored, not echoed."""
    def known(name: str, allowed: Any) -> str | None:
        value = request.args.get(name, "")
        return value if value in allowed else None

    return Filters(channel=known("channel", {c.value for c in Channel}),
                   category=known("category", CATEGORY_NAMES),
                   service_area=known("service_area", dict(area_choices())))


@triage_review.get("")
@require_role(*OFFICERS)
def queue():  # type: ignore[no-untyped-def]
    filters = _filters()
    with transaction() as db:
        page = awaiting_review(db, filters, page_number())
    return render_template("staff/triage/queue.html", staff=current_staff(), page=page, filters=filters,
                           channels=[c.value for c in Channel], categories=CATEGORY_NAMES,
                           areas=dict(area_choices()), exclusions=EXCLUSION_NAMES)


Forms = tuple[DecideForm, MergeForm, SplitForm]


def _blank_forms(current: Any) -> Forms:
    """The page's three forms, unbound, the correction form set to the current decision so
    confirming it is one click."""
    decide_form = DecideForm(prefix="decide", formdata=None)
    split_form = SplitForm(prefix="split", formdata=None)
    if current is not None:
        decide_form.category.data = current.category
        decide_form.exclusion.data = current.exclusion or ""
        decide_form.service_area.data = current.service_area
    return decide_form, MergeForm(prefix="merge", formdata=None), split_form


def _contact_page(reference: str, submitted: Any = None, problem: str | None = None,
                  status: int = 200) -> tuple[str, int]:
    with transaction() as db:
        found = review(db, reference_or_404(reference))
        if found is None:
            abort(404)
        # Only an email's own HTML is shown; other channels' raw bodies are not loaded.
        raw = found.contact.raw_message if found.contact.channel == "email" else None
        html = display_html(raw.body) if raw is not None else None
        db.expunge_all()
    forms = tuple(submitted if submitted is not None and type(f) is type(submitted) else f
                  for f in _blank_forms(found.current))
    decide_form, merge_form, split_form = forms
    return render_template(
        "staff/triage/contact.html", staff=current_staff(), review=found, original_html=html,
        decide_form=decide_form, merge_form=merge_form, split_form=split_form, problem=problem,
        categories=CATEGORY_NAMES, exclusions=EXCLUSION_NAMES, areas=dict(area_choices()),
    ), status


@triage_review.get("/<reference>")
@require_role(*OFFICERS)
def contact(reference: str):  # type: ignore[no-untyped-def]
    return _contact_page(reference)


def _officer() -> Officer:
    user = current_staff()
    assert user is not None
    return Officer(user.id, user.name)


def _labels(form: DecideForm | SplitForm) -> Labels:
    return Labels(form.category.data or "", form.exclusion.data or None, form.service_area.data or "")


def _act(reference: str, form: Any, step: Any, done: str) -> Any:
    """Validate, run the step, and either go back to the queue saying what was done or show
    the page again with the problem. POST-redirect-GET on success."""
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            stale_form()
        return _contact_page(reference, form, status=400)
    try:
        outcome = run_review(reference_or_404(reference), step)
    except UnknownReference:
        abort(404)
    except LifecycleError as error:
        return _contact_page(reference, form, problem=str(error), status=400)
    flash(done.format(reference=reference, outcome=getattr(outcome, "reference", "")), "success")
    return redirect(url_for("triage_review.queue"), code=303)


@triage_review.post("/<reference>/decide")
@require_role(*OFFICERS)
def decide_submit(reference: str):  # type: ignore[no-untyped-def]
    form = DecideForm(prefix="decide")
    return _act(reference, form, lambda db, contact, policy: decide(
        db, contact, policy, _labels(form), reason=form.reason.data or "", officer=_officer()),
        "{reference}: decision recorded")


@triage_review.post("/<reference>/merge")
@require_role(*OFFICERS)
def merge_submit(reference: str):  # type: ignore[no-untyped-def]
    form = MergeForm(prefix="merge")
    return _act(reference, form, lambda db, contact, policy: merge(
        db, contact, form.into.data or "", policy, reason=form.merge_reason.data or "", officer=_officer()),
        "{reference} merged into {outcome}")


@triage_review.post("/<reference>/split")
@require_role(*OFFICERS)
def split_submit(reference: str):  # type: ignore[no-untyped-def]
    form = SplitForm(prefix="split")
    return _act(reference, form, lambda db, contact, policy: split(
        db, contact, policy, _labels(form), text=form.text.data or "", reason=form.split_reason.data or "",
        officer=_officer()), "{reference}: second matter opened as {outcome}")
