"""The admin's mapping of other newsrooms' rating texts onto our verdicts."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from factcheck.audit.recorder import record
from factcheck.db import utcnow
from factcheck.errors import PermissionDenied, ValidationFailed
from factcheck.factchecks.models import FactCheck, Origin, RatingMapping, normal_rating
from factcheck.users.models import Role, User
from factcheck.verdicts.models import Verdict


@dataclass(frozen=True)
class RatingRow:
    #: As the library spells it most often.
    rating_text: str
    entries: int
    verdict_id: int | None


def rating_rows(session: Session) -> list[RatingRow]:
    """Every rating text of imported fact-checks, most used first, with its mapping."""
    mapped = {
        text: verdict_id
        for text, verdict_id in session.execute(
            select(RatingMapping.rating_text, RatingMapping.verdict_id)
        )
    }
    counts: dict[str, tuple[str, int]] = {}
    for text, entries in session.execute(
        select(FactCheck.rating_text, func.count())
        .where(FactCheck.origin == Origin.IMPORTED, FactCheck.rating_text != "")
        .group_by(FactCheck.rating_text)
    ):
        key = normal_rating(text)
        spelled, total = counts.get(key, (text, 0))
        counts[key] = (spelled, total + entries)
    rows = [RatingRow(spelled, total, mapped.get(key)) for key, (spelled, total) in counts.items()]
    return sorted(rows, key=lambda row: (-row.entries, row.rating_text.lower()))


def mapped_verdict_id(session: Session, rating_text: str) -> int | None:
    key = normal_rating(rating_text)
    if not key:
        return None
    return session.scalar(select(RatingMapping.verdict_id).where(RatingMapping.rating_text == key))


def save_mappings(session: Session, actor: User, mapping: dict[str, int | None]) -> int:
    """Map each rating text to a verdict (None: no mapping); returns how many changed.

    :raises PermissionDenied: not an admin.
    :raises ValidationFailed: an unknown verdict.
    """
    if not actor.has_role(Role.ADMIN):
        raise PermissionDenied(gettext("Only admins map ratings onto the verdict scale."))
    verdicts = set(session.scalars(select(Verdict.id)))
    changed: dict[str, list[int | None]] = {}
    current = {m.rating_text: m for m in session.scalars(select(RatingMapping))}
    for text, verdict_id in mapping.items():
        key = normal_rating(text)[:200]
        if not key:
            continue
        if verdict_id is not None and verdict_id not in verdicts:
            raise ValidationFailed(
                gettext("Rating “%(rating)s”: choose a verdict from the list.", rating=text[:60])
            )
        existing = current.get(key)
        before = existing.verdict_id if existing else None
        if before == verdict_id:
            continue
        if verdict_id is None:
            session.execute(delete(RatingMapping).where(RatingMapping.rating_text == key))
        elif existing is None:
            session.add(
                RatingMapping(rating_text=key, verdict_id=verdict_id, updated_by_id=actor.id)
            )
        else:
            existing.verdict_id = verdict_id
            existing.updated_by_id = actor.id
            existing.updated_at = utcnow()
        changed[key] = [before, verdict_id]
    if changed:
        session.flush()
        record(session, actor, "factchecks:map_ratings", "rating_mappings", None, changed)
    return len(changed)
