"""The label contract (shared/triage-labels.md): the only names any classifier may return."""

CATEGORIES = ("complaint", "service_request", "compliment", "comment", "excluded")
EXCLUSIONS = (
    "parking_appeal", "statutory_appeal", "councillor_conduct", "insurance_claim",
    "information_request", "council_policy", "decided_elsewhere", "out_of_time", "not_council",
)
SERVICE_AREAS = (
    "waste", "street_scene", "parking", "planning", "council_tax", "benefits",
    "housing", "environmental_health", "leisure", "customer_services",
)
