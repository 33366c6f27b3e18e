"""Reports on both stacks, against figures worked out by hand from a seeded data set.

The cases are opened and moved through the real lifecycle (models.lifecycle) under the
Huntingdonshire profile, with the clock set to each step's moment so every case event is
recorded when the step happened. England and Wales bank holidays: 25 and 28 December
2026, 1 January 2027. Stage 1: acknowledge within 5 working days of receipt, answer within
10 of the acknowledgement; stage 2: acknowledge within 5 of the request, answer within 20
of the acknowledgement.
"""

from __future__ import annotations

import csv
import io
import itertools
from datetime import date, datetime, timezone
from typing import Any

import pytest
from sqlalchemy import select, update

from heard import config as heard_config
from intake.store import Received, store
from models import Case, Contact, TriageDecision
from models import lifecycle, records
from models.base import utcnow
from models.db import transaction
from models.lifecycle import Actor
from models.policy import load_policy
from models.records import open_record
from reports import csvout, figures, report, selfassessment
from reports.charts import draw
from reports.period import PeriodError, custom, financial_year, month, parse, quarter
from reports.themes import find_themes
from web import create_app

from tests.test_staff_auth import create_user, sign_in

PERIOD = custom(date(2026, 11, 1), date(2027, 1, 31))
AS_OF = date(2027, 2, 15)
OFFICER, HEAD = Actor("Sam Officer"), Actor("Priya Head")
WASTE, PARKING = "Bins, recycling and waste", "Car parks and parking"
XSS = "<script>alert('x')</script>"
_ids = itertools.count()


def at(day: str, hour: int = 10, minute: int = 0) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=timezone.utc)


class Seeder:
    """Opens cases the real way and moves them with the clock at each step's moment."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.monkeypatch = monkeypatch
        self.policy = load_policy("huntingdonshire")

    def clock(self, moment: datetime) -> None:
        self.monkeypatch.setattr(records, "utcnow", lambda: moment)

    def open(self, kind: str, area: str, channel: str, received: str, text: str, *, exclusion: str | None = None,
             anonymous: bool = False, model: tuple[str, str | None, str] | None = None, officer: bool = False) -> str:
        """A contact stored, the model's decision (`model`: kind, exclusion, area), then an
        officer's saying `kind`, `exclusion` and `area` (with `officer`, or when there is no
        model decision), and its case opened from the last decision."""
        n = next(_ids)
        moment = at(received)
        stored = store(Received(
            channel=channel, provider_id=f"reports-{n}", content_type="text/plain", body=text.encode(), text=text,
            received_at=moment, fields={"sender_name": None if anonymous else "Ann Example",
                                        "sender_email": None if anonymous else "ann@example.org", "anonymous": anonymous},
        ), self.policy)
        self.clock(moment)
        with transaction() as db:
            contact = db.get_one(Contact, stored.contact_id)
            decision = None
            if model:
                decision = TriageDecision(contact_id=contact.id, category=model[0], exclusion=model[1],
                                          service_area=model[2], decided_by="model:heard@test", decided_at=moment)
                db.add(decision)
                db.flush()
            if officer or decision is None:
                decision = TriageDecision(contact_id=contact.id, category=kind, exclusion=exclusion, service_area=area,
                                          decided_by="officer:7", decided_at=moment)
                db.add(decision)
                db.flush()
            case = open_record(db, contact, decision, self.policy, urgent=False)
            return case.reference

    def step(self, reference: str, moment: datetime, action: Any) -> None:
        self.clock(moment)
        with transaction() as db:
            case = db.scalar(select(Case).where(Case.reference == reference))
            contact = db.get_one(Contact, case.contact_id)
            action(db, case, contact, self.policy)

    def acknowledge(self, ref: str, day: str) -> None:
        self.step(ref, at(day), lambda db, case, contact, p: lifecycle.acknowledge(db, case, p, at=at(day), actor=OFFICER,
                                                                                     channel="email"))

    def respond(self, ref: str, day: str, outcome: str, *, by: str = "Sam Officer", actions: str = "") -> None:
        self.step(ref, at(day), lambda db, case, contact, p: lifecycle.respond(
            db, case, contact, p, outcome=outcome, reasons="We looked at the records.", responder=by, at=at(day),
            actor=Actor(by), actions=actions))

    def escalate(self, ref: str, day: str) -> None:
        self.step(ref, at(day), lambda db, case, contact, p: lifecycle.escalate(db, case, contact, p,
                                                                                  requested_at=at(day), actor=OFFICER))


@pytest.fixture()
def seeded(heard_env, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("COUNCIL_POLICY", "huntingdonshire")
    heard_config.settings.cache_clear()
    s = Seeder(monkeypatch)
    refs: dict[str, str] = {}
    # C1: acknowledged in time; answered ON its due date (17 Nov = 10 working days after 3 Nov).
    refs["c1"] = s.open("complaint", "waste", "web", "2026-11-02", "My green bin was missed again on Hartford Road.",
                        model=("complaint", None, "waste"), officer=True)
    s.acknowledge(refs["c1"], "2026-11-03")
    s.respond(refs["c1"], "2026-11-17", "upheld", actions=f"Crew retrained on the round {XSS}")
    # C2: acknowledged a day late (due 9 Nov); due 24 Nov, extended to 8 Dec and answered then: on time.
    refs["c2"] = s.open("complaint", "waste", "email", "2026-11-02", "The bin crew left rubbish all over the street.",
                        model=("complaint", None, "waste"))
    s.acknowledge(refs["c2"], "2026-11-10")
    s.step(refs["c2"], at("2026-11-20"), lambda db, case, contact, p: lifecycle.extend(
        db, case, contact, p, new_due=date(2026, 12, 8), reason="Two services are involved.", complainant_agreed=True,
        actor=OFFICER))
    s.respond(refs["c2"], "2026-12-08", "partially_upheld")
    # C3: acknowledged 11 Dec; 10 working days skip 25 and 28 December: due 29 Dec, answered then.
    refs["c3"] = s.open("complaint", "parking", "web", "2026-12-10", "The parking machine took my money and gave no ticket.")
    s.acknowledge(refs["c3"], "2026-12-11")
    s.respond(refs["c3"], "2026-12-29", "not_upheld")
    s.escalate(refs["c3"], "2027-01-04")
    s.acknowledge(refs["c3"], "2027-01-05")  # stage 2 acknowledgement due 11 Jan
    # C4: due 30 Nov, answered 1 Dec (late, not investigated); stage 2 due 6 Jan, answered then; Ombudsman.
    refs["c4"] = s.open("complaint", "waste", "voice", "2026-11-16", "Nobody collected the bulky waste I paid for.")
    s.acknowledge(refs["c4"], "2026-11-16")
    s.respond(refs["c4"], "2026-12-01", "not_investigated")
    s.escalate(refs["c4"], "2026-12-03")
    s.acknowledge(refs["c4"], "2026-12-04")
    s.respond(refs["c4"], "2027-01-06", "upheld", by="Priya Head", actions='=HYPERLINK("http://evil.example")')
    s.step(refs["c4"], at("2027-01-20"), lambda db, case, contact, p: lifecycle.ombudsman_enquiry(
        db, case, reference="LGO-26-001", received_at=at("2027-01-20"), actor=HEAD))
    s.step(refs["c4"], at("2027-01-25"), lambda db, case, contact, p: lifecycle.ombudsman_decision(
        db, case, outcome="upheld", remedy="An apology and £100", actor=HEAD))
    # Compliments: C5 acknowledged in time (model said complaint; an officer corrected the kind),
    # C6 never acknowledged (due 27 Nov).
    refs["c5"] = s.open("compliment", "waste", "web", "2026-11-05", "Thank you to the crew who collected our bulky waste so quickly.",
                        model=("complaint", None, "waste"), officer=True)
    s.acknowledge(refs["c5"], "2026-11-06")
    refs["c6"] = s.open("compliment", "leisure", "email", "2026-11-20", "The swimming pool staff were wonderful.")
    # C7: a service request (the model chose the wrong area), C8: an excluded parking appeal.
    refs["c7"] = s.open("service_request", "parking", "sms", "2026-12-01", "Please repaint the bay lines in the car park.",
                        model=("service_request", None, "waste"), officer=True)
    s.acknowledge(refs["c7"], "2026-12-02")
    refs["c8"] = s.open("excluded", "parking", "web", "2026-11-10", "I want to appeal my parking ticket.",
                        exclusion="parking_appeal", model=("excluded", "parking_appeal", "parking"))
    s.acknowledge(refs["c8"], "2026-11-11")
    # Not counted: C9 received before the period; C10 a duplicate merged into C1; a noise email.
    refs["c9"] = s.open("complaint", "waste", "web", "2026-10-20", "An older complaint about the bins.")
    refs["c10"] = s.open("complaint", "waste", "web", "2026-11-03", "My green bin was missed again (sent twice).")
    s.acknowledge(refs["c10"], "2026-11-04")
    s.respond(refs["c10"], "2026-11-20", "upheld", actions="Counted once only")
    store(Received(channel="email", provider_id="reports-noise", content_type="text/plain", body=b"x",
                   text="Out of office", received_at=at("2026-11-12"), state="noise"), s.policy)
    # C11: an anonymous complaint, owed no acknowledgement.
    refs["c11"] = s.open("complaint", "waste", "web", "2026-11-12", "Anonymous: the bins near the school overflow.",
                         anonymous=True)
    with transaction() as db:
        c1 = db.scalar(select(Case.id).where(Case.reference == refs["c1"]))
        db.execute(update(Case).where(Case.reference == refs["c10"]).values(merged_into_id=c1))
    monkeypatch.setattr(records, "utcnow", utcnow)  # the clock back to real time
    return refs


def rows(name: str, as_of: date = AS_OF, period=PERIOD) -> list[tuple[Any, ...]]:  # type: ignore[no-untyped-def]
    with transaction() as db:
        return report.one_table(db, load_policy("huntingdonshire"), period, name, as_of=as_of).rows


def nonzero(table_rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return [row for row in table_rows if any(isinstance(v, (int, float)) and v for v in row[1:])]


# --- every table, by hand ------------------------------------------------------------------

def test_what_came_in(seeded):
    assert rows("cases_by_kind") == [("Complaints", 5), ("Compliments", 2), ("Service requests", 1), ("Comments", 0),
                                     ("Excluded matters", 1)]
    assert nonzero(rows("complaints_by_area")) == [(WASTE, 4), (PARKING, 1)]
    assert len(rows("complaints_by_area")) == 10  # every area, so months and councils compare
    assert nonzero(rows("service_requests_by_area")) == [(PARKING, 1)]
    # Contacts include the merged duplicate's contact (it did come in) but not the noise.
    assert rows("complaints_by_channel") == [("Email", 2, 1), ("Phone", 1, 1), ("Social media", 0, 0),
                                             ("Web form", 6, 3), ("Text message", 1, 0)]
    assert rows("complaints_by_stage") == [("Stage 1", 5), ("Stage 2", 2)]
    assert rows("monthly_trend") == [("2026-11", 4, 2, 0), ("2026-12", 1, 0, 1), ("2027-01", 0, 0, 0)]


def test_compliments_by_area_names_every_area(seeded):
    found = dict(rows("compliments_by_area"))
    leisure = load_policy("huntingdonshire").service_areas["leisure"].label
    assert found[WASTE] == 1 and found[leisure] == 1 and sum(found.values()) == 2


def test_responses_on_time_on_the_due_date_after_an_extension_and_across_christmas(seeded):
    # Stage 1: C1 on its due date, C2 on its extended date, C3 on 29 Dec (due after the bank
    # holidays; ten weekdays would say 25 Dec) are on time; C4 a day late. C10 is merged.
    assert rows("response_times") == [("Stage 1", 4, 3, 1, 75.0), ("Stage 2", 1, 1, 0, 100.0)]


def test_acknowledgements(seeded):
    assert rows("acknowledgements") == [
        ("Complaints, Stage 1", 2, 1, 1, 0, 50.0),  # C1 in time, C2 late; C11 anonymous, C3 and C4 are at stage 2 now
        ("Complaints, Stage 2", 2, 2, 0, 0, 100.0),
        ("Compliments", 2, 1, 1, 0, 50.0),  # C6 never acknowledged, due 27 Nov
        ("Service requests", 1, 1, 0, 0, 100.0),
        ("Comments", 0, 0, 0, 0, None),
        ("Excluded matters", 1, 1, 0, 0, 100.0),
    ]
    # Before C6's date has passed, it is not yet due rather than late.
    assert rows("acknowledgements", as_of=date(2026, 11, 25))[2] == ("Compliments", 2, 1, 0, 1, 100.0)


def test_outcomes_extensions_escalations_and_the_ombudsman(seeded):
    outcomes = rows("outcomes_by_area")
    assert nonzero(outcomes) == [(WASTE, 2, 1, 0, 1, 4), (PARKING, 0, 0, 1, 0, 1), ("All areas", 2, 1, 1, 1, 5)]
    assert rows("extensions") == [("Stage 1", 1, 1, 1), ("Stage 2", 0, 0, 0)]
    assert rows("escalations") == [("Stage 1 to Stage 2", 4, 2, 50.0)]
    assert rows("ombudsman") == [
        ("Complainants told they can go to the Ombudsman", 1, ""), ("Enquiries from the Ombudsman", 1, ""),
        ("Decision: Upheld", 1, 1), ("Decision: Not upheld", 0, 0), ("Decision: Not investigated", 0, 0),
        ("Decision: Premature (sent back to the council)", 0, 0), ("Decision: Withdrawn", 0, 0)]


def test_excluded_and_refused_by_reason(seeded):
    found = rows("excluded_and_refused")
    assert nonzero(found) == [("Excluded when received", "Parking fine (PCN) challenge", 1),
                              ("Refused at Stage 1", "Cannot or will not investigate", 1)]
    assert len(found) == 9 + 2  # every exclusion and every stage, counted or not


def test_triage_accuracy_by_label(seeded):
    # Model decisions: C1 (officer agreed), C2 (no review), C5 (kind corrected) as complaints;
    # C7 (area corrected) as a service request; C8 as excluded.
    assert rows("triage_accuracy") == [
        ("Complaints", 3, 1, 33.3, 1, 0, 0), ("Compliments", 0, 0, None, 0, 0, 0),
        ("Service requests", 1, 1, 100.0, 0, 0, 1), ("Comments", 0, 0, None, 0, 0, 0),
        ("Excluded matters", 1, 0, 0.0, 0, 0, 0), ("All labels", 5, 2, 40.0, 1, 0, 1)]


def test_improvements_from_upheld_complaints(seeded):
    refs = seeded
    assert rows("improvements") == [
        (refs["c1"], WASTE, "Stage 1", "Upheld", f"Crew retrained on the round {XSS}", "2026-11-17"),
        (refs["c4"], WASTE, "Stage 2", "Upheld", '=HYPERLINK("http://evil.example")', "2027-01-06")]
    with transaction() as db:
        extra = figures.improvements(db, load_policy("huntingdonshire"), PERIOD).extra
    assert extra == {"upheld": 3, "with_actions": 2}  # C2 partially upheld with no actions


def test_acknowledgements_are_judged_by_the_uk_date_in_summer_time(heard_env, monkeypatch):
    """Due Monday 8 June 2026. 22:30 UTC is 23:30 BST on the 8th: on time. 23:30 UTC is
    00:30 BST on the 9th: late, though the UTC date is still the 8th."""
    s = Seeder(monkeypatch)
    early = s.open("compliment", "waste", "web", "2026-06-01", "Thank you to the crew.")
    late = s.open("compliment", "waste", "web", "2026-06-01", "Thank you to the office.")
    for ref, minute_of_day in ((early, (22, 30)), (late, (23, 30))):
        moment = at("2026-06-08", *minute_of_day)
        s.step(ref, moment, lambda db, case, contact, p, moment=moment: lifecycle.acknowledge(
            db, case, p, at=moment, actor=OFFICER, channel="email"))
    assert rows("acknowledgements", period=month(2026, 6))[2] == ("Compliments", 2, 1, 1, 0, 50.0)


def test_an_empty_period_has_every_row_and_no_percentages(seeded):
    empty = month(2025, 6)
    assert rows("response_times", period=empty) == [("Stage 1", 0, 0, 0, None), ("Stage 2", 0, 0, 0, None)]
    assert rows("cases_by_kind", period=empty) == [(label, 0) for label in figures.KIND_LABELS.values()]


def test_self_assessment_evidence(seeded):
    with transaction() as db:
        lines = selfassessment.assess(db, load_policy("huntingdonshire"), PERIOD, as_of=AS_OF)
    by = {(line.section, line.requirement.split(":")[0]): line for line in lines}
    assert {line.section for line in lines} == set(selfassessment.SECTIONS)
    assert by[("Timescales", "Stage 1")].status == selfassessment.NOT_MET  # one late acknowledgement, one late response
    assert "1 late; responses 3 on time, 1 late" in by[("Timescales", "Stage 1")].evidence
    # Stage 2 was on time throughout, but the profile sets no limit on extensions (Code 6).
    stage_2 = by[("Timescales", "Stage 2")]
    assert stage_2.status == selfassessment.NOT_MET and "extension.max_working_days: no limit" in stage_2.evidence
    assert "acknowledgements 2 on time, 0 late; responses 1 on time, 0 late" in stage_2.evidence
    assert by[("Exclusions", "Complaints are accepted within 12 months of the matter")].status == selfassessment.NOT_MET
    assert by[("Accessibility", "People are told of their right to go to the Ombudsman")].status == selfassessment.MET
    assert by[("Remedies", "Upheld complaints are put right, with actions recorded")].status == selfassessment.CONFIRM
    assert by[("The two stages", "Exactly two stages")].status == selfassessment.MET
    assert by[("Timescales", "Every response gives its outcome with reasons")].evidence == \
        "5 responses in the period; 0 without reasons."


def test_hart_informal_stage_is_not_met_in_the_self_assessment(heard_env):
    with transaction() as db:
        lines = selfassessment.assess(db, load_policy("hart"), PERIOD, as_of=AS_OF)
    two = next(line for line in lines if line.requirement == "Exactly two stages")
    assert two.status == selfassessment.NOT_MET and "informal" in two.evidence


# --- themes ------------------------------------------------------------------------------------

BINS = ["My green bin was missed again", "The bin collection was missed on our road", "Bin collection missed twice",
        "Missed bin collection, the crew never came", "Green bin missed and not emptied"]
PARKING_TEXTS = ["The parking machine took my money", "Parking machine broken in the car park",
                 "Car park parking machine gave no ticket", "Parking fine was wrong, machine broken",
                 "The car park machine swallowed my coins"]


def test_themes_are_explained_deterministic_and_bounded():
    docs = [(f"HDC-2026-{n:06d}", text) for n, text in enumerate(BINS + PARKING_TEXTS, 1)]
    first, second = find_themes(docs, max_themes=2), find_themes(list(docs), max_themes=2)
    assert first == second
    assert len(first) == 2 and sum(t.cases for t in first) == 10
    words = [" ".join(t.terms) for t in first]
    assert any("bin" in w and "missed" in w for w in words) and any("machine" in w or "parking" in w for w in words)
    bins_theme = next(t for t in first if "bin" in " ".join(t.terms))
    assert set(bins_theme.examples) <= {ref for ref, _ in docs[:5]} and len(bins_theme.examples) == 3
    assert find_themes(docs[:2]) == []  # too few to say anything
    assert find_themes([("A", "the and of"), ("B", "it is"), ("C", "")]) == []  # nothing but stop words


# --- periods ---------------------------------------------------------------------------------

def test_periods():
    assert (financial_year(2026).start, financial_year(2026).end) == (date(2026, 4, 1), date(2027, 4, 1))
    assert (quarter(2026, 4).start, quarter(2026, 4).end) == (date(2027, 1, 1), date(2027, 4, 1))
    assert (month(2026, 12).start, month(2026, 12).end) == (date(2026, 12, 1), date(2027, 1, 1))
    # A day starts at UK midnight: 00:00 BST on 1 June is 23:00 UTC on 31 May.
    assert month(2026, 6).start_utc == datetime(2026, 5, 31, 23, 0, tzinfo=timezone.utc)
    assert parse({"period": "custom", "from-day": "1", "from-month": "11", "from-year": "2026", "to-day": "31",
                  "to-month": "1", "to-year": "2027"}) == PERIOD


@pytest.mark.parametrize("fields, field", [
    ({}, "period"), ({"period": "decade"}, "period"), ({"period": "year", "year": "twenty"}, "year"),
    ({"period": "year", "year": "1999"}, "year"), ({"period": "month", "year": "2026", "month": "13"}, "month"),
    ({"period": "quarter", "year": "2026", "quarter": "0"}, "quarter"), ({"period": "year", "year": "9" * 30}, "year"),
    ({"period": "custom", "from-day": "31", "from-month": "2", "from-year": "2026"}, "from"),
    ({"period": "custom", "from-day": "1", "from-month": "2", "from-year": "2026", "to-day": "1", "to-month": "1",
      "to-year": "2026"}, "to"),
    ({"period": "custom", "from-day": "1", "from-month": "1", "from-year": "2000", "to-day": "1", "to-month": "1",
      "to-year": "2098"}, "period"),
    ({"period": "custom", "from-day": "-1", "from-month": "1", "from-year": "2026", "to-day": "1", "to-month": "1",
      "to-year": "2026"}, "from"),
])
def test_bad_periods_name_the_field(fields, field):
    with pytest.raises(PeriodError) as error:
        parse(fields)
    assert error.value.field == field


# --- CSV -----------------------------------------------------------------------------------------

def test_csv_cells_never_start_a_formula():
    for text in ("=1+1", "+44 1632", "-2+3", "@SUM(A1)", "\tx"):
        assert csvout.cell(text).startswith("'")
    assert csvout.cell(-3) == "-3" and csvout.cell(None) == "" and csvout.cell("plain") == "plain"


# --- the web pages ---------------------------------------------------------------------------

@pytest.fixture()
def manager(seeded):  # type: ignore[no-untyped-def]
    assert create_user("manager@example.gov.uk", roles=("complaints_manager",)).exit_code == 0
    client = create_app().test_client()
    assert sign_in(client, "manager@example.gov.uk").status_code == 303
    return client


QUERY = "period=custom&from-day=1&from-month=11&from-year=2026&to-day=31&to-month=1&to-year=2027"


def test_only_complaints_managers_and_administrators_see_reports(seeded):
    anonymous = create_app().test_client()
    assert anonymous.get(f"/staff/reports?{QUERY}").status_code == 302
    assert anonymous.get(f"/staff/reports/response_times.csv?{QUERY}").status_code == 302
    for email, roles, areas in (("officer@example.gov.uk", ("triage_officer",), ()),
                                ("team@example.gov.uk", ("service_team",), ("waste",))):
        assert create_user(email, roles=roles, areas=areas).exit_code == 0
        client = create_app().test_client()
        assert sign_in(client, email).status_code == 303
        assert ">Reports<" not in client.get("/staff").get_data(as_text=True)
        for path in (f"/staff/reports?{QUERY}", f"/staff/reports/response_times.csv?{QUERY}", "/staff/reports/annual.pdf?year=2026"):
            assert client.get(path).status_code == 403, (roles, path)
    assert create_user("admin@example.gov.uk", roles=("administrator",)).exit_code == 0
    admin = create_app().test_client()
    assert sign_in(admin, "admin@example.gov.uk").status_code == 303
    assert admin.get(f"/staff/reports?{QUERY}").status_code == 200


def test_the_report_page_shows_every_table_with_its_chart_escaped(manager):
    response = manager.get(f"/staff/reports?{QUERY}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    for name in figures.NAMES:
        assert f'id="{name}"' in html
        assert f"/staff/reports/{name}.csv?" in html
    assert html.count("<svg") >= 10 and 'role="img"' in html
    assert "<script>alert" not in html and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert ">Reports<" in html  # the navigation link


def test_the_period_form_reports_errors(manager):
    response = manager.get("/staff/reports?period=month&year=2026&month=13")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "<title>Error: Reports" in html and "There is a problem" in html and 'href="#month"' in html
    first = manager.get("/staff/reports")
    assert first.status_code == 200 and "Which period?" in first.get_data(as_text=True)


@pytest.mark.parametrize("query", [
    "period=custom&from-day=%3Cscript%3Ealert(1)%3C/script%3E&from-month=1&from-year=2026",
    "period=year&year=" + "9" * 5000, "period=%00&year=2026", "period=month&year=2026&month=%E2%80%AE12",
    "period=year&year=2026&year=1999",
])
def test_hostile_periods_get_a_page_with_the_error_and_nothing_unescaped(manager, query):
    response = manager.get(f"/staff/reports?{query}")
    html = response.get_data(as_text=True)
    assert response.status_code in (200, 400)
    assert "<script>alert(1)" not in html
    if response.status_code == 400:
        assert "There is a problem" in html
    assert manager.get(f"/staff/reports/response_times.csv?{query}").status_code in (200, 400)
    pdf = manager.get(f"/staff/reports/annual.pdf?{query}")  # the costliest route refuses as the page does
    assert pdf.status_code == response.status_code and b"<script>alert(1)" not in pdf.data


def test_the_annual_pdf_reads_its_year_as_the_page_does(manager):
    assert manager.get("/staff/reports/annual.pdf?year=%2B2026").status_code == 400
    assert manager.get("/staff/reports?period=year&year=%2B2026").status_code == 400


def test_every_csv_round_trips(manager):
    for name in report.NAMES:
        response = manager.get(f"/staff/reports/{name}.csv?{QUERY}")
        assert response.status_code == 200 and response.mimetype == "text/csv", name
        assert "attachment" in response.headers["Content-Disposition"]
        parsed = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
        table = None
        with transaction() as db:
            table = report.one_table(db, load_policy("huntingdonshire"), PERIOD, name)
        assert parsed[0] == list(table.columns)
        assert parsed[1:] == [[csvout.cell(v) for v in row] for row in table.rows], name
    times = list(csv.reader(io.StringIO(manager.get(f"/staff/reports/response_times.csv?{QUERY}").get_data(as_text=True))))
    assert times[1:] == [["Stage 1", "4", "3", "1", "75.0"], ["Stage 2", "1", "1", "0", "100.0"]]
    improvements = manager.get(f"/staff/reports/improvements.csv?{QUERY}").get_data(as_text=True)
    assert "'=HYPERLINK" in improvements and ',=HYPERLINK' not in improvements
    assert manager.get(f"/staff/reports/nonsense.csv?{QUERY}").status_code == 404
    assert manager.get("/staff/reports/response_times.csv?period=year&year=abc").status_code == 400


def test_the_annual_report_pdf_renders(manager):
    import pypdfium2

    response = manager.get("/staff/reports/annual.pdf?year=2026")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    document = pypdfium2.PdfDocument(response.get_data())
    assert len(document) >= 4
    text = " ".join(" ".join(document[n].get_textpage().get_text_range().split()) for n in range(len(document)))
    assert "Annual complaints and customer feedback report" in text
    assert "2026 to 2027" in text and "Self-assessment" in text
    for n in range(len(document)):
        image = document[n].render(scale=0.5).to_pil().convert("L")
        low, high = image.getextrema()
        assert low < 100 and high > 240, f"page {n + 1} looks blank"
    document.close()
    assert manager.get("/staff/reports/annual.pdf?year=nope").status_code == 400


def test_charts_scale_to_their_largest_bar():
    table = figures.Table("t", "T", ("Area", "Count"), [("A", 10), ("B", 5), ("C", 0)], figures.Chart(0, (1,)))
    svg = draw(table)
    assert svg is not None and [g.bars[0].width for g in svg.groups] == [330, 165, 0]
    assert draw(figures.Table("t", "T", ("Area", "Count"), [("A", 0)], figures.Chart(0, (1,)))) is None


def test_the_command_prints_and_writes_csv(seeded, tmp_path):
    from click.testing import CliRunner

    from heard.cli import main

    result = CliRunner().invoke(main, ["reports", "show", "--from", "2026-11-01", "--to", "2027-01-31", "--csv", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "Stage 1 | 4 | 3 | 1 | 75.0" in result.output
    assert sorted(p.stem for p in tmp_path.glob("*.csv")) == sorted(report.NAMES)
    bad = CliRunner().invoke(main, ["reports", "show", "--from", "2027-01-31", "--to", "2026-11-01"])
    assert bad.exit_code != 0 and "end date" in bad.output
    assert CliRunner().invoke(main, ["reports", "show", "--from", "yesterday", "--to", "2026-11-01"]).exit_code == 2


@pytest.mark.browser
def test_the_report_page_meets_wcag_22_aa(seeded, live_server, page):  # type: ignore[no-untyped-def]
    from tests.browser import axe_violations, screenshot
    from tests.test_staff_auth import PASSWORD

    assert create_user("manager@example.gov.uk", roles=("complaints_manager",)).exit_code == 0
    page.goto(f"{live_server.url}/staff/reports")
    page.get_by_label("Email address").fill("manager@example.gov.uk")
    page.get_by_label("Password").fill(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/staff/reports")
    assert axe_violations(page) == []
    page.get_by_role("radio", name="A month").check()
    page.locator("#year").fill("2026")
    page.locator("#year").press("Enter")  # no month chosen
    page.locator(".govuk-error-summary").wait_for(state="visible")
    assert page.title().startswith("Error: Reports")
    assert axe_violations(page) == []
    page.goto(f"{live_server.url}/staff/reports?{QUERY}")
    assert page.locator("svg[role=img]").count() >= 10
    assert axe_violations(page) == []
    screenshot(page, "reports")


def test_every_table_at_once_matches_each_table_alone(seeded):
    """The command builds every table in one pass, the self-assessment reading the figure
    tables already built; the CSV route builds one at a time. They must agree."""
    policy = load_policy("huntingdonshire")
    with transaction() as db:
        together = report.every_table(db, policy, PERIOD)
        alone = [report.one_table(db, policy, PERIOD, name) for name in report.NAMES]
    assert [t.name for t in together] == list(report.NAMES)
    assert [(t.columns, t.rows, t.note) for t in together] == [(t.columns, t.rows, t.note) for t in alone]
