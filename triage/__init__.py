"""Triage: decide what a contact is. Pure: text and metadata in, a `TriageResult` out.

No database, no queue. `classify` is the one interface every channel's job uses.
"""

from triage.labels import CATEGORIES, EXCLUSIONS, SERVICE_AREAS
from triage.types import Flag, TriageInput, TriageResult
from triage.pipeline import classify, classify_many

__all__ = [
    "CATEGORIES", "EXCLUSIONS", "SERVICE_AREAS", "Flag", "TriageInput", "TriageResult",
    "classify", "classify_many",
]
