"""Operations, for administrators: queue depths, failed jobs to retry or drop, the workers
seen, and the database's backlog. The same figures as /healthz, for people."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm

from heard.operations import OperationError, database, discard, queues, retry
from web.auth import current_staff, require_role
from web.staff_requests import stale_form

operations = Blueprint("operations", __name__, url_prefix="/staff/operations")


class JobActionForm(FlaskForm):
    """Nothing but the CSRF token: the job is named in the URL."""


@operations.get("")
@require_role("administrator")
def overview():  # type: ignore[no-untyped-def]
    return render_template("staff/operations.html", staff=current_staff(), database=database(),
                           queues=queues(details=True), action_form=JobActionForm())


def _act(action, queue_name: str, job_id: str, done: str):  # type: ignore[no-untyped-def]
    if not JobActionForm().validate_on_submit():
        stale_form()
    try:
        action(queue_name, job_id)
    except OperationError as error:
        flash(str(error), "problem")
    else:
        flash(done, "success")
    return redirect(url_for("operations.overview"), code=303)


@operations.post("/<queue_name>/<job_id>/retry")
@require_role("administrator")
def retry_job(queue_name: str, job_id: str):  # type: ignore[no-untyped-def]
    return _act(retry, queue_name, job_id, f"Job {job_id} is back on the {queue_name} queue")


@operations.post("/<queue_name>/<job_id>/discard")
@require_role("administrator")
def discard_job(queue_name: str, job_id: str):  # type: ignore[no-untyped-def]
    return _act(discard, queue_name, job_id, f"Job {job_id} was removed; the reconciler picks up its work again")
