"""Staff accounts, sign-in and roles, on both stacks: accounts made by the real `heard users`
command, sign-in over real HTTP and through Flask's test client, and every hostile input
the sign-in page meets (wrong, unknown, locked, forged, oversize, injected)."""

from __future__ import annotations

import json
import re
import time
from datetime import timedelta

import pytest
import requests
from argon2 import PasswordHasher
from click.testing import CliRunner, Result
from flask.testing import FlaskClient
from sqlalchemy import select, update
from werkzeug.exceptions import Forbidden

from heard import config as heard_config
from heard.cli import main
from heard.queue import redis
from models import StaffUser
from models.base import utcnow
from models.db import transaction
from models.staff import can_see_area
from web import create_app
from web.auth import require_area
from web.ratelimit import SIGN_IN_ATTEMPTS

from tests.browser import axe_violations, screenshot


PASSWORD = "correct horse battery staple"
WRONG = "Email address or password is wrong"
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def create_user(email: str = "ann@example.gov.uk", name: str = "Ann Officer", roles: tuple[str, ...] = ("triage_officer",),
                areas: tuple[str, ...] = (), password: str = PASSWORD) -> Result:
    args = ["users", "create", email, "--name", name, "--password-stdin"]
    for role in roles:
        args += ["--role", role]
    for area in areas:
        args += ["--area", area]
    return CliRunner().invoke(main, args, input=password + "\n")


def accounts() -> list[StaffUser]:
    with transaction() as db:
        return list(db.scalars(select(StaffUser).order_by(StaffUser.email)))


def csrf(html: str) -> str:
    match = CSRF.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


@pytest.fixture()
def client(heard_env) -> FlaskClient:  # type: ignore[no-untyped-def]
    return create_app().test_client()


def sign_in(client: FlaskClient, email: str = "ann@example.gov.uk", password: str = PASSWORD, next_url: str | None = None):  # type: ignore[no-untyped-def]
    token = csrf(client.get("/staff/sign-in").get_data(as_text=True))
    url = "/staff/sign-in" + (f"?next={requests.utils.quote(next_url, safe='')}" if next_url is not None else "")
    return client.post(url, data={"csrf_token": token, "email": email, "password": password})


# --- the `heard users` command ----------------------------------------------------------


def test_users_are_created_listed_and_changed_by_the_command(heard_env):
    assert create_user("Ann@Example.GOV.uk", roles=("service_team",), areas=("waste", "parking")).exit_code == 0
    prompted = CliRunner().invoke(main, ["users", "create", "bo@example.gov.uk", "--name", "Bo Admin", "--role", "administrator",
                                         "--role", "complaints_manager"], input=f"{PASSWORD}\n{PASSWORD}\n")
    assert prompted.exit_code == 0, prompted.output
    assert PASSWORD not in prompted.output  # the hidden prompt does not echo it

    listed = CliRunner().invoke(main, ["users", "list", "--json"])
    rows = json.loads(listed.output)
    assert [(r["email"], r["roles"], r["service_areas"], r["active"]) for r in rows] == [
        ("ann@example.gov.uk", ["service_team"], ["parking", "waste"], True),
        ("bo@example.gov.uk", ["administrator", "complaints_manager"], [], True),
    ]
    assert "argon2" not in listed.output and "password" not in listed.output
    stored = accounts()[0]
    assert stored.password_hash.startswith("$argon2id$") and PASSWORD not in stored.password_hash

    changed = CliRunner().invoke(main, ["users", "set-password", "ANN@example.gov.uk", "--password-stdin"], input="a whole new passphrase\n")
    assert changed.exit_code == 0, changed.output
    assert accounts()[0].password_hash != stored.password_hash and accounts()[0].session_version == 2
    assert CliRunner().invoke(main, ["users", "deactivate", "ann@example.gov.uk"]).exit_code == 0
    assert accounts()[0].active is False
    assert "ann@example.gov.uk  Ann Officer  service_team  parking,waste  False" in CliRunner().invoke(main, ["users", "list"]).output


@pytest.mark.parametrize(("email", "roles", "areas", "password", "message"), [
    ("ann@example.gov.uk", ("triage_officer",), (), "short pass", "12 characters or more"),
    ("ann@example.gov.uk", ("triage_officer",), (), "Password1234", "too common"),
    ("ann@example.gov.uk", ("triage_officer",), (), "aaaaaaaaaaaaaaaaaaaa", "too common"),
    ("ann@example.gov.uk", ("triage_officer",), (), "x" * 1025, "1024 characters or fewer"),
    ("ann@example.gov.uk", ("wizard",), (), PASSWORD, "Unknown role wizard"),
    ("ann@example.gov.uk", ("service_team",), (), PASSWORD, "needs at least one service area"),
    ("ann@example.gov.uk", ("service_team",), ("moon_base",), PASSWORD, "Unknown service area moon_base"),
    ("ann@example.gov.uk", ("triage_officer",), ("waste",), PASSWORD, "Only the service_team role"),
    ("not an address", ("triage_officer",), (), PASSWORD, "correct format"),
    ("<script>@x", ("triage_officer",), (), PASSWORD, "correct format"),
])
def test_the_command_refuses_bad_accounts_and_stores_nothing(heard_env, email, roles, areas, password, message):
    result = create_user(email, roles=roles, areas=areas, password=password)
    assert result.exit_code == 1 and message in result.output
    assert accounts() == []


def test_one_account_per_address_whatever_its_case(heard_env):
    assert create_user("ann@example.gov.uk").exit_code == 0
    again = create_user(" ANN@example.gov.uk ")
    assert again.exit_code == 1 and "already an account" in again.output
    assert len(accounts()) == 1


def test_changing_an_unknown_account_fails_clearly(heard_env):
    for args in (["deactivate", "nobody@example.gov.uk"], ["set-password", "nobody@example.gov.uk", "--password-stdin"]):
        result = CliRunner().invoke(main, ["users", *args], input=f"{PASSWORD}\n")
        assert result.exit_code == 1 and "no staff account for nobody@example.gov.uk" in result.output
    assert create_user().exit_code == 0
    weak = CliRunner().invoke(main, ["users", "set-password", "ann@example.gov.uk", "--password-stdin"], input="weak\n")
    assert weak.exit_code == 1 and "12 characters" in weak.output and accounts()[0].session_version == 1


# --- signing in and out over real HTTP --------------------------------------------------


def test_sign_in_and_out_over_http(live_server):
    assert create_user(roles=("service_team",), areas=("waste", "housing")).exit_code == 0
    http = requests.Session()
    form = http.get(f"{live_server.url}/staff/sign-in", timeout=10)
    assert form.status_code == 200 and "Sign in" in form.text
    signed_in = http.post(f"{live_server.url}/staff/sign-in", timeout=10, allow_redirects=False,
                          data={"csrf_token": csrf(form.text), "email": "ANN@example.gov.uk ", "password": PASSWORD})
    assert signed_in.status_code == 303 and signed_in.headers["Location"] == "/staff"
    cookie = signed_in.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Expires" not in cookie  # a browser-session cookie; the 12 hours are enforced by the server
    assert "Secure" not in cookie  # plain http here; https public URLs get Secure (below)

    home = http.get(f"{live_server.url}/staff", timeout=10)
    assert home.status_code == 200
    for text in ("Ann Officer", "ann@example.gov.uk", "Service team member", "Bins, recycling and waste", "Housing"):
        assert text in home.text
    assert accounts()[0].last_sign_in_at is not None

    out = http.post(f"{live_server.url}/staff/sign-out", data={"csrf_token": csrf(home.text)}, timeout=10, allow_redirects=False)
    assert out.status_code == 303
    after = http.get(f"{live_server.url}/staff", timeout=10, allow_redirects=False)
    assert after.status_code == 302 and after.headers["Location"].startswith("/staff/sign-in")
    assert "You have signed out" in http.get(f"{live_server.url}{out.headers['Location']}", timeout=10).text


def test_session_cookies_are_secure_when_the_public_address_is_https(heard_env, monkeypatch):
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://feedback.example.gov.uk")
    heard_config.settings.cache_clear()
    assert create_app().config["SESSION_COOKIE_SECURE"] is True


def test_staff_pages_send_the_security_headers(client):
    assert create_user().exit_code == 0
    for response in (client.get("/staff/sign-in"), sign_in(client), client.get("/staff")):
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Cache-Control"] == "no-store"


# --- wrong, unknown, locked and inactive ------------------------------------------------


def _page_without_token(response) -> str:  # type: ignore[no-untyped-def]
    """The page without what differs on every response anyway: the CSRF token and CSP nonce."""
    return re.sub(r'nonce="[^"]+"', "", CSRF.sub("", response.get_data(as_text=True)))


def test_wrong_password_and_unknown_email_get_the_same_answer(client):
    assert create_user().exit_code == 0
    wrong = sign_in(client, password="not the right password")
    unknown = sign_in(client, email="nobody@example.gov.uk", password="not the right password")
    assert wrong.status_code == unknown.status_code == 400
    assert WRONG in wrong.get_data(as_text=True)
    # The same page but for the address typed back into the box.
    assert _page_without_token(wrong).replace("ann@example.gov.uk", "X") == _page_without_token(unknown).replace("nobody@example.gov.uk", "X")
    assert PASSWORD not in wrong.get_data(as_text=True) and "not the right password" not in wrong.get_data(as_text=True)
    with client.session_transaction() as session:
        assert "staff" not in session


def test_every_refusal_costs_one_password_hash(client, monkeypatch):
    """No quick answer for an address without an account, or a locked or deactivated one:
    every path verifies exactly one argon2 hash, so timing tells them apart no better than
    the message does. (Counted rather than timed, so a busy machine cannot fail it.)"""
    assert create_user().exit_code == 0
    assert create_user("gone@example.gov.uk").exit_code == 0
    CliRunner().invoke(main, ["users", "deactivate", "gone@example.gov.uk"])
    verified = []
    real_verify = PasswordHasher.verify

    def counting_verify(self, hash, password):  # type: ignore[no-untyped-def]
        verified.append(hash)
        return real_verify(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", counting_verify)
    ann_hash = accounts()[0].password_hash
    for email, password in [("nobody@example.gov.uk", "not the right password"), ("gone@example.gov.uk", PASSWORD),
                            ("ann@example.gov.uk", "not the right password"), ("ann@example.gov.uk\x00", PASSWORD)]:
        verified.clear()
        assert sign_in(client, email, password).status_code == 400
        assert len(verified) == 1 and verified[0].startswith("$argon2id$"), email
    with transaction() as db:
        db.execute(update(StaffUser).values(locked_until=utcnow() + timedelta(minutes=5)))
    verified.clear()
    assert sign_in(client).status_code == 400  # locked: the right password is not even checked
    assert len(verified) == 1 and verified[0] != ann_hash


def test_five_failures_lock_the_account_for_fifteen_minutes(client):
    assert create_user().exit_code == 0
    for attempt in range(1, 5):
        assert sign_in(client, password=f"wrong password {attempt}").status_code == 400
        assert accounts()[0].failed_sign_ins == attempt and accounts()[0].locked_until is None
    assert sign_in(client, password="wrong password 5").status_code == 400
    locked_until = accounts()[0].locked_until
    assert locked_until is not None and timedelta(minutes=14) < locked_until - utcnow() <= timedelta(minutes=15)

    refused = sign_in(client)  # the right password, while locked: the same answer as any failure
    assert refused.status_code == 400 and WRONG in refused.get_data(as_text=True)
    assert client.get("/staff").status_code == 302

    with transaction() as db:  # fifteen minutes pass
        db.execute(update(StaffUser).values(locked_until=utcnow() - timedelta(seconds=1)))
    assert sign_in(client).status_code == 303
    assert client.get("/staff").status_code == 200
    assert accounts()[0].failed_sign_ins == 0 and accounts()[0].locked_until is None


def test_a_success_resets_the_failure_count(client):
    assert create_user().exit_code == 0
    for _ in range(4):
        sign_in(client, password="not the right password")
    assert sign_in(client).status_code == 303
    assert accounts()[0].failed_sign_ins == 0


def test_a_new_password_lifts_a_lockout(client):
    assert create_user().exit_code == 0
    for _ in range(5):
        sign_in(client, password="not the right password")
    assert accounts()[0].locked_until is not None
    CliRunner().invoke(main, ["users", "set-password", "ann@example.gov.uk", "--password-stdin"], input="a whole new passphrase\n")
    assert sign_in(client, password="a whole new passphrase").status_code == 303


def test_deactivated_accounts_cannot_sign_in_and_are_signed_out_at_once(client):
    assert create_user().exit_code == 0
    assert sign_in(client).status_code == 303 and client.get("/staff").status_code == 200
    CliRunner().invoke(main, ["users", "deactivate", "ann@example.gov.uk"])
    assert client.get("/staff").status_code == 302  # the open session ends at its next request
    refused = sign_in(client)
    assert refused.status_code == 400 and WRONG in refused.get_data(as_text=True)


def test_a_password_change_signs_out_every_other_session(heard_env):
    assert create_user().exit_code == 0
    app = create_app()
    laptop, phone = app.test_client(), app.test_client()
    assert sign_in(laptop).status_code == 303 and sign_in(phone).status_code == 303
    CliRunner().invoke(main, ["users", "set-password", "ann@example.gov.uk", "--password-stdin"], input="a whole new passphrase\n")
    assert laptop.get("/staff").status_code == 302 and phone.get("/staff").status_code == 302
    assert sign_in(laptop, password=PASSWORD).status_code == 400
    assert sign_in(laptop, password="a whole new passphrase").status_code == 303


def test_too_many_attempts_from_one_address_are_refused(client):
    """Many accounts tried from one address: after the limit, 429 without checking passwords."""
    for n in range(SIGN_IN_ATTEMPTS):
        assert sign_in(client, email=f"guess{n}@example.gov.uk", password="not the right password").status_code == 400
    assert create_user().exit_code == 0
    limited = sign_in(client)  # even the right password, from this address, for now
    assert limited.status_code == 429 and "Too many attempts" in limited.get_data(as_text=True)
    assert accounts()[0].failed_sign_ins == 0  # refused before the account was looked at
    keys = list(redis().scan_iter("heard:limit:*"))
    assert keys and all(b"127.0.0.1" not in key for key in keys)  # client addresses are not kept in the clear


# --- sessions ---------------------------------------------------------------------------


def test_signing_in_starts_a_fresh_session(client):
    """Session fixation: whatever was in the session before sign-in (a planted value, the
    old CSRF token) is gone after it, and the cookie from before grants nothing."""
    assert create_user().exit_code == 0
    client.get("/staff/sign-in")
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
        before_token = session["csrf_token"]
    before_cookie = client.get_cookie("session").value
    assert sign_in(client).status_code == 303
    after_cookie = client.get_cookie("session").value
    assert after_cookie != before_cookie
    with client.session_transaction() as session:
        assert "planted" not in session and session.get("csrf_token") != before_token
        assert set(session["staff"]) == {"id", "version", "signed_in", "seen"}

    client.set_cookie("session", before_cookie)
    assert client.get("/staff").status_code == 302


@pytest.mark.parametrize(("key", "age"), [("seen", timedelta(minutes=31)), ("signed_in", timedelta(hours=12, seconds=1))])
def test_idle_and_absolute_timeouts_end_a_session(client, key, age):
    assert create_user().exit_code == 0
    sign_in(client)
    with client.session_transaction() as session:
        staff = dict(session["staff"])
        staff[key] = int(time.time() - age.total_seconds())
        if key == "signed_in":
            staff["seen"] = int(time.time())  # busy all day: the absolute limit still applies
        session["staff"] = staff
    response = client.get("/staff")
    assert response.status_code == 302 and response.headers["Location"].startswith("/staff/sign-in")


def test_activity_keeps_a_session_alive(client):
    assert create_user().exit_code == 0
    sign_in(client)
    with client.session_transaction() as session:
        session["staff"] = {**session["staff"], "seen": int(time.time()) - 25 * 60}
    assert client.get("/staff").status_code == 200
    with client.session_transaction() as session:
        assert int(time.time()) - session["staff"]["seen"] < 5


@pytest.mark.parametrize("forged", [{"id": "x"}, {"id": 1}, "a string",
                                    {"id": 999, "version": 1, "signed_in": int(time.time()), "seen": int(time.time())}])
def test_a_malformed_session_is_a_signed_out_one(client, forged):
    with client.session_transaction() as session:
        session["staff"] = forged
    assert client.get("/staff").status_code == 302


def test_a_cookie_signed_with_another_key_is_ignored(client):
    assert create_user().exit_code == 0
    other = create_app({"SECRET_KEY": "someone else's key"}).test_client()
    assert sign_in(other).status_code == 303
    client.set_cookie("session", other.get_cookie("session").value)
    assert client.get("/staff").status_code == 302


# --- forged and hostile requests --------------------------------------------------------


def test_sign_in_without_a_csrf_token_is_refused(client):
    assert create_user().exit_code == 0
    client.get("/staff/sign-in")
    for data in ({"email": "ann@example.gov.uk", "password": PASSWORD},
                 {"csrf_token": "forged", "email": "ann@example.gov.uk", "password": PASSWORD}):
        response = client.post("/staff/sign-in", data=data)
        assert response.status_code == 400 and "Your session has expired" in response.get_data(as_text=True)
    assert client.get("/staff").status_code == 302 and accounts()[0].last_sign_in_at is None


def test_sign_out_without_a_csrf_token_is_refused(client):
    assert create_user().exit_code == 0
    sign_in(client)
    assert client.post("/staff/sign-out").status_code == 400
    assert client.post("/staff/sign-out", data={"csrf_token": "forged"}).status_code == 400
    assert client.get("/staff").status_code == 200  # still signed in
    assert client.get("/staff/sign-out").status_code == 405  # a link or image cannot sign you out


@pytest.mark.parametrize("target", [
    "https://evil.example/staff", "//evil.example/staff", "/\\evil.example", "/\t/evil.example", "\\\\evil.example",
    "javascript:alert(1)", "http:/evil.example", "evil.example", "/%0a/evil.example\n", " /staff/users", "/staff\r\nSet-Cookie: x=1",
])
def test_next_never_leaves_the_site(client, target):
    assert create_user().exit_code == 0
    response = sign_in(client, next_url=target)
    assert response.status_code == 303 and response.headers["Location"] == "/staff"


def test_next_returns_to_the_staff_page_asked_for(client):
    assert create_user(roles=("administrator",)).exit_code == 0
    asked = client.get("/staff/users?sort=email")
    assert asked.status_code == 302
    sign_in_url = asked.headers["Location"]
    assert sign_in_url == "/staff/sign-in?next=/staff/users?sort%3Demail"
    token = csrf(client.get(sign_in_url).get_data(as_text=True))
    response = client.post(sign_in_url, data={"csrf_token": token, "email": "ann@example.gov.uk", "password": PASSWORD})
    assert response.status_code == 303 and response.headers["Location"] == "/staff/users?sort=email"
    assert client.get("/staff/sign-in?next=/staff/users").headers["Location"] == "/staff/users"  # already signed in


@pytest.mark.parametrize(("data", "message"), [
    ({"email": "", "password": ""}, "Enter your email address"),
    ({"email": "ann@example.gov.uk", "password": ""}, "Enter your password"),
    ({"email": "a" * 400 + "@example.gov.uk", "password": PASSWORD}, "320 characters or fewer"),
    ({"email": "ann@example.gov.uk", "password": "p" * 5000}, "1,024 characters or fewer"),
    ({"email": "<script>alert(1)</script>", "password": PASSWORD}, WRONG),
    ({"email": "ann@example.gov.uk\x00", "password": PASSWORD}, WRONG),
])
def test_broken_and_hostile_sign_ins_get_a_clear_error(client, data, message):
    assert create_user().exit_code == 0
    token = csrf(client.get("/staff/sign-in").get_data(as_text=True))
    response = client.post("/staff/sign-in", data={"csrf_token": token, **data})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and message in html
    assert "<script>alert(1)</script>" not in html
    assert client.get("/staff").status_code == 302


def test_a_wrongly_encoded_body_is_refused_cleanly(client):
    assert create_user().exit_code == 0
    token = csrf(client.get("/staff/sign-in").get_data(as_text=True))
    body = f"csrf_token={token}&email=ann%40example.gov.uk%ff%fe&password=".encode() + "correct horse battery staple".encode("utf-16")
    response = client.post("/staff/sign-in", data=body, content_type="application/x-www-form-urlencoded")
    # Werkzeug drops a form body it cannot decode: the person is asked again, nothing else happens.
    assert response.status_code == 400 and "There is a problem" in response.get_data(as_text=True)
    assert client.get("/staff").status_code == 302 and accounts()[0].failed_sign_ins == 0


def test_an_oversize_sign_in_is_refused_with_413(live_server):
    response = requests.post(f"{live_server.url}/staff/sign-in", data={"email": "a@b.c", "password": "x" * 300_000}, timeout=10)
    assert response.status_code == 413


def test_names_are_shown_as_text_never_as_html(client):
    assert create_user(name='<script>alert("x")</script> Ann').exit_code == 0
    sign_in(client)
    html = client.get("/staff").get_data(as_text=True)
    assert '<script>alert("x")</script>' not in html and "&lt;script&gt;" in html


# --- roles and need to know -------------------------------------------------------------


def test_the_wrong_role_gets_403_and_the_right_one_gets_the_page(heard_env):
    assert create_user("team@example.gov.uk", roles=("service_team",), areas=("waste",)).exit_code == 0
    assert create_user("admin@example.gov.uk", name="Ada Admin", roles=("administrator",)).exit_code == 0
    app = create_app()
    team, admin = app.test_client(), app.test_client()
    sign_in(team, "team@example.gov.uk")
    sign_in(admin, "admin@example.gov.uk")
    assert team.get("/staff/users").status_code == 403
    assert "Staff accounts" not in team.get("/staff").get_data(as_text=True)  # not offered either
    listing = admin.get("/staff/users")
    assert listing.status_code == 200
    html = listing.get_data(as_text=True)
    assert "team@example.gov.uk" in html and "Ada Admin" in html and "argon2" not in html


def test_only_a_service_teams_own_areas_are_visible_to_it(heard_env):
    assert create_user("team@example.gov.uk", roles=("service_team",), areas=("waste", "parking")).exit_code == 0
    assert create_user("officer@example.gov.uk", roles=("triage_officer",)).exit_code == 0
    assert create_user("manager@example.gov.uk", roles=("complaints_manager",)).exit_code == 0
    team, officer, manager = (next(u for u in accounts() if u.email.startswith(p)) for p in ("team", "officer", "manager"))
    assert can_see_area(team, "waste") and can_see_area(team, "parking")
    assert not can_see_area(team, "housing") and not can_see_area(team, "")
    assert all(can_see_area(user, "housing") for user in (officer, manager))

    app = create_app()
    with app.test_request_context():
        require_area(team, "waste")
        with pytest.raises(Forbidden):
            require_area(team, "housing")
    CliRunner().invoke(main, ["users", "deactivate", "manager@example.gov.uk"])
    assert not can_see_area(next(u for u in accounts() if u.email.startswith("manager")), "housing")


# --- in a real browser ------------------------------------------------------------------


@pytest.mark.browser
def test_sign_in_page_meets_wcag_22_aa_and_works_by_keyboard(page, live_server, tmp_path):
    assert create_user(roles=("service_team",), areas=("waste",)).exit_code == 0
    page.goto(f"{live_server.url}/staff")  # signed out: sent to sign in
    page.wait_for_url("**/staff/sign-in?next=/staff")
    assert page.title() == "Sign in - Huntingdonshire District Council"
    assert axe_violations(page) == []

    page.get_by_label("Email address").fill("ann@example.gov.uk")
    page.get_by_label("Password").fill("not the right password")
    page.keyboard.press("Enter")
    summary = page.locator(".govuk-error-summary")
    summary.wait_for(state="visible")
    assert page.title().startswith("Error: ") and WRONG in summary.inner_text()
    assert page.evaluate("document.activeElement.classList.contains('govuk-error-summary')")
    assert page.get_by_label("Password").input_value() == ""  # never sent back
    assert axe_violations(page) == []

    page.get_by_label("Password").fill(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/staff")  # exactly: the sign-in URL ends "next=/staff" too
    assert "Bins, recycling and waste" in page.locator("main").inner_text()
    assert axe_violations(page) == []
    screenshot(page, "staff-home")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/staff/sign-in?signed_out=1")
    assert "You have signed out" in page.locator("main").inner_text()
