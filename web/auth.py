"""Staff sign-in and sign-out, the signed-in landing page, and the checks every later staff
view uses: `require_role` (sign-in first, then 403 for the wrong role) and `require_area`
(403 for another team's service area).

The session is Flask's signed cookie holding only the account id, its session version and
two times. The absolute and idle limits are checked here on every request, against times
signed into the cookie, because the cookie's own expiry is renewed by every response.
Passwords, lockout and need-to-know are models.staff's rules; this module only asks them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, session, url_for
from sqlalchemy import select

from models.db import transaction
from models.staff import LOCKOUT, MAX_FAILED_SIGN_INS, StaffUser, authenticate, can_see_area, has_role
from web import ratelimit
from web.staff_forms import SignInForm, SignOutForm
from web.staff_requests import stale_form

log = logging.getLogger(__name__)
auth = Blueprint("auth", __name__, url_prefix="/staff")

SESSION_LIFETIME = timedelta(hours=12)  # a working day, then sign in again
IDLE_TIMEOUT = timedelta(minutes=30)  # a screen left unlocked stops being signed in
WRONG = "Email address or password is wrong"  # one message: never says which, or that an account exists

ROLE_NAMES = {
    "triage_officer": "Triage officer",
    "service_team": "Service team member",
    "complaints_manager": "Complaints manager",
    "administrator": "Administrator",
}

View = TypeVar("View", bound=Callable[..., Any])


@auth.after_app_request
def no_store(response):  # type: ignore[no-untyped-def]
    """Staff pages hold personal data: no browser or proxy may keep a copy of any page under
    /staff, whichever blueprint served it."""
    if request.path == "/staff" or request.path.startswith("/staff/"):
        response.headers["Cache-Control"] = "no-store"
    return response


def current_staff() -> StaffUser | None:
    """The signed-in member of staff for this request, or None."""
    if "staff" not in g:
        g.staff = _from_session()
    return g.staff


def _from_session() -> StaffUser | None:
    data = session.get("staff")
    if data is None:
        return None
    now = int(time.time())
    try:
        user_id, version, signed_in, seen = (int(data[k]) for k in ("id", "version", "signed_in", "seen"))
    except (KeyError, TypeError, ValueError):
        session.clear()
        return None
    if now - signed_in > SESSION_LIFETIME.total_seconds() or now - seen > IDLE_TIMEOUT.total_seconds():
        session.clear()
        return None
    with transaction() as db:
        user = db.get(StaffUser, user_id)
    if user is None or not user.active or user.session_version != version:
        session.clear()  # deactivated, or the password changed since this session began
        return None
    session["staff"] = {**data, "seen": now}
    return user


def require_role(*roles: str) -> Callable[[View], View]:
    """Sign-in required; then, with roles named, one of them (403 otherwise)."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            user = current_staff()
            if user is None:
                here = request.full_path.rstrip("?") if request.method == "GET" else None
                return redirect(url_for("auth.sign_in", next=here))
            if not has_role(user, *roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorate


def require_area(user: StaffUser, area: str) -> None:
    """Need to know: 403 unless the user may see `area` (a guessed URL gets no further)."""
    if not can_see_area(user, area):
        abort(403)


def safe_next(value: str | None) -> str:
    """Where to go after signing in: a path on this site, never another site."""
    default = url_for("auth.home")
    if not value or len(value) > 2000 or not value.startswith("/") or value.startswith("//"):
        return default
    if "\\" in value or any(ord(c) < 33 or ord(c) == 127 for c in value):
        return default  # browsers read "/\evil" and "/\t/evil" as another host
    parts = urlsplit(value)
    return default if parts.scheme or parts.netloc else value


def _sign_in_page(form: SignInForm, status: int = 200) -> tuple[str, int]:
    return render_template(
        "staff/sign_in.html", form=form, next_url=request.args.get("next"),
        signed_out=request.args.get("signed_out") == "1",
        max_failures=MAX_FAILED_SIGN_INS, lockout_minutes=int(LOCKOUT.total_seconds() // 60),
    ), status


@auth.get("/sign-in")
def sign_in():  # type: ignore[no-untyped-def]
    if current_staff() is not None:
        return redirect(safe_next(request.args.get("next")))
    return _sign_in_page(SignInForm())


@auth.post("/sign-in")
def sign_in_submit():  # type: ignore[no-untyped-def]
    form = SignInForm()
    if not form.validate_on_submit():
        form.password.data = ""
        return _sign_in_page(form, 400)
    if not ratelimit.allow("sign-in", request.remote_addr or "unknown"):
        form.email.errors = ["Too many attempts to sign in from your network. Wait 15 minutes, then try again"]
        return _sign_in_page(form, 429)
    with transaction() as db:
        result = authenticate(db, form.email.data or "", form.password.data or "")
    if result.user is None:
        log.info("staff sign-in refused%s", " (account locked)" if result.locked else "")
        form.email.errors = [WRONG]
        form.password.data = ""
        return _sign_in_page(form, 400)
    user = result.user
    session.clear()  # a fresh session: nothing set before signing in survives it (fixation)
    now = int(time.time())
    session["staff"] = {"id": user.id, "version": user.session_version, "signed_in": now, "seen": now}
    log.info("staff sign-in: account %s", user.id)
    return redirect(safe_next(request.args.get("next")), code=303)


@auth.post("/sign-out")
def sign_out():  # type: ignore[no-untyped-def]
    if not SignOutForm().validate_on_submit():
        stale_form()
    session.clear()
    return redirect(url_for("auth.sign_in", signed_out=1), code=303)


@auth.get("")
@require_role()
def home():  # type: ignore[no-untyped-def]
    user = current_staff()
    areas = current_app.config["POLICY"].service_areas
    return render_template("staff/home.html", staff=user, area_labels=[areas[a].label for a in user.service_areas if a in areas])


@auth.get("/users")
@require_role("administrator")
def users():  # type: ignore[no-untyped-def]
    with transaction() as db:
        accounts = db.scalars(select(StaffUser).order_by(StaffUser.email)).all()
    return render_template("staff/users.html", staff=current_staff(), accounts=accounts)


@auth.app_context_processor
def staff_context() -> dict[str, Any]:
    """What the staff layout shows on every staff page: who is signed in and how to leave."""
    return {"sign_out_form": SignOutForm, "role_names": ROLE_NAMES}
