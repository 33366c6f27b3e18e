"""Adapters from WTForms fields to the parameters GOV.UK Frontend's Jinja macros take, and
the few display filters every page shares (dates and times as UK readers write them)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask
from flask_wtf import FlaskForm
from markupsafe import Markup

from models.policy import UK
from notify.render import long_date

# Messages shown for Flask-WTF's own errors, in the Design System's voice.
FRIENDLY = {
    "csrf_token": "Your session has expired. Check your answers and send the form again",
}


def error_message(field: Any) -> dict[str, str] | None:
    return {"text": field.errors[0]} if field.errors else None


def radio_items(field: Any, hints: dict[str, str] | None = None, conditionals: dict[str, Markup] | None = None) -> list[dict[str, Any]]:
    items = []
    for value, label in field.choices:
        item: dict[str, Any] = {"value": value, "text": label, "checked": field.data == value}
        if hints and value in hints:
            item["hint"] = {"text": hints[value]}
        if conditionals and value in conditionals:
            item["conditional"] = {"html": conditionals[value]}
        items.append(item)
    return items


def form_error_list(form: FlaskForm) -> list[dict[str, str]]:
    """The error summary: one link per field in error, in the order of the page."""
    errors = []
    for field in form:
        if not field.errors:
            continue
        text = FRIENDLY.get(field.name, field.errors[0])
        if field.type in ("HiddenField", "CSRFTokenField"):
            errors.append({"text": text})
        else:
            errors.append({"text": text, "href": f"#{field.id}"})
    return errors


def staff_datetime(moment: datetime) -> str:
    """A time as staff in the UK read it: 3 December 2026, 2:05pm."""
    local = moment.astimezone(UK)
    return f"{local.day} {local:%B %Y}, {local.hour % 12 or 12}:{local:%M}{'am' if local.hour < 12 else 'pm'}"


def percent(value: float | None) -> str:
    return "Not known" if value is None else f"{round(value * 100)}%"


def select_item(choice: str | tuple[str, str], selected: str | None) -> dict[str, Any]:
    """A select option from a value or a (value, label) pair, chosen when it is `selected`."""
    value, text = (choice, choice.replace("_", " ").capitalize()) if isinstance(choice, str) else choice
    return {"value": value, "text": text, "selected": value == (selected or "")}


def register(app: Flask, **extra: Any) -> None:
    app.jinja_env.globals.update(
        error_message=error_message, radio_items=radio_items, form_error_list=form_error_list, **extra
    )
    app.jinja_env.filters.update(long_date=long_date, staff_datetime=staff_datetime, percent=percent,
                                 select_item=select_item)
