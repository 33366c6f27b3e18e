"""Residents track a case with its reference and the secret code from their acknowledgement.

The answer is shown on the POST itself (never a redirect to a URL holding the code) and is
never cached. A wrong code, an unknown reference and another case's code all get the same
words, so the page never says whether a reference exists. Guessing is limited to
ATTEMPTS tries per WINDOW seconds from one address, counted in Redis so every web process
shares the count. Without Redis the page refuses to look anything up (fails closed): an
unlimited guesser is worse than a resident asked to try later or to telephone.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, make_response, render_template, request
from flask_wtf import FlaskForm
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from models.db import transaction
from models.progress import progress
from models.tracking import find_case
from web.ratelimit import count_attempt

log = logging.getLogger(__name__)
track = Blueprint("track", __name__)

ATTEMPTS = 10
WINDOW = 15 * 60
NOT_FOUND = "We could not find a case with that reference and code. Check them against your acknowledgement and try again"
TOO_MANY = "You have tried too many times. Wait 15 minutes and try again, or call us"
UNAVAILABLE = "Sorry, tracking is not available at the moment. Try again later, or call us"


class TrackForm(FlaskForm):
    reference = StringField("Reference", validators=[
        DataRequired("Enter your reference"), Length(max=32, message="Reference must be 32 characters or fewer")])
    code = StringField("Tracking code", validators=[
        DataRequired("Enter your tracking code"), Length(max=32, message="Tracking code must be 32 characters or fewer")])




def _page(form: TrackForm, status: int = 200, **result: object) -> Response:
    response = make_response(render_template("track.html", form=form, **result), status)
    response.headers["Cache-Control"] = "no-store"
    return response


@track.get("/track")
def form() -> Response:
    return _page(TrackForm())


@track.post("/track")
def look_up() -> Response:
    form = TrackForm()
    if not form.validate_on_submit():
        return _page(form, 400)
    try:
        allowed = count_attempt("track", request.remote_addr or "unknown", ATTEMPTS, WINDOW)
    except RedisError as exc:
        log.error("tracking refused: the attempt counter is unavailable (%s)", exc.__class__.__name__)
        form.code.errors = [UNAVAILABLE]
        return _page(form, 503)
    if not allowed:
        form.code.errors = [TOO_MANY]
        return _page(form, 429)
    try:
        with transaction() as db:
            case = find_case(db, form.reference.data, form.code.data)
            found = progress(case, current_app.config["POLICY"]) if case is not None else None
    except SQLAlchemyError as exc:
        log.error("tracking failed: %s", exc.__class__.__name__)
        form.code.errors = [UNAVAILABLE]
        return _page(form, 503)
    if found is None:
        form.code.errors = [NOT_FOUND]
        form.code.data = ""
        return _page(form, 404)
    return _page(TrackForm(formdata=None), progress=found)

