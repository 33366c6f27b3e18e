"""The whole report for a period: every figure table, the themes, and the self-assessment;
and any one of them by name, as a table, for its CSV."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from models.policy import Policy
from reports import figures, selfassessment, themes
from reports.figures import Table
from reports.period import Period

THEME_KINDS = {"complaint_themes": "complaint", "compliment_themes": "compliment"}
NAMES: tuple[str, ...] = (*figures.NAMES, *THEME_KINDS, "self_assessment")


@dataclass(frozen=True)
class Report:
    period: Period
    tables: dict[str, Table]
    themes: dict[str, list[themes.Theme]]  # by kind: complaint, compliment
    assessment: list[selfassessment.Line]


def theme_table(found: list[themes.Theme], name: str) -> Table:
    kind = THEME_KINDS[name]
    return Table(name, f"Themes in {kind}s", ("Theme", "Top phrases", "Cases", "Example cases"),
                 [(n, "; ".join(t.terms), t.cases, " ".join(t.examples)) for n, t in enumerate(found, 1)],
                 note="Found from the words people used (TF-IDF and NMF, fixed seed): each case belongs to "
                      "the theme that explains most of its text. Open the example cases to judge a theme.")


def assessment_table(lines: list[selfassessment.Line]) -> Table:
    return Table("self_assessment", "Self-assessment against the Complaint Handling Code",
                 ("Section", "Code paragraph", "Requirement", "Status", "Evidence"),
                 [(l.section, l.paragraph, l.requirement, l.status, l.evidence) for l in lines])


def build(db: Session, policy: Policy, period: Period, *, as_of: date | None = None) -> Report:
    tables = {t.name: t for t in figures.all_tables(db, policy, period, as_of=as_of)}
    found = {kind: themes.themes(db, period, kind) for kind in THEME_KINDS.values()}
    return Report(period, tables, found, selfassessment.assess(db, policy, period, as_of=as_of, tables=tables))


def every_table(db: Session, policy: Policy, period: Period, *, as_of: date | None = None) -> list[Table]:
    """Every table of the report as its CSV has it, in NAMES order, each figure table built
    once (the self-assessment reads them instead of building its own)."""
    built = {name: figures.table(db, policy, period, name, as_of=as_of, full=True) for name in figures.NAMES}
    built["self_assessment"] = assessment_table(selfassessment.assess(db, policy, period, as_of=as_of, tables=built))
    for name, kind in THEME_KINDS.items():
        built[name] = theme_table(themes.themes(db, period, kind), name)
    return [built[name] for name in NAMES]


def one_table(db: Session, policy: Policy, period: Period, name: str, *, as_of: date | None = None) -> Table:
    """Any table of the report by name; KeyError for a name that is not one."""
    if name in THEME_KINDS:
        return theme_table(themes.themes(db, period, THEME_KINDS[name]), name)
    if name == "self_assessment":
        return assessment_table(selfassessment.assess(db, policy, period, as_of=as_of))
    if name not in figures.BUILDERS:
        raise KeyError(name)
    return figures.table(db, policy, period, name, as_of=as_of, full=True)
