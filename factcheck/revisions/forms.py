"""The new-revision form and the form that maps a claim by hand."""

from __future__ import annotations

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField
from wtforms import BooleanField, RadioField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Optional

from factcheck.forms import WholeNumberField

#: The choice that says the claim's sentence is gone from the new text.
REMOVED_CHOICE = "removed"


class RevisionForm(FlaskForm):
    body = TextAreaField(lazy_gettext("New text"), validators=[Optional()])
    body_file = FileField(
        lazy_gettext("…or upload the new text as a .txt file or a saved web page (.html)"),
        validators=[
            FileAllowed(
                ["txt", "html", "htm"],
                lazy_gettext("Only .txt and .html files can be uploaded here."),
            )
        ],
    )
    #: The revision the person saw: another one meanwhile is a conflict.
    expected_revision = WholeNumberField(
        lazy_gettext("Current revision"), validators=[InputRequired()], minimum=1
    )
    confirm_different = BooleanField(
        lazy_gettext("This is a new version of this article, even though much of it differs")
    )


class MapClaimForm(FlaskForm):
    """Which sentence of the new text a claim is now (or that it was removed)."""

    choice = RadioField(
        lazy_gettext("Which sentence is this claim now?"),
        validators=[DataRequired(message=lazy_gettext("Choose a sentence, or “removed”."))],
        validate_choice=False,
    )
