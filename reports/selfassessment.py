"""The Complaint Handling Code's self-assessment (its 8.1 asks for one every year): each
requirement with what Heard's records and the active profile show beside it, and whether
that evidences it (met), contradicts it (not met), or a person must confirm it.

The profile is compared with the Code by models.policy_check; the records come from the
same SQL figures as the report, for the same period.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import Session, aliased

from models.cases import Case, CaseEvent
from models.policy import Policy, load_policy
from models.policy_check import CODE_PROFILE, Finding, check
from reports import figures
from reports.figures import Table
from reports.period import Period
from reports.sql import json_text

MET, NOT_MET, CONFIRM = "met", "not met", "needs a person to confirm"
SECTIONS = ("Definitions", "Exclusions", "Accessibility", "The two stages", "Timescales", "Remedies",
            "Reporting", "Scrutiny")


@dataclass(frozen=True)
class Line:
    section: str
    paragraph: str  # the Code's paragraph
    requirement: str
    status: str  # MET, NOT_MET or CONFIRM
    evidence: str


def _findings(findings: list[Finding], *prefixes: str) -> list[Finding]:
    return [f for f in findings if f.departure and f.field.startswith(prefixes)]


def _departures(found: list[Finding]) -> str:
    return "; ".join(f"{f.field}: {f.profile} (Code {f.paragraph}: {f.code})" for f in found)


def _count(db: Session, statement: object) -> int:
    return int(db.scalar(statement) or 0)  # type: ignore[call-overload]


def assess(db: Session, policy: Policy, period: Period, *, as_of: date | None = None,
           tables: Mapping[str, Table] | None = None) -> list[Line]:
    """The checklist; `tables` are the period's figure tables when already computed."""
    findings = check(policy, load_policy(CODE_PROFILE))

    def rows(name: str) -> Table:
        return tables[name] if tables and name in tables else figures.table(db, policy, period, name, as_of=as_of)

    by_kind = dict(rows("cases_by_kind").rows)
    channels = rows("complaints_by_channel").rows
    responses = rows("response_times").rows
    acks = rows("acknowledgements").rows
    improvements = rows("improvements").extra
    corrections = rows("triage_accuracy").rows[-1]
    live = Case.merged_into_id.is_(None)
    in_period = and_(CaseEvent.at >= period.start_utc, CaseEvent.at < period.end_utc, live)

    def events(kind: str, *where: object) -> int:
        return _count(db, select(func.count()).select_from(CaseEvent).join(Case, Case.id == CaseEvent.case_id)
                      .where(CaseEvent.kind == kind, in_period, *where))

    received = and_(Case.received_at >= period.start_utc, Case.received_at < period.end_utc, live)
    without_reasons = events("responded", func.coalesce(json_text(CaseEvent.detail, "reasons"), "") == "")
    final_responses = events("responded", json_text(CaseEvent.detail, "stage") == policy.final_stage)
    signposted = events("ombudsman_signposted")
    extended = events("extended")
    answered = aliased(CaseEvent)
    unanswered_escalations = events("escalated", ~exists().where(
        answered.case_id == CaseEvent.case_id, answered.kind == "responded",
        json_text(answered.detail, "stage") == json_text(CaseEvent.detail, "from")))
    adjustments = _count(db, select(func.count()).select_from(Case).where(received, func.coalesce(func.json_array_length(Case.adjustments), 0) > 0))
    represented = _count(db, select(func.count()).select_from(Case).where(received, func.coalesce(json_text(Case.representative, "name"), "") != ""))
    with_parent = _count(db, select(func.count()).select_from(Case).where(received, Case.parent_case_id.is_not(None)))
    refused = events("responded", json_text(CaseEvent.detail, "outcome") == "not_investigated")

    lines = [
        Line("Definitions", "1.2–1.6", "Complaints are told apart from service requests",
             MET, f"{by_kind['Complaints']} complaints and {by_kind['Service requests']} service requests recorded "
                  f"in the period, each with its kind; officers changed the kind of {corrections[4]} of "
                  f"{corrections[1]} model decisions."),
        Line("Definitions", "1.7", "A complaint can run while its service request stays open", MET,
             f"{with_parent} complaints in the period were raised from an open service request, which stayed open."),
    ]
    time_limit = _findings(findings, "time_limit")
    lines.append(Line("Exclusions", "2.2", "Complaints are accepted within 12 months of the matter",
                      NOT_MET if time_limit else MET,
                      _departures(time_limit) or f"The profile accepts complaints up to "
                                                  f"{policy.time_limit.accept_within_months} months after the matter."))
    lines.append(Line("Exclusions", "2.3–2.4", "What is not considered is listed, and every refusal says why and where to go",
                      NOT_MET if without_reasons else MET,
                      f"The profile signposts all {len(policy.signposts)} exclusions. {by_kind['Excluded matters']} "
                      f"excluded matters were signposted and {refused} complaints refused at a stage in the period; "
                      f"{without_reasons} responses were recorded without reasons."))
    used = [label for label, contacts, _c in channels if contacts]
    lines.append(Line("Accessibility", "3.1–3.2", "Many ways to complain, and reasonable adjustments anticipated", CONFIRM,
                      f"Contacts came by {len(used)} channels ({', '.join(used) or 'none'}); {adjustments} cases "
                      "recorded reasonable adjustments. A person confirms adjustments are offered and kept under review (5.6)."))
    lines.append(Line("Accessibility", "3.6", "A representative may act for the complainant", MET,
                      f"{represented} cases in the period recorded a representative and their consent."))
    lines.append(Line("Accessibility", "3.7", "People are told of their right to go to the Ombudsman",
                      NOT_MET if signposted < final_responses else MET,
                      f"{final_responses} final-stage responses and {signposted} Ombudsman signposts recorded."))
    stages = _findings(findings, "stages.informal") + [f for f in _findings(findings, "stages") if f.field == "stages"]
    lines.append(Line("The two stages", "5.2", "Exactly two stages", NOT_MET if stages else MET,
                      _departures(stages) or f"The profile has {', '.join(s.name for s in policy.stages.values())}."))
    lines.append(Line("The two stages", "5.2–5.4", "Every stage is recorded, answered before the next begins",
                      NOT_MET if unanswered_escalations else MET,
                      f"{unanswered_escalations} escalations in the period had no recorded response at the earlier stage."))
    for key in policy.formal_stages:
        stage = policy.stages[key]
        departs = _findings(findings, f"stages.{key}.acknowledge", f"stages.{key}.respond", f"stages.{key}.extension")
        label = f"Complaints, {stage.name}"
        ack = next((row for row in acks if row[0] == label), None)
        response = next((row for row in responses if row[0] == stage.name), None)
        late = (ack[3] if ack else 0) + (response[3] if response else 0)
        done = (ack[2] + ack[3] if ack else 0) + (response[1] if response else 0)
        status = NOT_MET if departs or late else (MET if done else CONFIRM)
        data = (f"acknowledgements {ack[2]} on time, {ack[3]} late; responses {response[2]} on time, {response[3]} late"
                if ack and response else "no data")
        profile = _departures(departs) or (f"the profile's timescales are within the Code ({stage.acknowledge.working_days} "
                                           f"and {stage.respond.working_days} working days)")
        lines.append(Line("Timescales", "6.2–6.4" if key == "stage_1" else "6 (stage 2)",
                          f"{stage.name}: acknowledged and answered within the Code's timescales", status,
                          f"{profile[0].upper()}{profile[1:]}; in the period {data}."))
    lines.append(Line("Timescales", "5.5, 6.4", "A late response is explained, with its new date", MET,
                      f"{extended} extensions recorded in the period, each with its reason and new date."))
    lines.append(Line("Timescales", "6.7", "Every response gives its outcome with reasons",
                      NOT_MET if without_reasons else MET,
                      f"{sum(row[1] for row in responses)} responses in the period; {without_reasons} without reasons."))
    upheld, acted = improvements["upheld"], improvements["with_actions"]
    lines.append(Line("Remedies", "7.1–7.3", "Upheld complaints are put right, with actions recorded",
                      MET if upheld and acted == upheld else CONFIRM,
                      f"{acted} of {upheld} upheld or partially upheld responses recorded actions"
                      + ("" if acted == upheld else "; a person checks what put the others right") + "."))
    lines.append(Line("Reporting", "8.1", "An annual report with this self-assessment, the types refused and the "
                      "improvements made", MET, "This report: every table, the refused types and the improvements list."))
    lines.append(Line("Reporting", "8.2", "The report goes through governance and is published", CONFIRM,
                      "A person records the committee and the web page it was published on."))
    lines.append(Line("Scrutiny", "9.4–9.7", "A senior officer and a Member Responsible for Complaints see volume, "
                      "categories, outcomes and performance", CONFIRM,
                      "This report gives all four for any period (monthly, quarterly or annually); a person names "
                      "who receives it."))
    return lines
