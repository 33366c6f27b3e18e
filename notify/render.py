"""Rendering a notification's words from templates, as plain text and HTML."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

KIND_NAMES = {
    "complaint": "complaint",
    "service_request": "request",
    "compliment": "compliment",
    "comment": "comment",
    "excluded": "message",
}


def _as_date(value: date | str) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value  # outbox context keeps ISO dates


def _short_date(value: date | str) -> str:
    value = _as_date(value)
    return f"{value:%a} {value.day} {value:%b}"


def long_date(value: date | str) -> str:
    value = _as_date(value)
    return f"{value:%A} {value.day} {value:%B %Y}"


_env = Environment(
    loader=PackageLoader("notify", "templates"),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
_env.filters["long_date"] = long_date
_env.filters["short_date"] = _short_date


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def render_sms(template: str, **context: Any) -> str:
    text = _env.get_template(f"{template}.sms.txt").render(**context)
    return " ".join(text.split())


def render(template: str, **context: Any) -> Rendered:
    subject = _env.get_template(f"{template}.subject.txt").render(**context).strip()
    text = _env.get_template(f"{template}.txt").render(**context)
    html = _env.get_template(f"{template}.html").render(subject=subject, **context)
    return Rendered(subject=" ".join(subject.split()), text=text, html=html)
