"""Login, password and user-admin forms."""

from __future__ import annotations

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from factcheck.i18n import LANGUAGES
from factcheck.users.models import ROLE_LABELS, Role
from factcheck.users.operations import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH

ROLE_CHOICES = [SelectChoice(role.value, ROLE_LABELS[role]) for role in Role]

_new_password_validators = [
    DataRequired(),
    Length(
        min=MIN_PASSWORD_LENGTH,
        max=MAX_PASSWORD_LENGTH,
        # WTForms fills in the numbers.
        message=lazy_gettext("Use at least %(min)d characters (at most %(max)d)."),
    ),
]


class LoginForm(FlaskForm):
    email = EmailField(lazy_gettext("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(
        lazy_gettext("Password"), validators=[DataRequired(), Length(max=1000)]
    )
    remember = BooleanField(lazy_gettext("Keep me logged in on this computer"))


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(lazy_gettext("Current password"), validators=[DataRequired()])
    new_password = PasswordField(lazy_gettext("New password"), validators=_new_password_validators)
    confirm_password = PasswordField(
        lazy_gettext("Repeat new password"),
        validators=[
            DataRequired(),
            EqualTo("new_password", message=lazy_gettext("The passwords differ.")),
        ],
    )


class CreateUserForm(FlaskForm):
    email = EmailField(
        lazy_gettext("Email"),
        validators=[DataRequired(), Length(max=254), Email(check_deliverability=False)],
    )
    name = StringField(lazy_gettext("Name"), validators=[DataRequired(), Length(max=200)])
    role = SelectField(lazy_gettext("Role"), choices=ROLE_CHOICES, default=Role.ANNOTATOR.value)
    password = PasswordField(lazy_gettext("Initial password"), validators=_new_password_validators)


class EditUserForm(FlaskForm):
    name = StringField(lazy_gettext("Name"), validators=[DataRequired(), Length(max=200)])
    role = SelectField(lazy_gettext("Role"), choices=ROLE_CHOICES)
    active = BooleanField(lazy_gettext("Active (may log in)"))


class ResetPasswordForm(FlaskForm):
    new_password = PasswordField(lazy_gettext("New password"), validators=_new_password_validators)


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
    name = StringField(lazy_gettext("Token name"), validators=[Length(max=100)])
