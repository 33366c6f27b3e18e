"""The case page's action forms: fields and their limits only. Whether a step is allowed,
and with what, is the lifecycle's to say when it runs."""

from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

NAME = 100  # case_events.actor and cases.assigned_to hold 100 characters
TEXT = 5_000
LETTER = 20_000


def _part(label: str, size: int) -> StringField:
    return StringField(label, validators=[Length(max=size)])


class DateParts:
    """The GOV.UK date input's three fields, read as one date (WTForms collects fields from
    every class a form inherits, so a form gets them by naming this among its bases)."""

    day = _part("Day", 2)
    month = _part("Month", 2)
    year = _part("Year", 4)

    def read_date(self, what: str) -> date | None:
        parts = [(f.data or "").strip() for f in (self.day, self.month, self.year)]
        if not all(parts):
            self.day.errors = [*self.day.errors, f"Enter the {what} as a day, month and year"]
            return None
        try:
            day, month, year = (int(p) for p in parts)
            if not 2000 <= year <= 2100:
                raise ValueError
            return date(year, month, day)
        except ValueError:
            self.day.errors = [*self.day.errors, f"The {what} must be a real date, like 27 3 2027"]
            return None


def _printable(value: str | None) -> str | None:
    """No NUL or other control characters but line breaks and tabs: PostgreSQL refuses a NUL."""
    if value is None:
        return None
    return "".join(c for c in value if c in "\n\t" or (c.isprintable() or c == "\r"))


class StaffForm(FlaskForm):
    """A staff screen's form: every text field drops control characters before it is
    validated or stored. Every staff form derives from it."""

    class Meta:
        def bind_field(self, form, unbound_field, options):  # type: ignore[no-untyped-def]
            filters = list(unbound_field.kwargs.get("filters", ()))
            if issubclass(unbound_field.field_class, StringField):
                filters.append(_printable)
            return unbound_field.bind(form=form, filters=filters, **options)


class AcknowledgeForm(StaffForm):
    channel = StringField("How the person was told", validators=[
        DataRequired("Say how the person was told"), Length(max=50, message="Keep it to 50 characters or fewer")])


class AssignForm(StaffForm):
    to = StringField("Officer's name", validators=[
        DataRequired("Enter the name of the officer who will investigate"),
        Length(max=NAME, message=f"The name must be {NAME} characters or fewer")])


class ExtendForm(StaffForm, DateParts):
    reason = TextAreaField("Why more time is needed", validators=[
        DataRequired("Say why more time is needed; the complainant is told"),
        Length(max=TEXT, message=f"The reason must be {TEXT:,} characters or fewer")])
    agreed = BooleanField("The complainant agreed to the new date")


class RespondForm(StaffForm):
    outcome = RadioField("Outcome", choices=[], validators=[DataRequired("Choose the outcome")])
    reasons = TextAreaField("Reasons for the outcome", validators=[
        Length(max=TEXT, message=f"The reasons must be {TEXT:,} characters or fewer")])
    actions = TextAreaField("Actions promised", validators=[
        Optional(), Length(max=TEXT, message=f"The actions must be {TEXT:,} characters or fewer")])
    responder = StringField("Who is responding", validators=[
        DataRequired("Enter who is responding"), Length(max=NAME, message=f"The name must be {NAME} characters or fewer")])
    letter = TextAreaField("Written response", validators=[
        DataRequired("Write the response to send to the complainant"),
        Length(max=LETTER, message=f"The response must be {LETTER:,} characters or fewer")])


class EscalateForm(StaffForm, DateParts):
    """The day the complainant asked for the next stage: its clock starts there."""


class CloseForm(StaffForm):
    note = TextAreaField("Note (optional)", validators=[
        Optional(), Length(max=TEXT, message=f"The note must be {TEXT:,} characters or fewer")])


class WithdrawForm(StaffForm):
    reason = TextAreaField("Reason (optional)", validators=[
        Optional(), Length(max=TEXT, message=f"The reason must be {TEXT:,} characters or fewer")])


class NoteForm(StaffForm):
    text = TextAreaField("Note", validators=[
        DataRequired("Write the note"), Length(max=TEXT, message=f"The note must be {TEXT:,} characters or fewer")])


FORMS: dict[str, type[StaffForm]] = {
    "acknowledge": AcknowledgeForm, "assign": AssignForm, "extend": ExtendForm, "respond": RespondForm,
    "escalate": EscalateForm, "close": CloseForm, "withdraw": WithdrawForm, "note": NoteForm,
}
