"""The one classification interface.

Until the trained pipeline lands this reads the form's own answers: what kind of feedback
and which service the sender chose. Contacts without those answers go to the officer
review queue with low confidence rather than being guessed at.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from triage.labels import CATEGORIES, SERVICE_AREAS
from triage.types import TriageInput, TriageResult

FORM_ANSWERS_VERSION = "form-answers@1"
REVIEW_THRESHOLD = 0.6


def classify(contact: TriageInput) -> TriageResult:
    signals: list[str] = []
    if contact.declared_category in CATEGORIES and contact.declared_category != "excluded":
        category, category_confidence = contact.declared_category, 0.7
        signals.append(f"sender chose '{category}' on the form")
    else:
        category, category_confidence = "service_request", 0.2
        signals.append("no usable feedback type given; defaulted to service_request for review")
    if contact.declared_service_area in SERVICE_AREAS:
        area, area_confidence = contact.declared_service_area, 0.7
        signals.append(f"sender chose service '{area}' on the form")
    else:
        area, area_confidence = "customer_services", 0.2
        signals.append("no service chosen; routed to customer_services for review")
    if not contact.text.strip():
        category_confidence = area_confidence = 0.0
        signals.append("empty text")
    return TriageResult(
        category=category,
        exclusion=None,
        service_area=area,
        confidence={"category": category_confidence, "service_area": area_confidence},
        model_version=FORM_ANSWERS_VERSION,
        signals=signals,
        needs_review=min(category_confidence, area_confidence) < REVIEW_THRESHOLD,
    )


def classify_many(contacts: Iterable[TriageInput]) -> Iterator[TriageResult]:
    for contact in contacts:
        yield classify(contact)
