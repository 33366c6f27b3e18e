"""Staff sign-in and sign-out forms: fields only (the rules are in models.staff)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from models.staff import MAX_PASSWORD_LENGTH


class SignInForm(FlaskForm):
    email = StringField("Email address", validators=[
        DataRequired("Enter your email address"), Length(max=320, message="Email address must be 320 characters or fewer")])
    password = PasswordField("Password", validators=[
        DataRequired("Enter your password"),
        Length(max=MAX_PASSWORD_LENGTH, message=f"Password must be {MAX_PASSWORD_LENGTH:,} characters or fewer")])


class SignOutForm(FlaskForm):
    """Nothing but the CSRF token: signing out is a POST no other site can make for you."""
