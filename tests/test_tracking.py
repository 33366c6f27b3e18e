"""Residents track a case with the reference and code from their acknowledgement, and read
how the procedure works, over real HTTP against the real pipeline."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timezone

import pytest
import requests
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from heard import config as heard_config
from models import Case, Contact, Notification
from models.db import transaction
from models.lifecycle import Actor, respond
from models.tracking import digest
from tests.conftest import TWILIO_TOKEN, LiveServer, Sink, run_jobs
from tests.helpers import FormClient, reference_in
from tests.browser import axe_violations, screenshot

CODE = re.compile(r"\b[2-9A-HJKMNP-Z]{5}-[2-9A-HJKMNP-Z]{5}\b")


def csrf(session: requests.Session, url: str) -> str:
    shown = session.get(f"{url}/track", timeout=10)
    assert shown.status_code == 200
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', shown.text).group(1)


def track(session: requests.Session, url: str, reference: str, code: str, token: str | bool | None = None) -> requests.Response:
    fields = {"reference": reference, "code": code}
    if token is not False:
        fields["csrf_token"] = str(token) if token else csrf(session, url)
    return session.post(f"{url}/track", data=fields, timeout=10, allow_redirects=False)


def submitted(url: str, sink: Sink, count: int = 1, **answers: str) -> list[tuple[str, str, str]]:
    """Send `count` complaints through the form and the pipeline; each (reference, code, email body)."""
    references = []
    for n in range(count):
        response = FormClient(url).submit(email=f"ann{n}@example.org", **answers)
        assert response.status_code == 200
        references.append(reference_in(response.text))
    run_jobs()
    found = []
    for message in sink.wait_for(count):
        body = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        reference = reference_in(body)
        (code,) = set(CODE.findall(body))
        assert code in html and "/track with reference" in " ".join(body.split())
        found.append((reference, code, body))
    assert sorted(r for r, _c, _b in found) == sorted(references)
    return sorted(found)


def test_the_acknowledgement_carries_a_code_that_tracks_the_case(smtp_sink, live_server, monkeypatch):
    monkeypatch.setenv("PUBLIC_BASE_URL", live_server.url)
    heard_config.settings.cache_clear()
    ((reference, code, body),) = submitted(live_server.url, smtp_sink)
    assert f"Track your complaint at {live_server.url}/track with reference {reference} and code {code}" in " ".join(body.split())

    with transaction() as db:
        case = db.scalars(select(Case)).one()
        assert case.tracking_code_hash == digest(reference, code) and code not in case.tracking_code_hash
        notification = db.scalars(select(Notification)).one()
        assert notification.state == "sent" and "tracking_code" not in notification.context  # sent: no plain code kept
        due = case.response_due

    response = track(requests.Session(), live_server.url, reference, code)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    shown = response.text
    assert f"Your case {reference}" in shown
    assert "Complaint" in shown and "Stage 1" in shown and "We are looking into your complaint" in shown
    assert f"{due:%A} {due.day} {due:%B %Y}" in shown
    assert "You can ask us to look at it again at Stage 2" in shown and "still dissatisfied after our stage 1 response" in shown
    assert "Ann Example" not in shown and "ann0@example.org" not in shown and "Hartford Road" not in shown  # nothing personal
    assert code not in shown


def test_codes_are_forgiving_about_case_spaces_and_dashes(smtp_sink, live_server):
    ((reference, code, _body),) = submitted(live_server.url, smtp_sink)
    typed = f" {code.replace('-', ' ').lower()} "
    response = track(requests.Session(), live_server.url, reference.lower(), typed)
    assert response.status_code == 200 and f"Your case {reference}" in response.text


def test_wrong_unknown_and_borrowed_codes_get_the_same_answer(smtp_sink, live_server):
    (first, second) = submitted(live_server.url, smtp_sink, count=2)
    (ref_a, code_a, _), (ref_b, code_b, _) = first, second
    wrong = "22222-22222" if code_a != "22222-22222" else "33333-33333"
    attempts = {
        "wrong code": (ref_a, wrong),
        "unknown reference": ("HDC-2026-999999", code_a),
        "another case's code": (ref_a, code_b),
        "empty-looking code": (ref_b, "-----"),
    }
    pages = {}
    for name, (reference, code) in attempts.items():
        response = track(requests.Session(), live_server.url, reference, code)
        assert response.status_code == 404, name
        assert "We could not find a case with that reference and code" in response.text, name
        assert "Your case" not in response.text, name
        pages[name] = re.sub(r'value="[^"]*"', "", re.sub(r"nonce[^ >]*", "", response.text)).replace(reference, "REF")
    assert len(set(pages.values())) == 1  # nothing on the page says which of them it was


def test_missing_fields_are_named(live_server):
    response = track(requests.Session(), live_server.url, "", "")
    assert response.status_code == 400
    assert "There is a problem" in response.text
    assert "Enter your reference" in response.text and "Enter your tracking code" in response.text
    assert 'href="#reference"' in response.text


def test_missing_csrf_token_is_refused_and_counts_no_attempt(heard_env, live_server):
    session = requests.Session()
    session.get(f"{live_server.url}/track", timeout=10)
    response = track(session, live_server.url, "HDC-2026-000001", "22222-22222", token=False)
    assert response.status_code == 400
    assert "Your session has expired" in response.text
    assert not heard_env.redis().keys("heard:limit:track:*")


def test_the_eleventh_try_in_15_minutes_is_refused_even_with_the_right_code(smtp_sink, live_server, heard_env):
    ((reference, code, _body),) = submitted(live_server.url, smtp_sink)
    session = requests.Session()
    for n in range(10):
        assert track(session, live_server.url, reference, f"2222{n % 8 + 2}-22222").status_code == 404
    refused = track(session, live_server.url, reference, code)
    assert refused.status_code == 429
    assert "You have tried too many times" in refused.text and "Your case" not in refused.text
    (key,) = heard_env.redis().keys("heard:limit:track:*")
    assert 0 < heard_env.redis().ttl(key) <= 15 * 60
    assert b"127.0.0.1" not in key  # Redis holds a hash of the address, not the address
    heard_env.redis().delete(key)  # the window passes
    assert track(session, live_server.url, reference, code).status_code == 200


def test_tracking_fails_closed_when_redis_is_down(smtp_sink, live_server, monkeypatch):
    ((reference, code, _body),) = submitted(live_server.url, smtp_sink)
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
    heard_config.settings.cache_clear()
    response = track(requests.Session(), live_server.url, reference, code)
    assert response.status_code == 503
    assert "tracking is not available at the moment" in response.text and "Your case" not in response.text


@pytest.mark.parametrize("hostile", ['<script>alert("x")</script>', '"><img src=x onerror=alert(1)>'])
def test_html_in_the_inputs_is_escaped(live_server, hostile):
    response = track(requests.Session(), live_server.url, hostile, hostile[:32])
    assert response.status_code in (400, 404)
    assert hostile not in response.text and "<img src=x" not in response.text
    assert "&lt;" in response.text


def test_huge_and_strangely_encoded_inputs_get_a_clear_error(live_server):
    session = requests.Session()
    response = track(session, live_server.url, "HDC-" + "9" * 5000, "2" * 5000)
    assert response.status_code == 400 and "32 characters or fewer" in response.text
    token = csrf(session, live_server.url)
    body = b"csrf_token=" + token.encode() + b"&reference=HDC%FF%FE&code=%C0%AF"
    response = session.post(f"{live_server.url}/track", data=body, timeout=10,
                            headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code in (400, 404) and "Your case" not in response.text
    assert session.post(f"{live_server.url}/track", data="x" * (2 * 1024 * 1024), timeout=30).status_code == 413


def test_the_code_is_never_in_a_url_and_get_shows_only_the_form(smtp_sink, live_server):
    ((reference, code, _body),) = submitted(live_server.url, smtp_sink)
    response = requests.get(f"{live_server.url}/track", params={"reference": reference, "code": code}, timeout=10)
    assert response.status_code == 200 and "Your case" not in response.text
    assert 'method="post"' in response.text


def test_after_the_final_response_the_page_points_to_the_ombudsman(smtp_sink, live_server):
    ((reference, code, _body),) = submitted(live_server.url, smtp_sink)
    policy = live_server.app.config["POLICY"]
    with transaction() as db:
        case = db.scalars(select(Case)).one()
        case.stage_key, case.stage = "stage_2", 2
        respond(db, case, db.get_one(Contact, case.contact_id), policy, outcome="not_upheld", reasons="The crew collected it on time.",
                responder="A Senior", at=datetime.now(timezone.utc), actor=Actor("test"))
    shown = track(requests.Session(), live_server.url, reference, code).text
    assert "We have sent you our response" in shown
    assert "Local Government and Social Care Ombudsman" in shown and "0300 061 0614" in shown
    assert "You can ask us to look at it again" not in shown
    assert "The crew collected it on time" not in shown  # the response's words stay private


def test_a_text_acknowledgement_carries_the_code_and_stays_short(twilio):
    server, texts = twilio
    fields = {"MessageSid": "SM" + "b" * 32, "AccountSid": "AC" + "1" * 32, "From": "+447700900982",
              "To": "+441632960000", "Body": "I want to complain, my bin was missed 3 weeks running", "NumMedia": "0"}
    url = f"{server.url}/webhooks/twilio/sms"
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(url, fields)
    assert requests.post(url, data=fields, headers={"X-Twilio-Signature": signature}, timeout=10).status_code == 200
    run_jobs()
    (sent,) = texts.messages()
    body = str(sent["body"])
    (code,) = CODE.findall(body)
    assert f"Track it at {server.url}/track code {code}" in body and len(body) <= 306  # two text segments at most
    reference = reference_in(body)
    assert f"Your case {reference}" in track(requests.Session(), server.url, reference, code).text


# --- how we handle complaints ---------------------------------------------------------------

@pytest.fixture()
def council(request: pytest.FixtureRequest, heard_env, monkeypatch: pytest.MonkeyPatch) -> Iterator[LiveServer]:
    monkeypatch.setenv("COUNCIL_POLICY", request.param)
    heard_config.settings.cache_clear()
    server = LiveServer()
    yield server
    server.stop()


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).replace("&#39;", "'").split())


@pytest.mark.parametrize("council", ["huntingdonshire"], indirect=True)
def test_huntingdonshire_procedure_has_two_stages_counted_from_acknowledgement(council):
    response = requests.get(f"{council.url}/how-we-handle-complaints", timeout=10)
    assert response.status_code == 200
    shown = text_of(response.text)
    assert "Huntingdonshire District Council" in shown
    assert "Informal" not in shown and "Our procedure has 2 stages" in shown
    assert "Stage 1 Who deals with it: A service manager from the relevant area" in shown
    assert "We acknowledge it within 5 working days of the day we receive your complaint" in shown
    assert "We respond within 10 working days of the day we acknowledge it" in shown
    assert "We respond within 20 working days of the day we acknowledge it" in shown
    assert "Please complain within 3 months of the problem happening. We can still accept a complaint up to 12 months afterwards" in shown
    assert "Penalty Charge Notices have their own legal challenge and appeal process" in shown
    assert "Local Government and Social Care Ombudsman" in shown and "0300 061 0614" in shown


@pytest.mark.parametrize("council", ["hart"], indirect=True)
def test_hart_procedure_shows_its_informal_stage_and_counts_from_the_request(council):
    shown = text_of(requests.get(f"{council.url}/how-we-handle-complaints", timeout=10).text)
    assert "Hart District Council" in shown and "Huntingdonshire" not in shown
    assert "Our procedure has 3 stages" in shown
    assert shown.index("Informal resolution") < shown.index("Stage 1 Who") < shown.index("Stage 2 Who")
    assert "This stage is optional" in shown
    assert "We acknowledge it within 3 working days of the day we receive your complaint" in shown
    assert "We respond within 10 working days of the day we receive your complaint" in shown
    assert ("We respond within 20 working days of the day we receive your request to take it to this stage") in shown
    assert "Who signs off the response: The Joint Chief Executive" in shown
    assert "We will agree a new date with you" in shown  # stage 1's extension is agreed with the complainant
    assert "within 6 months of when you became aware of the problem" in shown
    assert "Parking appeals have their own review procedure" in shown


def test_the_form_and_tracking_pages_link_to_the_procedure(live_server):
    for path in ("/feedback", "/track"):
        assert 'href="/how-we-handle-complaints"' in requests.get(f"{live_server.url}{path}", timeout=10).text, path
    assert 'href="/track"' in requests.get(f"{live_server.url}/feedback", timeout=10).text


# --- in a real browser, 320 px wide, by keyboard alone ---------------------------------------

def fits(page) -> bool:  # type: ignore[no-untyped-def]
    """Nothing wider than the screen: no sideways scrolling at 320 px."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.browser
def test_tracking_and_procedure_pages_at_320px_by_keyboard_pass_axe(page, live_server, smtp_sink, tmp_path):
    ((reference, code, _body),) = submitted(live_server.url, smtp_sink)
    page.set_viewport_size({"width": 320, "height": 640})

    page.goto(f"{live_server.url}/how-we-handle-complaints")
    assert page.title() == "How we handle complaints - Huntingdonshire District Council"
    assert fits(page) and axe_violations(page) == []
    screenshot(page, "procedure")

    page.goto(f"{live_server.url}/track")
    assert fits(page) and axe_violations(page) == []
    for _ in range(30):  # Tab from the top of the page to the first field, as a keyboard user does
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "reference":
            break
    assert page.evaluate("document.activeElement.id") == "reference"
    page.keyboard.type(reference)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "code"
    page.keyboard.type("22222-22222")  # first a wrong code: the error summary takes the focus
    page.keyboard.press("Enter")
    page.locator(".govuk-error-summary").wait_for(state="visible")
    assert page.title().startswith("Error: ")
    assert page.evaluate("document.activeElement.classList.contains('govuk-error-summary')")
    assert fits(page) and axe_violations(page) == []

    page.keyboard.press("Tab")  # the summary's link to the field in error
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "code"
    page.keyboard.type(code)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent").strip() == "Track your case"
    page.keyboard.press("Enter")
    page.get_by_role("heading", name=f"Your case {reference}").wait_for()
    assert "Stage 1" in page.locator(".govuk-summary-list").inner_text()
    assert fits(page) and axe_violations(page) == []
    screenshot(page, "track")
