"""Triage officers' forms: fields and their words only (the rules are in models.corrections)."""

from __future__ import annotations

from typing import Any

from flask import current_app
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from models.corrections import MAX_REASON, MAX_SPLIT_TEXT
from models.policy import CATEGORIES
from models.progress import EXCLUSION_NAMES, KIND_NAMES
from web.case_forms import StaffForm

CATEGORY_NAMES = {category: KIND_NAMES[category] for category in CATEGORIES}


def area_choices() -> list[tuple[str, str]]:
    """The running policy's service areas, as (key, label)."""
    return [(key, area.label) for key, area in current_app.config["POLICY"].service_areas.items()]


class _Labels(StaffForm):
    category = RadioField("Category", choices=list(CATEGORY_NAMES.items()),
                          validators=[DataRequired("Select a category")])
    exclusion = SelectField("Why the complaints procedure excludes it",
                            choices=[("", "Not excluded")] + list(EXCLUSION_NAMES.items()), default="")
    service_area = SelectField("Service area", validators=[DataRequired("Select a service area")])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.service_area.choices = area_choices()


class DecideForm(_Labels):
    reason = TextAreaField("Reason for the change", validators=[
        Length(max=MAX_REASON, message=f"Reason must be {MAX_REASON:,} characters or fewer")])


class MergeForm(StaffForm):
    into = StringField("Reference of the case it repeats", validators=[
        DataRequired("Enter the reference of the case this contact repeats"),
        Length(max=32, message="Reference must be 32 characters or fewer")])
    merge_reason = TextAreaField("Reason (optional)", validators=[
        Length(max=MAX_REASON, message=f"Reason must be {MAX_REASON:,} characters or fewer")])


class SplitForm(_Labels):
    text = TextAreaField("The second matter, in the resident's words", validators=[
        DataRequired("Enter the second matter"),
        Length(max=MAX_SPLIT_TEXT, message=f"The second matter must be {MAX_SPLIT_TEXT:,} characters or fewer")])
    split_reason = TextAreaField("Reason (optional)", validators=[
        Length(max=MAX_REASON, message=f"Reason must be {MAX_REASON:,} characters or fewer")])
