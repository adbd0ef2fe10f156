"""The admin form for one verdict of the scale."""

from __future__ import annotations

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from factcheck.forms import WholeNumberField
from factcheck.verdicts.models import (
    BEST_RATING,
    DEFAULT_VERDICT_COLOUR,
    MAX_VERDICT_KEY_CHARS,
    WORST_RATING,
)
from factcheck.verdicts.operations import (
    MAX_VERDICT_DESCRIPTION_CHARS,
    MAX_VERDICT_LABEL_CHARS,
    VERDICT_COLOUR,
    VERDICT_KEY,
)


class VerdictForm(FlaskForm):
    key = StringField(
        lazy_gettext("Key"),
        validators=[
            Optional(),
            Length(max=MAX_VERDICT_KEY_CHARS),
            Regexp(
                VERDICT_KEY.pattern, message=lazy_gettext("Lower-case letters, digits and _ only.")
            ),
        ],
    )
    label = StringField(
        lazy_gettext("Label"), validators=[DataRequired(), Length(max=MAX_VERDICT_LABEL_CHARS)]
    )
    description = TextAreaField(
        lazy_gettext("Description"), validators=[Length(max=MAX_VERDICT_DESCRIPTION_CHARS)]
    )
    rating = WholeNumberField(
        lazy_gettext(
            "ClaimReview rating (%(worst)s = worst, %(best)s = best)",
            worst=WORST_RATING,
            best=BEST_RATING,
        ),
        validators=[Optional(), NumberRange(min=WORST_RATING, max=BEST_RATING)],
        minimum=WORST_RATING,
        maximum=BEST_RATING,
    )
    colour = StringField(
        lazy_gettext("Colour"),
        default=DEFAULT_VERDICT_COLOUR,
        validators=[
            DataRequired(),
            Regexp(VERDICT_COLOUR.pattern, message=lazy_gettext("A colour like #1b7f3b.")),
        ],
    )
    active = BooleanField(lazy_gettext("In use (untick to retire)"), default=True)
