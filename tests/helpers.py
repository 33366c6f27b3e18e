"""A resident's browser reduced to HTTP: fetch the form, keep its cookie, post answers."""

from __future__ import annotations

import re
from typing import Any

import requests

VALID_ANSWERS: dict[str, str] = {
    "feedback_type": "complaint",
    "service_area": "waste",
    "what_happened": "My green bin has been missed three weeks running on Hartford Road, and I reported it twice.",
    "when_happened": "Tuesday 10 November",
    "desired_outcome": "Empty the bin and make sure the crew collects it in future.",
    "contact_method": "email",
    "name": "Ann Example",
    "email": "ann@example.org",
    "phone": "",
    "on_behalf": "no",
    "needs_adjustments": "no",
}


def hidden_fields(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input[^>]*name="(csrf_token|submission_token)"[^>]*value="([^"]*)"', html))


class FormClient:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.http = requests.Session()

    def open_form(self) -> dict[str, str]:
        response = self.http.get(f"{self.base_url}/feedback", timeout=10)
        response.raise_for_status()
        return hidden_fields(response.text)

    def submit(self, tokens: dict[str, str] | None = None, **answers: Any) -> requests.Response:
        fields = {**(tokens if tokens is not None else self.open_form()), **VALID_ANSWERS, **answers}
        fields = {k: v for k, v in fields.items() if v is not None}
        return self.http.post(f"{self.base_url}/feedback", data=fields, timeout=30, allow_redirects=True)


def reference_in(html: str) -> str | None:
    match = re.search(r"\b(HDC|HART)-\d{4}-\d{6}\b", html)
    return match.group(0) if match else None
