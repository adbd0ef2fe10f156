"""Form pieces shared by every blueprint: whole numbers written in ASCII digits."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext, lazy_gettext
from wtforms import Field, FieldList, IntegerField
from wtforms.form import BaseForm

from factcheck.db import MAX_DIGITS, MAX_ID, parse_number
from factcheck.i18n import local_number

NOT_DIGITS = lazy_gettext("Write a whole number using the digits 0–9 only.")


def out_of_range(minimum: int, maximum: int) -> str:
    return gettext(
        "Use a whole number from %(minimum)s to %(maximum)s.",
        minimum=local_number(minimum),
        maximum=local_number(maximum),
    )


class WholeNumberField(IntegerField):
    """An IntegerField that takes ASCII digits only, within ``minimum`` and ``maximum``.

    WTForms converts with ``int()``, which also takes "١" or "３", "+3", "0_3", and a
    number thousands of digits long (raising only past Python's 4,300-digit limit).
    ``maximum`` defaults to the largest id; tighter bounds (NumberRange) still apply.
    """

    def __init__(
        self,
        label: str | None = None,
        validators: Any = None,
        *,
        minimum: int = 0,
        maximum: int = MAX_ID,
        **kwargs: Any,
    ) -> None:
        super().__init__(label, validators, **kwargs)
        self.minimum, self.maximum = minimum, maximum

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        self.data = None
        raw = str(valuelist[0]).strip(" \t\r\n")
        if not raw:
            return  # empty: InputRequired or Optional decide
        if not raw.isascii() or not raw.isdigit():
            raise ValueError(str(NOT_DIGITS))
        try:
            self.data = parse_number(raw, minimum=self.minimum, maximum=self.maximum)
        except ValueError:
            raise ValueError(out_of_range(self.minimum, self.maximum)) from None

    def _value(self) -> str:
        # What the user typed when it was refused; otherwise the (possibly reset) value.
        if self.data is None and self.raw_data:
            return str(self.raw_data[0])[: MAX_DIGITS * 2]
        return "" if self.data is None else str(self.data)


class SafeFieldList(FieldList):
    """A FieldList that only takes row numbers written in ASCII digits.

    WTForms reads ``sources-N-url`` with ``str.isdigit()`` and ``int()``: "sources-²-url"
    passed the first and crashed the second, and a 5,000-digit N did the same.
    """

    def _extract_indices(self, prefix: str, formdata: Any) -> Any:
        offset = len(prefix) + 1
        for key in formdata:
            if key.startswith(prefix):
                index = key[offset:].split(self._field_separator, 1)[0]
                if index.isascii() and index.isdigit() and len(index) <= MAX_DIGITS:
                    yield int(index)


def problems(*fields: Field) -> str:
    """The errors of ``fields`` as one sentence for a banner ("Version: Write a whole ...")."""
    return " ".join(
        gettext("%(field)s: %(message)s", field=field.label.text, message=message)
        for field in fields
        for message in field.errors
    )


def all_problems(form: BaseForm) -> str:
    """Every field's errors (nested lists of sub-forms left out) as one sentence."""
    # A message is a str, or a validator's lazily translated one; a sub-form's are lists.
    return problems(
        *(field for field in form if not any(isinstance(e, list | dict) for e in field.errors))
    )
