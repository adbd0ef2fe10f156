"""The annotation form with its repeatable group of sources."""

from __future__ import annotations

from flask_babel import gettext, lazy_gettext
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    Form,
    FormField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Optional
from wtforms.widgets import HiddenInput

from factcheck.annotations.models import STANCE_LABELS, Annotation, Stance
from factcheck.annotations.operations import AnnotationInput, SourceInput
from factcheck.db import parse_id
from factcheck.forms import SafeFieldList, WholeNumberField
from factcheck.verdicts.models import Verdict

STANCE_CHOICES = [SelectChoice(s.value, STANCE_LABELS[s]) for s in Stance]


def _optional_int(value: object) -> int | None:
    if value in (None, "", "None"):
        return None
    if isinstance(value, int):
        return value
    try:
        return parse_id(value)
    except ValueError:
        return -1  # an id that never exists: reported as "does not exist", not a crash


def _verdict_choice(index: int, verdict: Verdict) -> str:
    """A verdict as the menu lists it: numbered for its shortcut key, or marked retired."""
    if not verdict.active:
        return gettext("%(verdict)s (retired)", verdict=verdict.label)
    return f"{index}. {verdict.label}" if index <= 9 else verdict.label


class SourceForm(Form):
    """One source; a sub-form, so it carries no CSRF token of its own."""

    url = StringField(lazy_gettext("Source URL"), validators=[Optional()])
    title = StringField(lazy_gettext("Source title"))
    publisher = StringField(lazy_gettext("Publisher"))
    quote = TextAreaField(lazy_gettext("Quote"))
    stance = SelectField(
        lazy_gettext("Stance"), choices=STANCE_CHOICES, default=Stance.CONTEXT.value
    )
    accessed_on = DateField(lazy_gettext("Accessed on"), validators=[Optional()])
    archive_url = StringField(lazy_gettext("Archived copy"), validators=[Optional()])
    remove = BooleanField(lazy_gettext("Remove this source"))


class AnnotationForm(FlaskForm):
    verdict = SelectField(lazy_gettext("Verdict"), coerce=_optional_int, validate_choice=False)
    claimant = StringField(lazy_gettext("Claimant"))
    claim_summary = StringField(lazy_gettext("Claim summary"))
    rationale = TextAreaField(lazy_gettext("Rationale"))
    sources = SafeFieldList(FormField(SourceForm), min_entries=1)
    #: The annotation version this form was loaded with (empty for a new annotation).
    version = WholeNumberField(widget=HiddenInput(), validators=[Optional()], minimum=1)

    def set_verdict_choices(self, verdicts: list[Verdict], current: Verdict | None) -> None:
        """Active verdicts, plus the annotation's retired one so it is not silently lost."""
        shown = list(verdicts)
        if current is not None and current not in shown:
            shown.append(current)
        self.verdict.choices = [SelectChoice("", gettext("— choose a verdict —"))] + [
            SelectChoice(str(v.id), _verdict_choice(index, v))
            for index, v in enumerate(shown, start=1)
        ]

    def expected_version(self) -> int | None:
        """The version the form was loaded with; None for a new annotation."""
        value = self.version.data
        return value if isinstance(value, int) else None

    def to_input(self) -> AnnotationInput:
        return AnnotationInput(
            verdict_id=self.verdict.data,
            claimant=self.claimant.data or "",
            claim_summary=self.claim_summary.data or "",
            rationale=self.rationale.data or "",
            sources=[
                SourceInput(
                    url=entry.form.url.data or "",
                    title=entry.form.title.data or "",
                    publisher=entry.form.publisher.data or "",
                    quote=entry.form.quote.data or "",
                    stance=Stance(entry.form.stance.data),
                    accessed_on=entry.form.accessed_on.data,
                    archive_url=entry.form.archive_url.data or "",
                )
                for entry in self.sources
                if not entry.form.remove.data
            ],
        )

    @classmethod
    def for_annotation(cls, annotation: Annotation | None) -> AnnotationForm:
        """A form showing the stored annotation (or an empty one), plus one blank source."""
        form = cls(formdata=None)
        if annotation is None:
            form.version.data = None
            return form
        form.verdict.data = annotation.verdict_id
        form.claimant.data = annotation.claimant
        form.claim_summary.data = annotation.claim_summary
        form.rationale.data = annotation.rationale
        form.version.data = annotation.version
        while len(form.sources) > 0:
            form.sources.pop_entry()
        for source in annotation.sources:
            form.sources.append_entry(
                {
                    "url": source.url or "",
                    "title": source.title,
                    "publisher": source.publisher,
                    "quote": source.quote,
                    "stance": source.stance.value,
                    "accessed_on": source.accessed_on,
                    "archive_url": source.archive_url or "",
                }
            )
        form.sources.append_entry()
        return form


class TransitionForm(FlaskForm):
    """A workflow action on an annotation: the version seen and an optional comment."""

    version = WholeNumberField(widget=HiddenInput(), validators=[InputRequired()], minimum=1)
    comment = TextAreaField(lazy_gettext("Comment"))


class ReuseForm(FlaskForm):
    """“Use this fact-check”: the version of the user's annotation the page showed (none
    when they have not started one)."""

    version = WholeNumberField(widget=HiddenInput(), validators=[Optional()], minimum=1)
