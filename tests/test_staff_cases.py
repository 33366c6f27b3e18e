"""The service team's queue and case page through Flask's test client, on both stacks: the
queue's order and scope, the case's whole history, every action's happy path and refusal,
need to know (403) on GET and POST, CSRF, hostile input, and the letter a response sends."""

from __future__ import annotations

import itertools
import re
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select, update

from intake.store import Received, store
from models import CallTurn, Case, CaseEvent, Contact, Notification, TriageDecision
from models import lifecycle
from models.case_actions import STEPS, available
from models.db import session, transaction
from models.intake import ContactState
from models.lifecycle import Actor, LifecycleError
from models.policy import UK, Policy, load_policy
from models.records import open_record
from models.retention import anonymise_expired
from models.team_queue import days_left
from heard import config as heard_config
from heard.casework import act
from tests.conftest import run_jobs
from tests.test_staff_auth import create_user, sign_in
from web import create_app

POLICY = load_policy("huntingdonshire")
_ids = itertools.count()
TEAM = "ann@example.gov.uk"  # service team: waste and parking
OTHER = "bo@example.gov.uk"  # service team: housing
MANAGER = "cat@example.gov.uk"  # complaints manager: every area
TRIAGE = "dan@example.gov.uk"  # triage officer: reads every area, works none
ADMIN = "eve@example.gov.uk"


def today() -> date:
    return datetime.now(UK).date()


def open_case(area: str = "waste", kind: str = "complaint", *, text: str | None = None, urgent: bool = False,
              email: str | None = "resident@example.org", channel: str = "web", fields: dict[str, Any] | None = None,
              received: datetime | None = None, policy: Policy = POLICY) -> str:
    """A contact stored the real way and its case opened from a triage decision."""
    n = next(_ids)
    stored = store(Received(
        channel=channel, provider_id=f"cases-{n}", content_type="text/plain", body=b"x",
        text=text or f"My bin was missed again ({n}).", received_at=received or datetime.now(timezone.utc),
        fields={"sender_name": "Rita Resident", "sender_email": email, **(fields or {})},
    ), policy)
    with transaction() as db:
        contact = db.get_one(Contact, stored.contact_id)
        decision = TriageDecision(contact_id=contact.id, category=kind, exclusion=None, service_area=area,
                                  decided_by="model:test@1", confidence={"category": 0.91}, signals=["repeat failure"],
                                  flags=[{"name": "urgent", "reason": "someone unwell and alone"}] if urgent else [])
        db.add(decision)
        return open_record(db, contact, decision, policy, urgent=urgent).reference


def set_case(reference: str, **values: Any) -> None:
    with transaction() as db:
        db.execute(update(Case).where(Case.reference == reference).values(**values))


def case_row(reference: str) -> Case:
    with transaction() as db:
        case = db.scalar(select(Case).where(Case.reference == reference))
        assert case is not None
        db.expunge(case)
        return case


def event_kinds(reference: str) -> list[str]:
    with transaction() as db:
        case_id = db.scalar(select(Case.id).where(Case.reference == reference))
        return list(db.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)))


def notifications(reference: str) -> list[Notification]:
    with transaction() as db:
        case_id = db.scalar(select(Case.id).where(Case.reference == reference))
        found = list(db.scalars(select(Notification).where(Notification.case_id == case_id).order_by(Notification.id)))
        for row in found:
            db.expunge(row)
        return found


@pytest.fixture()
def staff(heard_env):  # type: ignore[no-untyped-def]
    for email, name, roles, areas in (
        (TEAM, "Ann Team", ("service_team",), ("waste", "parking")),
        (OTHER, "Bo Housing", ("service_team",), ("housing",)),
        (MANAGER, "Cat Manager", ("complaints_manager",), ()),
        (TRIAGE, "Dan Triage", ("triage_officer",), ()),
        (ADMIN, "Eve Admin", ("administrator",), ()),
    ):
        result = create_user(email, name=name, roles=roles, areas=areas)
        assert result.exit_code == 0, result.output


def client_for(email: str) -> FlaskClient:
    client = create_app().test_client()
    assert sign_in(client, email).status_code == 303
    return client


def page(client: FlaskClient, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


def token(html: str, action: str) -> str:
    match = re.search(rf'name="{action}-csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, f"no {action} form on the page"
    return match.group(1)


def post(client: FlaskClient, reference: str, action: str, fields: dict[str, str] | None = None,
         csrf_from: str | None = None):  # type: ignore[no-untyped-def]
    """Send one action's form as the browser would: with the CSRF token of the page."""
    html = csrf_from or page(client, f"/staff/cases/{reference}")
    # A step the page no longer offers is still sent by a page opened before the case moved on
    # (another tab, another officer): the session's token is the same in every form.
    offered = f'name="{action}-csrf_token"' in html
    data = {f"{action}-csrf_token": token(html, action if offered else "note"), **{f"{action}-{k}": v for k, v in (fields or {}).items()}}
    return client.post(f"/staff/cases/{reference}/{action}", data=data)


def follow(client: FlaskClient, response, banner: str) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 303, _main(response.get_data(as_text=True))
    html = page(client, response.headers["Location"])
    assert "govuk-notification-banner--success" in html and banner in html, _main(html)
    return html


def refused(response, status: int, message: str) -> str:  # type: ignore[no-untyped-def]
    html = response.get_data(as_text=True)
    assert response.status_code == status, _main(html)
    summary = html[html.index("govuk-error-summary"):]
    assert message in summary[:3000], _main(html)
    assert "<title>Error: " in html
    return html


def _main(html: str) -> str:
    return html[html.find("<main"):html.find("</main>")][:4000]


def queue_references(html: str) -> list[str]:
    return re.findall(r'<a class="govuk-link" style="white-space: nowrap;" href="/staff/cases/([^"]+)">', html)


# --- the queue -----------------------------------------------------------------------------------

def test_queue_is_the_teams_live_cases_due_first_urgent_first_within_a_day(staff):
    calendar = POLICY.calendar()
    now = today()
    working = next(now - timedelta(days=n) for n in range(10) if calendar.is_working_day(now - timedelta(days=n)))
    overdue = calendar.subtract_working_days(working, 2)  # two working days late, whatever today is
    soon = calendar.add_working_days(now, 3)
    later, later_urgent, late, parked, housing, closed, answered = (open_case() for _ in range(7))
    set_case(later, deadline_due=soon)
    set_case(later_urgent, deadline_due=soon, urgent=True)
    set_case(late, deadline_due=overdue)
    set_case(parked, deadline_due=soon + timedelta(days=7), service_area="parking")
    set_case(housing, deadline_due=overdue, service_area="housing")
    set_case(closed, deadline_due=None, deadline_kind=None, state="closed")
    set_case(answered, deadline_due=None, deadline_kind=None, state="responded")

    html = page(client_for(TEAM), "/staff/cases")
    assert queue_references(html) == [late, later_urgent, later, parked, answered]
    assert days_left(calendar, now, overdue) == -2 and "Overdue by 2 working days" in html
    assert "3 working days left" in html and "Urgent" in html and "No deadline" in html
    assert "5 cases" in html
    assert 'href="/staff/cases"' in html  # "Cases" in the staff navigation

    assert queue_references(page(client_for(OTHER), "/staff/cases")) == [housing]
    everyone = page(client_for(MANAGER), "/staff/cases")
    assert set(queue_references(everyone)) == {late, later_urgent, later, parked, housing, answered}
    assert queue_references(page(client_for(MANAGER), "/staff/cases?area=housing")) == [housing]


def test_queue_filters_only_within_what_the_person_may_see(staff):
    ann = client_for(TEAM)
    waste, parking = open_case("waste"), open_case("parking")
    assert queue_references(page(ann, "/staff/cases?area=parking")) == [parking]
    assert waste not in page(ann, "/staff/cases?area=parking")
    page(ann, "/staff/cases?area=housing", 403)  # another team's area
    page(ann, "/staff/cases?area=<script>", 404)
    assert set(queue_references(page(ann, "/staff/cases?page=x%00&area="))) == {waste, parking}
    for beyond in ("999999", "99999999999999", "-1"):  # past the end, or nonsense: the nearest real page
        assert set(queue_references(page(ann, f"/staff/cases?page={beyond}"))) == {waste, parking}
    page(client_for(TRIAGE), "/staff/cases")  # every role may read what it can see
    assert "<select" not in page(client_for(OTHER), "/staff/cases")  # one area: nothing to filter


def test_queue_pages_fifty_at_a_time(staff):
    references = [open_case() for _ in range(53)]
    for n, reference in enumerate(references):
        set_case(reference, deadline_due=today() + timedelta(days=n))
    ann = client_for(TEAM)
    first, second = page(ann, "/staff/cases"), page(ann, "/staff/cases?page=2")
    assert queue_references(first) == references[:50] and queue_references(second) == references[50:]
    assert "53 cases, page 1 of 2" in first and 'href="/staff/cases?page=2"' in first
    assert "govuk-pagination" in second and 'href="/staff/cases?page=1"' in second


def test_signed_out_people_are_sent_to_sign_in(staff):
    reference = open_case()
    anonymous = create_app().test_client()
    for url in ("/staff/cases", f"/staff/cases/{reference}"):
        response = anonymous.get(url)
        assert response.status_code == 302 and "/staff/sign-in" in response.headers["Location"]
    response = anonymous.post(f"/staff/cases/{reference}/note", data={"note-text": "sneaky"})
    assert response.status_code == 302 and "note" not in event_kinds(reference)


# --- need to know ----------------------------------------------------------------------------------

def test_another_teams_case_is_403_on_get_and_post_and_nothing_changes(staff):
    reference = open_case("waste")
    bo = client_for(OTHER)
    page(bo, f"/staff/cases/{reference}", 403)
    html = page(client_for(TEAM), f"/staff/cases/{reference}")  # a real token, from someone who may see it
    for action in ("note", "acknowledge", "assign", "close", "withdraw"):
        response = bo.post(f"/staff/cases/{reference}/{action}",
                           data={f"{action}-csrf_token": token(html, "note"), f"{action}-text": "x", f"{action}-to": "Bo"})
        assert response.status_code == 403, action
    assert event_kinds(reference) == ["opened", "routed"]
    assert case_row(reference).state == "open"


def test_readers_who_do_not_work_cases_see_the_page_but_no_actions_and_get_403_on_post(staff):
    reference = open_case("housing")
    for email in (TRIAGE, ADMIN):
        reader = client_for(email)
        html = page(reader, f"/staff/cases/{reference}")
        assert "What you can do" not in html and "Rita Resident" in html
        assert 'action="/staff/cases/' not in html
        response = reader.post(f"/staff/cases/{reference}/note", data={"note-text": "x"})
        assert response.status_code == 403
    assert "note" not in event_kinds(reference)
    assert "What you can do" in page(client_for(MANAGER), f"/staff/cases/{reference}")


def test_unknown_and_hostile_references_and_actions_are_404(staff):
    reference = open_case()
    ann = client_for(TEAM)
    html = page(ann, f"/staff/cases/{reference}")
    for url in ("/staff/cases/HDC-2026-999999", "/staff/cases/%00", "/staff/cases/" + "A" * 300,
                "/staff/cases/%E2%80%AE", f"/staff/cases/{reference}%00"):
        page(ann, url, 404)
    assert ann.post("/staff/cases/HDC-2026-999999/note",
                    data={"note-csrf_token": token(html, "note"), "note-text": "x"}).status_code == 404
    assert ann.post(f"/staff/cases/{reference}/delete", data={}).status_code == 404
    assert ann.post(f"/staff/cases/{reference}/%00", data={}).status_code == 404


def test_a_post_without_its_csrf_token_is_400_and_changes_nothing(staff):
    reference = open_case()
    ann = client_for(TEAM)
    assert ann.post(f"/staff/cases/{reference}/note", data={"note-text": "no token"}).status_code == 400
    assert ann.post(f"/staff/cases/{reference}/note", data={"note-csrf_token": "forged", "note-text": "x"}).status_code == 400
    html = page(ann, f"/staff/cases/{reference}")  # another form's token does not do for this one's name
    assert ann.post(f"/staff/cases/{reference}/acknowledge",
                    data={"note-csrf_token": token(html, "note"), "acknowledge-channel": "phone"}).status_code == 400
    assert event_kinds(reference) == ["opened", "routed"]


# --- the case page's history -----------------------------------------------------------------------

def test_the_case_page_shows_the_whole_history_as_text(staff):
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)> Bins & "quotes"'
    reference = open_case(text=hostile, fields={"subject": "<b>Subject</b>", "when_happened": "Tuesday",
                                                "desired_outcome": "Empty it"})
    with transaction() as db:
        case = db.scalar(select(Case).where(Case.reference == reference))
        assert case is not None
        case_id = case.id
    store(Received(channel="email", provider_id="reply-1", content_type="message/rfc822", body=b"x",
                    text="Still not collected. <iframe src=evil>", state=ContactState.CORRESPONDENCE.value,
                    fields={"sender_email": "resident@example.org", "case_id": case_id, "subject": "Re: your complaint"}),
          POLICY)
    ann = client_for(TEAM)
    follow(ann, post(ann, reference, "note", {"text": "Called the crew <b>supervisor</b>."}), "Note added")
    follow(ann, post(ann, reference, "acknowledge", {"channel": "phone"}), "Acknowledgement recorded")
    follow(ann, post(ann, reference, "respond", {"outcome": "not_upheld", "reasons": "Checked.", "responder": "Ann",
                                                 "letter": "Our crew came twice."}), "is queued to send")
    html = page(ann, f"/staff/cases/{reference}")

    assert "<script>alert" not in html and "<img src=x" not in html and "<iframe" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html and "&lt;iframe src=evil&gt;" in html
    assert "Called the crew &lt;b&gt;supervisor&lt;/b&gt;." in html and "by Ann Team" in html
    history = html[html.index('id="history"'):]
    for title in ("Contact that opened the case by web", "Triage decision", "Case opened", "Routed to the team",
                  "Correspondence by email", "Internal note", "Message to the complainant"):
        assert title in history, title
    assert "Re: your complaint" in history and "Tuesday" in history and "Empty it" in history
    assert "repeat failure" in history and "model:test@1" in history  # the decision's signals, and who made it
    assert history.count("Our crew came twice.") == 2  # in the response event and in the outbox's letter
    assert "resident@example.org" in history and "Stage response" not in history and "Response" in history
    assert history.index("Contact that opened the case") < history.index("Correspondence by email") < history.index("Internal note")


def test_a_phone_calls_turns_are_on_the_case_page(staff):
    sid = "CA" + "a" * 32
    with transaction() as db:
        for attempt, (step, speech) in enumerate((("issue", "The bins <were> missed"), ("when", "Last Tuesday"))):
            db.add(CallTurn(call_sid=sid, step=step, attempt=1, speech=speech, confidence=0.8 - attempt / 2, body=b"x"))
    reference = open_case(channel="voice", text="The bins were missed", email=None,
                          fields={"sender_phone": "+447700900123", "thread_refs": {"call_sid": sid}})
    html = page(client_for(TEAM), f"/staff/cases/{reference}")
    assert "Call transcript, turn by turn" in html
    assert "The bins &lt;were&gt; missed (confidence 0.80)" in html and "Last Tuesday (confidence 0.30)" in html
    assert "+447700900123" in html


def test_a_merged_duplicate_says_so_and_links_to_its_case(staff):
    target, duplicate = open_case(), open_case()
    with transaction() as db:
        target_id = db.scalar(select(Case.id).where(Case.reference == target))
    set_case(duplicate, merged_into_id=target_id, state="closed", deadline_due=None, deadline_kind=None,
             closed_at=datetime.now(timezone.utc))
    html = page(client_for(TEAM), f"/staff/cases/{duplicate}")
    assert f'Closed as a duplicate of <a class="govuk-link" href="/staff/cases/{target}">{target}</a>' in html
    assert "action-note" in html and "action-acknowledge" not in html and "action-close" not in html
    assert duplicate not in queue_references(page(client_for(TEAM), "/staff/cases"))


# --- every action -----------------------------------------------------------------------------------

def sections(html: str) -> list[str]:
    return re.findall(r'<section id="action-([a-z]+)"', html)


def test_a_complaint_worked_through_both_stages_from_the_case_page(staff, smtp_sink):
    reference = open_case()
    ann, cat = client_for(TEAM), client_for(MANAGER)
    html = page(ann, f"/staff/cases/{reference}")
    assert sections(html) == ["acknowledge", "assign", "withdraw", "note"]

    html = follow(ann, post(ann, reference, "acknowledge", {"channel": "by phone"}, html), "Acknowledgement recorded")
    assert "The response is due by" in html and case_row(reference).state == "acknowledged"
    assert sections(html) == ["assign", "respond", "extend", "withdraw", "note"]
    assert "The complainant agreed to the new date" not in html  # Huntingdonshire tells them; it does not ask

    html = follow(ann, post(ann, reference, "assign", {"to": "Sam Officer"}, html), "Assigned to Sam Officer")
    assert case_row(reference).assigned_to == "Sam Officer"

    due = case_row(reference).response_due
    assert due is not None
    new_due = POLICY.calendar().add_working_days(due, 5)
    html = follow(ann, post(ann, reference, "extend", {"day": str(new_due.day), "month": str(new_due.month),
                                                        "year": str(new_due.year), "reason": "We need the crew's records."},
                            html), "Response date moved to")
    assert case_row(reference).response_due == new_due and case_row(reference).extensions == 1

    letter = "Dear Rita,\n\nWe are sorry. <b>The crew</b> missed your road & we have retrained them."
    html = follow(ann, post(ann, reference, "respond", {"outcome": "upheld", "reasons": "Missed twice.",
                                                         "actions": "Crew retrained", "responder": "Ann Team",
                                                         "letter": letter}, html), "A letter to the complainant is queued")
    assert case_row(reference).state == "responded" and case_row(reference).outcome == "upheld"
    assert sections(html) == ["assign", "escalate", "close", "withdraw", "note"]
    assert "We are sorry. &lt;b&gt;The crew&lt;/b&gt; missed your road &amp; we have retrained them." in html

    run_jobs()  # the real worker sends the outbox through the real SMTP sink
    response_mail = next(m for m in smtp_sink.wait_for(3) if "Our response to your complaint" in m["Subject"])
    text = response_mail.get_body(("plain",)).get_content()
    body_html = response_mail.get_body(("html",)).get_content()
    assert "We are sorry. <b>The crew</b> missed your road & we have retrained them." in text
    assert "Our decision: Upheld" in text and "Our reasons" not in text  # the letter is the body
    assert "&lt;b&gt;The crew&lt;/b&gt; missed your road &amp; we have" in body_html and "<b>The crew" not in body_html

    html = follow(cat, post(cat, reference, "escalate", {"day": str(today().day), "month": str(today().month),
                                                          "year": str(today().year)}), "Escalated to Stage 2")
    assert (case_row(reference).stage_key, case_row(reference).state) == ("stage_2", "open")
    refused(post(cat, reference, "assign", {"to": "ann team"}), 409, "must be investigated by someone else")
    follow(cat, post(cat, reference, "acknowledge", {"channel": "letter"}), "Acknowledgement recorded")
    refused(post(ann, reference, "respond", {"outcome": "not_upheld", "reasons": "x", "responder": "Ann Team",
                                             "letter": "No."}), 409, "someone else must answer Stage 2")
    html = follow(cat, post(cat, reference, "respond", {"outcome": "not_upheld", "reasons": "Reviewed.",
                                                         "responder": "Cat Manager", "letter": "Final answer."}),
                  "Response recorded")
    assert "escalate" not in sections(html)  # the final stage is never reopened
    follow(cat, post(cat, reference, "close", {"note": "Done"}, html), "Case closed")
    assert case_row(reference).state == "closed" and sections(page(cat, f"/staff/cases/{reference}")) == ["note"]
    assert reference not in queue_references(page(cat, "/staff/cases"))


def test_withdrawing_and_closing_other_kinds(staff):
    complaint, request_ = open_case(), open_case(kind="service_request")
    ann = client_for(TEAM)
    follow(ann, post(ann, complaint, "withdraw", {"reason": "Sorted now"}), "Recorded as withdrawn")
    assert case_row(complaint).state == "withdrawn"
    assert sections(page(ann, f"/staff/cases/{request_}")) == ["acknowledge", "assign", "close", "note"]
    follow(ann, post(ann, request_, "close"), "Case closed")
    assert case_row(request_).state == "closed"


def test_refused_steps_show_the_lifecycles_reason_and_change_nothing(staff):
    reference = open_case()
    ann = client_for(TEAM)
    html = refused(post(ann, reference, "close"), 409, "has not been answered; respond before closing")
    assert 'href="#action-close"' not in html  # not offered on this page: no link to a form that is not there
    refused(post(ann, reference, "respond", {"outcome": "upheld", "reasons": "x", "responder": "Ann", "letter": "x"}),
            409, "a stage is answered once, after it is acknowledged")
    refused(post(ann, reference, "escalate", {"day": "1", "month": "1", "year": "2026"}), 409, "has not ended")
    follow(ann, post(ann, reference, "acknowledge", {"channel": "phone"}), "Acknowledgement recorded")
    refused(post(ann, reference, "acknowledge", {"channel": "phone"}), 409, "not waiting for an acknowledgement")
    due = case_row(reference).response_due
    assert due is not None
    saturday = due + timedelta(days=(5 - due.weekday()) % 7 or 7)
    html = refused(post(ann, reference, "extend", {"day": str(saturday.day), "month": str(saturday.month),
                                                   "year": str(saturday.year), "reason": "x"}), 409, "is not a working day")
    assert 'href="#action-extend"' in html and f'value="{saturday.day}"' in html  # linked, and kept as typed
    refused(post(ann, reference, "respond", {"outcome": "not_investigated", "reasons": " ", "responder": "Ann",
                                             "letter": "We will not look into this."}), 409, "must give its reasons")
    assert case_row(reference).state == "acknowledged" and case_row(reference).extensions == 0
    assert event_kinds(reference) == ["opened", "routed", "acknowledged"]


@pytest.mark.parametrize(("action", "fields", "message"), [
    ("note", {"text": "   "}, "Write the note"),
    ("note", {"text": "x" * 5_001}, "5,000 characters or fewer"),
    ("assign", {"to": ""}, "Enter the name of the officer"),
    ("assign", {"to": "x" * 101}, "100 characters or fewer"),
    ("acknowledge", {"channel": ""}, "Say how the person was told"),
])
def test_bad_answers_are_400_with_the_field_linked(staff, action, fields, message):
    reference = open_case()
    html = refused(post(client_for(TEAM), reference, action, fields), 400, message)
    assert f'href="#{action}-' in html
    assert event_kinds(reference) == ["opened", "routed"]


def test_bad_dates_and_missing_letters_are_400_and_keep_what_was_typed(staff):
    reference = open_case()
    ann = client_for(TEAM)
    follow(ann, post(ann, reference, "acknowledge", {"channel": "phone"}), "Acknowledgement recorded")
    refused(post(ann, reference, "extend", {"day": "31", "month": "2", "year": "2027", "reason": "x"}), 400,
            "must be a real date")
    refused(post(ann, reference, "extend", {"day": "", "month": "", "year": "", "reason": "x"}), 400,
            "Enter the new response date")
    html = refused(post(ann, reference, "respond", {"outcome": "upheld", "reasons": "Kept <this>",
                                                    "responder": "Ann", "letter": ""}), 400, "Write the response")
    assert "Kept &lt;this&gt;" in html  # sent back as typed, escaped
    refused(post(ann, reference, "respond", {"outcome": "made_up", "responder": "Ann", "letter": "x"}), 400,
            "Not a valid choice")
    tomorrow = today() + timedelta(days=1)
    refused(post(ann, reference, "escalate", {"day": str(tomorrow.day), "month": str(tomorrow.month),
                                              "year": str(tomorrow.year)}), 400, "today or in the past")
    assert case_row(reference).state == "acknowledged"


def test_control_characters_are_dropped_before_storing(staff):
    reference = open_case()
    ann = client_for(TEAM)
    follow(ann, post(ann, reference, "note", {"text": "nul\x00 and bell\x07 gone\nline kept"}), "Note added")
    with transaction() as db:
        case_id = db.scalar(select(Case.id).where(Case.reference == reference))
        detail = db.scalar(select(CaseEvent.detail).where(CaseEvent.case_id == case_id, CaseEvent.kind == "note"))
    assert detail == {"text": "nul and bell gone\nline kept"}


def test_a_response_with_nobody_to_write_to_says_so(staff):
    reference = open_case(email=None)
    ann = client_for(TEAM)
    follow(ann, post(ann, reference, "acknowledge", {"channel": "in person"}), "Acknowledgement recorded")
    follow(ann, post(ann, reference, "respond", {"outcome": "not_upheld", "reasons": "Checked.", "responder": "Ann",
                                                 "letter": "We checked."}), "no address to write to")
    assert notifications(reference) == []
    assert "We checked." in page(ann, f"/staff/cases/{reference}")  # the letter stays on the case


# --- what the page offers agrees with what the lifecycle allows -------------------------------------

def _try(reference: str, step: str) -> bool:
    """Run `step` with good answers; True if the lifecycle accepted it. Rolled back either way."""
    now = datetime.now(UK)
    actor = Actor("Checker")
    calls = {
        "acknowledge": lambda db, c, contact, p: lifecycle.acknowledge(db, c, p, at=now, actor=actor, channel="phone"),
        "assign": lambda db, c, contact, p: lifecycle.assign(db, c, p, to="Someone New", actor=actor),
        "extend": lambda db, c, contact, p: lifecycle.extend(
            db, c, contact, p, new_due=p.calendar().add_working_days(c.response_due or now.date(), 3), reason="r",
            complainant_agreed=True, actor=actor),
        "respond": lambda db, c, contact, p: lifecycle.respond(db, c, contact, p, outcome="upheld", reasons="r",
                                                                responder="Someone New", at=now, actor=actor),
        "escalate": lambda db, c, contact, p: lifecycle.escalate(db, c, contact, p, requested_at=now, actor=actor),
        "close": lambda db, c, contact, p: lifecycle.close(db, c, at=now, actor=actor),
        "withdraw": lambda db, c, contact, p: lifecycle.withdraw(db, c, at=now, actor=actor),
        "note": lambda db, c, contact, p: lifecycle.note(db, c, text="n", actor=actor),
    }

    class Undo(Exception):
        pass

    def attempt(db, case, contact, policy):  # type: ignore[no-untyped-def]
        calls[step](db, case, contact, policy)
        raise Undo  # roll the transaction back: only whether it was allowed matters

    try:
        act(reference, attempt)
    except Undo:
        return True
    except LifecycleError:
        return False
    raise AssertionError("unreachable")


def test_the_steps_offered_are_exactly_the_ones_the_lifecycle_accepts(staff):
    def walk(reference: str, *steps: str) -> str:
        for name in steps:
            assert _try_and_keep(reference, name), name
        return reference

    def _try_and_keep(reference: str, name: str) -> bool:
        now = datetime.now(UK)
        actor = Actor("Walker")
        run = {
            "acknowledge": lambda db, c, contact, p: lifecycle.acknowledge(db, c, p, at=now, actor=actor, channel="x"),
            "respond": lambda db, c, contact, p: lifecycle.respond(db, c, contact, p, outcome="upheld", reasons="r",
                                                                    responder=f"Officer {c.stage_key}", at=now, actor=actor),
            "escalate": lambda db, c, contact, p: lifecycle.escalate(db, c, contact, p, requested_at=now, actor=actor),
            "close": lambda db, c, contact, p: lifecycle.close(db, c, at=now, actor=actor),
            "withdraw": lambda db, c, contact, p: lifecycle.withdraw(db, c, at=now, actor=actor),
        }[name]
        act(reference, run)
        return True

    cases = {
        "open complaint": walk(open_case()),
        "acknowledged": walk(open_case(), "acknowledge"),
        "responded": walk(open_case(), "acknowledge", "respond"),
        "closed after a response": walk(open_case(), "acknowledge", "respond", "close"),
        "withdrawn": walk(open_case(), "withdraw"),
        "stage 2 open": walk(open_case(), "acknowledge", "respond", "escalate"),
        "stage 2 answered": walk(open_case(), "acknowledge", "respond", "escalate", "acknowledge", "respond"),
        "service request": walk(open_case(kind="service_request")),
        "acknowledged request": walk(open_case(kind="service_request"), "acknowledge"),
        "closed request": walk(open_case(kind="service_request"), "close"),
    }
    for name, reference in cases.items():
        with transaction() as db:
            case = db.scalar(select(Case).where(Case.reference == reference))
            offered = set(available(case, POLICY))
        accepted = {step for step in STEPS if _try(reference, step)}
        assert offered == accepted, (name, sorted(offered), sorted(accepted))


def test_retention_removes_the_written_response_with_the_rest(staff):
    reference = open_case()
    ann = client_for(TEAM)
    follow(ann, post(ann, reference, "acknowledge", {"channel": "phone"}), "Acknowledgement recorded")
    follow(ann, post(ann, reference, "respond", {"outcome": "upheld", "reasons": "Missed.", "responder": "Ann",
                                                 "letter": "Dear Rita Resident of 4 Elm Road"}), "queued to send")
    follow(ann, post(ann, reference, "close"), "Case closed")
    set_case(reference, closed_at=datetime(2019, 1, 1, tzinfo=timezone.utc))
    with session() as db:  # no transaction open: retention commits batch by batch
        assert anonymise_expired(db, POLICY, datetime.now(timezone.utc)).cases == 1
    html = page(ann, f"/staff/cases/{reference}")
    assert "Elm Road" not in html and "Personal data removed" in html


def test_where_the_policy_has_the_complainant_agree_an_extension_the_form_asks(staff, monkeypatch):
    """Hart's stage 1 (s5): an extension is agreed with the complainant, so the form asks for
    that, and the lifecycle refuses one without it."""
    monkeypatch.setenv("COUNCIL_POLICY", "hart")
    heard_config.settings.cache_clear()
    hart = load_policy("hart")
    reference = open_case(policy=hart)
    assert reference.startswith("HART-")
    ann = client_for(TEAM)
    html = follow(ann, post(ann, reference, "acknowledge", {"channel": "phone"}), "Acknowledgement recorded")
    assert "The complainant agreed to the new date" in html
    due = case_row(reference).response_due
    assert due is not None
    new_due = hart.calendar().add_working_days(due, 5)
    answers = {"day": str(new_due.day), "month": str(new_due.month), "year": str(new_due.year), "reason": "Site visit"}
    refused(post(ann, reference, "extend", answers, html), 409, "record that they agreed")
    follow(ann, post(ann, reference, "extend", {**answers, "agreed": "y"}), "Response date moved to")
    assert case_row(reference).response_due == new_due
