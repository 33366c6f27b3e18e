"""The public feedback form: fields and their validation (presentation only; no rules)."""

from __future__ import annotations

import re

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

HTML_TAG = re.compile(r"<\s*/?\s*[a-zA-Z!][^>]*>|javascript\s*:", re.IGNORECASE)

FEEDBACK_TYPES = [
    ("complaint", "Make a complaint", "Something has gone wrong and you are unhappy with the service, an action or a lack of action."),
    ("service_request", "Report a problem or ask for a service", "For example a missed bin, fly-tipping, or a question about a service."),
    ("compliment", "Pay a compliment", "Tell us about a person or team who did well."),
    ("comment", "Make a comment or suggestion", "An idea to improve a service or our website."),
    ("not_sure", "I'm not sure", "We will read it and decide the right route."),
]


def no_html(form: FlaskForm, field) -> None:  # type: ignore[no-untyped-def]
    if field.data and HTML_TAG.search(field.data):
        raise ValidationError(f"{field.label.text} must not contain HTML or code such as <script>")


def email_address(form: FlaskForm, field) -> None:  # type: ignore[no-untyped-def]
    if not field.data:
        return
    try:
        field.data = validate_email(field.data.strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        raise ValidationError("Enter an email address in the correct format, like name@example.com")


def uk_phone(form: FlaskForm, field) -> None:  # type: ignore[no-untyped-def]
    if not field.data:
        return
    try:
        number = phonenumbers.parse(field.data, "GB")
    except phonenumbers.NumberParseException:
        number = None
    # Lenient, as the Design System advises: any format, and numbers that could exist
    # (Ofcom's drama ranges included), but not fragments.
    plausible = number is not None and (
        phonenumbers.is_valid_number(number)
        or (phonenumbers.is_possible_number(number) and len(str(number.national_number)) >= 9)
    )
    if not plausible:
        raise ValidationError("Enter a telephone number, like 01632 960 001 or 07700 900 982")
    field.data = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def required_if(other: str, value: str, message: str):  # type: ignore[no-untyped-def]
    """Required only when another answer reveals this field."""

    def check(form: FlaskForm, field) -> None:  # type: ignore[no-untyped-def]
        if form[other].data != value:
            return
        empty = not field.data.strip() if isinstance(field.data, str) else not field.data
        if empty:
            raise ValidationError(message)

    return check


class FeedbackForm(FlaskForm):
    submission_token = HiddenField()
    feedback_type = RadioField(
        "What would you like to do?",
        choices=[(value, label) for value, label, _hint in FEEDBACK_TYPES],
        validators=[InputRequired("Select what you would like to do")],
    )
    service_area = RadioField(
        "Which service is it about?",
        validators=[InputRequired("Select which service it is about, or 'I'm not sure'")],
    )
    what_happened = TextAreaField(
        "Tell us about it",
        validators=[DataRequired("Tell us about it"), Length(max=5000, message="Tell us about it in 5,000 characters or fewer"), no_html],
    )
    when_happened = StringField(
        "When did it happen? (optional)",
        validators=[Optional(), Length(max=200, message="When it happened must be 200 characters or fewer"), no_html],
    )
    desired_outcome = TextAreaField(
        "What would put it right? (optional)",
        validators=[Optional(), Length(max=2000, message="What would put it right must be 2,000 characters or fewer"), no_html],
    )
    contact_method = RadioField(
        "How should we contact you?",
        choices=[("email", "By email"), ("anonymous", "Do not contact me (stay anonymous)")],
        validators=[InputRequired("Select how we should contact you")],
    )
    name = StringField("Full name", validators=[
        required_if("contact_method", "email", "Enter your full name"), Length(max=200, message="Full name must be 200 characters or fewer"), no_html])
    email = StringField("Email address", validators=[
        required_if("contact_method", "email", "Enter your email address"), Length(max=320, message="Email address must be 320 characters or fewer"), email_address])
    phone = StringField("Telephone number (optional)", validators=[Optional(), Length(max=32, message="Telephone number must be 32 characters or fewer"), uk_phone])
    on_behalf = RadioField(
        "Are you contacting us on behalf of someone else?",
        choices=[("yes", "Yes"), ("no", "No")],
        validators=[InputRequired("Select yes if you are contacting us on behalf of someone else")],
    )
    represented_person = StringField("Their full name", validators=[
        required_if("on_behalf", "yes", "Enter the full name of the person you are contacting us for"), Length(max=200, message="Their full name must be 200 characters or fewer"), no_html])
    representative_relationship = StringField("Your relationship to them", validators=[
        required_if("on_behalf", "yes", "Enter your relationship to them, for example daughter, carer or solicitor"), Length(max=200, message="Your relationship must be 200 characters or fewer"), no_html])
    representative_consent = BooleanField(
        "They have agreed that I can act for them and that the council can share their information with me",
        validators=[required_if("on_behalf", "yes", "Confirm they have agreed that you can act for them")],
    )
    needs_adjustments = RadioField(
        "Do you need any adjustments to help you?",
        choices=[("yes", "Yes"), ("no", "No")],
        validators=[InputRequired("Select yes if you need any adjustments to help you")],
    )
    adjustments = TextAreaField("Tell us what adjustments you need", validators=[
        required_if("needs_adjustments", "yes", "Tell us what adjustments you need"), Length(max=1000, message="Adjustments must be 1,000 characters or fewer"), no_html])
