"""What triage reads and what it returns."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class TriageInput:
    text: str
    channel: str
    received_at: datetime
    subject: str | None = None
    id: str | None = None
    # What the sender chose on a form, if the channel asked: a hint, never the decision.
    declared_category: str | None = None
    declared_service_area: str | None = None


@dataclass(frozen=True)
class Flag:
    name: str  # e.g. "urgent"
    reason: str


@dataclass(frozen=True)
class TriageResult:
    category: str
    exclusion: str | None
    service_area: str
    confidence: dict[str, float]  # per label: category, exclusion, service_area
    model_version: str
    signals: list[str] = field(default_factory=list)  # what decided it, in words
    flags: list[Flag] = field(default_factory=list)
    needs_review: bool = False

    @property
    def urgent(self) -> bool:
        return any(flag.name == "urgent" for flag in self.flags)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
