"""Retention: personal data removed from cases closed longer ago than the profile keeps
them, on both stacks. Cases come in the real way (web form over HTTP, email over SMTP, a
Twilio call, a social post, the store) and are triaged, acknowledged and closed by the real
jobs and lifecycle; only the closing date is set directly, to stand six years back."""

from __future__ import annotations

import hashlib
import json
import os
import smtplib
import subprocess
import sys
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from typing import Any

import pytest
import requests
from sqlalchemy import func, select, text, update
from twilio.request_validator import RequestValidator

from heard import config as heard_config
from heard import jobs
from heard.config import PROJECT_ROOT
from heard.reconcile import reconcile
from heard.sms_sink import SmsSink
from intake.smtp_server import IntakeHandler, serve
from intake.social import Post, accept as accept_posts
from intake.store import Received, store
from models import Base, CallTurn, Case, CaseEvent, Contact, Notification, TriageDecision
from models.base import utcnow
from models.db import engine_for, normalise_url, session, transaction
from models.lifecycle import Actor, add_adjustment, assign, close, note, record_representative, respond
from models.policy import SHIPPED, load_policy
from models.retention import RetentionResult, anonymise_expired, due_query, retention_cutoff
from tests.conftest import free_port, run_jobs
from tests.helpers import FormClient

POLICY = load_policy("huntingdonshire")
NOW = datetime(2033, 3, 1, 9, 0, tzinfo=timezone.utc)
EXPIRED = datetime(2027, 2, 28, 9, 0, tzinfo=timezone.utc)  # six years and a day before NOW
NEARLY = datetime(2027, 3, 2, 9, 0, tzinfo=timezone.utc)  # six years less a day before NOW
EMPTY_DIGEST = hashlib.sha256(b"").hexdigest()
STAFF = Actor("Jo Bloggs")
COUNCIL = "complaints@huntingdonshire.gov.uk"


# --- helpers ---------------------------------------------------------------------------


def run(now: datetime = NOW, **options: Any) -> RetentionResult:
    with session() as db:
        return anonymise_expired(db, POLICY, now, **options)


def received(i: int, *, text_: str | None = None, **fields: Any) -> int:
    """A contact stored the way every channel stores one; returns its id."""
    stored = store(Received(
        channel="web", provider_id=f"token-{i}", content_type="application/x-www-form-urlencoded",
        body=f"what_happened=bin+missed+on+Hartford+Road+{i}".encode(),
        text=text_ or f"My bin was missed again on Hartford Road ({i}).",
        fields={"sender_name": "Ann Example", "sender_email": f"ann{i}@example.org", "declared_category": "complaint",
                "declared_service_area": "waste", **fields},
    ), POLICY)
    return stored.contact_id


def opened(contact_id: int) -> int:
    """Triage the contact with the real job; returns the case it opened."""
    jobs.triage_contact(contact_id)
    with transaction() as db:
        return db.scalars(select(Case.id).where(Case.contact_id == contact_id)).one()


def closed_on(case_id: int, at: datetime) -> None:
    """Stand the case's closure at `at`: the clock is simulated, nothing else is."""
    with transaction() as db:
        db.execute(update(Case).where(Case.id == case_id).values(state="closed", closed_at=at))


def rows(table: str, where: str = "", **params: Any) -> list[dict[str, Any]]:
    with engine_for(normalise_url(heard_config.settings().database_url)).connect() as connection:
        return [dict(row._mapping) for row in connection.execute(text(f"SELECT * FROM {table} {where} ORDER BY id"), params)]


def everything() -> dict[str, list[dict[str, Any]]]:
    """Every row of every table Heard has, exactly as stored."""
    return {table.name: rows(table.name) for table in Base.metadata.sorted_tables}


def of_case(case_id: int) -> dict[str, list[dict[str, Any]]]:
    """Every stored row that belongs to one case."""
    contacts = rows("contacts", "WHERE id = (SELECT contact_id FROM cases WHERE id = :c) OR case_id = :c", c=case_id)
    ids = {c["id"] for c in contacts}
    return {
        "cases": rows("cases", "WHERE id = :c", c=case_id),
        "contacts": contacts,
        "raw_messages": [r for r in rows("raw_messages") if r["id"] in {c["raw_message_id"] for c in contacts}],
        "triage_decisions": [d for d in rows("triage_decisions") if d["contact_id"] in ids],
        "case_events": rows("case_events", "WHERE case_id = :c", c=case_id),
        "notifications": rows("notifications", "WHERE case_id = :c", c=case_id),
    }


def _as_text(value: Any) -> str:
    return bytes(value).decode("utf-8", "replace") if isinstance(value, (bytes, memoryview)) else str(value)


def found(needle: str, data: Any) -> bool:
    """Is `needle` anywhere in these rows, in text, JSON or bytes, in any case?"""
    return needle.casefold() in json.dumps(data, default=_as_text, ensure_ascii=False).casefold()


def as_json(value: Any) -> Any:
    """A JSON column read with plain SQL: PostgreSQL's driver parses it, SQLite's does not."""
    return json.loads(value) if isinstance(value, str) else value


def sql_null(table: str, column: str, row_id: int) -> bool:
    """True SQL NULL, not the JSON text 'null'."""
    with engine_for(normalise_url(heard_config.settings().database_url)).connect() as connection:
        return connection.execute(text(f"SELECT {column} IS NULL FROM {table} WHERE id = :i"), {"i": row_id}).scalar_one() in (1, True)


# --- the whole record, through the web form and the lifecycle ----------------------------


REPORT_COLUMNS = ("reference", "policy", "kind", "exclusion", "stage", "stage_key", "state", "outcome", "service_area",
                  "team", "urgent", "needs_review", "received_at", "acknowledgement_due", "acknowledged_at", "response_due",
                  "responded_at", "closed_at", "contact_id", "extensions")
CONTACT_KEPT = ("reference", "channel", "received_at", "state", "anonymous", "preferred_contact", "declared_category",
                "declared_service_area", "representative", "representative_consent", "case_id", "noise", "triage_attempts")
PERSONAL = ("Hartford", "Example", "example.org", "900123", "Jo Bloggs", "daughter", "large print")


def test_a_case_closed_six_years_and_a_day_ago_keeps_its_counts_and_loses_its_personal_data(live_server, smtp_sink):
    response = FormClient(live_server.url).submit(
        name="Ann Example", email="ann@example.org", phone="07700 900123",
        what_happened="My green bin has been missed three weeks running on Hartford Road, and I reported it twice.",
        on_behalf="yes", represented_person="Bert Example", representative_relationship="daughter",
        representative_consent="y", needs_adjustments="yes", adjustments="Large print letters, please")
    assert response.status_code == 200, response.text
    run_jobs()
    assert len(smtp_sink.wait_for(1)) == 1  # acknowledged by email, which moved the case on
    with transaction() as db:
        case = db.scalars(select(Case)).one()
        contact = db.get_one(Contact, case.contact_id)
        assert case.state == "acknowledged"
        assign(db, case, POLICY, to="Jo Bloggs", actor=STAFF)
        record_representative(db, case, name="Bert Example", relationship="son", consent_on=EXPIRED.date(),
                              email="bert@example.org", actor=STAFF)
        add_adjustment(db, case, adjustment="Large print letters", actor=STAFF)
        note(db, case, text="Rang Ann Example on 07700 900123", actor=STAFF)
        respond(db, case, contact, POLICY, outcome="upheld", reasons="The crew missed Hartford Road three times.",
                responder="Jo Bloggs", at=EXPIRED - timedelta(days=1), actor=STAFF)  # its letter waits in the outbox
        close(db, case, at=EXPIRED, actor=STAFF, note="Ann Example was content")
        case_id = case.id
    before = of_case(case_id)
    assert all(found(needle, before) for needle in PERSONAL)  # or the test below proves nothing

    result = run()

    assert result == RetentionResult(cases=1, contacts=1, raw_messages=1, triage_decisions=1, notifications=2,
                                     call_turns=0, events=result.events)
    after = of_case(case_id)
    for needle in PERSONAL:
        assert not found(needle, everything()), needle
    (was,), (now,) = before["cases"], after["cases"]
    assert {k: now[k] for k in REPORT_COLUMNS} == {k: was[k] for k in REPORT_COLUMNS}
    assert (now["kind"], now["state"], now["outcome"], now["service_area"]) == ("complaint", "closed", "upheld", "waste")
    assert now["summary"] == "" and now["assigned_to"] is None
    assert sql_null("cases", "representative", case_id) and sql_null("cases", "contact_restriction", case_id)
    assert as_json(now["adjustments"]) == []

    (contact_row,) = after["contacts"]
    assert {k: contact_row[k] for k in CONTACT_KEPT} == {k: before["contacts"][0][k] for k in CONTACT_KEPT}
    assert contact_row["representative"] and contact_row["channel"] == "web"
    for column in ("sender_name", "sender_email", "sender_phone", "sender_handle", "subject", "when_happened",
                   "desired_outcome", "triage_text", "represented_person", "representative_relationship", "adjustments"):
        assert contact_row[column] is None, column
    assert contact_row["text"] == ""

    (raw,) = after["raw_messages"]
    assert (bytes(raw["body"]), raw["size"], raw["digest"]) == (b"", 0, EMPTY_DIGEST)
    assert raw["provider_id"] == f"anonymised:{raw['id']}" and raw["channel"] == "web"

    with transaction() as db:
        decision = db.scalars(select(TriageDecision)).one()
        assert decision.signals == [] and all(set(flag) == {"name"} for flag in decision.flags)
        assert decision.category == "complaint" and decision.decided_by.startswith("model:")
        notifications = list(db.scalars(select(Notification).order_by(Notification.id)))
        assert [n.recipient for n in notifications] == ["", ""]
        assert all(n.provider_id is None and n.context == {} for n in notifications)
        assert [n.state for n in notifications] == ["sent", "failed"]  # the unsent letter will never go
        events = list(db.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)))
    assert [(e["kind"], e["at"]) for e in before["case_events"]] == [(e["kind"], e["at"]) for e in after["case_events"][:-1]]
    by_kind = {e.kind: e for e in events}
    assert by_kind["responded"].detail == {"stage": "stage_1", "outcome": "upheld", "on_time": False, "final": False}
    assert by_kind["assigned"].detail == {"stage": "stage_1"} and by_kind["assigned"].actor == "staff"
    assert by_kind["note"].detail == {} and by_kind["closed"].detail == {"stage": "stage_1"}
    assert by_kind["acknowledged"].actor == "system:notify" and by_kind["routed"].detail["service_area"] == "waste"
    assert (events[-1].kind, events[-1].actor, events[-1].at, events[-1].detail) == (
        "anonymised", "system:retention", NOW, {"retention_years": 6})
    with transaction() as db:
        assert db.get_one(Case, case_id).anonymised_at == NOW  # read back aware, on both stacks
    staff_events = [i for i, e in enumerate(before["case_events"]) if e["actor"] == "Jo Bloggs"]
    assert result.events == len(staff_events) == 6  # every one of them named Jo Bloggs
    others = [(e["actor"], as_json(e["detail"])) for i, e in enumerate(before["case_events"]) if i not in staff_events]
    assert others == [(e.actor, e.detail) for i, e in enumerate(events[:-1]) if i not in staff_events]

    assert reconcile().sends_queued == 0  # the reconciler sees nothing left to send
    run_jobs()
    assert len(smtp_sink.messages()) == 1


# --- what is not touched -------------------------------------------------------------------


def test_only_cases_closed_more_than_the_retention_period_ago_are_touched(heard_env):
    expired, nearly, still_open = (opened(received(i)) for i in range(3))
    closed_on(expired, EXPIRED)
    closed_on(nearly, NEARLY)
    kept = {case_id: of_case(case_id) for case_id in (nearly, still_open)}

    assert run().cases == 1

    assert {case_id: of_case(case_id) for case_id in kept} == kept
    assert rows("cases", "WHERE id = :c", c=expired)[0]["anonymised_at"] is not None
    assert rows("cases", "WHERE id = :c", c=expired)[0]["tracking_code_hash"] is None  # nothing left to track
    assert rows("cases", "WHERE id = :c", c=nearly)[0]["tracking_code_hash"]  # still trackable
    assert run(NEARLY.replace(year=2033) + timedelta(days=1)).cases == 1  # its day comes
    assert of_case(still_open) == kept[still_open]  # never closed: never touched


def test_a_second_run_changes_nothing_and_says_so(heard_env):
    for i in range(3):
        closed_on(opened(received(i)), EXPIRED - timedelta(days=i))
    first = run()
    assert (first.cases, first.contacts, first.raw_messages, first.triage_decisions) == (3, 3, 3, 3)
    snapshot = everything()
    assert run() == RetentionResult()
    assert everything() == snapshot
    with transaction() as db:
        assert db.scalar(select(func.count()).select_from(CaseEvent).where(CaseEvent.kind == "anonymised")) == 3


def test_a_dry_run_counts_and_changes_nothing(heard_env):
    for i in range(3):
        closed_on(opened(received(i)), EXPIRED)
    opened(received(9))
    snapshot = everything()
    counted = run(dry_run=True)
    assert everything() == snapshot
    assert counted.cases == 3
    assert run() == counted


def test_batches_page_through_cases_closed_at_the_same_moment(heard_env):
    for i in range(5):
        closed_on(opened(received(i)), EXPIRED)  # equal closing times: the (closed_at, id) key must still move on
    closed_on(opened(received(5)), NEARLY)
    assert run(dry_run=True, batch_size=2).cases == 5
    assert run(batch_size=2).cases == 5
    with transaction() as db:
        per_case = db.execute(select(CaseEvent.case_id, func.count()).where(CaseEvent.kind == "anonymised")
                              .group_by(CaseEvent.case_id)).all()
    assert len(per_case) == 5 and {n for _, n in per_case} == {1}


# --- every contact on a case, and only those -------------------------------------------------


@pytest.fixture()
def smtp_server(smtp_sink) -> Iterator[int]:  # type: ignore[no-untyped-def]
    port = free_port()
    controller = serve(IntakeHandler(POLICY, ("huntingdonshire.gov.uk",), (COUNCIL,)), "127.0.0.1", port, max_bytes=200_000)
    yield port
    controller.stop()


def mail(port: int, subject: str, body: str, message_id: str, **headers: str) -> None:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"], message["Message-ID"] = "Ann Example <ann@example.org>", COUNCIL, subject, message_id
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        client.sendmail("ann@example.org", [COUNCIL], bytes(message).replace(b"\n", b"\r\n"))


def test_every_contact_threaded_on_a_case_is_cleaned_and_the_persons_open_case_is_not(smtp_server, smtp_sink):
    mail(smtp_server, "Bin missed again", "Third week running my bin was missed on Hartford Road.", "<m1@example.org>")
    run_jobs()
    (ack,) = smtp_sink.wait_for(1)
    for n in (2, 3):  # two replies to the acknowledgement: correspondence on the same case
        mail(smtp_server, f"Re: {ack['Subject']}", f"Missed again on Hartford Road, week {n}.", f"<m{n}@example.org>",
             In_Reply_To=ack["Message-ID"], References=ack["Message-ID"])
    mail(smtp_server, "Overgrown hedge", "The hedge on my road blocks the pavement.", "<m4@example.org>")  # a new matter
    run_jobs()
    with transaction() as db:
        old, new = db.scalars(select(Case).order_by(Case.id)).all()
        threaded = db.scalars(select(Contact.id).where(Contact.case_id == old.id)).all()
        old_id, new_id = old.id, new.id
    assert len(threaded) == 2
    closed_on(old_id, EXPIRED)
    untouched = of_case(new_id)
    assert untouched["contacts"][0]["sender_email"] == "ann@example.org"

    result = run()

    assert (result.cases, result.contacts, result.raw_messages) == (1, 3, 3)
    cleaned = of_case(old_id)
    assert len(cleaned["contacts"]) == 3 and len(cleaned["raw_messages"]) == 3
    assert all(c["text"] == "" and c["sender_email"] is None and c["subject"] is None for c in cleaned["contacts"])
    assert all(bytes(r["body"]) == b"" for r in cleaned["raw_messages"])
    assert not found("Hartford", cleaned) and not found("example.org", cleaned)
    assert of_case(new_id) == untouched


def test_a_contact_threaded_onto_an_old_case_that_opened_an_open_one_is_left_alone(heard_env):
    old = opened(received(1))
    later_contact = received(2)
    later = opened(later_contact)
    with transaction() as db:  # the later contact also belongs to the old case's thread
        db.execute(update(Contact).where(Contact.id == later_contact).values(case_id=old))
    closed_on(old, EXPIRED)
    untouched = rows("contacts", "WHERE id = :i", i=later_contact)
    assert run().contacts == 1
    assert rows("contacts", "WHERE id = :i", i=later_contact) == untouched
    assert rows("cases", "WHERE id = :c", c=later)[0]["anonymised_at"] is None


# --- channels whose personal data lives beyond the contact ---------------------------------------


TOKEN = "twilio-test-auth-token"


@pytest.fixture()
def twilio(live_server, monkeypatch, tmp_path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    sink = SmsSink(tmp_path / "sms").start()
    for name, value in {"TWILIO_AUTH_TOKEN": TOKEN, "PUBLIC_BASE_URL": live_server.url, "TWILIO_ACCOUNT_SID": "AC" + "1" * 32,
                        "TWILIO_FROM": "+441632960000", "TWILIO_API_BASE": sink.url}.items():
        monkeypatch.setenv(name, value)
    heard_config.settings.cache_clear()
    yield live_server.url
    sink.stop()


def twilio_post(url: str, params: dict[str, str]) -> ET.Element:
    signature = RequestValidator(TOKEN).compute_signature(url, params)
    response = requests.post(url, data=params, headers={"X-Twilio-Signature": signature}, timeout=10)
    assert response.status_code == 200, response.text
    return ET.fromstring(response.content)


def phone_call(base: str, sid: str, answers: list[str]) -> None:
    """Ring, then answer each question at the action URL the TwiML gives, as Twilio does."""
    params = {"CallSid": sid, "AccountSid": "AC" + "1" * 32, "From": "+447700900123", "To": "+441632960000",
              "CallStatus": "ringing", "Direction": "inbound", "ApiVersion": "2010-04-01"}
    root = twilio_post(base + "/webhooks/twilio/voice", params)
    for answer in answers:
        action = root.find("Gather").get("action")  # type: ignore[union-attr]
        root = twilio_post(action, {**params, "CallStatus": "in-progress", "SpeechResult": answer, "Confidence": "0.9"})


def test_a_phone_calls_answers_are_deleted_with_its_case_and_no_other_calls(twilio):
    answered = ["my bin was missed on Hartford Road", "last Tuesday", "collect it please", "text me"]
    phone_call(twilio, "CA" + "a" * 32, answered)
    phone_call(twilio, "CA" + "b" * 32, ["a pothole on Hartford Road"])  # a call still in progress
    run_jobs()
    with transaction() as db:
        case_id = db.scalars(select(Case.id)).one()
        assert db.scalar(select(func.count()).select_from(CallTurn)) == 5
    closed_on(case_id, EXPIRED)

    result = run()

    assert (result.call_turns, result.contacts, result.raw_messages) == (4, 1, 1)
    with transaction() as db:
        assert db.scalars(select(CallTurn.call_sid)).all() == ["CA" + "b" * 32]
        contact = db.scalars(select(Contact)).one()
        assert (contact.sender_phone, contact.text, contact.thread_refs) == (None, "", {})
    assert not found("Hartford", of_case(case_id)) and not found("900123", of_case(case_id))


def test_a_social_posts_edits_are_emptied_too(heard_env):
    at = utcnow()
    original = Post(provider_id="facebook:message:m1", text="My bin was missed on Hartford Road", raw={"mid": "m1"},
                    received_at=at, sender_name="Ann Example", sender_handle="ann.example",
                    thread_refs={"platform": "facebook", "sender_id": "4711", "mid": "m1"})
    accept_posts([original], b'{"mid": "m1", "name": "Ann Example"}', POLICY)
    (contact_id,) = [c["id"] for c in rows("contacts")]
    case_id = opened(contact_id)
    edit = Post(provider_id="facebook:message:m1:edit:1", text="My bin was missed on Hartford Road, twice",
                raw={"mid": "m1", "edit": 1}, received_at=at, sender_name="Ann Example", edit_of="facebook:message:m1",
                edit_number=1, thread_refs={"platform": "facebook", "sender_id": "4711", "mid": "m1"})
    assert accept_posts([edit], b'{"mid": "m1", "edit": 1, "name": "Ann Example"}', POLICY).edits == 1
    assert [e["kind"] for e in rows("case_events", "WHERE case_id = :c", c=case_id)][-1] == "contact_edited"
    closed_on(case_id, EXPIRED)

    assert run().raw_messages == 2  # the post and its edit
    assert all(bytes(r["body"]) == b"" and r["provider_id"].startswith("anonymised:") for r in rows("raw_messages"))
    assert not found("Hartford", everything()) and not found("Example", everything())


# --- odd and hostile content -----------------------------------------------------------------


def test_odd_and_hostile_content_is_cleaned_without_a_crash(heard_env):
    weird = [
        "<script>alert('Hartford')</script><img src=x onerror=alert(1)>",
        "Mae fy min heb ei gasglu ar Ffordd Hartford \U0001F5D1\U0001F621",
        "Hartford " * 6_000,
        "\u202eHartford\u200b",
    ]
    ids = [opened(received(i, text_=t, sender_handle="@hartford_ann")) for i, t in enumerate(weird)]
    odd = opened(received(9))
    with transaction() as db:  # thread_refs and flags in shapes no channel writes, still to be survived
        contact_id = db.get_one(Case, odd).contact_id
        db.execute(update(Contact).where(Contact.id == contact_id).values(
            thread_refs={"edits": "Hartford", "call_sid": 42}, attachments=[{"filename": "Hartford.pdf"}]))
        db.execute(update(TriageDecision).where(TriageDecision.contact_id == contact_id).values(
            flags=["Hartford", {"name": "urgent", "reason": "Hartford"}], signals=["Hartford"]))
    for case_id in [*ids, odd]:
        closed_on(case_id, EXPIRED)
    assert found("Hartford", everything())

    assert run().cases == 5

    assert not found("Hartford", everything())
    with transaction() as db:
        flags = db.scalars(select(TriageDecision.flags).where(TriageDecision.contact_id == contact_id)).one()
    assert flags == [{"name": "urgent"}]


# --- the profile decides, and the command line ---------------------------------------------------


def heard(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "heard.cli", *args], cwd=PROJECT_ROOT, env=dict(os.environ),
                          capture_output=True, text=True, timeout=120)


def test_a_profile_keeping_records_one_year_anonymises_at_one_year_from_the_command_line(heard_env, tmp_path, monkeypatch):
    profile = tmp_path / "one-year.toml"
    source = (SHIPPED / "huntingdonshire.toml").read_text()
    assert source.count("retention_years = 6") == 1
    profile.write_text(source.replace("retention_years = 6", "retention_years = 1"))
    now = utcnow()
    year_and_a_day, year_less_a_day = (opened(received(i)) for i in range(2))
    closed_on(year_and_a_day, now - timedelta(days=367))  # a year is 365 or 366 days
    closed_on(year_less_a_day, now - timedelta(days=364))

    six = heard("retention", "run", "--dry-run")  # the shipped profile keeps them six years
    assert six.returncode == 0, six.stderr
    assert json.loads(six.stdout)["cases"] == 0 and json.loads(six.stdout)["retention_years"] == 6

    monkeypatch.setenv("COUNCIL_POLICY", str(profile))
    snapshot = everything()
    dry = heard("retention", "run", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    counted = json.loads(dry.stdout)
    assert (counted["cases"], counted["contacts"], counted["dry_run"], counted["retention_years"]) == (1, 1, True, 1)
    assert everything() == snapshot

    real = json.loads(heard("retention", "run").stdout)
    assert {k: v for k, v in real.items() if k not in ("dry_run", "closed_before")} == \
        {k: v for k, v in counted.items() if k not in ("dry_run", "closed_before")}
    assert rows("cases", "WHERE id = :c", c=year_and_a_day)[0]["anonymised_at"] is not None
    assert rows("cases", "WHERE id = :c", c=year_less_a_day)[0]["anonymised_at"] is None
    assert json.loads(heard("retention", "run").stdout)["cases"] == 0


@pytest.mark.parametrize("content, message", [
    (None, "no policy profile"),
    ("retention_years = [", "not valid TOML"),
    ("retention_years = 0", "retention_years"),
])
def test_a_bad_profile_is_a_clear_error_and_changes_nothing(heard_env, tmp_path, monkeypatch, content, message):
    closed_on(opened(received(1)), EXPIRED)
    profile = tmp_path / "bad.toml"
    if content is not None:
        source = (SHIPPED / "huntingdonshire.toml").read_text()
        profile.write_text(source.replace("retention_years = 6", content))
    monkeypatch.setenv("COUNCIL_POLICY", str(profile))
    snapshot = everything()
    failed = heard("retention", "run")
    assert failed.returncode == 1 and message in failed.stderr and "Traceback" not in failed.stderr
    assert everything() == snapshot


def test_the_cutoff_counts_calendar_years():
    assert retention_cutoff(POLICY, NOW) == datetime(2027, 3, 1, 9, 0, tzinfo=timezone.utc)
    leap = datetime(2032, 2, 29, 12, 0, tzinfo=timezone.utc)
    assert retention_cutoff(POLICY, leap) == datetime(2026, 2, 28, 12, 0, tzinfo=timezone.utc)


# --- found by an index, and shared between runs ---------------------------------------------------


def test_the_due_cases_are_found_through_the_retention_index(heard_env):
    engine = engine_for(normalise_url(heard_env.database_url))
    query = due_query(retention_cutoff(POLICY, NOW), (EXPIRED, 7)).compile(engine)
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection.exec_driver_sql("SET enable_seqscan = off")  # an empty table would be scanned anyway
            plan = connection.exec_driver_sql(f"EXPLAIN {query}", dict(query.params)).all()
        else:
            params = tuple(str(query.params[name]) for name in query.positiontup or ())
            plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {query}", params).all()
    assert "ix_cases_anonymised_at_closed_at" in " ".join(str(row) for row in plan)


def test_two_runs_at_once_share_the_work_and_do_none_of_it_twice(heard_env):
    if heard_env.name != "services":
        pytest.skip("SQLite serialises writers; one scheduler runs retention there")
    for i in range(12):
        closed_on(opened(received(i)), EXPIRED)
    results: list[RetentionResult] = []
    threads = [threading.Thread(target=lambda: results.append(run(batch_size=2))) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r.cases for r in results) == 12
    with transaction() as db:
        per_case = db.execute(select(CaseEvent.case_id, func.count()).where(CaseEvent.kind == "anonymised")
                              .group_by(CaseEvent.case_id)).all()
    assert len(per_case) == 12 and {n for _, n in per_case} == {1}
