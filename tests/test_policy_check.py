"""`heard policy check`: every point where a profile departs from the Complaint Handling Code.

The expected findings for the shipped profiles are worked out from the policy texts, each
with the section it rests on; the edited copies of the Code's profile test one kind of
departure each."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from heard.config import PROJECT_ROOT
from models.policy import SHIPPED, load_policy
from models.policy_check import CODE_PROFILE, Finding, check, report_json, report_text

CODE = load_policy(CODE_PROFILE)

HART = [
    # s5: an informal stage before stage 1; Code 5.2: exactly two stages, no informal one.
    Finding("stages.informal", "Informal resolution, before stage 1", "no informal stage", "5.2", True),
    # s6.1 agrees an extension with the customer, with no limit; Code 6.4: at most 10 more.
    Finding("stages.stage_1.extension.max_working_days", "no limit", "at most 10 working days", "6.4", True),
    # s6.2: the Head of Service keeps the customer updated, with no limit; the Code: at most 20 more.
    Finding("stages.stage_2.extension.max_working_days", "no limit", "at most 20 working days", "6, stage 2", True),
    # s6: within six months; Code 2.2: 12 months.
    Finding("time_limit.accept_within_months", "6 months", "12 months", "2.2", True),
    # s6.4: three days, sooner than the Code's five.
    Finding("stages.stage_1.acknowledge", "3 working days from receipt", "5 working days from receipt", "6.2", False),
    # s6.1: 10 working days from receipt, which is never later than 10 from the acknowledgement.
    Finding("stages.stage_1.respond", "10 working days from receipt", "10 working days from acknowledgement", "6.3", False),
    Finding("stages.stage_2.acknowledge", "3 working days from the escalation request",
            "5 working days from the escalation request", "6, stage 2", False),
    # s6.2: 20 working days from the request, not from the acknowledgement.
    Finding("stages.stage_2.respond", "20 working days from the escalation request",
            "20 working days from acknowledgement", "6, stage 2", False),
]

HUNTINGDONSHIRE = [
    # s4 Extensions: no limit at either stage.
    Finding("stages.stage_1.extension.max_working_days", "no limit", "at most 10 working days", "6.4", True),
    Finding("stages.stage_2.extension.max_working_days", "no limit", "at most 20 working days", "6, stage 2", True),
    # s4: "up to 1 year after it occurred"; Code 2.2 also counts from when the person became aware.
    Finding("time_limit.counted_from", "from when it happened",
            "from when it happened or, if later, when the person became aware of it", "2.2", True),
    # s4: asked within 3 months, though accepted for 12.
    Finding("time_limit.ask_within_months", "asks within 3 months, accepts up to 12", "12 months", "2.2", False),
]


@pytest.mark.parametrize(("profile", "expected"), [
    pytest.param("hart", HART, id="hart"),
    pytest.param("huntingdonshire", HUNTINGDONSHIRE, id="huntingdonshire"),
    pytest.param(CODE_PROFILE, [], id="the Code against itself"),
])
def test_every_departure_of_the_shipped_profiles(profile: str, expected: list[Finding]):
    assert check(load_policy(profile), CODE) == expected


def changed(tmp_path: Path, *edits: tuple[str, str]) -> Path:
    """The Code's profile with some changes, each of which must have been made."""
    text = (SHIPPED / f"{CODE_PROFILE}.toml").read_text()
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    path = tmp_path / "changed.toml"
    path.write_text(text)
    return path


def _findings(tmp_path: Path, *edits: tuple[str, str]) -> set[tuple[str, bool]]:
    return {(f.field, f.departure) for f in check(load_policy(str(changed(tmp_path, *edits))), CODE)}


STAGE_1_RESPOND = 'respond = { working_days = 10, counts_from = "acknowledgement" }'
STAGE_1_ACK = 'acknowledge = { working_days = 5, counts_from = "receipt" }'


@pytest.mark.parametrize(("edits", "expected"), [
    pytest.param([(STAGE_1_ACK, STAGE_1_ACK.replace("5", "7"))], {("stages.stage_1.acknowledge", True)},
                 id="acknowledging later than 5 days departs"),
    pytest.param([(STAGE_1_RESPOND, STAGE_1_RESPOND.replace("10", "15"))], {("stages.stage_1.respond", True)},
                 id="responding later than 10 days departs"),
    pytest.param([(STAGE_1_RESPOND, STAGE_1_RESPOND.replace("10", "8"))], {("stages.stage_1.respond", False)},
                 id="responding sooner differs"),
    pytest.param([(STAGE_1_RESPOND, 'respond = { working_days = 10, counts_from = "receipt" }')],
                 {("stages.stage_1.respond", False)}, id="10 days from receipt is never later than 10 from the acknowledgement"),
    pytest.param([(STAGE_1_RESPOND, 'respond = { working_days = 11, counts_from = "receipt" }')],
                 {("stages.stage_1.respond", True)}, id="11 days from receipt can pass 10 from a same-day acknowledgement"),
    pytest.param([("max_working_days = 10", "max_working_days = 15")],
                 {("stages.stage_1.extension.max_working_days", True)}, id="a longer extension departs"),
    pytest.param([("max_working_days = 10", "max_working_days = 5")],
                 {("stages.stage_1.extension.max_working_days", False)}, id="a shorter extension differs"),
    pytest.param([("max_working_days = 10", "max_working_days = 10\nmax_times = 1")],
                 {("stages.stage_1.extension.max_times", False)}, id="extending once only differs"),
    pytest.param([("max_working_days = 10\n", "")], {("stages.stage_1.extension.max_working_days", True)},
                 id="an extension without a limit departs"),
    pytest.param([("accept_within_months = 12", "accept_within_months = 24")],
                 {("time_limit.accept_within_months", False)}, id="accepting for longer differs"),
    pytest.param([("ask_within_months = 12", "ask_within_months = 2"), ("accept_within_months = 12", "accept_within_months = 9")],
                 {("time_limit.accept_within_months", True), ("time_limit.ask_within_months", False)},
                 id="asking and accepting sooner"),
    pytest.param([("closure_days = []", 'closure_days = ["2026-12-29", "2026-12-30", "2026-12-31"]')],
                 {("closure_days", False)}, id="closure days differ"),
])
def test_each_kind_of_departure(tmp_path: Path, edits: list[tuple[str, str]], expected: set[tuple[str, bool]]):
    assert _findings(tmp_path, *edits) == expected


def test_a_stage_never_extended_is_within_the_code(tmp_path: Path):
    text = (SHIPPED / f"{CODE_PROFILE}.toml").read_text()
    start = text.index("[stages.stage_1.extension]")
    end = text.index("\n\n", start)
    path = tmp_path / "no-extension.toml"
    path.write_text(text[:start] + text[end:])
    found = check(load_policy(str(path)), CODE)
    assert found == [Finding("stages.stage_1.extension", "never extended", "at most 10 working days", "6.4", False)]


def test_a_third_stage_departs(tmp_path: Path):
    text = (SHIPPED / f"{CODE_PROFILE}.toml").read_text()
    start, end = text.index("[stages.stage_2]"), text.index("# 2.2:")
    stage_3 = text[start:end].replace("stages.stage_2", "stages.stage_3")
    path = tmp_path / "three-stages.toml"
    path.write_text(text[:end] + stage_3 + text[end:])
    found = check(load_policy(str(path)), CODE)
    assert found == [Finding("stages", "3 formal stages (stage_1, stage_2, stage_3)", "exactly 2 (stage_1, stage_2)", "5.2", True)]


def test_a_single_stage_departs(tmp_path: Path):
    text = (SHIPPED / f"{CODE_PROFILE}.toml").read_text()
    start, end = text.index("[stages.stage_2]"), text.index("# 2.2:")
    path = tmp_path / "one-stage.toml"
    path.write_text(text[:start] + text[end:])
    assert [(f.field, f.departure) for f in check(load_policy(str(path)), CODE)] == [("stages", True)]


def test_counting_from_the_acknowledgement_where_the_code_counts_from_the_request():
    """Against Hart as the yardstick, Huntingdonshire's clocks start at the acknowledgement, so
    its latest response (5 + 10, 5 + 20 working days) can fall after Hart's (10, 20)."""
    found = {f.field: f.departure for f in check(load_policy("huntingdonshire"), load_policy("hart"))}
    assert found["stages.stage_1.respond"] is True and found["stages.stage_2.respond"] is True
    assert found["stages.stage_1.acknowledge"] is True  # 5 days where Hart gives 3


def test_the_text_report_names_field_profile_value_and_code_value():
    text = report_text(load_policy("hart"), CODE, check(load_policy("hart"), CODE))
    assert "4 departures (the profile gives less than the Code):" in text
    assert "  time_limit.accept_within_months: 6 months (Code 2.2: 12 months)" in text.splitlines()
    assert "  stages.informal: Informal resolution, before stage 1 (Code 5.2: no informal stage)" in text.splitlines()
    assert text.index("departures") < text.index("differences")


def test_the_json_report_separates_departures_from_differences():
    report = report_json(load_policy("huntingdonshire"), CODE, check(load_policy("huntingdonshire"), CODE))
    assert report["profile"] == "huntingdonshire" and report["code"] == CODE_PROFILE
    assert [d["field"] for d in report["departures"]] == [f.field for f in HUNTINGDONSHIRE if f.departure]
    assert report["differences"] == [{"field": "time_limit.ask_within_months", "profile": "asks within 3 months, accepts up to 12",
                                      "code": "12 months", "paragraph": "2.2"}]


# --- the command itself -------------------------------------------------------------------


def heard(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "heard.cli", *args], cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("profile", ["hart", "huntingdonshire", CODE_PROFILE])
def test_the_command_reports_and_exits_0(profile: str):
    run = heard("policy", "check", profile)
    assert run.returncode == 0, run.stderr
    assert run.stdout == report_text(load_policy(profile), CODE, check(load_policy(profile), CODE)) + "\n"


def test_the_command_prints_json():
    run = heard("policy", "check", "hart", "--json")
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert [d["field"] for d in report["departures"]] == [f.field for f in HART if f.departure]
    assert len(report["differences"]) == 4


def test_the_command_checks_a_profile_file_by_path(tmp_path: Path):
    path = changed(tmp_path, (STAGE_1_ACK, STAGE_1_ACK.replace("5", "7")))
    run = heard("policy", "check", str(path), "--json")
    assert run.returncode == 0 and json.loads(run.stdout)["departures"][0]["field"] == "stages.stage_1.acknowledge"


@pytest.mark.parametrize(("content", "message"), [
    pytest.param(b"[council\nname = ", "not valid TOML", id="broken TOML"),
    pytest.param(b"\xff\xfe<script>alert(1)</script>", "not valid TOML", id="binary"),
    pytest.param(b"", "council: Field required", id="empty"),
])
def test_a_profile_that_cannot_load_is_an_error_naming_the_file(tmp_path: Path, content: bytes, message: str):
    path = tmp_path / "bad.toml"
    path.write_bytes(content)
    run = heard("policy", "check", str(path))
    assert run.returncode == 1 and run.stdout == ""
    assert str(path) in run.stderr and message in run.stderr


def test_an_unknown_profile_names_the_choices():
    run = heard("policy", "check", "nowhere")
    assert run.returncode == 1 and "hart, huntingdonshire, lgsco-code" in run.stderr
