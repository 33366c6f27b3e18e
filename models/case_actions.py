"""Which lifecycle steps a case offers now, so a screen shows only those.

This reads the same states and profile rules as `models.lifecycle` and decides nothing new:
the lifecycle still checks every step when it runs (names, dates and who answered an
earlier stage are only known then). A test walks cases through every state and checks
that a step offered here is one the lifecycle accepts, and one not offered is refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from models.cases import Case
from models.lifecycle import ACTIVE, escalation_refused
from models.policy import Extension, Policy
from models.records import CaseState

# In the order a person works a case; `note` is always offered, even on a closed case.
STEPS = ("acknowledge", "assign", "extend", "respond", "escalate", "close", "withdraw", "note")


@dataclass(frozen=True)
class ExtensionRule:
    """What the extend form needs to say: who must agree, and how far it may go."""

    complainant_agrees: bool
    grounds: str
    max_working_days: int | None
    max_times: int | None


def available(case: Case, policy: Policy) -> tuple[str, ...]:
    """The steps the case's state and the profile allow now, in `STEPS` order."""
    complaint = case.kind == "complaint" and case.stage_key is not None
    if case.merged_into_id is not None:
        return ("note",)  # a duplicate: its work goes on in the case it was merged into
    allowed = {"note"}
    if case.state == CaseState.OPEN:
        allowed.add("acknowledge")
    if case.state in ACTIVE:
        allowed.add("assign")
        if not complaint or case.state == CaseState.RESPONDED:
            allowed.add("close")
    if complaint and case.state in ACTIVE:
        allowed.add("withdraw")
    if complaint and case.state == CaseState.ACKNOWLEDGED:
        allowed.add("respond")
        if extension_rule(case, policy) is not None:
            allowed.add("extend")
    if complaint and escalation_refused(case, policy) is None:
        allowed.add("escalate")
    return tuple(step for step in STEPS if step in allowed)


def extension_rule(case: Case, policy: Policy) -> ExtensionRule | None:
    """The stage's extension rule while it still allows one more, else None."""
    if case.stage_key is None or case.response_due is None or case.state != CaseState.ACKNOWLEDGED:
        return None
    rule: Extension | None = policy.stages[case.stage_key].extension
    if rule is None or (rule.max_times is not None and case.extensions >= rule.max_times):
        return None
    return ExtensionRule(rule.complainant == "agrees", rule.grounds, rule.max_working_days, rule.max_times)


