"""The public feedback form and its confirmation page."""

from __future__ import annotations

import logging
import secrets

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.exc import SQLAlchemyError

from intake.web_form import FormSubmission, accept
from web.forms import FEEDBACK_TYPES, FeedbackForm

log = logging.getLogger(__name__)
feedback = Blueprint("feedback", __name__)

TOKEN_MAX_AGE = 24 * 3600  # a form left open overnight can still be sent


def _tokens() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="feedback-submission")


def _build_form() -> FeedbackForm:
    form = FeedbackForm()
    policy = current_app.config["POLICY"]
    form.service_area.choices = [(key, area.label) for key, area in policy.service_areas.items()] + [("not_sure", "I'm not sure")]
    return form


@feedback.get("/")
def index():  # type: ignore[no-untyped-def]
    return redirect(url_for("feedback.form"))


@feedback.get("/feedback")
def form():  # type: ignore[no-untyped-def]
    form = _build_form()
    form.submission_token.data = _tokens().dumps(secrets.token_urlsafe(24))
    return render_template("feedback/form.html", form=form, feedback_types=FEEDBACK_TYPES)


@feedback.post("/feedback")
def submit():  # type: ignore[no-untyped-def]
    raw_body = request.get_data(cache=True)  # the exact bytes, read before the form is parsed
    form = _build_form()
    valid = form.validate_on_submit()
    token = _valid_token(form.submission_token.data)
    if token is None:
        form.submission_token.errors = ["This form has expired. Check your answers and send it again"]
        form.submission_token.data = _tokens().dumps(secrets.token_urlsafe(24))
    if not valid or token is None:
        return render_template("feedback/form.html", form=form, feedback_types=FEEDBACK_TYPES), 400
    try:
        stored = accept(_submission(form, token), raw_body, request.content_type or "", current_app.config["POLICY"])
    except SQLAlchemyError as exc:
        log.error("could not store a feedback form: %s", exc.__class__.__name__)
        form.submission_token.errors = ["Sorry, we could not save your feedback. Nothing has been sent. Please try again in a few minutes"]
        return render_template("feedback/form.html", form=form, feedback_types=FEEDBACK_TYPES), 503
    session["confirmation"] = {"reference": stored.reference, "anonymous": form.contact_method.data == "anonymous"}
    return redirect(url_for("feedback.confirmation"), code=303)


@feedback.get("/feedback/confirmation")
def confirmation():  # type: ignore[no-untyped-def]
    details = session.get("confirmation")
    if not details:
        return redirect(url_for("feedback.form"))
    return render_template("feedback/confirmation.html", **details)


def _valid_token(token: str | None) -> str | None:
    """The form's one-time submission key, if this server issued it in the last day."""
    if not token:
        return None
    try:
        _tokens().loads(token, max_age=TOKEN_MAX_AGE)
    except BadSignature:
        return None
    return token


def _submission(form: FeedbackForm, token: str) -> FormSubmission:
    anonymous = form.contact_method.data == "anonymous"
    on_behalf = form.on_behalf.data == "yes"
    area = form.service_area.data
    return FormSubmission(
        token=token,
        feedback_type=form.feedback_type.data,
        service_area=None if area == "not_sure" else area,
        what_happened=form.what_happened.data,
        when_happened=form.when_happened.data or None,
        desired_outcome=form.desired_outcome.data or None,
        anonymous=anonymous,
        name=None if anonymous else form.name.data.strip(),
        email=None if anonymous else form.email.data,
        phone=None if anonymous else (form.phone.data or None),
        on_behalf=on_behalf,
        represented_person=form.represented_person.data.strip() if on_behalf else None,
        representative_relationship=form.representative_relationship.data.strip() if on_behalf else None,
        representative_consent=bool(form.representative_consent.data) if on_behalf else False,
        adjustments=form.adjustments.data.strip() if form.needs_adjustments.data == "yes" else None,
    )
