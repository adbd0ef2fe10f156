"""Login, password and user-admin forms."""

from __future__ import annotations

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from factcheck.i18n import LANGUAGES
from factcheck.users.models import Role
from factcheck.users.operations import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH

ROLE_CHOICES = [SelectChoice(role.value, role.label) for role in Role]

_new_password_validators = [
    DataRequired(),
    Length(
        min=MIN_PASSWORD_LENGTH,
        max=MAX_PASSWORD_LENGTH,
        message=f"Use at least {MIN_PASSWORD_LENGTH} characters (at most {MAX_PASSWORD_LENGTH}).",
    ),
]


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1000)])
    remember = BooleanField("Keep me logged in on this computer")


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[DataRequired()])
    new_password = PasswordField("New password", validators=_new_password_validators)
    confirm_password = PasswordField(
        "Repeat new password",
        validators=[DataRequired(), EqualTo("new_password", message="The passwords differ.")],
    )


class CreateUserForm(FlaskForm):
    email = EmailField(
        "Email",
        validators=[DataRequired(), Length(max=254), Email(check_deliverability=False)],
    )
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    role = SelectField("Role", choices=ROLE_CHOICES, default=Role.ANNOTATOR.value)
    password = PasswordField("Initial password", validators=_new_password_validators)


class EditUserForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    role = SelectField("Role", choices=ROLE_CHOICES)
    active = BooleanField("Active (may log in)")


class ResetPasswordForm(FlaskForm):
    new_password = PasswordField("New password", validators=_new_password_validators)


class LogoutForm(FlaskForm):
    """Only carries the CSRF token: logging out changes state, so it is a POST."""


class LanguageForm(FlaskForm):
    locale = SelectField(
        lazy_gettext("Interface language"),
        choices=[
            SelectChoice("", lazy_gettext("The browser's language")),
            *(SelectChoice(code, name) for code, name in LANGUAGES.items()),
        ],
        validate_choice=False,  # the operation refuses an unknown language, with its message
    )


class TokenForm(FlaskForm):
    name = StringField("Token name", validators=[Length(max=100)])
