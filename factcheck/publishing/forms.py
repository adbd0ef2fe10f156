"""The admin's publishing form."""

from __future__ import annotations

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField
from wtforms.validators import InputRequired, NumberRange
from wtforms.widgets import HiddenInput


class PublishingForm(FlaskForm):
    enabled = BooleanField(lazy_gettext("Publish approved verdicts on public pages"))
    show_names = BooleanField(
        lazy_gettext("Name the annotator and the approving reviewer on public pages")
    )
    #: The settings' version the admin saw: a change by another admin meanwhile is
    #: refused instead of silently undone.
    version = IntegerField(widget=HiddenInput(), validators=[InputRequired(), NumberRange(0)])
