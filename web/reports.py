"""Reports for complaints managers and administrators: the period picker, the HTML report,
a CSV of every table and the printable annual report. Calls `reports`; holds no rules."""

from __future__ import annotations

import calendar
from typing import Any

from flask import Blueprint, Response, abort, current_app, render_template, request

from models.db import transaction
from reports import csvout, pdf, report
from reports.charts import draw
from reports.period import PeriodError, Period, parse
from web.auth import current_staff, require_role

reports = Blueprint("reports", __name__, url_prefix="/staff/reports")
ROLES = ("complaints_manager", "administrator")
MONTHS = tuple(calendar.month_name[1:])


def _fields() -> dict[str, str]:
    return {key: value[:20] for key, value in request.args.items()}


def _period_or_400(default: str | None = None) -> Period:
    """The period the query string asks for; `default` is the kind when it names none."""
    fields = _fields()
    if default is not None:
        fields.setdefault("period", default)
    try:
        return parse(fields)
    except PeriodError as error:
        abort(400, str(error))


@reports.get("")
@require_role(*ROLES)
def index():  # type: ignore[no-untyped-def]
    fields, errors, built = _fields(), {}, None
    if fields:
        try:
            period = parse(fields)
        except PeriodError as error:
            errors[error.field] = str(error)
        else:
            with transaction() as db:
                built = report.build(db, current_app.config["POLICY"], period)
    return render_template("staff/reports/index.html", staff=current_staff(), fields=fields, errors=errors,
                           report=built, draw=draw, months=MONTHS, query=request.query_string.decode("ascii", "replace"),
                           has_errors=bool(errors)), 400 if errors else 200


@reports.get("/<name>.csv")
@require_role(*ROLES)
def table_csv(name: str) -> Response:
    if name not in report.NAMES:
        abort(404)
    period = _period_or_400()
    with transaction() as db:
        table = report.one_table(db, current_app.config["POLICY"], period, name)
    filename = f"{name}-{period.start.isoformat()}-to-{period.last_day.isoformat()}.csv"
    return Response(csvout.to_csv(table), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@reports.get("/annual.pdf")
@require_role(*ROLES)
def annual_pdf() -> Response:
    """The annual report for a financial year (`year`), or for any period the form gives."""
    period = _period_or_400(default="year")
    with transaction() as db:
        built = report.build(db, current_app.config["POLICY"], period)
    html = render_template("staff/reports/annual_pdf.html", report=built, draw=draw)
    filename = f"annual-report-{period.start.isoformat()}-to-{period.last_day.isoformat()}.pdf"
    return Response(pdf.html_to_pdf(html), mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{filename}"'})


@reports.context_processor
def report_context() -> dict[str, Any]:
    """The report's table names (the staff layout's own needs come from web.auth)."""
    return {"table_names": report.NAMES}
