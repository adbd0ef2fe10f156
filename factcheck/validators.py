"""Checks every way in shares: forms, the API, imports, restores and the command line.

Pure functions with no app and no database. Each raises :class:`ValidationFailed`
naming the field, so a caller shows the message beside it whatever way the value came;
its messages are in the reader's language during a request, in English outside one.
"""

from __future__ import annotations

from typing import NoReturn
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext, lazy_gettext

from factcheck.errors import ValidationFailed
from factcheck.i18n import local_number

#: Control characters that are never legitimate in text (tab, LF, CR and FF are fine).
FORBIDDEN_CONTROLS = frozenset({chr(c) for c in range(32) if chr(c) not in "\t\n\r\f"} | {"\x7f"})

#: Unicode bidirectional embedding, override and isolate controls ("Trojan Source",
#: CVE-2021-42574). In a name or title they reorder what a reader sees ("gpj.exe"
#: shown as "exe.jpg"), so short fields refuse them; long text shows them visibly.
#: The marks LRM, RLM and ALM stay allowed: Arabic and Hebrew names legitimately use them.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

MAX_EMAIL_CHARS = 254

#: What messages call the fields these checks are given, in the reader's language; a
#: field not named here is called by its name ("sources-0-url").
FIELD_NAMES = {
    "name": lazy_gettext("name"),
    "title": lazy_gettext("title"),
    "label": lazy_gettext("label"),
    "description": lazy_gettext("description"),
    "comment": lazy_gettext("comment"),
    "claim": lazy_gettext("claim"),
    "claimant": lazy_gettext("claimant"),
    "claim summary": lazy_gettext("claim summary"),
    "rationale": lazy_gettext("rationale"),
    "url": lazy_gettext("url"),
    "URL": lazy_gettext("URL"),
    "outlet": lazy_gettext("outlet"),
    "byline": lazy_gettext("byline"),
    "headline": lazy_gettext("headline"),
    "rating": lazy_gettext("rating"),
    "publisher": lazy_gettext("publisher"),
    "language": lazy_gettext("language"),
    "external id": lazy_gettext("external id"),
}


def _field_name(name: str) -> str:
    return str(FIELD_NAMES.get(name, name))


def first_control(value: str) -> str | None:
    """The first forbidden control character in ``value``, or None."""
    return next((ch for ch in value if ch in FORBIDDEN_CONTROLS), None)


def check_no_controls(field: str, value: str, *, label: str | None = None) -> None:
    """:raises ValidationFailed: ``value`` holds a control character such as NUL."""
    bad = first_control(value)
    if bad is not None:
        message = gettext(
            "The %(field)s contains a control character (U+%(code)s).",
            field=_field_name(label or field),
            code=_code_point(bad),
        )
        raise ValidationFailed(message, fields={field: [message]})


def check_no_bidi(field: str, value: str, *, label: str | None = None) -> None:
    """:raises ValidationFailed: ``value`` holds a bidirectional override character."""
    bad = next((ch for ch in value if ch in BIDI_CONTROLS), None)
    if bad is not None:
        message = gettext(
            "The %(field)s contains an invisible text-direction character (U+%(code)s) "
            "that can make it read differently from what it is; remove it.",
            field=_field_name(label or field),
            code=_code_point(bad),
        )
        raise ValidationFailed(message, fields={field: [message]})


def _code_point(character: str) -> str:
    return f"{ord(character):04X}"


def short_text(
    field: str,
    value: str | None,
    limit: int,
    *,
    label: str | None = None,
    required: bool = False,
) -> str:
    """A one-line field (a name, a title, a claimant) tidied, or why it cannot be stored.

    Whitespace runs become one space. Control characters and bidirectional overrides
    are refused: such a field is shown in lists, menus and exports where nothing marks
    them.

    :raises ValidationFailed: naming ``field``.
    """
    name = label or field.replace("_", " ")
    value = value or ""
    check_no_controls(field, value, label=name)
    check_no_bidi(field, value, label=name)
    value = " ".join(value.split())
    if required and not value:
        shown = _field_name(name)
        raise ValidationFailed(
            gettext("The %(field)s is empty.", field=shown),
            fields={field: [gettext("A %(field)s is required.", field=shown)]},
        )
    if len(value) > limit:
        _too_long(field, name, limit)
    return value


def long_text(field: str, value: str | None, limit: int, *, label: str | None = None) -> str:
    """A multi-line field (a rationale, a quote, a comment), stripped, or why not.

    Bidirectional controls are kept (they occur in real multilingual text) and shown
    visibly wherever the text is displayed (see the ``visible_bidi`` template filter).

    :raises ValidationFailed: naming ``field``.
    """
    name = label or field.replace("_", " ")
    value = (value or "").strip()
    check_no_controls(field, value, label=name)
    if len(value) > limit:
        _too_long(field, name, limit)
    return value


def _too_long(field: str, name: str, limit: int) -> NoReturn:
    count = local_number(limit)
    raise ValidationFailed(
        gettext(
            "The %(field)s is longer than %(count)s characters.",
            field=_field_name(name),
            count=count,
        ),
        fields={field: [gettext("At most %(count)s characters.", count=count)]},
    )


def is_web_url(value: str) -> bool:
    """An absolute http(s) URL with a host; anything else could run script or mislead."""
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in {"http", "https"} and bool(parts.netloc) and " " not in value


def email_address(value: str, *, field: str = "email") -> str:
    """The address lower-cased, or why it is not one.

    :raises ValidationFailed: not an address (no deliverability check: no network).
    """
    value = (value or "").strip().lower()
    if not value or len(value) > MAX_EMAIL_CHARS:
        raise _not_an_email(field, value)
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        raise _not_an_email(field, value) from None
    return value


def _not_an_email(field: str, value: str) -> ValidationFailed:
    message = gettext("“%(value)s” is not an email address.", value=value[:80])
    return ValidationFailed(message, fields={field: [message]})
