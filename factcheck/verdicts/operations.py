"""The verdict scale: adding, editing, retiring and ordering verdicts (admins only)."""

from __future__ import annotations

import re

from flask_babel import gettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from factcheck.audit.recorder import diff_fields, record
from factcheck.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from factcheck.users.models import Role, User
from factcheck.validators import long_text, short_text
from factcheck.verdicts.contrast import colour_problem
from factcheck.verdicts.models import (
    BEST_RATING,
    DEFAULT_VERDICT_COLOUR,
    MAX_VERDICT_KEY_CHARS,
    WORST_RATING,
    Verdict,
)


def all_verdicts(session: Session) -> list[Verdict]:
    return list(session.scalars(select(Verdict).order_by(Verdict.sort_order, Verdict.id)))


def _require_admin(actor: User | None) -> None:
    if actor is not None and (not actor.active or not actor.has_role(Role.ADMIN)):
        raise PermissionDenied(gettext("Only admins can change the verdict scale."))


def get_verdict(session: Session, verdict_id: int) -> Verdict:
    verdict = session.get(Verdict, verdict_id)
    if verdict is None:
        raise NotFound(gettext("There is no such verdict."))
    return verdict


#: A verdict key is a stable machine name: exports and the API use it.
VERDICT_KEY = re.compile(rf"^[a-z][a-z0-9_]{{0,{MAX_VERDICT_KEY_CHARS - 1}}}$")
VERDICT_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
MAX_VERDICT_LABEL_CHARS = 80
MAX_VERDICT_DESCRIPTION_CHARS = 2_000


def _verdict_fields(
    *, label: str, description: str, rating: int | None, colour: str, check_contrast: bool
) -> dict[str, object]:
    """The editable fields of a verdict tidied, or why one cannot be stored.

    :param check_contrast: refuse a colour its badge's text or the page do not contrast
        with enough (WCAG 2.1 AA, ``contrast.py``), suggesting a shade that does.
    :raises ValidationFailed: naming the field.
    """
    if rating is not None and (
        not isinstance(rating, int)
        or isinstance(rating, bool)
        or not WORST_RATING <= rating <= BEST_RATING
    ):
        raise ValidationFailed(
            gettext(
                "The rating must be %(worst)s (worst) to %(best)s (best), or none.",
                worst=WORST_RATING,
                best=BEST_RATING,
            ),
            fields={
                "rating": [
                    gettext(
                        "%(worst)s to %(best)s, or empty.", worst=WORST_RATING, best=BEST_RATING
                    )
                ]
            },
        )
    if not VERDICT_COLOUR.match(colour or ""):
        raise ValidationFailed(
            gettext("“%(colour)s” is not a colour like #1b7f3b.", colour=(colour or "")[:20]),
            fields={"colour": [gettext("A colour like #1b7f3b.")]},
        )
    if check_contrast and (problem := colour_problem(colour)):
        raise ValidationFailed(problem, fields={"colour": [problem]})
    return {
        "label": short_text("label", label, MAX_VERDICT_LABEL_CHARS, required=True),
        "description": long_text("description", description, MAX_VERDICT_DESCRIPTION_CHARS),
        "rating": rating,
        "colour": colour.lower(),
    }


def create_verdict(
    session: Session,
    actor: User | None,
    *,
    key: str,
    label: str,
    description: str = "",
    rating: int | None = None,
    colour: str = DEFAULT_VERDICT_COLOUR,
    active: bool = True,
    restored_from: str | None = None,
) -> Verdict:
    """Add a verdict at the end of the scale.

    :param actor: an admin, or None for the command line.
    :param restored_from: the archive the verdict comes from, for the audit history. A
        restored colour is kept as the archive has it, readable or not: the archive is a
        record, and badges pick their text colour to read best on any colour.
    :raises Conflict: the key is taken.
    :raises ValidationFailed: a field breaks the rules the admin form shows.
    """
    _require_admin(actor)
    if not isinstance(key, str) or not VERDICT_KEY.match(key):
        raise ValidationFailed(
            gettext(
                "“%(key)s” is not a verdict key: lower-case letters, digits and _ only.",
                key=str(key)[:MAX_VERDICT_KEY_CHARS],
            ),
            fields={
                "key": [
                    gettext(
                        "Lower-case letters, digits and _ only (at most %(count)s).",
                        count=MAX_VERDICT_KEY_CHARS,
                    )
                ]
            },
        )
    fields = _verdict_fields(
        label=label,
        description=description,
        rating=rating,
        colour=colour,
        check_contrast=restored_from is None,
    )
    if session.scalar(select(Verdict.id).where(Verdict.key == key)) is not None:
        raise Conflict(
            gettext("A verdict with the key “%(key)s” exists already.", key=key),
            fields={"key": [gettext("This key is taken.")]},
        )
    last = session.scalar(select(func.max(Verdict.sort_order))) or 0
    verdict = Verdict(key=key, **fields, sort_order=last + 1, active=active)
    session.add(verdict)
    session.flush()
    details: dict[str, list[object]] = {
        "key": [None, key],
        "label": [None, verdict.label],
        "rating": [None, rating],
        "colour": [None, verdict.colour],
    }
    if not active:
        details["active"] = [None, False]
    if restored_from is not None:
        details["restored_from"] = [None, restored_from]
    record(session, actor, "verdict:create", "verdict", verdict.id, details)
    return verdict


def update_verdict(
    session: Session,
    actor: User,
    verdict: Verdict,
    *,
    label: str,
    description: str,
    rating: int | None,
    colour: str,
    active: bool,
) -> Verdict:
    """Rename, recolour, re-rate, retire or restore a verdict (its key never changes).

    A new colour must contrast enough (``contrast.py``); a stored one is not checked again,
    so that a verdict coloured before the rule can still be renamed or retired.
    """
    _require_admin(actor)
    before = {
        "label": verdict.label,
        "description": verdict.description,
        "rating": verdict.rating,
        "colour": verdict.colour,
        "active": verdict.active,
    }
    after = _verdict_fields(
        label=label,
        description=description,
        rating=rating,
        colour=colour,
        check_contrast=(colour or "").lower() != verdict.colour,
    )
    after["active"] = active
    changes = diff_fields(before, after)
    if not changes:
        return verdict
    for name, value in after.items():
        setattr(verdict, name, value)
    session.flush()
    record(session, actor, "verdict:update", "verdict", verdict.id, changes)
    return verdict


def move_verdict(session: Session, actor: User | None, verdict: Verdict, *, offset: int) -> None:
    """Move a verdict up (-1) or down (+1) the scale; number keys follow this order."""
    _require_admin(actor)
    ordered = all_verdicts(session)
    index = ordered.index(verdict)
    target = index + offset
    if not 0 <= target < len(ordered):
        return
    ordered[index], ordered[target] = ordered[target], ordered[index]
    before = [v.key for v in sorted(ordered, key=lambda v: (v.sort_order, v.id))]
    for position, item in enumerate(ordered):
        item.sort_order = position
    session.flush()
    record(
        session,
        actor,
        "verdict:reorder",
        "verdict",
        verdict.id,
        {"order": [before, [v.key for v in ordered]]},
    )


def set_scale_order(
    session: Session, actor: User | None, order: dict[str, int], *, restored_from: str
) -> bool:
    """Give every verdict the sort order an archive names; return whether anything moved.

    Only when the archive names the whole scale: a partial order would interleave with
    verdicts the archive does not know.
    """
    _require_admin(actor)
    verdicts = all_verdicts(session)
    if {v.key for v in verdicts} - set(order):
        return False
    before = [v.key for v in verdicts]
    changed = False
    for verdict in verdicts:
        if verdict.sort_order != order[verdict.key]:
            verdict.sort_order = order[verdict.key]
            changed = True
    if not changed:
        return False
    session.flush()
    after = [v.key for v in all_verdicts(session)]
    record(
        session,
        actor,
        "verdict:reorder",
        "verdict",
        None,
        {"order": [before, after], "restored_from": [None, restored_from]},
    )
    return True
