"""The complaint lifecycle and the deadline chaser, on both stacks, against dates worked out
by hand from the policies (England and Wales bank holidays: 25 and 28 December 2026)."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, text

from heard import config as heard_config
from heard.casework import act
from heard.queue import enqueue_chase
from intake.store import Received, store
from models import Case, Contact, DeadlineChase, Notification, TriageDecision
from models import lifecycle
from models.db import transaction
from models.lifecycle import Actor, LifecycleError
from models.policy import load_policy
from models.records import open_record
from tests.conftest import run_jobs

OFFICER, HEAD, MANAGER = Actor("Sam Officer"), Actor("Priya Head"), Actor("Complaints Manager")
_ids = itertools.count()


def at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=timezone.utc)


@pytest.fixture()
def profile(heard_env, monkeypatch, request):  # type: ignore[no-untyped-def]
    name = getattr(request, "param", "huntingdonshire")
    monkeypatch.setenv("COUNCIL_POLICY", name)
    heard_config.settings.cache_clear()
    return load_policy(name)


def open_case(policy, kind: str = "complaint", received: str = "2026-11-02", *, anonymous: bool = False,  # type: ignore[no-untyped-def]
              email: str | None = "ann@example.org", case_id: int | None = None) -> str:
    """A contact stored the real way and its record opened from an officer's decision."""
    n = next(_ids)
    stored = store(Received(
        channel="web", provider_id=f"lifecycle-{n}", content_type="text/plain", body=b"x",
        text=f"My bin was missed again ({n}).", received_at=at(received),
        fields={"sender_name": None if anonymous else "Ann Example", "sender_email": None if anonymous else email,
                "anonymous": anonymous, **({"case_id": case_id} if case_id else {})},
    ), policy)
    if case_id:
        return str(stored.contact_id)
    with transaction() as db:
        contact = db.get_one(Contact, stored.contact_id)
        decision = TriageDecision(contact_id=contact.id, category=kind, exclusion=None, service_area="waste",
                                  decided_by="officer:test")
        db.add(decision)
        case = open_record(db, contact, decision, policy, urgent=False)
        return case.reference


def step(reference: str, fn, **kwargs):  # type: ignore[no-untyped-def]
    return act(reference, lambda db, case, contact, policy: fn(db, case, contact, policy, **kwargs))


def case_row(reference: str) -> Case:
    with transaction() as db:
        case = db.scalar(select(Case).where(Case.reference == reference))
        db.expunge(case)
        return case


def events(reference: str) -> list[str]:
    with transaction() as db:
        case = db.scalar(select(Case).where(Case.reference == reference))
        return [e.kind for e in case.events]


def purposes(reference: str) -> list[str]:
    with transaction() as db:
        case_id = db.scalar(select(Case.id).where(Case.reference == reference))
        return sorted(db.scalars(select(Notification.purpose).where(Notification.case_id == case_id)))


def acknowledge(db, case, contact, policy, day):  # type: ignore[no-untyped-def]
    return lifecycle.acknowledge(db, case, policy, at=at(day), actor=OFFICER, channel="email")


def respond(db, case, contact, policy, by, outcome="not_upheld", reasons="We checked the round sheets.", day="2026-11-16"):  # type: ignore[no-untyped-def]
    return lifecycle.respond(db, case, contact, policy, outcome=outcome, reasons=reasons, responder=by,
                             at=at(day), actor=Actor(by))


def escalate(db, case, contact, policy, day):  # type: ignore[no-untyped-def]
    return lifecycle.escalate(db, case, contact, policy, requested_at=at(day), actor=OFFICER)


def test_a_complaint_through_both_stages_to_the_ombudsman(profile):
    """Huntingdonshire s8-9: acknowledge in 5 working days, answer stage 1 within 10 of the
    acknowledgement, stage 2 acknowledged within 5 of the request and answered within 20."""
    ref = open_case(profile, received="2026-11-02")  # a Monday
    assert (case_row(ref).deadline_kind, case_row(ref).deadline_due) == ("acknowledge", date(2026, 11, 9))

    done = step(ref, acknowledge, day="2026-11-03")
    assert (done.state, done.deadline_kind, done.deadline_due) == ("acknowledged", "respond", "2026-11-17")
    step(ref, lambda db, case, contact, policy: lifecycle.assign(db, case, policy, to="Sam Officer", actor=MANAGER))
    step(ref, respond, by="Sam Officer")
    assert case_row(ref).deadline_due is None and case_row(ref).outcome == "not_upheld"

    done = step(ref, escalate, day="2026-11-20")
    assert (done.stage, done.state, done.deadline_kind, done.deadline_due) == ("stage_2", "open", "acknowledge", "2026-11-27")
    with pytest.raises(LifecycleError, match="must be investigated by someone else"):
        step(ref, lambda db, case, contact, policy: lifecycle.assign(db, case, policy, to="sam officer", actor=MANAGER))
    step(ref, lambda db, case, contact, policy: lifecycle.assign(db, case, policy, to="Priya Head", actor=MANAGER))
    done = step(ref, acknowledge, day="2026-11-23")
    assert done.deadline_due == "2026-12-21"  # 20 working days from Monday 23 November
    with pytest.raises(LifecycleError, match="someone else must answer Stage 2"):
        step(ref, respond, by="Sam Officer")
    step(ref, respond, by="Priya Head", outcome="partially_upheld", reasons="The crew missed you twice.", day="2026-12-18")

    with pytest.raises(LifecycleError, match="final stage: the same matter is not reopened"):
        step(ref, escalate, day="2026-12-20")
    step(ref, lambda db, case, contact, policy: lifecycle.close(db, case, at=at("2026-12-21"), actor=MANAGER))
    assert events(ref)[-3:] == ["responded", "ombudsman_signposted", "closed"]
    assert purposes(ref) == ["acknowledgement:stage_2", "response:stage_1", "response:stage_2"]
    with transaction() as db:
        final = db.scalar(select(Notification).where(Notification.purpose == "response:stage_2"))
        assert final.context["final"] is True and final.recipient == "ann@example.org"


@pytest.mark.parametrize("profile", ["hart"], indirect=True)
def test_hart_asks_the_complainant_to_agree_an_extension_and_counts_stage_2_from_the_request(profile):
    ref = open_case(profile, received="2026-11-02")
    assert case_row(ref).deadline_due == date(2026, 11, 5)  # s6.4: three working days
    done = step(ref, acknowledge, day="2026-11-03")
    assert done.deadline_due == "2026-11-16"  # s6.1: 10 working days from submission, Monday 2 November
    extend = dict(new_due=date(2026, 11, 20), reason="The officer is on leave.", actor=OFFICER)
    with pytest.raises(LifecycleError, match="agree"):
        step(ref, lambda db, case, contact, policy: lifecycle.extend(db, case, contact, policy, complainant_agreed=False, **extend))
    done = step(ref, lambda db, case, contact, policy: lifecycle.extend(db, case, contact, policy, complainant_agreed=True, **extend))
    assert done.deadline_due == "2026-11-20" and purposes(ref) == ["extension:stage_1:1"]
    step(ref, respond, by="Sam Officer", day="2026-11-19")
    done = step(ref, escalate, day="2026-11-23")
    assert done.deadline_due == "2026-11-26"  # s6.2: acknowledged within the first three days
    step(ref, acknowledge, day="2026-11-24")
    assert case_row(ref).response_due == date(2026, 12, 21)  # s6.2: 20 working days from the request


@pytest.mark.parametrize("profile", ["lgsco-code"], indirect=True)
def test_the_code_limits_a_stage_1_extension_to_ten_more_working_days(profile):
    ref = open_case(profile, received="2026-11-02")
    step(ref, acknowledge, day="2026-11-03")  # response due 17 November
    extend = dict(reason="We are waiting for the contractor's records.", complainant_agreed=False, actor=OFFICER)
    with pytest.raises(LifecycleError, match="2026-12-01 at the latest"):
        step(ref, lambda db, case, contact, policy: lifecycle.extend(db, case, contact, policy, new_due=date(2026, 12, 2), **extend))
    step(ref, lambda db, case, contact, policy: lifecycle.extend(db, case, contact, policy, new_due=date(2026, 11, 24), **extend))
    done = step(ref, lambda db, case, contact, policy: lifecycle.extend(db, case, contact, policy, new_due=date(2026, 12, 1), **extend))
    assert done.deadline_due == "2026-12-01" and case_row(ref).extensions == 2
    with pytest.raises(LifecycleError, match="after the current one"):
        step(ref, lambda db, case, contact, policy: lifecycle.extend(db, case, contact, policy, new_due=date(2026, 11, 30), **extend))


REFUSED = [
    ("respond before acknowledging", lambda db, case, contact, policy: respond(db, case, contact, policy, by="Sam"), "after it is acknowledged"),
    ("close an unanswered complaint", lambda db, case, contact, policy: lifecycle.close(db, case, at=at("2026-11-05"), actor=OFFICER), "has not been answered"),
    ("escalate before stage 1 ends", lambda db, case, contact, policy: escalate(db, case, contact, policy, day="2026-11-05"), "has not ended"),
    ("extend before acknowledging", lambda db, case, contact, policy: lifecycle.extend(
        db, case, contact, policy, new_due=date(2026, 12, 1), reason="x", complainant_agreed=True, actor=OFFICER), "only an acknowledged"),
    ("an outcome the policy lacks", lambda db, case, contact, policy: (acknowledge(db, case, contact, policy, "2026-11-03"),
                                                                       respond(db, case, contact, policy, by="Sam", outcome="resolved")), "outcome must be one of"),
    ("a refusal without reasons", lambda db, case, contact, policy: (acknowledge(db, case, contact, policy, "2026-11-03"),
                                                                     respond(db, case, contact, policy, by="Sam", outcome="not_investigated", reasons=" ")), "must give its reasons"),
    ("a step by nobody", lambda db, case, contact, policy: lifecycle.note(db, case, text="hi", actor=Actor(" ")), "who did it"),
    ("an escalation asked for in the future", lambda db, case, contact, policy: (
        acknowledge(db, case, contact, policy, "2026-11-03"), respond(db, case, contact, policy, by="Sam"),
        escalate(db, case, contact, policy, day="2099-01-04")), "today or in the past"),
    ("an extension to a weekend", lambda db, case, contact, policy: (acknowledge(db, case, contact, policy, "2026-11-03"), lifecycle.extend(
        db, case, contact, policy, new_due=date(2026, 11, 21), reason="x", complainant_agreed=True, actor=OFFICER)), "not a working day"),
]


@pytest.mark.parametrize("profile", ["huntingdonshire", "hart", "lgsco-code"], indirect=True)
@pytest.mark.parametrize("what, fn, message", REFUSED, ids=[r[0] for r in REFUSED])
def test_steps_the_procedure_does_not_allow_are_refused_and_change_nothing(profile, what, fn, message):
    ref = open_case(profile)
    before = (case_row(ref).state, events(ref))
    with pytest.raises(LifecycleError, match=message):
        act(ref, fn)
    assert (case_row(ref).state, events(ref)) == before


def test_a_withdrawn_complaint_is_never_chased(profile):
    ref = open_case(profile)
    step(ref, lambda db, case, contact, policy: lifecycle.withdraw(db, case, at=at("2026-11-03"), actor=OFFICER, reason="Sorted"))
    assert (case_row(ref).state, case_row(ref).deadline_due) == ("withdrawn", None)
    with pytest.raises(LifecycleError, match="was withdrawn"):
        step(ref, escalate, day="2026-11-04")


@pytest.mark.parametrize("profile", ["huntingdonshire", "hart", "lgsco-code"], indirect=True)
def test_a_new_complaint_starts_at_the_profiles_first_stage_with_its_number(profile):
    case = case_row(open_case(profile))  # an informal stage is offered, never imposed
    assert (case.stage_key, case.stage) == (profile.first_stage, lifecycle.stage_number(profile.first_stage))


def test_an_anonymous_complaint_is_flagged_for_review_not_acknowledged(profile):
    ref = open_case(profile, anonymous=True)
    case = case_row(ref)
    assert (case.needs_review, case.acknowledgement_due, case.deadline_due) == (True, None, None)
    assert "not_acknowledged" in events(ref)


def test_a_service_request_becomes_a_complaint_from_when_dissatisfaction_was_expressed(profile):
    ref = open_case(profile, kind="service_request", received="2026-11-02")
    with transaction() as db:
        request_id = db.scalar(select(Case.id).where(Case.reference == ref))
    reply = int(open_case(profile, received="2026-11-12", case_id=request_id))
    done = act(ref, lambda db, case, contact, policy: lifecycle.raise_complaint(
        db, case, db.get_one(Contact, reply), policy, expressed_at=at("2026-11-12"), actor=OFFICER))
    assert done.opened == f"{ref}-C" and done.state == "open"  # the service request stays open
    complaint = case_row(done.opened)
    assert (complaint.kind, complaint.stage_key, complaint.parent_case_id) == ("complaint", "stage_1", request_id)
    assert complaint.deadline_due == date(2026, 11, 19)  # 5 working days from 12 November, not from 2 November
    assert "complaint_raised" in events(ref)


def test_representatives_adjustments_restrictions_and_a_lead_team_travel_with_the_case(profile):
    ref = open_case(profile)

    def record(db, case, contact, policy):  # type: ignore[no-untyped-def]
        lifecycle.record_representative(db, case, name="Ben Example", relationship="son", consent_on=date(2026, 11, 2),
                                        email="ben@example.org", actor=OFFICER)
        lifecycle.add_adjustment(db, case, adjustment="Large print letters", actor=OFFICER)
        lifecycle.add_service_area(db, case, policy, area="street_scene", actor=OFFICER)
        lifecycle.restrict_contact(db, case, reason="Abusive calls to staff", channel="email", single_point_of_contact="Sam Officer",
                                   review_on=date(2027, 2, 1), actor=MANAGER)
        acknowledge(db, case, contact, policy, "2026-11-03")
        respond(db, case, contact, policy, by="Sam Officer")

    step(ref, record)
    case = case_row(ref)
    assert case.adjustments == ["Large print letters"] and case.other_service_areas == ["street_scene"]
    assert case.contact_restriction["channel"] == "email" and case.representative["consent_on"] == "2026-11-02"
    with transaction() as db:
        response = db.scalar(select(Notification).where(Notification.purpose == "response:stage_1"))
        assert response.recipient == "ben@example.org"  # the representative, with consent recorded


# --- chasing ---------------------------------------------------------------------------------

def chase(day: str) -> None:
    """One pass through the real queue and worker, as the scheduler runs it."""
    assert enqueue_chase(date.fromisoformat(day))
    run_jobs()


def chased(reference: str) -> list[tuple[str, str, str]]:
    with transaction() as db:
        case_id = db.scalar(select(Case.id).where(Case.reference == reference))
        return [(c.action, c.deadline_kind, c.due_on.isoformat()) for c in
                db.scalars(select(DeadlineChase).where(DeadlineChase.case_id == case_id).order_by(DeadlineChase.id))]


def test_every_deadline_over_christmas_produces_exactly_the_expected_messages(profile, smtp_sink):
    """Three weeks across Christmas 2026, chased every calendar day through the real worker.
    Case A is acknowledged late; case B on time and answered on time; case C, a service
    request, is never touched."""
    a = open_case(profile, received="2026-12-21")  # acknowledge by Wed 30 Dec (25 and 28 Dec are holidays)
    b = open_case(profile, received="2026-12-22")  # acknowledge by Thu 31 Dec
    c = open_case(profile, kind="service_request", received="2026-12-23")  # acknowledge by Mon 4 Jan
    script = {"2026-12-23": [(b, lambda ref: step(ref, acknowledge, day="2026-12-23"))],  # respond by Mon 11 Jan
              "2027-01-04": [(a, lambda ref: step(ref, acknowledge, day="2027-01-04"))],
              "2027-01-08": [(b, lambda ref: step(ref, respond, by="Sam Officer", day="2027-01-08"))]}
    day = date(2026, 12, 21)
    while day <= date(2027, 1, 15):
        for ref, action in script.get(day.isoformat(), []):
            action(ref)
        chase(day.isoformat())
        if day.day % 3 == 0:
            chase(day.isoformat())  # twice on some days: nothing twice
        day += timedelta(days=1)

    assert chased(a) == [("reminder", "acknowledge", "2026-12-30"), ("missed", "acknowledge", "2026-12-30"),
                         ("reminder", "respond", "2027-01-18")]  # 10 working days from 4 January
    assert chased(b) == [("reminder", "respond", "2027-01-11")]  # 10 working days from 23 December
    assert chased(c) == [("reminder", "acknowledge", "2027-01-04"), ("missed", "acknowledge", "2027-01-04")]
    assert events(a).count("deadline_missed") == 1 and events(b).count("deadline_missed") == 0
    sent = smtp_sink.wait_for(7)
    subjects = sorted(message["Subject"] for message in sent if message["To"] != "ann@example.org")
    assert len(subjects) == 6
    area = profile.service_areas["waste"]
    missed = [m for m in sent if m["Subject"].strip().startswith("Missed:")]
    assert len(missed) == 2
    assert {m["To"] for m in missed} == {area.manager_email or profile.council.email}
    assert all("In-Reply-To" not in m for m in sent if m["To"] == area.email)


@pytest.mark.parametrize("query", ["reminder", "missed"])
def test_a_pass_reads_the_deadline_index_not_every_case(profile, query):
    from models.chase import missed_query, reminder_query

    ref = open_case(profile)  # acknowledge by 9 November
    statement = reminder_query(date(2026, 11, 5), date(2026, 11, 9)) if query == "reminder" else missed_query(date(2026, 11, 10))
    with transaction() as db:
        assert [row.reference for row in db.execute(statement)] == [ref]
        if db.bind.dialect.name != "sqlite":
            pytest.skip("the plan is checked on SQLite; `make bench` measures PostgreSQL with a million cases")
        sql = str(statement.compile(db.bind, compile_kwargs={"literal_binds": True}))
        plan = " ".join(str(row) for row in db.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
        assert "ix_cases_deadline_due" in plan and "SCAN cases" not in plan, plan


def expected_chases(policy, deadlines: list[tuple[str, date, date, date | None]], last_day: date) -> set[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    """What a daily chaser should have done, worked out day by day in plain Python: each
    deadline (kind, due, set on, met on) is reminded on the first working day it is within
    the horizon and recorded missed on the first working day after it, while it is open."""
    calendar, found = policy.calendar(), set()
    for kind, due, set_on, met_on in deadlines:
        day = set_on
        while day <= last_day and (met_on is None or day < met_on):
            if calendar.is_working_day(day):
                if day > due:
                    found.add(("missed", kind, due.isoformat()))
                elif calendar.add_working_days(day, policy.reminder_working_days) >= due:
                    found.add(("reminder", kind, due.isoformat()))
            day += timedelta(days=1)
    return found


def test_a_simulated_year_of_complaints_chased_daily_through_the_worker(profile):
    """Forty complaints through 2027, each handled with its own delays (some prompt, some
    late), chased every day through the real queue and worker; the chaser's record must
    equal the plain day-by-day reckoning of `expected_chases`."""
    import random

    rng = random.Random(2027)
    calendar = profile.calendar()
    plans = []
    for n in range(40):
        received = date(2027, 1, 4) + timedelta(days=rng.randrange(0, 330))
        plans.append({"ref": open_case(profile, received=received.isoformat()), "received": received,
                      "ack_after": rng.choice([0, 1, 3, 7, 9]), "respond_after": rng.choice([5, 12, 16, 25, None])})
    actions: dict[date, list] = {}
    deadlines: dict[str, list] = {}
    for plan in plans:
        ack_day = plan["received"] + timedelta(days=plan["ack_after"])
        actions.setdefault(ack_day, []).append((plan["ref"], "acknowledge"))
        ack_due = profile.acknowledgement_due("complaint", at(plan["received"].isoformat()))
        respond_due = profile.stage_response_due("stage_1", plan["received"], ack_day)
        respond_day = ack_day + timedelta(days=plan["respond_after"]) if plan["respond_after"] is not None else None
        if respond_day is not None:
            actions.setdefault(respond_day, []).append((plan["ref"], "respond"))
        deadlines[plan["ref"]] = [("acknowledge", ack_due, plan["received"], ack_day),
                                  ("respond", respond_due, ack_day, respond_day)]

    day, last_day = date(2027, 1, 4), date(2027, 12, 31)
    while day <= last_day:
        for ref, action in actions.get(day, []):
            if action == "acknowledge":
                step(ref, acknowledge, day=day.isoformat())
            else:
                step(ref, respond, by="Sam Officer", day=day.isoformat())
        if calendar.is_working_day(day):
            chase(day.isoformat())
        day += timedelta(days=1)

    for plan in plans:
        expected = expected_chases(profile, deadlines[plan["ref"]], last_day)
        assert set(chased(plan["ref"])) == expected, plan
        assert len(chased(plan["ref"])) == len(expected)  # nothing twice
    with transaction() as db:
        staff = db.scalar(select(func.count()).select_from(Notification).where(Notification.template.like("staff_%")))
        assert staff == sum(len(chased(plan["ref"])) for plan in plans)


def test_the_scheduler_queues_a_chase_for_the_councils_date(heard_env):
    from click.testing import CliRunner

    from heard.cli import main
    from heard.queue import NOTIFY, queue
    from models.policy import UK

    result = CliRunner().invoke(main, ["scheduler", "--once"])
    assert result.exit_code == 0, result.output
    assert f"chase-deadlines-{datetime.now(UK).date().isoformat()}" in queue(NOTIFY).job_ids
    run_jobs()  # and a worker runs it without error, with nothing yet due
    assert queue(NOTIFY).count == 0


def test_the_lifecycle_commands_do_each_step_and_explain_a_refusal(profile):
    import json

    from click.testing import CliRunner

    from heard.cli import main

    ref = open_case(profile)
    cli = CliRunner()

    def run(*args: str, stdin: str | None = None):  # type: ignore[no-untyped-def]
        return cli.invoke(main, ["cases", *args], input=stdin)

    assert run("acknowledge", ref, "--by", "Sam Officer").exit_code == 0
    assert run("assign", ref, "--to", "Sam Officer", "--by", "Manager").exit_code == 0
    refused = run("close", ref, "--by", "Sam Officer")
    assert refused.exit_code == 1 and "has not been answered" in refused.output
    done = run("respond", ref, "--outcome", "upheld", "--reasons", "The crew missed you.", "--actions", "Crew retrained",
               "--letter", "-", "--by", "Sam Officer", stdin="Dear Ann,\n\nWe are sorry: the crew missed your road.\n")
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["state"] == "responded" and json.loads(done.output)["queued"]
    with transaction() as db:  # the written response is the letter the outbox sends
        letter = db.get_one(Notification, json.loads(done.output)["queued"][0]).context["letter"]
    assert letter == "Dear Ann,\n\nWe are sorry: the crew missed your road."
    assert run("note", ref, "Called to apologise", "--by", "Sam Officer").exit_code == 0
    shown = json.loads(run("show", ref, "--json").output)
    assert (shown["stage"], shown["state"], shown["outcome"], shown["assigned_to"]) == ("stage_1", "responded", "upheld", "Sam Officer")
    assert [e["kind"] for e in shown["events"]][-2:] == ["responded", "note"]
