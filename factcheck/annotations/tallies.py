"""How many annotations each annotator has, per verdict and state, kept current.

The dashboard's figures -- verdicts given and published, each annotator's drafts,
submitted, approved and returned work -- would otherwise count every annotation of the
archive on every view (300,000 rows at a year's size). A tally per (annotator, verdict,
state) holds them instead: a few thousand rows at most, whatever the archive's size.

Every change of an annotation's verdict or state goes through the ORM: before each flush
the changed annotations' stored values are read, after it the differences are added to
the tallies in the same transaction -- inside the flush's savepoint, if any, so a rolled
back savepoint takes its differences with it. The additions are atomic (``UPSERT ...
annotations + n``), so concurrent writers never lose one another's counts. Rows written
past the ORM (the bench's bulk generator) are counted again by :func:`recount`, as the
migration did for existing data.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import Connection, ForeignKey, Integer, String, delete, event, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from factcheck.annotations.models import Annotation
from factcheck.annotations.states import AnnotationState
from factcheck.db import Base

#: The verdict of an annotation without one (a key column cannot hold NULL).
NO_VERDICT = 0

Key = tuple[int, int, str]


class AnnotationTally(Base):
    """How many annotations by one annotator are in one state with one verdict."""

    __tablename__ = "annotation_tallies"

    annotator_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    #: :data:`NO_VERDICT` for none (no foreign key: 0 names no verdict).
    verdict_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    state: Mapped[str] = mapped_column(String(20), primary_key=True)
    annotations: Mapped[int] = mapped_column(Integer, default=0)


def _key(annotator_id: int, verdict_id: int | None, state: AnnotationState | str) -> Key:
    value = state.value if isinstance(state, AnnotationState) else str(state)
    return (annotator_id, verdict_id or NO_VERDICT, value)


_STORED = "factcheck.annotations.tallies.stored"


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    """Read what the database holds for the annotations this flush changes or deletes
    (their attributes may have been expired, so the ORM's history cannot say)."""
    ids = [
        thing.id
        for thing in (*session.dirty, *session.deleted)
        if isinstance(thing, Annotation) and thing.id is not None
    ]
    if not ids:
        return
    stored = session.info.setdefault(_STORED, {})
    table = Annotation.__table__
    for start in range(0, len(ids), 500):
        rows = session.connection().execute(
            select(table.c.id, table.c.annotator_id, table.c.verdict_id, table.c.state).where(
                table.c.id.in_(ids[start : start + 500])
            )
        )
        for annotation_id, annotator_id, verdict_id, state in rows:
            stored[annotation_id] = _key(annotator_id, verdict_id, state)


def _after_flush(session: Session, _context: Any) -> None:
    stored: dict[int, Key] = session.info.pop(_STORED, {})
    changes: Counter[Key] = Counter()
    for thing in session.new:
        if isinstance(thing, Annotation):
            changes[_key(thing.annotator_id, thing.verdict_id, thing.state)] += 1
    for thing in session.dirty:
        if isinstance(thing, Annotation) and thing.id in stored:
            now = _key(thing.annotator_id, thing.verdict_id, thing.state)
            if now != stored[thing.id]:
                changes[stored[thing.id]] -= 1
                changes[now] += 1
    for thing in session.deleted:
        if isinstance(thing, Annotation) and thing.id in stored:
            changes[stored[thing.id]] -= 1
    _apply(session, changes)


def _upsert(dialect: str) -> Any:
    table = AnnotationTally.__table__
    statement = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    return statement.on_conflict_do_update(
        index_elements=["annotator_id", "verdict_id", "state"],
        set_={"annotations": table.c.annotations + statement.excluded.annotations},
    )


def _apply(session: Session, changes: Counter[Key]) -> None:
    rows = [
        {"annotator_id": a, "verdict_id": v, "state": s, "annotations": n}
        for (a, v, s), n in sorted(changes.items())
        if n
    ]
    connection = session.connection()
    # Sorted keys: two transactions that touch the same tallies lock them in the same
    # order, so one waits for the other instead of both deadlocking.
    for row in rows:
        connection.execute(_upsert(connection.dialect.name), row)


def recount(connection: Connection) -> int:
    """Count every annotation again into the tallies; how many tallies there are."""
    table = AnnotationTally.__table__
    connection.execute(delete(table))
    verdict = func.coalesce(Annotation.verdict_id, NO_VERDICT)
    connection.execute(
        insert(table).from_select(
            ["annotator_id", "verdict_id", "state", "annotations"],
            select(Annotation.annotator_id, verdict, Annotation.state, func.count()).group_by(
                Annotation.annotator_id, verdict, Annotation.state
            ),
        )
    )
    return connection.scalar(select(func.count()).select_from(table)) or 0


#: The session events that keep the tallies current, and their listeners.
LISTENERS = (("before_flush", _before_flush), ("after_flush", _after_flush))


def keep_tallies_current(session_class: type[Session] | Any = Session) -> None:
    """Listen to every session (idempotent): called once by the app factory."""
    for name, listener in LISTENERS:
        if not event.contains(session_class, name, listener):
            event.listen(session_class, name, listener)
