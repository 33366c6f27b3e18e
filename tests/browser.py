"""Debian's chromium driven by Playwright, and axe-core's WCAG 2.2 AA check, for every
browser test. The fixtures are registered in conftest.py."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from heard.config import PROJECT_ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
AXE = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is not installed: `make test` installs it with scripts/system-packages")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield browser
        browser.close()


@pytest.fixture()
def page(browser, live_server):  # type: ignore[no-untyped-def]
    context = browser.new_context(bypass_csp=True)  # only so axe can be injected
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def _accepted(violation: dict, node: dict) -> bool:  # type: ignore[type-arg]
    """GOV.UK Frontend sets aria-expanded on radios that reveal a conditional question, a
    pattern the Design System team tested with assistive technology; axe flags it. That
    one finding, on those elements only, is accepted; everything else fails the test."""
    return (violation["id"] == "aria-allowed-attr" and "govuk-radios__input" in node["html"]
            and all("aria-expanded" in line for line in node["failureSummary"].splitlines()[1:]))


def axe_violations(page) -> list[str]:  # type: ignore[no-untyped-def]
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG)
    return [
        f"{v['id']}: {v['help']}: {node['html'][:120]}"
        for v in result["violations"] for node in v["nodes"] if not _accepted(v, node)
    ]


SCREENSHOTS = Path(os.environ.get("HEARD_SCREENSHOTS", PROJECT_ROOT / "var" / "screenshots"))


def screenshot(page, name: str) -> Path:  # type: ignore[no-untyped-def]
    """Keep a full-page picture of a main page for people to review (`var/screenshots/`,
    outside git; HEARD_SCREENSHOTS moves it). The newest run's picture replaces the last."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
