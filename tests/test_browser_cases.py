"""The service team's queue and case page in a real browser: Playwright driving Debian's
chromium, checked with axe-core, at 320 px wide and by keyboard alone. Screenshots of each
page land in var/screenshots/ for review (var/ is not in git)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from models import Case, CaseEvent, Notification
from models.db import transaction
from tests.browser import axe_violations, screenshot
from tests.test_staff_auth import PASSWORD, create_user
from tests.test_staff_cases import POLICY, open_case, set_case, today

pytestmark = pytest.mark.browser

def fits(page) -> bool:  # type: ignore[no-untyped-def]
    """Nothing wider than the screen: no sideways scrolling of the page itself."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def tab_to(page, test: str, limit: int = 80) -> None:  # type: ignore[no-untyped-def]
    """Press Tab until `test` (JavaScript over document.activeElement) holds, as a keyboard user would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(() => {{ const el = document.activeElement; return {test}; }})()"):
            return
    raise AssertionError(f"never reached {test} by Tab")


@pytest.fixture()
def cases(heard_env):  # type: ignore[no-untyped-def]
    assert create_user("ann@example.gov.uk", name="Ann Team", roles=("service_team",), areas=("waste",)).exit_code == 0
    urgent = open_case(text="Nobody has collected the clinical waste for my father, who is unwell and alone.", urgent=True)
    ordinary = open_case(text='The crew left the bin in the road again. <script>alert("x")</script>')
    overdue = open_case(text="Three weeks of missed recycling.")
    calendar, now = POLICY.calendar(), today()
    set_case(overdue, deadline_due=calendar.subtract_working_days(now, 3))
    set_case(urgent, deadline_due=calendar.add_working_days(now, 2))
    set_case(ordinary, deadline_due=calendar.add_working_days(now, 2))
    return {"urgent": urgent, "ordinary": ordinary, "overdue": overdue}


def test_a_team_member_opens_the_queue_acknowledges_and_writes_a_response(page, live_server, cases):
    page.goto(f"{live_server.url}/staff/cases")
    page.wait_for_url("**/staff/sign-in?next=/staff/cases")
    page.get_by_label("Email address").fill("ann@example.gov.uk")
    page.get_by_label("Password").fill(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/staff/cases")
    assert page.title() == "Cases - Huntingdonshire District Council"
    rows = page.locator("tbody tr")
    assert [rows.nth(i).locator("a").inner_text() for i in range(3)] == [cases["overdue"], cases["urgent"], cases["ordinary"]]
    assert "Overdue by" in rows.nth(0).inner_text() and "Urgent" in rows.nth(1).inner_text()
    assert axe_violations(page) == []
    screenshot(page, "cases-queue")

    page.get_by_role("link", name=cases["ordinary"]).click()
    page.get_by_role("heading", name=cases["ordinary"], level=1).wait_for()
    assert '<script>alert("x")</script>' in page.locator("#history").inner_text()  # shown as text, never run
    assert axe_violations(page) == []
    page.get_by_label("How the person was told").fill("by phone")
    page.get_by_role("button", name="Record acknowledgement").click()
    page.locator(".govuk-notification-banner--success").wait_for()
    assert "Acknowledgement recorded" in page.locator(".govuk-notification-banner").inner_text()

    page.get_by_role("button", name="Send response").click()  # nothing filled in: the errors, summarised
    summary = page.locator(".govuk-error-summary")
    summary.wait_for(state="visible")
    assert page.title().startswith("Error: ") and "Choose the outcome" in summary.inner_text()
    assert axe_violations(page) == []
    summary.get_by_role("link", name="Write the response to send to the complainant").click()
    assert page.evaluate("document.activeElement.id") == "respond-letter"

    page.get_by_label("Upheld", exact=True).check()
    page.get_by_label("Reasons for the outcome").fill("The crew missed the road twice.")
    page.get_by_label("Written response").fill("Dear Rita,\n\nWe are sorry: the crew missed your road twice. "
                                              "We have collected the bin and spoken to the crew.")
    page.get_by_role("button", name="Send response").click()
    page.locator(".govuk-notification-banner--success").wait_for()
    assert "A letter to the complainant is queued" in page.locator(".govuk-notification-banner").inner_text()
    assert axe_violations(page) == []
    screenshot(page, "case-page")
    with transaction() as db:
        case = db.scalar(select(Case).where(Case.reference == cases["ordinary"]))
        assert case is not None and case.state == "responded" and case.outcome == "upheld"
        letter = db.scalar(select(Notification).where(Notification.case_id == case.id,
                                                      Notification.template == "stage_response"))
        assert letter is not None and "spoken to the crew" in letter.context["letter"]


def test_queue_and_case_page_at_320px_by_keyboard_alone(page, live_server, cases):
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(f"{live_server.url}/staff/sign-in?next=/staff/cases")
    tab_to(page, "el.id === 'email'")
    page.keyboard.type("ann@example.gov.uk")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/staff/cases")
    assert fits(page) and axe_violations(page) == []
    screenshot(page, "cases-queue-320")

    tab_to(page, f"el.textContent.trim() === '{cases['urgent']}'")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name=cases["urgent"], level=1).wait_for()
    assert fits(page) and axe_violations(page) == []
    tab_to(page, "el.id === 'note-text'")
    page.keyboard.type("Rang the resident; the crew is on its way.")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent").strip() == "Add note"
    page.keyboard.press("Enter")
    page.locator(".govuk-notification-banner--success").wait_for()
    assert "Note added" in page.locator(".govuk-notification-banner").inner_text()
    assert fits(page) and axe_violations(page) == []
    screenshot(page, "case-page-320")
    with transaction() as db:
        case_id = db.scalar(select(Case.id).where(Case.reference == cases["urgent"]))
        notes = list(db.scalars(select(CaseEvent.detail).where(CaseEvent.case_id == case_id, CaseEvent.kind == "note")))
    assert notes == [{"text": "Rang the resident; the crew is on its way."}]
