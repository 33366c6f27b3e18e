"""The web app: public forms, health, and (later) webhooks, the staff UI, reports and the API.

Web code calls the domain and holds no rules of its own.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import Flask, g, jsonify, render_template, request, send_from_directory
from jinja2 import ChoiceLoader, PackageLoader, PrefixLoader
from werkzeug.exceptions import HTTPException

from heard.config import PROJECT_ROOT, settings
from models.policy import load_policy

GOVUK_FRONTEND = PROJECT_ROOT / "node_modules" / "govuk-frontend" / "dist" / "govuk"


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    config = settings()
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=config.secret_key,
        MAX_CONTENT_LENGTH=config.max_form_bytes,
        MAX_FORM_PARTS=200,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=(config.public_base_url or "").startswith("https://"),
        WTF_CSRF_TIME_LIMIT=None,  # the session bounds the token; residents take their time
        POLICY=load_policy(config.council_policy),
    )
    app.config.update(overrides or {})
    app.jinja_loader = ChoiceLoader([
        PackageLoader("web", "templates"),
        PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
    ])
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    from web import govuk
    from web.auth import auth
    from web.cases import cases
    from web.feedback import feedback
    from web.forms import FEEDBACK_TYPES
    from web.health import health
    from web.openapi import openapi
    from web.operations import operations
    from web.procedure import procedure
    from web.reports import reports
    from web.social import social_webhooks
    from web.track import track
    from web.triage_review import triage_review
    from web.webhooks import webhooks

    govuk.register(app, feedback_hints={value: hint for value, _label, hint in FEEDBACK_TYPES})

    app.register_blueprint(feedback)
    app.register_blueprint(auth)
    app.register_blueprint(cases)
    app.register_blueprint(health)
    app.register_blueprint(webhooks)
    app.register_blueprint(social_webhooks)
    app.register_blueprint(openapi)
    app.register_blueprint(track)
    app.register_blueprint(procedure)
    app.register_blueprint(reports)
    app.register_blueprint(triage_review)
    app.register_blueprint(operations)
    _register_assets(app)
    _register_security(app)
    _register_errors(app)

    @app.context_processor
    def council() -> dict[str, Any]:
        return {"policy": app.config["POLICY"], "council": app.config["POLICY"].council}

    return app


def _register_assets(app: Flask) -> None:
    """GOV.UK Frontend's fonts-free assets and scripts come from the npm package installed by
    the set-up, never from copies in the repository."""

    @app.get("/assets/<path:filename>")
    def govuk_assets(filename: str):  # type: ignore[no-untyped-def]
        return send_from_directory(GOVUK_FRONTEND / "assets", filename, max_age=86400)

    @app.get("/static/govuk-frontend.min.js")
    def govuk_script():  # type: ignore[no-untyped-def]
        return send_from_directory(GOVUK_FRONTEND, "govuk-frontend.min.js", max_age=86400)


def _register_security(app: Flask) -> None:
    @app.before_request
    def nonce() -> None:
        g.csp_nonce = secrets.token_urlsafe(16)

    @app.after_request
    def headers(response):  # type: ignore[no-untyped-def]
        response.headers.setdefault(
            "Content-Security-Policy",
            f"default-src 'self'; script-src 'self' 'nonce-{getattr(g, 'csp_nonce', '')}'; "
            "img-src 'self' data:; style-src 'self' 'unsafe-inline'; object-src 'none'; "
            "base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response


def _register_errors(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):  # type: ignore[no-untyped-def]
        if request.path.startswith("/webhooks/"):  # machines get JSON, people get a page
            return jsonify({"error": error.description or error.name}), error.code or 500
        return render_template("error.html", error=error), error.code or 500


__all__ = ["create_app"]
