"""The feedback form in a real browser: Playwright driving Debian's chromium, checked with axe."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from models import Contact
from models.db import transaction
from tests.browser import axe_violations, screenshot

pytestmark = pytest.mark.browser

def test_form_meets_wcag_22_aa_and_submits_with_the_keyboard_and_mouse(page, live_server, tmp_path):
    page.goto(f"{live_server.url}/feedback")
    assert page.title() == "Contact us and give feedback - Huntingdonshire District Council"
    assert axe_violations(page) == []
    # The GOV.UK Frontend script ran (progressive enhancement), under the real CSP.
    assert "govuk-frontend-supported" in page.locator("body").get_attribute("class")

    page.get_by_label("Make a complaint").check()
    page.get_by_label("Bins, recycling and waste").check()
    page.get_by_label("Tell us about it").fill("The crew left my bin in the road again, the third week running.")
    page.get_by_label("By email").check()
    assert page.get_by_label("Email address").is_visible()  # revealed only when chosen
    page.get_by_label("Full name", exact=True).fill("Ann Example")
    page.get_by_label("Email address").fill("ann@example.org")
    page.locator("#on_behalf-2").check()
    page.locator("#needs_adjustments-2").check()
    screenshot(page, "feedback-form")
    page.get_by_role("button", name="Send").click()

    page.wait_for_url("**/feedback/confirmation")
    panel = page.locator(".govuk-panel")
    assert "Feedback sent" in panel.inner_text()
    assert axe_violations(page) == []
    with transaction() as db:
        reference = db.scalars(select(Contact.reference)).one()
    assert reference in panel.inner_text()


def test_errors_are_summarised_focused_and_linked(page, live_server):
    page.goto(f"{live_server.url}/feedback")
    page.get_by_role("button", name="Send").click()
    summary = page.locator(".govuk-error-summary")
    summary.wait_for(state="visible")  # after the round trip to the server
    assert page.title().startswith("Error: ")
    assert page.evaluate("document.activeElement.classList.contains('govuk-error-summary')")
    summary.get_by_role("link", name="Tell us about it").click()
    assert page.evaluate("document.activeElement.id") == "what_happened"
    assert axe_violations(page) == []
    with transaction() as db:
        assert db.scalars(select(Contact)).first() is None
