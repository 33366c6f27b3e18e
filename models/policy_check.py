"""Where a policy profile departs from the Ombudsman's Complaint Handling Code.

The Code is itself a profile (`lgsco-code`), so its numbers live in one data file; this
module only knows how to compare two profiles, and which paragraph of the Code each
comparison rests on. Pure: profiles in, findings out.

A *departure* gives the complainant less than the Code: a longer timescale, an extension
without the Code's limit, a shorter time to complain, a stage too many or too few. A
*difference* is within the Code but not the same, such as a shorter timescale or a clock
that starts earlier. Both are reported; neither stops a council running its profile.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from models.policy import INFORMAL, Clock, Extension, Policy, Stage, TimeLimit

CODE_PROFILE = "lgsco-code"

# The Code's paragraph behind each comparison, by formal stage. The stage 2 paragraphs'
# numbers are not in our copy of the Code (see lgsco-code.toml).
PARAGRAPHS = {
    "stage_1": {"acknowledge": "6.2", "respond": "6.3", "extension": "6.4"},
    "stage_2": {"acknowledge": "6, stage 2", "respond": "6, stage 2", "extension": "6, stage 2"},
}
STAGES_PARAGRAPH = "5.2"
TIME_LIMIT_PARAGRAPH = "2.2"
WORKING_DAYS_PARAGRAPH = "6"

ANCHOR_WORDS = {"receipt": "receipt", "escalation_request": "the escalation request", "acknowledgement": "acknowledgement"}
COUNTED_FROM_WORDS = {"event": "from when it happened", "awareness": "from when it happened or, if later, when the person became aware of it"}


@dataclass(frozen=True)
class Finding:
    field: str  # the profile field, as named in its TOML file
    profile: str  # the profile's value, in words
    code: str  # the Code's value, in words
    paragraph: str  # the Code's paragraph
    departure: bool  # True: less than the Code gives; False: within it, but different


def check(profile: Policy, code: Policy) -> list[Finding]:
    """Every point where `profile` departs or differs from `code`, departures first."""
    findings = [*_stages(profile, code), *_time_limit(profile.time_limit, code.time_limit), *_closures(profile, code)]
    return sorted(findings, key=lambda finding: not finding.departure)


def _days(clock: Clock) -> str:
    return f"{clock.working_days} working days from {ANCHOR_WORDS[clock.counts_from]}"


def _stages(profile: Policy, code: Policy) -> list[Finding]:
    found = []
    if INFORMAL in profile.stages and INFORMAL not in code.stages:
        informal = profile.stages[INFORMAL]
        found.append(Finding(f"stages.{INFORMAL}", f"{informal.name}, before stage 1", "no informal stage",
                             STAGES_PARAGRAPH, True))
    mine, theirs = profile.formal_stages, code.formal_stages
    if len(mine) != len(theirs):
        found.append(Finding("stages", f"{len(mine)} formal stages ({', '.join(mine)})",
                             f"exactly {len(theirs)} ({', '.join(theirs)})", STAGES_PARAGRAPH, True))
    for key, code_key in zip(mine, theirs):
        found += _stage(key, profile.stages[key], code.stages[code_key], PARAGRAPHS.get(code_key, {}))
    return found


def _stage(key: str, stage: Stage, code: Stage, paragraphs: dict[str, str]) -> list[Finding]:
    found = []
    ack_field, ack_paragraph = f"stages.{key}.acknowledge", paragraphs.get("acknowledge", "6")
    if stage.acknowledge.working_days != code.acknowledge.working_days:
        found.append(Finding(ack_field, _days(stage.acknowledge), _days(code.acknowledge), ack_paragraph,
                             stage.acknowledge.working_days > code.acknowledge.working_days))
    if stage.respond != code.respond:
        found.append(Finding(f"stages.{key}.respond", _days(stage.respond), _days(code.respond),
                             paragraphs.get("respond", "6"), _responds_later(stage, code)))
    found += _extension(key, stage.extension, code.extension, paragraphs.get("extension", "6"))
    return found


def _responds_later(stage: Stage, code: Stage) -> bool:
    """Whether the profile's response date can fall after the Code's. Where the Code counts
    from the acknowledgement, an acknowledgement on the day of the request gives its earliest
    date; where the profile counts from its acknowledgement, its latest acknowledgement gives
    the profile's latest date."""
    mine, theirs = stage.respond, code.respond
    mine_from_ack, theirs_from_ack = mine.counts_from == "acknowledgement", theirs.counts_from == "acknowledgement"
    if mine_from_ack and not theirs_from_ack:
        return stage.acknowledge.working_days + mine.working_days > theirs.working_days
    return mine.working_days > theirs.working_days


def _limit(extension: Extension | None) -> str:
    if extension is None:
        return "never extended"
    if extension.max_working_days is None:
        return "no limit"
    return f"at most {extension.max_working_days} working days"


def _extension(key: str, mine: Extension | None, code: Extension | None, paragraph: str) -> list[Finding]:
    found = []
    if code is None or mine is None:
        if (mine is None) != (code is None):
            # Never extending is within the Code; extending where the Code never does is not.
            found.append(Finding(f"stages.{key}.extension", _limit(mine), _limit(code), paragraph, code is None))
        return found
    if mine.max_working_days != code.max_working_days:
        longer = code.max_working_days is not None and (
            mine.max_working_days is None or mine.max_working_days > code.max_working_days)
        found.append(Finding(f"stages.{key}.extension.max_working_days", _limit(mine), _limit(code), paragraph, longer))
    if mine.max_times != code.max_times:
        more = code.max_times is not None and (mine.max_times is None or mine.max_times > code.max_times)
        found.append(Finding(f"stages.{key}.extension.max_times", _times(mine.max_times), _times(code.max_times),
                             paragraph, more))
    return found


def _times(count: int | None) -> str:
    return "not limited" if count is None else f"at most {count}"


def _time_limit(mine: TimeLimit, code: TimeLimit) -> list[Finding]:
    found = []
    if mine.accept_within_months != code.accept_within_months:
        found.append(Finding("time_limit.accept_within_months", f"{mine.accept_within_months} months",
                             f"{code.accept_within_months} months", TIME_LIMIT_PARAGRAPH,
                             mine.accept_within_months < code.accept_within_months))
    if mine.counted_from != code.counted_from:
        found.append(Finding("time_limit.counted_from", COUNTED_FROM_WORDS[mine.counted_from],
                             COUNTED_FROM_WORDS[code.counted_from], TIME_LIMIT_PARAGRAPH,
                             mine.counted_from == "event"))
    if mine.ask_within_months < mine.accept_within_months and mine.ask_within_months < code.ask_within_months:
        found.append(Finding("time_limit.ask_within_months",
                             f"asks within {mine.ask_within_months} months, accepts up to {mine.accept_within_months}",
                             f"{code.ask_within_months} months", TIME_LIMIT_PARAGRAPH, False))
    return found


def _closures(profile: Policy, code: Policy) -> list[Finding]:
    extra = sorted(set(profile.closure_days) - set(code.closure_days))
    if not extra:
        return []
    shown = ", ".join(day.isoformat() for day in extra[:5]) + (", ..." if len(extra) > 5 else "")
    return [Finding("closure_days", f"{len(extra)} days not counted as working days ({shown})",
                    "weekends and bank holidays only", WORKING_DAYS_PARAGRAPH, False)]


def report_text(profile: Policy, code: Policy, findings: list[Finding]) -> str:
    """The findings as lines for a person: field, the profile's value, the Code's."""
    departures = [f for f in findings if f.departure]
    differences = [f for f in findings if not f.departure]
    lines = [f"{profile.council.name} ({profile.profile}) against the Complaint Handling Code ({code.profile})"]
    if not findings:
        lines.append("No departures and no differences.")
    for noun, meaning, group in (("departure", "the profile gives less than the Code", departures),
                                 ("difference", "within the Code, but not the same", differences)):
        if group:
            lines += ["", f"{len(group)} {noun}{'' if len(group) == 1 else 's'} ({meaning}):"]
            lines += [f"  {f.field}: {f.profile} (Code {f.paragraph}: {f.code})" for f in group]
    lines += ["", "This is a report: Heard runs the profile as it is."]
    return "\n".join(lines)


def report_json(profile: Policy, code: Policy, findings: list[Finding]) -> dict[str, Any]:
    """The findings for scripts."""
    return {
        "profile": profile.profile,
        "council": profile.council.name,
        "code": code.profile,
        "departures": [_fields(f) for f in findings if f.departure],
        "differences": [_fields(f) for f in findings if not f.departure],
    }


def _fields(finding: Finding) -> dict[str, str]:
    fields = asdict(finding)
    del fields["departure"]
    return fields
