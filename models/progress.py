"""What a tracked case shows the public: its kind, stage, state, the date they will hear
by and how to take it further. Nothing personal and no text from the case, because anyone
holding the reference and code sees it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from models.cases import Case
from models.policy import Ombudsman, Policy
from models.records import CaseState

KIND_NAMES = {
    "complaint": "Complaint",
    "service_request": "Request for a service",
    "compliment": "Compliment",
    "comment": "Comment or suggestion",
    "excluded": "A matter our complaints procedure does not cover",
}
# Why the complaints procedure does not cover a matter, in a few words (the label contract's
# exclusions): for staff screens and reports.
EXCLUSION_NAMES = {
    "parking_appeal": "Parking fine (PCN) challenge",
    "statutory_appeal": "Decision with its own appeal route",
    "councillor_conduct": "A councillor's conduct",
    "insurance_claim": "Insurance claim",
    "information_request": "Freedom of information or data protection",
    "council_policy": "Disagreement with council policy",
    "decided_elsewhere": "Decided by a court, tribunal or the Ombudsman",
    "out_of_time": "More than 12 months ago, no good reason",
    "not_council": "Not this council's responsibility",
}


@dataclass(frozen=True)
class Escalation:
    stage_name: str
    how_to_request: str


@dataclass(frozen=True)
class Progress:
    """What anyone holding the reference and code may see: no names, no text from the case."""

    reference: str
    kind: str
    stage_name: str | None
    state: str
    hear_by: date | None
    escalation: Escalation | None  # the next stage and how to ask for it (for a request: complaining)
    ombudsman: Ombudsman | None  # after the final stage's response
    signpost: str | None  # where an excluded matter goes instead


def _state(case: Case) -> str:
    complaint = case.kind == "complaint"
    if case.merged_into_id is not None:  # a duplicate: its matter goes on under the other reference
        return "Joined with another case about the same matter. We will keep you updated under that case"
    return {
        CaseState.OPEN: "We have received it and will confirm the date you will hear from us",
        CaseState.ACKNOWLEDGED: "We are looking into your complaint" if complaint else "We are dealing with it",
        CaseState.RESPONDED: "We have sent you our response",
        CaseState.CLOSED: "Closed",
        CaseState.WITHDRAWN: "Withdrawn at your request",
    }.get(case.state, "We are dealing with it")


def progress(case: Case, policy: Policy) -> Progress:
    stage = policy.stages.get(case.stage_key) if case.stage_key else None
    if case.state == CaseState.OPEN:
        hear_by = case.acknowledgement_due
    elif case.state == CaseState.ACKNOWLEDGED:
        hear_by = case.response_due
    else:
        hear_by = None
    escalation, ombudsman = None, None
    live = case.state in (CaseState.OPEN, CaseState.ACKNOWLEDGED, CaseState.RESPONDED)
    following = policy.next_stage(case.stage_key) if stage is not None and case.stage_key else None
    if case.kind == "complaint" and following is not None and live:
        nxt = policy.stages[following]
        escalation = Escalation(nxt.name, nxt.how_to_request) if nxt.how_to_request else None
    elif case.kind == "complaint" and stage is not None and following is None and case.responded_at is not None:
        ombudsman = policy.ombudsman  # the final stage has answered: the Ombudsman is next
    elif case.kind == "service_request" and live:  # unhappy with how it is handled: complain
        first = policy.stages[policy.first_stage]
        escalation = Escalation(first.name, first.how_to_request) if first.how_to_request else None
    signpost = policy.signposts[case.exclusion].next_step if case.exclusion in policy.signposts else None
    return Progress(
        reference=case.reference,
        kind=KIND_NAMES.get(case.kind, "Contact"),
        stage_name=stage.name if stage is not None else None,
        state=_state(case),
        hear_by=hear_by,
        escalation=escalation,
        ombudsman=ombudsman,
        signpost=signpost,
    )
