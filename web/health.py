"""GET /healthz: the state of the database, Redis and the queues, as JSON."""

from __future__ import annotations

from flask import Blueprint, jsonify

from heard.operations import summary

health = Blueprint("health", __name__)


@health.get("/healthz")
def healthz():  # type: ignore[no-untyped-def]
    report = summary()
    response = jsonify(report)
    response.status_code = 200 if report["database"]["ok"] else 503
    response.headers["Cache-Control"] = "no-store"
    return response
