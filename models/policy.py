"""A council's complaints and feedback policy as data, and the pure functions that read it.

Profiles are TOML files: the shipped ones live in `models/policies/` and are chosen by name
(`COUNCIL_POLICY=huntingdonshire`); any other council can point `COUNCIL_POLICY` at a file of
its own. A profile is validated when it is loaded and a mistake names the file and the field
at fault.

A profile says everything the complaint lifecycle needs: the stages in order, each with its
timescales, what each clock counts from, who owns it and how far it may be extended; the
time limit for raising a complaint; the outcomes; where excluded matters go; the Ombudsman;
the service areas and their teams; and the council's closure days. `lgsco-code` is the
Complaint Handling Code itself written as a profile, which `models.policy_check` compares
the others with.
"""

from __future__ import annotations

import calendar as months
import re
import tomllib
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Literal, TypeVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from models.calendar import WorkingCalendar

SHIPPED = Path(__file__).resolve().parent / "policies"
UK = ZoneInfo("Europe/London")

CATEGORIES = ("complaint", "service_request", "compliment", "comment", "excluded")  # the label contract's
SERVICE_AREAS = (
    "waste", "street_scene", "parking", "planning", "council_tax", "benefits",
    "housing", "environmental_health", "leisure", "customer_services",
)
EXCLUSIONS = (
    "parking_appeal", "statutory_appeal", "councillor_conduct", "insurance_claim",
    "information_request", "council_policy", "decided_elsewhere", "out_of_time", "not_council",
)
OUTCOMES = ("upheld", "partially_upheld", "not_upheld", "not_investigated")
INFORMAL = "informal"
STAGE_KEY = re.compile(r"^(informal|stage_[1-9])$")

# Who may own, sign off or be told about a stage. The policies' own job titles vary
# ("Joint Chief Executive", "a relevant senior officer"); each stage keeps the policy's
# words in `title` beside these roles.
Role = Literal[
    "officer", "service_manager", "head_of_service", "senior_officer", "independent_officer",
    "chief_executive",
]
# What a clock counts from: the request that opened the stage (the complaint itself, or
# the request to escalate it) or the stage's acknowledgement.
Anchor = Literal["receipt", "escalation_request", "acknowledgement"]
Timeliness = Literal["in_time", "late", "out_of_time"]

_T = TypeVar("_T")


class PolicyError(ValueError):
    """A policy profile that cannot be loaded; the message names the file and the field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Council(_Strict):
    name: str
    short_name: str
    reference_prefix: str = Field(pattern=r"^[A-Z]{2,6}$")
    brand_colour: str = Field(pattern=r"^#[0-9a-fA-F]{6}$")
    email: str
    phone: str
    address: str
    website: str
    feedback_policy_url: str


class Clock(_Strict):
    """A number of working days, and the event the count starts from (that day is day 0)."""

    working_days: int = Field(ge=0, le=120)
    counts_from: Anchor


class Timescale(_Strict):
    """When a contact is acknowledged and, if the policy promises one, answered."""

    acknowledge: Clock
    respond: Clock | None = None

    @field_validator("acknowledge")
    @classmethod
    def _acknowledge_counts_from_the_request(cls, value: Clock) -> Clock:
        if value.counts_from == "acknowledgement":
            raise ValueError("an acknowledgement cannot count from itself; use receipt or escalation_request")
        return value


class Owner(_Strict):
    """Who does something at a stage: roles Heard can route by, and the policy's own words."""

    roles: tuple[Role, ...] = Field(min_length=1)
    title: str


class Extension(_Strict):
    """How a stage's response date may be moved. No limit given means the policy sets none;
    a stage without an `extension` table is never extended."""

    decided_by: tuple[Role, ...] = Field(min_length=1)
    complainant: Literal["agrees", "is_told"]  # the extension is agreed with them, or they are told of it
    grounds: str  # when the policy allows one, in its words
    max_working_days: int | None = Field(default=None, ge=1, le=120)  # in all, beyond the response date
    max_times: int | None = Field(default=None, ge=1)
    also_informed: tuple[Role, ...] = ()


class Stage(Timescale):
    """One stage of the complaints procedure. The key in `stages` says which: `informal`,
    `stage_1`, `stage_2`..."""

    name: str
    respond: Clock
    optional: bool = False  # the complainant may go straight to the next stage
    owner: Owner
    sign_off: Owner | None = None
    extension: Extension | None = None
    how_to_request: str | None = None  # where a request for this stage goes, for the letters


class TimeLimit(_Strict):
    """How long after the matter a complaint is asked for, and accepted, in calendar months."""

    ask_within_months: int = Field(ge=1, le=120)
    accept_within_months: int = Field(ge=1, le=120)
    counted_from: Literal["event", "awareness"]  # when it happened, or when the person became aware of it
    later_complaints: str  # what happens after the limit, in the policy's words

    @model_validator(mode="after")
    def _ask_within_accept(self) -> TimeLimit:
        if self.ask_within_months > self.accept_within_months:
            raise ValueError("time_limit.ask_within_months must not be longer than time_limit.accept_within_months")
        return self

    def timeliness(self, happened_on: date, received_on: date) -> Timeliness:
        """`in_time` within the asked limit, `late` after it but still accepted, `out_of_time`
        beyond the accepted limit (the out_of_time exclusion, unless there is a good reason)."""
        if received_on <= add_months(happened_on, self.ask_within_months):
            return "in_time"
        if received_on <= add_months(happened_on, self.accept_within_months):
            return "late"
        return "out_of_time"


class Outcome(_Strict):
    label: str
    meaning: str
    reason_required: bool


class ServiceArea(_Strict):
    label: str
    team: str
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")  # where the team's cases and reminders go
    # Who hears when the team misses a deadline; unset, the council's complaints address.
    manager_email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class Signpost(_Strict):
    reason: str  # why the complaints procedure does not deal with it
    next_step: str  # where to go instead, with contact details


class Ombudsman(_Strict):
    name: str
    phone: str
    website: str
    enquiries_handled_by: tuple[Role, ...] = ()  # who answers the Ombudsman's enquiries, if the policy says


def add_months(day: date, count: int) -> date:
    """The same day `count` calendar months later, or that month's last day if it is shorter."""
    month_index = day.month - 1 + count
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, months.monthrange(year, month)[1]))


def _exactly(value: dict[str, _T], expected: tuple[str, ...], what: str) -> dict[str, _T]:
    missing, unknown = set(expected) - set(value), set(value) - set(expected)
    if missing or unknown:
        raise ValueError(f"must {what}; missing {sorted(missing)}, unknown {sorted(unknown)}")
    return value


class Policy(_Strict):
    profile: str
    council: Council
    closure_days: list[date] = []
    stages: dict[str, Stage]
    time_limit: TimeLimit
    outcomes: dict[str, Outcome]
    service_request: Timescale
    feedback: Timescale  # compliments and comments
    excluded: Timescale
    retention_years: int = Field(ge=1, le=100)
    # How many working days before a deadline its owner is reminded (Heard default: 2).
    reminder_working_days: int = Field(default=2, ge=0, le=20)
    service_areas: dict[str, ServiceArea]
    signposts: dict[str, Signpost]
    ombudsman: Ombudsman

    @field_validator("service_areas")
    @classmethod
    def _every_area(cls, value: dict[str, ServiceArea]) -> dict[str, ServiceArea]:
        return _exactly(value, SERVICE_AREAS, "name exactly the ten service areas")

    @field_validator("signposts")
    @classmethod
    def _every_exclusion(cls, value: dict[str, Signpost]) -> dict[str, Signpost]:
        return _exactly(value, EXCLUSIONS, "signpost exactly the nine exclusions")

    @field_validator("outcomes")
    @classmethod
    def _every_outcome(cls, value: dict[str, Outcome]) -> dict[str, Outcome]:
        _exactly(value, OUTCOMES, "name exactly the four outcomes")
        if not value["not_investigated"].reason_required:
            raise ValueError("outcomes.not_investigated.reason_required must be true: a refusal always says why")
        return value

    @field_validator("stages")
    @classmethod
    def _stages_in_order(cls, value: dict[str, Stage]) -> dict[str, Stage]:
        bad = [key for key in value if not STAGE_KEY.match(key)]
        if bad:
            raise ValueError(f"stage names must be informal or stage_1, stage_2...; not {bad}")
        formal = [key for key in value if key != INFORMAL]
        if not formal:
            raise ValueError("stages must include stage_1")
        expected = [f"stage_{n}" for n in range(1, len(formal) + 1)]
        order = ([INFORMAL] if INFORMAL in value else []) + expected
        if list(value) != order:
            raise ValueError(f"stages must be written in the order {', '.join(order)}; found {', '.join(value)}")
        for key, stage in value.items():
            opened_by = "escalation_request" if key not in (INFORMAL, "stage_1") else "receipt"
            for clock_name in ("acknowledge", "respond"):
                clock: Clock = getattr(stage, clock_name)
                if clock.counts_from not in (opened_by, "acknowledgement"):
                    raise ValueError(f"stages.{key}.{clock_name}.counts_from is {clock.counts_from!r}; "
                                     f"this stage opens on {opened_by!r}, so count from that or 'acknowledgement'")
            if opened_by == "escalation_request" and not stage.how_to_request:
                raise ValueError(f"stages.{key}.how_to_request is missing: letters must say how to escalate")
        return value

    # --- stages -----------------------------------------------------------------------

    @property
    def formal_stages(self) -> list[str]:
        return [key for key in self.stages if key != INFORMAL]

    @property
    def first_stage(self) -> str:
        """Where a new complaint starts: an informal stage is offered, never imposed."""
        return self.formal_stages[0]

    @property
    def final_stage(self) -> str:
        """After this stage's response the complainant is pointed to the Ombudsman."""
        return self.formal_stages[-1]

    def next_stage(self, key: str) -> str | None:
        order = list(self.stages)
        position = order.index(key)
        return order[position + 1] if position + 1 < len(order) else None

    def stage_acknowledgement_due(self, key: str, requested_on: date) -> date:
        """The last day to acknowledge a stage requested (received or escalated) on `requested_on`."""
        return self.calendar().add_working_days(requested_on, self.stages[key].acknowledge.working_days)

    def stage_response_due(self, key: str, requested_on: date, acknowledged_on: date) -> date:
        """The last day for the stage's response, counted from what the policy says."""
        respond = self.stages[key].respond
        start = acknowledged_on if respond.counts_from == "acknowledgement" else requested_on
        return self.calendar().add_working_days(start, respond.working_days)

    def latest_extended_response(self, key: str, response_due: date) -> date | None:
        """The furthest an extension may move a stage's response: `response_due` itself when
        the stage is never extended, None when the policy sets no limit."""
        extension = self.stages[key].extension
        if extension is None:
            return response_due
        if extension.max_working_days is None:
            return None
        return self.calendar().add_working_days(response_due, extension.max_working_days)

    # --- contacts by kind, as triage names them ------------------------------------------

    def calendar(self) -> WorkingCalendar:
        return _calendar(tuple(self.closure_days))

    def timescale(self, kind: str) -> Timescale:
        return {
            "complaint": self.stages[self.first_stage],
            "service_request": self.service_request,
            "compliment": self.feedback,
            "comment": self.feedback,
            "excluded": self.excluded,
        }[kind]

    def acknowledgement_due(self, kind: str, received_at: datetime) -> date:
        """The last day to acknowledge a contact of this kind received at `received_at`."""
        received = received_at.astimezone(UK).date()
        return self.calendar().add_working_days(received, self.timescale(kind).acknowledge.working_days)

    def response_due(self, kind: str, received_at: datetime, acknowledged_on: date) -> date | None:
        """The date by which the person will hear, counted as the profile says, or None."""
        respond = self.timescale(kind).respond
        if respond is None:
            return None
        start = acknowledged_on if respond.counts_from == "acknowledgement" else received_at.astimezone(UK).date()
        return self.calendar().add_working_days(start, respond.working_days)


@lru_cache(maxsize=16)
def _calendar(closures: tuple[date, ...]) -> WorkingCalendar:
    return WorkingCalendar(closures)


def _path_for(name_or_path: str) -> Path:
    if name_or_path.endswith(".toml") or "/" in name_or_path:
        return Path(name_or_path)
    return SHIPPED / f"{name_or_path}.toml"


def _field(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc)


def _message(msg: str) -> str:
    return msg.removeprefix("Value error, ")  # our own validators' messages say enough


@lru_cache(maxsize=16)
def load_policy(name_or_path: str) -> Policy:
    """Load and validate a shipped profile by name, or a profile file by path."""
    path = _path_for(name_or_path)
    if not path.is_file():
        shipped = ", ".join(sorted(p.stem for p in SHIPPED.glob("*.toml")))
        raise PolicyError(f"no policy profile {name_or_path!r}: give one of {shipped} or a path to a .toml file")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise PolicyError(f"{path}: not valid TOML: {exc}") from exc
    try:
        return Policy.model_validate({"profile": path.stem, **data})
    except ValidationError as exc:
        problems = "; ".join(
            f"{_field(err['loc'])}: {_message(err['msg'])}" if err["loc"] else _message(err["msg"]) for err in exc.errors()
        )
        raise PolicyError(f"{path}: {problems}") from exc
