"""The triage officer's screens in Debian's chromium: an officer corrects a classification
and the case appears in the right team's queue; both triage pages and the operations page
pass axe-core's WCAG 2.2 AA check, at 320 px too, and work by keyboard."""

from __future__ import annotations

import pytest

from heard.queue import enqueue_triage
from tests.browser import axe_violations, screenshot
from tests.conftest import run_jobs
from tests.staff import contact_with_decision, sign_in_browser, staff

pytestmark = pytest.mark.browser


def decision_form(page):  # type: ignore[no-untyped-def]
    return page.locator("form", has=page.get_by_role("button", name="Save decision"))


def test_an_officer_corrects_a_contact_and_the_right_team_sees_it(page, live_server):
    staff("tara@example.gov.uk", ["triage_officer"])
    staff("lee@example.gov.uk", ["service_team"], ["leisure"], name="Lee Leisure")
    reference = contact_with_decision("The swimming pool changing rooms were filthy again, third time this month.",
                                      category="comment", area="waste", score=0.31)
    contact_with_decision("Please empty the bin on Elm Road", score=0.7)

    sign_in_browser(page, live_server.url, "tara@example.gov.uk")
    page.get_by_role("link", name="Triage").click()
    page.wait_for_url("**/staff/triage")
    assert axe_violations(page) == []
    screenshot(page, "triage-queue")
    page.get_by_role("link", name=reference).click()  # the least confident first
    page.wait_for_url(f"**/staff/triage/{reference}")
    assert axe_violations(page) == []
    screenshot(page, "triage-contact")

    form = decision_form(page)
    form.get_by_role("radio", name="Complaint", exact=True).check()
    form.get_by_label("Service area").select_option("leisure")
    form.get_by_label("Reason for the change").fill("Repeated dirty changing rooms: a complaint about leisure")
    form.get_by_role("button", name="Save decision").click()
    page.wait_for_url("**/staff/triage")
    assert f"{reference}: decision recorded" in page.locator("main").inner_text()
    assert reference not in page.locator("table").inner_text()
    page.get_by_role("button", name="Sign out").click()

    sign_in_browser(page, live_server.url, "lee@example.gov.uk")
    page.goto(f"{live_server.url}/staff/cases")
    row = page.locator("tr", has_text=reference)
    assert "Complaint" in row.inner_text()


def test_a_refused_correction_is_summarised_and_the_pages_work_at_320px_by_keyboard(page, live_server):
    staff("tara@example.gov.uk", ["triage_officer", "administrator"])
    reference = contact_with_decision(urgent=True, score=0.8)
    page.set_viewport_size({"width": 320, "height": 800})
    sign_in_browser(page, live_server.url, "tara@example.gov.uk")
    page.goto(f"{live_server.url}/staff/triage/{reference}")
    assert page.evaluate("document.documentElement.scrollWidth <= 320")
    assert axe_violations(page) == []

    decision_form(page).get_by_role("radio", name="Complaint", exact=True).focus()  # by keyboard: choose, then tab to the button and press it
    page.keyboard.press("Space")
    page.get_by_role("button", name="Save decision").focus()
    page.keyboard.press("Enter")
    summary = page.locator(".govuk-error-summary")
    summary.wait_for(state="visible")
    assert "give a reason" in summary.inner_text() and page.title().startswith("Error: ")
    assert axe_violations(page) == []

    enqueue_triage(424242)  # a failed job for the operations page to show
    run_jobs()
    page.goto(f"{live_server.url}/staff/operations")
    assert "heard.jobs.triage_contact(424242)" in page.locator("main").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth <= 320")
    assert axe_violations(page) == []
    screenshot(page, "operations")
