"""One unit of work for every way in: commit once on success, roll back on any error.

Operations flush and never commit; whoever calls them (a web view, an API operation, a
command) wraps the calls in :func:`unit_of_work`, so the change and its audit event are
committed together or not at all. Domain errors then reach the user in one of two
places: :func:`show_on_form` puts them beside a form's fields, and the application's
error handler turns an uncaught one into the JSON error body or the error page.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from flask import flash
from sqlalchemy.orm import Session
from wtforms import Field, Form

from factcheck.errors import DomainError
from factcheck.extensions import db


@contextmanager
def unit_of_work(session: Session | None = None) -> Iterator[Session]:
    """Run a change: commit when the block ends normally, roll back if anything raises.

    The exception is raised again after the rollback, for the caller to show. The
    session defaults to the request's (or the command's) ``db.session``.
    """
    session = session if session is not None else db.session
    try:
        yield session
    except BaseException:
        session.rollback()
        raise
    session.commit()


def _field(form: Form, name: str) -> Field | None:
    """The form field an operation's field name stands for.

    Operations name the fields of repeated sub-forms as WTForms renders them
    (``sources-2-url``: the third source's URL).
    """
    parts = name.split("-")
    if len(parts) == 3 and parts[1].isdigit():
        entries = getattr(form._fields.get(parts[0]), "entries", None)
        if entries is not None and int(parts[1]) < len(entries):
            return entries[int(parts[1])].form._fields.get(parts[2])
        return None
    field = form._fields.get(name)
    # A list of sub-forms shows its own errors only as a summary: say it in the banner.
    return None if getattr(field, "entries", None) is not None else field


def show_on_form(
    form: Form,
    error: DomainError,
    *,
    always_flash: bool = False,
    aliases: Mapping[str, Field] | None = None,
    default_field: Field | None = None,
) -> None:
    """Show a domain error where the user will look for it.

    Each field message goes beside its field; messages for fields the form does not
    have, and the error's own message when no field took one (or ``always_flash``, for
    long forms where a field far down could go unseen), go in the banner. ``aliases``
    sends an operation's field to another form field (an uploaded file stands for the
    pasted body); ``default_field`` takes the error's message when no field is named
    (a file that cannot be read is the file field's problem).
    """
    unplaced: list[str] = []
    for name, messages in error.fields.items():
        field = (aliases or {}).get(name) or _field(form, name)
        if field is None:
            unplaced.extend(messages)
        else:
            field.errors = [*field.errors, *messages]
    if default_field is not None and not error.fields:
        default_field.errors = [*default_field.errors, error.message]
    elif always_flash or unplaced or not error.fields:
        flash(" ".join([error.message, *unplaced]), "error")
