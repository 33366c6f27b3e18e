"""A council's complaints and feedback policy as data, and the pure functions that read it.

Profiles are TOML files: the shipped ones live in `models/policies/` and are chosen by name
(`COUNCIL_POLICY=huntingdonshire`); any other council can point `COUNCIL_POLICY` at a file of
its own. A profile is validated when it is loaded and a mistake names the field at fault.
"""

from __future__ import annotations

import tomllib
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Literal, TypeVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from models.calendar import WorkingCalendar

SHIPPED = Path(__file__).resolve().parent / "policies"
UK = ZoneInfo("Europe/London")

SERVICE_AREAS = (
    "waste", "street_scene", "parking", "planning", "council_tax", "benefits",
    "housing", "environmental_health", "leisure", "customer_services",
)
EXCLUSIONS = (
    "parking_appeal", "statutory_appeal", "councillor_conduct", "insurance_claim",
    "information_request", "council_policy", "decided_elsewhere", "out_of_time", "not_council",
)


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


class Timescale(_Strict):
    """Working days to acknowledge and to respond, and what the response clock counts from."""

    acknowledge_working_days: int = Field(ge=0, le=60)
    respond_working_days: int | None = Field(default=None, ge=1, le=120)
    respond_from: Literal["receipt", "acknowledgement"] = "acknowledgement"


class ServiceArea(_Strict):
    label: str
    team: str


class Signpost(_Strict):
    reason: str  # why the complaints procedure does not deal with it
    next_step: str  # where to go instead, with contact details


class Ombudsman(_Strict):
    name: str
    phone: str
    website: str


def _exactly(value: dict[str, _T], expected: tuple[str, ...], what: str) -> dict[str, _T]:
    missing, unknown = set(expected) - set(value), set(value) - set(expected)
    if missing or unknown:
        raise ValueError(f"must {what}; missing {sorted(missing)}, unknown {sorted(unknown)}")
    return value


class Policy(_Strict):
    profile: str
    council: Council
    closure_days: list[date] = []
    complaint_stage_1: Timescale
    service_request: Timescale
    feedback: Timescale  # compliments and comments
    excluded: Timescale
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

    def calendar(self) -> WorkingCalendar:
        return _calendar(tuple(self.closure_days))

    def timescale(self, kind: str) -> Timescale:
        return {
            "complaint": self.complaint_stage_1,
            "service_request": self.service_request,
            "compliment": self.feedback,
            "comment": self.feedback,
            "excluded": self.excluded,
        }[kind]

    def acknowledgement_due(self, kind: str, received_at: datetime) -> date:
        """The last day to acknowledge a contact of this kind received at `received_at`."""
        received = received_at.astimezone(UK).date()
        return self.calendar().add_working_days(received, self.timescale(kind).acknowledge_working_days)

    def response_due(self, kind: str, received_at: datetime, acknowledged_on: date) -> date | None:
        """The date by which the person will hear, counted as the profile says, or None."""
        scale = self.timescale(kind)
        if scale.respond_working_days is None:
            return None
        start = acknowledged_on if scale.respond_from == "acknowledgement" else received_at.astimezone(UK).date()
        return self.calendar().add_working_days(start, scale.respond_working_days)


@lru_cache(maxsize=16)
def _calendar(closures: tuple[date, ...]) -> WorkingCalendar:
    return WorkingCalendar(closures)


def _path_for(name_or_path: str) -> Path:
    if name_or_path.endswith(".toml") or "/" in name_or_path:
        return Path(name_or_path)
    return SHIPPED / f"{name_or_path}.toml"


@lru_cache(maxsize=16)
def load_policy(name_or_path: str) -> Policy:
    """Load and validate a shipped profile by name, or a profile file by path."""
    path = _path_for(name_or_path)
    if not path.is_file():
        shipped = ", ".join(sorted(p.stem for p in SHIPPED.glob("*.toml")))
        raise PolicyError(f"no policy profile {name_or_path!r}: give one of {shipped} or a path to a .toml file")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"{path}: not valid TOML: {exc}") from exc
    try:
        return Policy.model_validate({"profile": path.stem, **data})
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise PolicyError(f"{path}: {problems}") from exc
