"""Adding an article."""

from __future__ import annotations

from flask_babel import gettext, lazy_gettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField
from wtforms import DateField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import (
    URL,
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from factcheck.articles.operations import LANGUAGE_TAG, MAX_LANGUAGE_CHARS
from factcheck.forms import WholeNumberField
from factcheck.validators import is_web_url


def http_url(form: FlaskForm, field: StringField) -> None:
    """Only web addresses: ``javascript:`` and ``data:`` URLs would run in a reader's browser."""
    value = (field.data or "").strip()
    if value and not is_web_url(value):
        raise ValidationError(gettext("Use an http:// or https:// address."))


class ArticleForm(FlaskForm):
    title = StringField(lazy_gettext("Title"), validators=[DataRequired(), Length(max=500)])
    outlet = StringField(lazy_gettext("Outlet"), validators=[Optional(), Length(max=200)])
    url = StringField(
        lazy_gettext("URL"),
        validators=[
            Optional(),
            Length(max=2000),
            http_url,
            URL(message=lazy_gettext("This is not a valid URL.")),
        ],
    )
    byline = StringField(lazy_gettext("Byline"), validators=[Optional(), Length(max=500)])
    published_on = DateField(lazy_gettext("Published on"), validators=[Optional()])
    language = StringField(
        lazy_gettext("Language"),
        validators=[
            Optional(),
            Length(max=MAX_LANGUAGE_CHARS),
            Regexp(LANGUAGE_TAG, message=lazy_gettext("A language tag such as en or pt-BR.")),
        ],
    )
    body = TextAreaField(lazy_gettext("Body"), validators=[Optional()])
    #: Asked only when the text's URL or title is an article's already.
    on_match = RadioField(
        lazy_gettext("This looks like a new version of an article already here"),
        choices=[
            SelectChoice("revise", lazy_gettext("Add it as a new revision of that article")),
            SelectChoice("separate", lazy_gettext("Import it as a separate article")),
        ],
        validators=[Optional()],
    )
    body_file = FileField(
        lazy_gettext("…or upload a .txt file"),
        validators=[FileAllowed(["txt"], lazy_gettext("Only .txt files can be uploaded here."))],
    )


class SplitClaimForm(FlaskForm):
    #: Body offset of the split point (from the "split here" buttons).
    at = WholeNumberField(lazy_gettext("Split at"), validators=[Optional()])
    #: Offset inside the claim, counted in characters from its start (typed by hand).
    offset = WholeNumberField(
        lazy_gettext("Split after character"),
        validators=[Optional(), NumberRange(min=1)],
        minimum=1,
    )
    #: Where the claim was when the page was loaded (a split of a changed claim is refused).
    expected_start = WholeNumberField(lazy_gettext("Claim start"), validators=[InputRequired()])
    expected_end = WholeNumberField(lazy_gettext("Claim end"), validators=[InputRequired()])


class MergeClaimForm(FlaskForm):
    expected_end = WholeNumberField(lazy_gettext("Claim end"), validators=[InputRequired()])
    expected_next_id = WholeNumberField(
        lazy_gettext("Next claim"), validators=[InputRequired()], minimum=1
    )


class LanguageForm(FlaskForm):
    """The article's language, changed before anyone annotates it (it splits again)."""

    language = StringField(
        lazy_gettext("Language"),
        validators=[
            DataRequired(message=lazy_gettext("Give a language tag such as es or pt-BR.")),
            Length(max=MAX_LANGUAGE_CHARS),
            Regexp(LANGUAGE_TAG, message=lazy_gettext("A language tag such as es or pt-BR.")),
        ],
    )
    #: The language the page showed: a change by someone else meanwhile is refused.
    expected = StringField(
        lazy_gettext("Shown language"), validators=[InputRequired(), Length(max=40)]
    )
