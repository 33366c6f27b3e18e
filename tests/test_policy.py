"""Policy profiles against the policy texts: every timescale and limit, each test id citing
the section it comes from; then the dates they give, and the errors a bad profile gets."""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from models.policy import EXCLUSIONS, OUTCOMES, SERVICE_AREAS, SHIPPED, PolicyError, Timeliness, add_months, load_policy
from models.acknowledgement import template_for
from notify.render import KIND_NAMES, render, render_sms

RECEIVED = datetime(2026, 11, 18, 10, 0, tzinfo=timezone.utc)  # a Wednesday
HDC, HART, CODE = "huntingdonshire", "hart", "lgsco-code"


def value(profile: str, path: str) -> Any:
    """A profile's value by its dotted TOML name: `stages.stage_1.respond.working_days`."""
    found: Any = load_policy(profile)
    for part in path.split("."):
        found = found[part] if isinstance(found, dict) else getattr(found, part)
    return found


def fact(profile: str, path: str, expected: Any, source: str) -> Any:
    return pytest.param(profile, path, expected, id=f"{profile} {source}: {path} = {expected}")


POLICY_TEXT = [
    # Huntingdonshire: Customer feedback policy, March 2026.
    fact(HDC, "formal_stages", ["stage_1", "stage_2"], "s4 Complaint stages, two stages"),
    fact(HDC, "stages.stage_1.acknowledge.working_days", 5, "s4 Complaint stages"),
    fact(HDC, "stages.stage_1.acknowledge.counts_from", "receipt", "s4 Complaint stages"),
    fact(HDC, "stages.stage_1.respond.working_days", 10, "s4 Complaint stages"),
    fact(HDC, "stages.stage_1.respond.counts_from", "acknowledgement", "s4 Complaint stages"),
    fact(HDC, "stages.stage_1.owner.roles", ("service_manager",), "s4 Complaint stages"),
    fact(HDC, "stages.stage_2.acknowledge.working_days", 5, "s4 Complaint stages"),
    fact(HDC, "stages.stage_2.acknowledge.counts_from", "escalation_request", "s4 Complaint stages"),
    fact(HDC, "stages.stage_2.respond.working_days", 20, "s4 Complaint stages"),
    fact(HDC, "stages.stage_2.respond.counts_from", "acknowledgement", "s4 Complaint stages"),
    fact(HDC, "stages.stage_2.owner.roles", ("senior_officer", "independent_officer"), "s4 Complaint stages"),
    fact(HDC, "stages.stage_2.sign_off", None, "s4 Complaint stages, no sign-off named"),
    fact(HDC, "stages.stage_1.extension.max_working_days", None, "s4 Extensions, no limit"),
    fact(HDC, "stages.stage_1.extension.max_times", None, "s4 Extensions, no limit"),
    fact(HDC, "stages.stage_1.extension.complainant", "is_told", "s4 Extensions"),
    fact(HDC, "stages.stage_2.extension.max_working_days", None, "s4 Extensions, no limit"),
    fact(HDC, "stages.stage_2.extension.complainant", "is_told", "s4 Extensions"),
    fact(HDC, "time_limit.ask_within_months", 3, "s4 When a complaint can be made"),
    fact(HDC, "time_limit.accept_within_months", 12, "s4 When a complaint can be made and What is not a complaint"),
    fact(HDC, "time_limit.counted_from", "event", "s4 When a complaint can be made"),
    fact(HDC, "retention_years", 6, "s6 Retention"),
    fact(HDC, "closure_days", [], "none named"),
    fact(HDC, "council.email", "Complaints@huntingdonshire.gov.uk", "s4 How to submit a complaint"),
    fact(HDC, "council.phone", "01480 388388", "s4 How to submit a complaint"),
    fact(HDC, "council.address", "Complaints, Pathfinder House, St Mary's Street, Huntingdon, Cambs, PE29 3TN",
         "s4 How to submit a complaint"),
    fact(HDC, "ombudsman.phone", "0300 061 0614", "s5"),
    fact(HDC, "ombudsman.enquiries_handled_by", (), "s5, not named"),
    # Hart: Complaints policy, version 1.7.
    fact(HART, "stages", ["informal", "stage_1", "stage_2"], "s5 and s6, informal stage then two stages"),
    fact(HART, "formal_stages", ["stage_1", "stage_2"], "s6"),
    fact(HART, "first_stage", "stage_1", "s5, the informal stage can be skipped"),
    fact(HART, "stages.informal.optional", True, "s5"),
    fact(HART, "stages.informal.owner.roles", ("officer",), "s5"),
    fact(HART, "stages.informal.acknowledge.working_days", 3, "s6.4"),
    fact(HART, "stages.informal.acknowledge.counts_from", "receipt", "s6.4"),
    fact(HART, "stages.informal.respond.working_days", 10, "s5"),
    fact(HART, "stages.informal.respond.counts_from", "receipt", "s5"),
    fact(HART, "stages.informal.extension", None, "s5, unresolved goes to stage 1"),
    fact(HART, "stages.stage_1.optional", False, "s6.1"),
    fact(HART, "stages.stage_1.owner.roles", ("officer", "service_manager"), "s6.1"),
    fact(HART, "stages.stage_1.acknowledge.working_days", 3, "s6.4"),
    fact(HART, "stages.stage_1.acknowledge.counts_from", "receipt", "s6.4"),
    fact(HART, "stages.stage_1.respond.working_days", 10, "s6.1"),
    fact(HART, "stages.stage_1.respond.counts_from", "receipt", "s6.1"),
    fact(HART, "stages.stage_1.extension.complainant", "agrees", "s6.1"),
    fact(HART, "stages.stage_1.extension.max_working_days", None, "s6.1, no limit"),
    fact(HART, "stages.stage_2.owner.roles", ("head_of_service",), "s6.2"),
    fact(HART, "stages.stage_2.sign_off.roles", ("chief_executive",), "s6.2"),
    fact(HART, "stages.stage_2.sign_off.title", "The Joint Chief Executive", "s6.2"),
    fact(HART, "stages.stage_2.acknowledge.working_days", 3, "s6.2"),
    fact(HART, "stages.stage_2.acknowledge.counts_from", "escalation_request", "s6.2"),
    fact(HART, "stages.stage_2.respond.working_days", 20, "s6.2"),
    fact(HART, "stages.stage_2.respond.counts_from", "escalation_request", "s6.2"),
    fact(HART, "stages.stage_2.extension.complainant", "is_told", "s6.2"),
    fact(HART, "stages.stage_2.extension.also_informed", ("chief_executive",), "s6.2"),
    fact(HART, "stages.stage_2.extension.max_working_days", None, "s6.2, no limit"),
    fact(HART, "time_limit.ask_within_months", 6, "s6"),
    fact(HART, "time_limit.accept_within_months", 6, "s6"),
    fact(HART, "time_limit.counted_from", "awareness", "s6"),
    fact(HART, "service_request.acknowledge.working_days", 3, "s6.4"),
    fact(HART, "service_request.respond.working_days", 10, "s5"),
    fact(HART, "closure_days", [], "none named"),
    fact(HART, "council.email", "complaints@hart.gov.uk", "s7"),
    fact(HART, "council.address", "Hart District Council, Civic Offices, Harlington Way, Fleet GU51 4AE", "s7"),
    fact(HART, "ombudsman.enquiries_handled_by", ("chief_executive",), "s6.5"),
    # The Complaint Handling Code.
    fact(CODE, "stages", ["stage_1", "stage_2"], "Code 5.2, exactly two stages"),
    fact(CODE, "stages.stage_1.acknowledge.working_days", 5, "Code 6.2"),
    fact(CODE, "stages.stage_1.acknowledge.counts_from", "receipt", "Code 6.2"),
    fact(CODE, "stages.stage_1.respond.working_days", 10, "Code 6.3"),
    fact(CODE, "stages.stage_1.respond.counts_from", "acknowledgement", "Code 6.3"),
    fact(CODE, "stages.stage_1.extension.max_working_days", 10, "Code 6.4"),
    fact(CODE, "stages.stage_2.acknowledge.working_days", 5, "Code 6 stage 2"),
    fact(CODE, "stages.stage_2.acknowledge.counts_from", "escalation_request", "Code 6 stage 2"),
    fact(CODE, "stages.stage_2.respond.working_days", 20, "Code 6 stage 2"),
    fact(CODE, "stages.stage_2.respond.counts_from", "acknowledgement", "Code 6 stage 2"),
    fact(CODE, "stages.stage_2.extension.max_working_days", 20, "Code 6 stage 2"),
    fact(CODE, "time_limit.accept_within_months", 12, "Code 2.2"),
    fact(CODE, "time_limit.counted_from", "awareness", "Code 2.2"),
    fact(CODE, "council.name", "Example Council", "placeholder"),
]


@pytest.mark.parametrize(("profile", "path", "expected"), POLICY_TEXT)
def test_the_profile_says_what_the_policy_says(profile: str, path: str, expected: Any):
    found = value(profile, path)
    assert (list(found) if path == "stages" else found) == expected


def due(profile: str, what: str, *args: date) -> date | None:
    policy = load_policy(profile)
    return {"ack": policy.stage_acknowledgement_due, "respond": policy.stage_response_due,
            "extend": policy.latest_extended_response}[what](*args)


def deadline(profile: str, source: str, what: str, stage: str, args: tuple[date, ...], expected: date | None) -> Any:
    return pytest.param(profile, what, stage, args, expected, id=f"{profile} {source}: {stage} {what} {expected}")


# Worked by hand from the calendar. Christmas 2026: Fri 25 and Mon 28 December (Boxing Day's
# substitute) and Fri 1 January 2027 are bank holidays. Easter 2027: Fri 26 and Mon 29 March.
DEADLINES = [
    # Received Tue 22 Dec: 23, 24, 29, 30, 31 Dec.
    deadline(HDC, "s4 Complaint stages", "ack", "stage_1", (date(2026, 12, 22),), date(2026, 12, 31)),
    # Acknowledged Thu 31 Dec: 4-8 and 11-15 Jan.
    deadline(HDC, "s4 Complaint stages", "respond", "stage_1", (date(2026, 12, 22), date(2026, 12, 31)), date(2027, 1, 15)),
    # Escalation requested Wed 24 Mar 2027: 25, 30, 31 Mar, 1, 2 Apr.
    deadline(HDC, "s4 Complaint stages", "ack", "stage_2", (date(2027, 3, 24),), date(2027, 4, 2)),
    # Acknowledged Thu 25 Mar: 20 working days from 30 Mar is Mon 26 Apr.
    deadline(HDC, "s4 Complaint stages", "respond", "stage_2", (date(2027, 3, 24), date(2027, 3, 25)), date(2027, 4, 26)),
    deadline(HDC, "s4 Extensions, no limit", "extend", "stage_1", (date(2027, 1, 15),), None),
    # Received Wed 23 Dec: 24, 29, 30 Dec; resolved by 11 Jan whenever acknowledged.
    deadline(HART, "s6.4", "ack", "informal", (date(2026, 12, 23),), date(2026, 12, 30)),
    deadline(HART, "s5", "respond", "informal", (date(2026, 12, 23), date(2026, 12, 30)), date(2027, 1, 11)),
    deadline(HART, "s5, never extended", "extend", "informal", (date(2027, 1, 11),), date(2027, 1, 11)),
    # Received Thu 24 Dec: 29, 30, 31 Dec; 10 working days from receipt is Tue 12 Jan.
    deadline(HART, "s6.4", "ack", "stage_1", (date(2026, 12, 24),), date(2026, 12, 31)),
    deadline(HART, "s6.1", "respond", "stage_1", (date(2026, 12, 24), date(2026, 12, 31)), date(2027, 1, 12)),
    # Escalation requested Mon 22 Mar 2027: 23, 24, 25 Mar; 20 working days from the request.
    deadline(HART, "s6.2", "ack", "stage_2", (date(2027, 3, 22),), date(2027, 3, 25)),
    deadline(HART, "s6.2", "respond", "stage_2", (date(2027, 3, 22), date(2027, 3, 25)), date(2027, 4, 21)),
    deadline(HART, "s6.2, no limit", "extend", "stage_2", (date(2027, 4, 21),), None),
    # Received on Christmas Day: 29, 30, 31 Dec, 4, 5 Jan.
    deadline(CODE, "6.2", "ack", "stage_1", (date(2026, 12, 25),), date(2027, 1, 5)),
    # Acknowledged Mon 4 Jan: 5-8, 11-15, 18 Jan.
    deadline(CODE, "6.3", "respond", "stage_1", (date(2026, 12, 25), date(2027, 1, 4)), date(2027, 1, 18)),
    # At most 10 more: 19-22, 25-29 Jan, 1 Feb.
    deadline(CODE, "6.4", "extend", "stage_1", (date(2027, 1, 18),), date(2027, 2, 1)),
    deadline(CODE, "6 stage 2", "ack", "stage_2", (date(2026, 12, 24),), date(2027, 1, 5)),
    # Acknowledged Tue 29 Dec: 30, 31 Dec, then 18 working days of January to Wed 27 Jan.
    deadline(CODE, "6 stage 2", "respond", "stage_2", (date(2026, 12, 24), date(2026, 12, 29)), date(2027, 1, 27)),
    deadline(CODE, "6 stage 2", "extend", "stage_2", (date(2027, 1, 27),), date(2027, 2, 24)),
]


@pytest.mark.parametrize(("profile", "what", "stage", "args", "expected"), DEADLINES)
def test_stage_deadlines(profile: str, what: str, stage: str, args: tuple[date, ...], expected: date | None):
    assert due(profile, what, stage, *args) == expected


def limit(profile: str, source: str, happened: date, received: date, expected: Timeliness) -> Any:
    return pytest.param(profile, happened, received, expected, id=f"{profile} {source}: {happened} to {received} {expected}")


TIME_LIMITS = [
    limit(HDC, "s4 asked within 3 months", date(2026, 1, 15), date(2026, 4, 15), "in_time"),
    limit(HDC, "s4 asked within 3 months", date(2026, 1, 15), date(2026, 4, 16), "late"),
    limit(HDC, "s4 up to 1 year", date(2026, 1, 15), date(2027, 1, 15), "late"),
    limit(HDC, "s4 more than 12 months old", date(2026, 1, 15), date(2027, 1, 16), "out_of_time"),
    limit(HART, "s6 six months", date(2026, 8, 31), date(2027, 2, 28), "in_time"),
    limit(HART, "s6 over six months", date(2026, 8, 31), date(2027, 3, 1), "out_of_time"),
    limit(CODE, "2.2 12 months", date(2028, 2, 29), date(2029, 2, 28), "in_time"),
    limit(CODE, "2.2 12 months", date(2028, 2, 29), date(2029, 3, 1), "out_of_time"),
]


@pytest.mark.parametrize(("profile", "happened", "received", "expected"), TIME_LIMITS)
def test_time_limit_for_raising_a_complaint(profile: str, happened: date, received: date, expected: Timeliness):
    assert load_policy(profile).time_limit.timeliness(happened, received) == expected


@pytest.mark.parametrize(("start", "count", "expected"), [
    (date(2026, 1, 31), 1, date(2026, 2, 28)),
    (date(2027, 8, 31), 6, date(2028, 2, 29)),
    (date(2026, 11, 30), 3, date(2027, 2, 28)),
    (date(2026, 12, 15), 12, date(2027, 12, 15)),
])
def test_add_months_keeps_the_day_or_the_month_end(start: date, count: int, expected: date):
    assert add_months(start, count) == expected


@pytest.mark.parametrize("profile", [HDC, HART, CODE])
def test_every_profile_names_every_outcome_area_and_exclusion(profile: str):
    policy = load_policy(profile)
    assert tuple(policy.outcomes) == OUTCOMES
    assert policy.outcomes["not_investigated"].reason_required  # Hart appendix 1: "(reason)"; Code 2.4
    assert tuple(policy.service_areas) == SERVICE_AREAS and tuple(policy.signposts) == EXCLUSIONS
    assert all("@" in area.email for area in policy.service_areas.values())
    assert policy.ombudsman.name == "Local Government and Social Care Ombudsman" and policy.ombudsman.phone == "0300 061 0614"
    assert policy.final_stage == "stage_2" and policy.next_stage("stage_1") == "stage_2" and policy.next_stage("stage_2") is None
    assert all(policy.stages[key].how_to_request for key in policy.formal_stages)


def test_hart_gives_reasons_for_every_outcome():
    """s6.3: "All complaint responses will confirm what outcome has been reached with clear reasons"."""
    assert all(outcome.reason_required for outcome in load_policy(HART).outcomes.values())


def test_hart_says_where_a_stage_2_request_goes():
    """s7: stage 2 goes to complaints@hart.gov.uk or the Complaints Coordinator."""
    text = value(HART, "stages.stage_2.how_to_request")
    assert "complaints@hart.gov.uk" in text and "Complaints Coordinator" in text


# --- the contract the pipeline already relies on ------------------------------------------


def test_huntingdonshire_timescales():
    policy = load_policy(HDC)
    assert policy.acknowledgement_due("complaint", RECEIVED) == date(2026, 11, 25)  # 5 working days
    # 10 working days from the acknowledgement, not from receipt
    assert policy.response_due("complaint", RECEIVED, date(2026, 11, 20)) == date(2026, 12, 4)
    assert policy.response_due("compliment", RECEIVED, date(2026, 11, 20)) is None


def test_hart_timescales():
    policy = load_policy(HART)
    assert policy.acknowledgement_due("complaint", RECEIVED) == date(2026, 11, 23)  # 3 working days
    assert policy.response_due("complaint", RECEIVED, date(2026, 11, 20)) == date(2026, 12, 2)  # from receipt
    assert policy.timescale("complaint") == policy.stages["stage_1"]  # not the informal stage


def test_received_late_evening_counts_from_the_uk_date():
    late = datetime(2026, 6, 30, 23, 30, tzinfo=timezone.utc)  # 00:30 on 1 July in BST
    assert load_policy(HDC).acknowledgement_due("complaint", late) == date(2026, 7, 8)


def test_the_profiles_closure_days_move_its_deadlines(tmp_path: Path):
    path = rewrite(tmp_path, HDC, "closure_days = []", 'closure_days = ["2026-12-29", "2026-12-30", "2026-12-31"]')
    received = datetime(2026, 12, 23, 9, 0, tzinfo=timezone.utc)
    assert load_policy(HDC).acknowledgement_due("complaint", received) == date(2027, 1, 4)
    # Closed 29-31 Dec as well as the bank holidays: 24 Dec, then 4-7 Jan.
    assert load_policy(str(path)).acknowledgement_due("complaint", received) == date(2027, 1, 7)
    # Acknowledged 24 Dec: 4-8 and 11-15 Jan, three working days later than without the closures.
    assert load_policy(str(path)).stage_response_due("stage_1", date(2026, 12, 23), date(2026, 12, 24)) == date(2027, 1, 15)
    assert load_policy(HDC).stage_response_due("stage_1", date(2026, 12, 23), date(2026, 12, 24)) == date(2027, 1, 12)


@pytest.mark.parametrize("profile", [HDC, HART, CODE])
@pytest.mark.parametrize(("kind", "exclusion"), [("complaint", None), ("service_request", None), ("comment", None),
                                                 ("excluded", "out_of_time"), ("excluded", "not_council")])
def test_every_profile_fills_every_acknowledgement(profile: str, kind: str, exclusion: str | None):
    """The templates read the profile strictly (an unknown name is an error), so each shipped
    profile, the Code's placeholder council included, runs the acknowledgements."""
    policy = load_policy(profile)
    case = SimpleNamespace(reference="EXC-2026-000001", stage=1, kind=kind, exclusion=exclusion, service_area="waste")
    context = {"council": policy.council, "ombudsman": policy.ombudsman, "case": case, "name": "Ann",
               "team": policy.service_areas["waste"].team, "kind_name": KIND_NAMES[kind],
               "response_due": policy.response_due(kind, RECEIVED, RECEIVED.date()),
               "signpost": policy.signposts[exclusion] if exclusion else None,
               "stage": policy.stages[policy.first_stage] if kind == "complaint" else None}
    rendered = render(template_for(kind), **context)
    assert policy.council.name in rendered.text and policy.council.phone in rendered.text
    if exclusion:
        assert policy.signposts[exclusion].next_step in rendered.text and policy.ombudsman.phone in rendered.text
    assert policy.council.short_name in render_sms(template_for(kind), **context)


# --- loading, and the errors a bad profile gets ---------------------------------------------


def test_every_shipped_profile_loads():
    assert {p.stem for p in SHIPPED.glob("*.toml")} == {HDC, HART, CODE}
    for path in SHIPPED.glob("*.toml"):
        assert load_policy(path.stem).profile == path.stem


def test_unknown_profile_names_the_choices():
    with pytest.raises(PolicyError, match="hart, huntingdonshire, lgsco-code"):
        load_policy("nowhere")


def rewrite(tmp_path: Path, profile: str, old: str, new: str) -> Path:
    """A copy of a shipped profile with one change, which must have been made."""
    text = (SHIPPED / f"{profile}.toml").read_text()
    assert old in text, f"{old!r} is not in {profile}.toml"
    path = tmp_path / f"{profile}-changed.toml"
    path.write_text(text.replace(old, new, 1))
    return path


BAD_FIELDS = [
    pytest.param(HART, "acknowledge = { working_days = 3, counts_from = \"receipt\" }",
                 "acknowledge = { working_days = -3, counts_from = \"receipt\" }",
                 r"stages\.informal\.acknowledge\.working_days: Input should be greater than or equal to 0", id="negative days"),
    pytest.param(HDC, "respond = { working_days = 10, counts_from = \"acknowledgement\" }",
                 "respond = { working_days = 10, counts_from = \"tuesday\" }",
                 r"stages\.stage_1\.respond\.counts_from", id="unknown clock start"),
    pytest.param(HDC, "acknowledge = { working_days = 5, counts_from = \"receipt\" }",
                 "acknowledge = { working_days = 5, counts_from = \"acknowledgement\" }",
                 r"stages\.stage_1\.acknowledge: .*cannot count from itself", id="acknowledgement from itself"),
    pytest.param(HDC, "acknowledge = { working_days = 5, counts_from = \"escalation_request\" }",
                 "acknowledge = { working_days = 5, counts_from = \"receipt\" }",
                 r"stages\.stage_2\.acknowledge\.counts_from is 'receipt'", id="stage 2 counted from the first receipt"),
    pytest.param(HART, "[stages.informal]", "[stages.stage_0]", r"stages: .*not \['stage_0'\]", id="unknown stage"),
    pytest.param(HDC, "owner = { roles = [\"service_manager\"]", "owner = { roles = [\"mayor\"]",
                 r"stages\.stage_1\.owner\.roles\.0", id="unknown role"),
    pytest.param(HDC, "owner = { roles = [\"service_manager\"]", "owner = { roles = []",
                 r"stages\.stage_1\.owner\.roles", id="no owner"),
    pytest.param(CODE, "max_working_days = 10", "max_working_days = 0",
                 r"stages\.stage_1\.extension\.max_working_days", id="zero-day extension"),
    pytest.param(HART, "complainant = \"agrees\"", "complainant = \"maybe\"",
                 r"stages\.stage_1\.extension\.complainant", id="unknown extension agreement"),
    pytest.param(HART, "how_to_request = \"Email complaints@hart.gov.uk, or write",
                 "how_to_requets = \"Email complaints@hart.gov.uk, or write",
                 r"stages\.stage_2\.how_to_requets: Extra inputs are not permitted", id="misspelt field"),
    pytest.param(HDC, "ask_within_months = 3", "ask_within_months = 13",
                 r"time_limit: .*ask_within_months must not be longer", id="asked longer than accepted"),
    pytest.param(HDC, "counted_from = \"event\"", "counted_from = \"whenever\"",
                 r"time_limit\.counted_from", id="unknown time limit start"),
    pytest.param(HDC, "[outcomes.not_investigated]", "[outcomes.withdrawn]",
                 r"outcomes: .*missing \['not_investigated'\], unknown \['withdrawn'\]", id="outcomes incomplete"),
    pytest.param(HART, "for the reason given.\"\nreason_required = true", "for the reason given.\"\nreason_required = false",
                 r"outcomes: .*not_investigated\.reason_required must be true", id="refusal without reason"),
    pytest.param(HART, "team = \"Leisure\"\nemail = \"complaints@hart.gov.uk\"", "team = \"Leisure\"\nemail = \"leisure\"",
                 r"service_areas\.leisure\.email", id="team address not an address"),
    pytest.param(HART, "[service_areas.leisure]", "[service_areas.swimming]",
                 r"service_areas: .*missing \['leisure'\], unknown \['swimming'\]", id="missing service area"),
    pytest.param(HDC, "closure_days = []", "closure_days = [\"2026-02-30\"]", r"closure_days\.0", id="impossible closure day"),
    pytest.param(HDC, "retention_years = 6", "retention_years = 0", r"retention_years", id="no retention"),
    pytest.param(HART, "enquiries_handled_by = [\"chief_executive\"]", "enquiries_handled_by = \"chief_executive\"",
                 r"ombudsman\.enquiries_handled_by", id="role not a list"),
]


@pytest.mark.parametrize(("profile", "old", "new", "message"), BAD_FIELDS)
def test_a_bad_field_is_named_with_its_file(tmp_path: Path, profile: str, old: str, new: str, message: str):
    path = rewrite(tmp_path, profile, old, new)
    with pytest.raises(PolicyError, match=message) as raised:
        load_policy(str(path))
    assert str(raised.value).startswith(f"{path}: ")


def test_a_later_stage_must_say_how_to_ask_for_it(tmp_path: Path):
    text = (SHIPPED / f"{CODE}.toml").read_text()
    line = next(line for line in text.splitlines() if line.startswith("how_to_request = \"Tell us you are still unhappy"))
    path = rewrite(tmp_path, CODE, line + "\n", "")
    with pytest.raises(PolicyError, match=r"stages\.stage_2\.how_to_request is missing"):
        load_policy(str(path))


def test_stages_must_be_written_in_order(tmp_path: Path):
    text = (SHIPPED / f"{CODE}.toml").read_text()
    stage_1, stage_2, end = text.index("[stages.stage_1]"), text.index("[stages.stage_2]"), text.index("# 2.2:")
    path = tmp_path / "reordered.toml"
    path.write_text(text[:stage_1] + text[stage_2:end] + text[stage_1:stage_2] + text[end:])
    with pytest.raises(PolicyError, match="stages must be written in the order stage_1, stage_2; found stage_2, stage_1"):
        load_policy(str(path))


def test_a_profile_without_a_formal_stage_is_refused(tmp_path: Path):
    path = tmp_path / "informal-only.toml"
    text = (SHIPPED / f"{HART}.toml").read_text()
    start, end = text.index("[stages.stage_1]"), text.index("[time_limit]")
    path.write_text(text[:start] + text[end:])
    with pytest.raises(PolicyError, match="stages must include stage_1"):
        load_policy(str(path))


def test_a_missing_section_is_named(tmp_path: Path):
    path = rewrite(tmp_path, HDC, "[time_limit]", "[time_limits]")
    with pytest.raises(PolicyError, match=r"time_limit: Field required.*time_limits: Extra inputs"):
        load_policy(str(path))


def test_broken_toml_is_reported(tmp_path: Path):
    path = tmp_path / "broken.toml"
    path.write_text("[council\nname = ")
    with pytest.raises(PolicyError, match=f"{path}: not valid TOML"):
        load_policy(str(path))


def test_a_profile_not_in_utf8_is_reported(tmp_path: Path):
    path = tmp_path / "latin1.toml"
    path.write_bytes((SHIPPED / f"{HDC}.toml").read_text().replace("Cambs", "Cambs \u00e9").encode("latin-1"))
    with pytest.raises(PolicyError, match=f"{path}: not valid TOML"):
        load_policy(str(path))
