"""Staff accounts and triaged contacts for the staff screens' tests."""

from __future__ import annotations

import itertools
import re
from datetime import datetime, timezone

from flask.testing import FlaskClient

from intake.store import Received, store
from models import Contact, TriageDecision
from models.db import transaction
from models.policy import load_policy
from models.records import open_record
from models.staff import create
from web import create_app

PASSWORD = "correct horse battery staple"
CSRF = re.compile(r'name="(?:[a-z]+-)?csrf_token" type="hidden" value="([^"]+)"')
RECEIVED = datetime(2026, 11, 2, 9, 30, tzinfo=timezone.utc)
_ids = itertools.count()


def staff(email: str, roles: list[str], areas: list[str] | None = None, name: str = "Tara Triage") -> int:
    with transaction() as db:
        return create(db, email, name, PASSWORD, roles, areas or []).id


def signed_in(email: str) -> FlaskClient:
    """A test client signed in as `email` through the real sign-in form."""
    client = create_app().test_client()
    token = CSRF.search(client.get("/staff/sign-in").get_data(as_text=True)).group(1)  # type: ignore[union-attr]
    response = client.post("/staff/sign-in", data={"csrf_token": token, "email": email, "password": PASSWORD})
    assert response.status_code == 303, response.get_data(as_text=True)
    return client


def sign_in_browser(page, base_url: str, email: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base_url}/staff/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base_url}/staff")


def contact_with_decision(text: str = "My bin was not collected on Tuesday.", *, category: str = "service_request",
                          area: str = "waste", score: float = 0.4, urgent: bool = False, review: bool = True,
                          channel: str = "web", email: str | None = "ann@example.org", received: datetime = RECEIVED,
                          raw: bytes | None = None, content_type: str = "text/plain") -> str:
    """A contact stored the real way, with a model decision of the given confidence and its
    case opened; returns the contact's reference."""
    n = next(_ids)
    policy = load_policy("huntingdonshire")
    stored = store(Received(channel=channel, provider_id=f"review-{n}", content_type=content_type,
                            body=raw if raw is not None else text.encode(), text=text, received_at=received,
                            fields={"sender_name": "Ann Example", "sender_email": email}), policy)
    with transaction() as db:
        contact = db.get_one(Contact, stored.contact_id)
        flags = [{"name": "urgent", "reason": "risk to safety"}] if urgent else []
        decision = TriageDecision(contact_id=contact.id, category=category, exclusion=None, service_area=area,
                                  confidence={"category": score, "service_area": score}, flags=flags,
                                  signals=["textcat: service_request 0.40"], decided_by="model:test@1",
                                  needs_review=review, awaiting_review=review or urgent, urgent=urgent, score=score)
        db.add(decision)
        open_record(db, contact, decision, policy, urgent=urgent)
    return stored.reference
