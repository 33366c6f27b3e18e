"""The triage officers' queue and their three decisions (confirm or correct, merge, split),
through Flask's test client on both stacks: order and filters, need to know, every refusal,
and hostile input. Contacts are stored the real way; their model decisions are written with
chosen confidences so the queue's order can be checked exactly."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from heard.cli import _officer_corrections
from heard.jobs import triage_contact
from intake.store import Received, store
from models import Case, CaseEvent, Contact, Notification, TriageDecision
from models.db import transaction
from models.lifecycle import Actor, acknowledge, respond
from models.policy import load_policy
from web import create_app

from tests.conftest import run_jobs
from tests.staff import RECEIVED, contact_with_decision, signed_in, staff


def token(client: FlaskClient, reference: str, prefix: str) -> str:
    html = client.get(f"/staff/triage/{reference}").get_data(as_text=True)
    match = re.search(rf'name="{prefix}-csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, f"no {prefix} form on the page"
    return match.group(1)


def decide(client: FlaskClient, reference: str, **fields: str):  # type: ignore[no-untyped-def]
    data = {"decide-csrf_token": token(client, reference, "decide"), "decide-category": "service_request",
            "decide-exclusion": "", "decide-service_area": "waste", "decide-reason": ""}
    data.update({f"decide-{k}": v for k, v in fields.items()})
    return client.post(f"/staff/triage/{reference}/decide", data=data)


def case_of(reference: str) -> Case:
    with transaction() as db:
        case = db.scalar(select(Case).join(Contact, Case.contact_id == Contact.id).where(Contact.reference == reference))
        assert case is not None
        db.expunge(case)
        return case


def event_kinds(case_id: int) -> list[str]:
    with transaction() as db:
        return list(db.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)))


def queue_references(client: FlaskClient, query: str = "") -> list[str]:
    html = client.get(f"/staff/triage{query}").get_data(as_text=True)
    return re.findall(r'href="/staff/triage/([A-Z]+-\d{4}-\d{6})"', html)


@pytest.fixture()
def officer(heard_env) -> FlaskClient:  # type: ignore[no-untyped-def]
    staff("tara@example.gov.uk", ["triage_officer"])
    return signed_in("tara@example.gov.uk")


# --- the queue ---------------------------------------------------------------------------


def test_the_queue_puts_urgent_first_then_the_least_confident_and_leaves_out_the_reviewed(officer):
    sure = contact_with_decision(score=0.9)
    unsure = contact_with_decision(score=0.3)
    urgent = contact_with_decision(score=0.95, urgent=True, review=False)
    contact_with_decision(score=0.99, review=False)  # confident and not urgent: never queued
    assert queue_references(officer) == [urgent, unsure, sure]
    assert decide(officer, unsure).status_code == 303  # confirmed: out of the queue
    assert queue_references(officer) == [urgent, sure]


def test_the_queue_filters_by_channel_category_and_area_and_ignores_unknown_values(officer):
    web_waste = contact_with_decision(channel="web", area="waste")
    sms_parking = contact_with_decision(channel="sms", area="parking", category="complaint", email=None)
    assert queue_references(officer, "?channel=sms") == [sms_parking]
    assert queue_references(officer, "?category=service_request") == [web_waste]
    assert queue_references(officer, "?service_area=parking") == [sms_parking]
    assert set(queue_references(officer, "?channel=<script>&service_area=nowhere&page=-1")) == {web_waste, sms_parking}
    assert "&lt;script&gt;" not in officer.get("/staff/triage?channel=<script>").get_data(as_text=True)


def test_only_triage_officers_managers_and_administrators_see_triage(heard_env):
    reference = contact_with_decision()
    assert create_app().test_client().get("/staff/triage").status_code == 302  # sign in first
    staff("sam@example.gov.uk", ["service_team"], ["waste"], name="Sam Team")
    team = signed_in("sam@example.gov.uk")
    assert team.get("/staff/triage").status_code == 403
    assert team.get(f"/staff/triage/{reference}").status_code == 403
    assert team.post(f"/staff/triage/{reference}/decide", data={}).status_code == 403
    staff("mo@example.gov.uk", ["complaints_manager"], name="Mo Manager")
    assert signed_in("mo@example.gov.uk").get(f"/staff/triage/{reference}").status_code == 200


@pytest.mark.parametrize("reference", ["HDC-2026-000001%00", "A" * 300, "%E2%80%AEHDC-2026-000001", "HDC%09-2026"])
def test_hostile_references_are_not_found_on_every_triage_url(officer, reference):
    contact_with_decision()
    assert officer.get(f"/staff/triage/{reference}").status_code == 404
    for action in ("decide", "merge", "split"):
        assert officer.post(f"/staff/triage/{reference}/{action}", data={}).status_code in (400, 404)
    with transaction() as db:
        assert db.scalars(select(TriageDecision.decided_by)).all() == ["model:test@1"]


def test_staff_pages_are_never_cached(officer):
    reference = contact_with_decision()
    for path in ("/staff/triage", f"/staff/triage/{reference}", "/staff/cases"):
        assert officer.get(path).headers["Cache-Control"] == "no-store", path
    assert "no-store" not in officer.get("/how-we-handle-complaints").headers.get("Cache-Control", "")


def test_an_unknown_contact_is_not_found(officer):
    assert officer.get("/staff/triage/HDC-2026-999999").status_code == 404
    reference = contact_with_decision()
    data = {"decide-csrf_token": token(officer, reference, "decide"), "decide-category": "complaint",
            "decide-service_area": "waste", "decide-reason": "x"}
    assert officer.post("/staff/triage/HDC-2026-999999/decide", data=data).status_code == 404


# --- confirm or correct ------------------------------------------------------------------


def test_confirming_is_one_click_and_records_the_officer(officer):
    reference = contact_with_decision()
    page = officer.get(f"/staff/triage/{reference}").get_data(as_text=True)
    assert re.search(r'value="service_request" checked', page)  # the form starts at the model's decision
    assert decide(officer, reference).status_code == 303
    with transaction() as db:
        decisions = list(db.scalars(select(TriageDecision).order_by(TriageDecision.id)))
    assert [d.decided_by.split(":")[0] for d in decisions] == ["model", "officer"]
    assert decisions[0].awaiting_review is False and decisions[0].category == "service_request"  # never changed
    assert decisions[1].corrects_id == decisions[0].id and decisions[1].reason is None
    assert event_kinds(case_of(reference).id)[-1] == "triage_confirmed"


def test_a_service_request_corrected_to_a_complaint_opens_it_with_its_clock_from_the_original_receipt(officer):
    reference = contact_with_decision("Third time my bin has been missed and nobody calls back.")
    with transaction() as db:  # the service request was acknowledged before the officer looked
        case = db.scalar(select(Case))
        acknowledge(db, case, load_policy("huntingdonshire"), at=RECEIVED, actor=Actor("system:notify"), channel="email")
    no_reason = decide(officer, reference, category="complaint")
    assert no_reason.status_code == 400 and "give a reason" in no_reason.get_data(as_text=True)
    assert case_of(reference).kind == "service_request"  # refused: nothing changed

    response = decide(officer, reference, category="complaint", reason="Repeated failure: this is a complaint")
    assert response.status_code == 303
    case = case_of(reference)
    policy = load_policy("huntingdonshire")
    assert (case.kind, case.stage_key, case.state) == ("complaint", policy.first_stage, "open")
    assert case.stage_requested_at == RECEIVED
    assert case.acknowledgement_due == policy.acknowledgement_due("complaint", RECEIVED)
    assert (case.deadline_kind, case.deadline_due) == ("acknowledge", case.acknowledgement_due)
    assert event_kinds(case.id)[-1] == "reclassified"
    with transaction() as db:
        corrected = db.scalars(select(Notification).where(Notification.case_id == case.id,
                                                          Notification.purpose.like("acknowledgement:corrected:%"))).one()
    assert corrected.template == "ack_complaint" and corrected.recipient == "ann@example.org"
    learned = [e for e in _officer_corrections() if e.text.startswith("Third time")]
    assert [(e.category, e.service_area) for e in learned] == [("complaint", "waste")]  # joins the training data


def test_an_acknowledgement_not_yet_sent_goes_out_as_the_corrected_kind(officer):
    reference = contact_with_decision()
    with transaction() as db:
        case = db.scalar(select(Case))
        from models.acknowledgement import plan_acknowledgement
        plan_acknowledgement(db, case, db.get_one(Contact, case.contact_id))
    assert decide(officer, reference, category="complaint", reason="They say it was missed before").status_code == 303
    with transaction() as db:
        rows = list(db.scalars(select(Notification)))
    assert [(n.purpose, n.template) for n in rows] == [("acknowledgement", "ack_complaint")]  # one message, the right kind


def test_a_new_service_area_routes_the_case_to_that_team(officer):
    reference = contact_with_decision(area="waste")
    assert decide(officer, reference, service_area="parking", reason="About a car park permit").status_code == 303
    case = case_of(reference)
    assert (case.service_area, case.team) == ("parking", load_policy("huntingdonshire").service_areas["parking"].team)
    assert "rerouted" in event_kinds(case.id)


def test_a_case_already_answered_keeps_its_record(officer):
    reference = contact_with_decision(category="complaint")
    policy = load_policy("huntingdonshire")
    with transaction() as db:
        case = db.scalar(select(Case))
        contact = db.get_one(Contact, case.contact_id)
        acknowledge(db, case, policy, at=RECEIVED, actor=Actor("Sam"), channel="email")
        respond(db, case, contact, policy, outcome="not_upheld", reasons="Checked.", responder="Sam", at=RECEIVED,
                actor=Actor("Sam"))
    response = decide(officer, reference, category="service_request", reason="Not really a complaint")
    assert response.status_code == 400 and "moved past triage" in response.get_data(as_text=True)
    assert case_of(reference).kind == "complaint"


@pytest.mark.parametrize("fields, message", [
    ({"category": "grievance", "reason": "x"}, "Not a valid choice"),
    ({"category": "excluded", "reason": "x"}, "needs the reason it is excluded"),
    ({"category": "complaint", "exclusion": "parking_appeal", "reason": "x"}, "only an excluded matter"),
    ({"service_area": "moon", "reason": "x"}, "Not a valid choice"),
    ({"category": "complaint", "reason": "x" * 2001}, "2,000 characters or fewer"),
])
def test_broken_corrections_are_refused_with_a_reason_and_change_nothing(officer, fields, message):
    reference = contact_with_decision()
    response = decide(officer, reference, **fields)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    with transaction() as db:
        assert db.scalars(select(TriageDecision.decided_by)).all() == ["model:test@1"]


def test_a_form_without_its_csrf_token_changes_nothing(officer):
    reference = contact_with_decision()
    response = officer.post(f"/staff/triage/{reference}/decide", data={
        "decide-category": "complaint", "decide-service_area": "waste", "decide-reason": "forged"})
    assert response.status_code == 400
    assert case_of(reference).kind == "service_request"


def test_what_residents_wrote_is_shown_as_text_and_email_html_is_sanitised(officer):
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)> bins'
    reference = contact_with_decision(hostile)
    page = officer.get(f"/staff/triage/{reference}").get_data(as_text=True)
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page and "<img src=x" not in page
    raw = (b"From: Ann <ann@example.org>\r\nSubject: bins\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
           b"<p style=\"color:red\" onclick=\"steal()\">Bins <b>again</b><script>steal()</script>"
           b"<img src=\"https://tracker.example/pixel\"><a href=\"javascript:steal()\">here</a></p>")
    email_reference = contact_with_decision("Bins again here", channel="email", raw=raw, content_type="message/rfc822")
    page = officer.get(f"/staff/triage/{email_reference}").get_data(as_text=True)
    assert "<p>Bins <b>again</b>" in page  # the formatting is kept...
    for executable in ("steal()", "tracker.example", "onclick", "javascript:"):
        assert executable not in page  # ...and nothing that acts or phones home


# --- merge and split ---------------------------------------------------------------------


def test_control_characters_are_dropped_and_a_long_officer_name_is_cut(heard_env):
    """PostgreSQL refuses a NUL, and the case history keeps 100 characters of a name: neither
    may turn a correction into a server error."""
    staff("long@example.gov.uk", ["triage_officer"], name="Tara " + "Triage" * 30)  # 185 of the account's 200
    client = signed_in("long@example.gov.uk")
    reference = contact_with_decision()
    assert decide(client, reference, category="complaint", reason="wrong\x00 kind\x07").status_code == 303
    with transaction() as db:
        latest = db.scalars(select(TriageDecision).order_by(TriageDecision.id.desc())).first()
    assert latest is not None and latest.reason == "wrong kind"
    with transaction() as db:
        actors = db.scalars(select(CaseEvent.actor).where(CaseEvent.case_id == case_of(reference).id)).all()
    assert actors and max(len(actor) for actor in actors) <= 100 and actors[-1].startswith("Tara Triage")
    refused = merge(client, reference, "HDC\x00-2026-1")
    assert refused.status_code == 400 and "no case HDC-2026-1" in refused.get_data(as_text=True)


def merge(client: FlaskClient, reference: str, into: str, reason: str = ""):  # type: ignore[no-untyped-def]
    return client.post(f"/staff/triage/{reference}/merge", data={
        "merge-csrf_token": token(client, reference, "merge"), "merge-into": into, "merge-merge_reason": reason})


def test_a_duplicate_is_merged_into_the_case_it_repeats(officer):
    first = contact_with_decision("Missed bin at 4 Hartford Road")
    repeat = contact_with_decision("Missed bin at 4 Hartford Road (sent again)")
    target = case_of(first)
    assert merge(officer, repeat, target.reference.lower(), "Sent twice").status_code == 303
    duplicate = case_of(repeat)
    assert (duplicate.state, duplicate.merged_into_id, duplicate.deadline_due) == ("closed", target.id, None)
    assert "merged_into" in event_kinds(duplicate.id) and "merged" in event_kinds(target.id)
    with transaction() as db:
        contact = db.scalar(select(Contact).where(Contact.reference == repeat))
        assert (contact.case_id, contact.state) == (target.id, "correspondence")  # in the owning team's history
    assert repeat not in queue_references(officer)
    from models.progress import progress
    shown = progress(duplicate, load_policy("huntingdonshire"))  # what tracking the duplicate's reference says
    assert shown.state.startswith("Joined with another case") and shown.hear_by is None


@pytest.mark.parametrize("into, message", [
    ("HDC-2026-999999", "no case HDC-2026-999999"),
    ("self", "cannot be merged into itself"),
    ("", "Enter the reference of the case"),
    ("<b>" * 20, "32 characters or fewer"),
])
def test_a_merge_that_cannot_be_done_says_why(officer, into, message):
    reference = contact_with_decision()
    response = merge(officer, reference, case_of(reference).reference if into == "self" else into)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert case_of(reference).merged_into_id is None


def test_a_second_matter_is_split_off_as_a_case_of_its_own(officer):
    reference = contact_with_decision("My bin was missed. Also the pool changing rooms were filthy and staff were rude.")
    response = officer.post(f"/staff/triage/{reference}/split", data={
        "split-csrf_token": token(officer, reference, "split"), "split-text": "The pool changing rooms were filthy and staff were rude.",
        "split-category": "complaint", "split-exclusion": "", "split-service_area": "leisure", "split-split_reason": "Two services"})
    assert response.status_code == 303
    with transaction() as db:
        second = db.scalar(select(Contact).where(Contact.thread_refs["split_from"].as_string() == reference))
        assert second is not None and second.reference != reference
        assert (second.received_at, second.sender_email) == (RECEIVED, "ann@example.org")
        new_case = db.scalar(select(Case).where(Case.contact_id == second.id))
        assert (new_case.kind, new_case.service_area, new_case.stage_requested_at) == ("complaint", "leisure", RECEIVED)
        assert db.scalars(select(Notification.purpose).where(Notification.case_id == new_case.id)).all() == ["acknowledgement"]
    assert "split" in event_kinds(case_of(reference).id)
    run_jobs()  # the acknowledgement for the new reference goes through the real queue


def test_a_split_without_the_second_matter_is_refused(officer):
    reference = contact_with_decision()
    response = officer.post(f"/staff/triage/{reference}/split", data={
        "split-csrf_token": token(officer, reference, "split"), "split-text": "   ", "split-category": "complaint",
        "split-service_area": "waste"})
    assert response.status_code == 400 and "Enter the second matter" in response.get_data(as_text=True)
    with transaction() as db:
        assert len(db.scalars(select(Contact)).all()) == 1


# --- from the pipeline -------------------------------------------------------------------


def test_an_urgent_contact_from_the_real_pipeline_waits_at_the_top_of_the_queue(officer):
    policy = load_policy("huntingdonshire")
    stored = store(Received(channel="sms", provider_id="urgent-1", content_type="text/plain", body=b"x",
                            text="I am sleeping rough tonight and have nowhere to go, please help",
                            fields={"sender_phone": "+447700900123"}), policy)
    triage_contact(stored.contact_id)
    with transaction() as db:
        decision = db.scalars(select(TriageDecision)).one()
    assert decision.urgent and decision.awaiting_review and decision.score is not None
    assert queue_references(officer)[0] == stored.reference
