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

The agreement figures are kept the same way. Krippendorff's alpha and the pairwise
agreement depend on the verdicts only through the pairs of verdicts given to one claim,
counted by the number of verdicts the claim has: :class:`AgreementTally` holds those
counts, and :class:`ClaimTally` says which claims disagree, so the archive's agreement
page reads a few hundred rows however many claims were compared. When a flush changes a
claim's finished verdicts, the claim's tally row is locked first (the upsert), then its
verdicts are read -- a statement after the lock sees what a concurrent writer of the same
claim committed -- and the verdicts it had before are the ones read with this flush's
changes undone: two annotators finishing the same claim at once are counted as the three
verdicts they make, not as two pairs.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Connection,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    delete,
    event,
    false,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from factcheck.annotations.models import Annotation
from factcheck.annotations.states import SUBMITTED_OR_LATER, AnnotationState
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


class ClaimTally(Base):
    """How many finished verdicts (submitted or later, with a verdict) a claim has: the
    agreement figures compare the claims with two or more, found through this table's
    index instead of grouping every annotation of the archive."""

    __tablename__ = "claim_tallies"
    __table_args__ = (
        Index("ix_claim_tallies_verdicts", "verdicts", "claim_id"),
        Index("ix_claim_tallies_disagrees", "disagrees", "claim_id"),
    )

    claim_id: Mapped[int] = mapped_column(
        ForeignKey("claims.id", ondelete="CASCADE"), primary_key=True
    )
    verdicts: Mapped[int] = mapped_column(Integer, default=0)
    #: Whether the claim's finished verdicts are not all the same.
    disagrees: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class AgreementTally(Base):
    """Ordered pairs of finished verdicts (``verdict_a`` then ``verdict_b``, by two
    different annotations) given to claims that have ``unit_size`` finished verdicts.

    A claim with verdicts [a, a, b] adds, at unit size 3, two (a, a) pairs, two (a, b)
    and two (b, a). Alpha's coincidence matrix is ``pairs / (unit_size - 1)`` summed over
    unit sizes; the pairwise agreement is the share of pairs that agree; the claims
    compared are ``pairs / (unit_size * (unit_size - 1))`` summed."""

    __tablename__ = "agreement_tallies"

    unit_size: Mapped[int] = mapped_column(Integer, primary_key=True)
    verdict_a: Mapped[int] = mapped_column(Integer, primary_key=True)
    verdict_b: Mapped[int] = mapped_column(Integer, primary_key=True)
    pairs: Mapped[int] = mapped_column(Integer, default=0)


class DailyTally(Base):
    """How many annotations were (last) submitted, and how many approvals were given, on
    one UTC day: the dashboard's thirty days read thirty rows of this table instead of
    every submission of the month (12,000 at a year's pace of a network)."""

    __tablename__ = "daily_tallies"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    #: ``submitted`` or ``approved``.
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    events: Mapped[int] = mapped_column(Integer, default=0)


SUBMITTED_DAY, APPROVED_DAY = "submitted", "approved"


#: The states whose verdict counts for agreement (finished work).
_FINISHED = frozenset(state.value for state in SUBMITTED_OR_LATER)


def _finished(key: Key | None) -> bool:
    return key is not None and key[1] != NO_VERDICT and key[2] in _FINISHED


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
            select(
                table.c.id,
                table.c.claim_id,
                table.c.annotator_id,
                table.c.verdict_id,
                table.c.state,
                table.c.submitted_at,
            ).where(table.c.id.in_(ids[start : start + 500]))
        )
        for annotation_id, claim_id, annotator_id, verdict_id, state, submitted_at in rows:
            key = _key(annotator_id, verdict_id, state)
            stored[annotation_id] = (claim_id, key, utc_day(submitted_at))


def utc_day(moment: datetime | None) -> date | None:
    """The UTC day of a stored timestamp (the column type hands them out in UTC)."""
    return moment.date() if moment is not None else None


def _after_flush(session: Session, _context: Any) -> None:
    stored: dict[int, tuple[int, Key, date | None]] = session.info.pop(_STORED, {})
    changes: Counter[Key] = Counter()
    finished: Counter[int] = Counter()
    days: Counter[tuple[date, str]] = Counter()

    def submitted_on(before: date | None, after: date | None) -> None:
        if before != after:
            if before is not None:
                days[(before, SUBMITTED_DAY)] -= 1
            if after is not None:
                days[(after, SUBMITTED_DAY)] += 1

    # Per claim whose finished verdicts change: the verdicts this flush added and removed.
    verdicts_changed: dict[int, tuple[Counter[int], Counter[int]]] = {}

    def change(claim_id: int, before: Key | None, after: Key | None) -> None:
        if before == after:
            return
        if before is not None:
            changes[before] -= 1
        if after is not None:
            changes[after] += 1
        finished[claim_id] += _finished(after) - _finished(before)
        if _finished(before) or _finished(after):
            added, removed = verdicts_changed.setdefault(claim_id, (Counter(), Counter()))
            if _finished(after):
                added[after[1]] += 1  # type: ignore[index]
            if _finished(before):
                removed[before[1]] += 1  # type: ignore[index]

    for thing in session.new:
        if isinstance(thing, Annotation):
            change(thing.claim_id, None, _key(thing.annotator_id, thing.verdict_id, thing.state))
            submitted_on(None, utc_day(thing.submitted_at))
    for thing in session.dirty:
        if isinstance(thing, Annotation) and thing.id in stored:
            claim_id, before, day = stored[thing.id]
            change(claim_id, before, _key(thing.annotator_id, thing.verdict_id, thing.state))
            submitted_on(day, utc_day(thing.submitted_at))
    for thing in session.deleted:
        if isinstance(thing, Annotation) and thing.id in stored:
            claim_id, before, day = stored[thing.id]
            change(claim_id, before, None)
            submitted_on(day, None)
    _apply(session, changes, finished, verdicts_changed)
    apply_days(session.connection(), days)


def _upsert(dialect: str, table: Any, keys: list[str], counter: str) -> Any:
    statement = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    return statement.on_conflict_do_update(
        index_elements=keys,
        set_={counter: table.c[counter] + statement.excluded[counter]},
    )


def _apply(
    session: Session,
    changes: Counter[Key],
    finished: Counter[int],
    verdicts_changed: dict[int, tuple[Counter[int], Counter[int]]],
) -> None:
    connection = session.connection()
    dialect = connection.dialect.name
    # Sorted keys: two transactions that touch the same tallies lock them in the same
    # order, so one waits for the other instead of both deadlocking.
    tally = _upsert(
        dialect, AnnotationTally.__table__, ["annotator_id", "verdict_id", "state"], "annotations"
    )
    for (annotator_id, verdict_id, state), count in sorted(changes.items()):
        if count:
            row = {"annotator_id": annotator_id, "verdict_id": verdict_id, "state": state}
            connection.execute(tally, {**row, "annotations": count})
    claims = _upsert(dialect, ClaimTally.__table__, ["claim_id"], "verdicts")
    # Every claim whose finished verdicts change is upserted, even by 0: the row lock is
    # what makes the verdicts read next include a concurrent writer's.
    for claim_id in sorted(finished.keys() | verdicts_changed.keys()):
        connection.execute(claims, {"claim_id": claim_id, "verdicts": finished[claim_id]})
    if verdicts_changed:
        _apply_agreement(connection, verdicts_changed)


def apply_days(connection: Connection, days: Counter[tuple[date, str]]) -> None:
    """Add ``days``' counts to the daily tallies (sorted: no two writers deadlock)."""
    tally = _upsert(connection.dialect.name, DailyTally.__table__, ["day", "kind"], "events")
    for (day, kind), count in sorted(days.items()):
        if count:
            connection.execute(tally, {"day": day, "kind": kind, "events": count})


def unit_pairs(verdicts: Counter[int]) -> Counter[tuple[int, int, int]]:
    """The ordered verdict pairs one claim with these finished verdicts adds to the
    agreement tallies, keyed (unit size, verdict a, verdict b)."""
    size = sum(verdicts.values())
    pairs: Counter[tuple[int, int, int]] = Counter()
    if size < 2:
        return pairs
    for a, many_a in verdicts.items():
        for b, many_b in verdicts.items():
            # Two different annotations: a verdict is not paired with itself.
            count = many_a * (many_a - 1) if a == b else many_a * many_b
            if count:
                pairs[(size, a, b)] += count
    return pairs


def _apply_agreement(
    connection: Connection, verdicts_changed: dict[int, tuple[Counter[int], Counter[int]]]
) -> None:
    table = Annotation.__table__
    claim_ids = sorted(verdicts_changed)
    now: dict[int, Counter[int]] = {claim_id: Counter() for claim_id in claim_ids}
    for start in range(0, len(claim_ids), 500):
        rows = connection.execute(
            select(table.c.claim_id, table.c.verdict_id).where(
                table.c.claim_id.in_(claim_ids[start : start + 500]),
                table.c.state.in_(sorted(_FINISHED)),
                table.c.verdict_id.is_not(None),
            )
        )
        for claim_id, verdict_id in rows:
            now[claim_id][verdict_id] += 1
    pairs: Counter[tuple[int, int, int]] = Counter()
    disagree: dict[bool, list[int]] = {True: [], False: []}
    for claim_id in claim_ids:
        added, removed = verdicts_changed[claim_id]
        before = now[claim_id] - added + removed
        pairs.update(unit_pairs(now[claim_id]))
        pairs.subtract(unit_pairs(before))
        if (len(+before) > 1) != (len(+now[claim_id]) > 1):
            disagree[len(+now[claim_id]) > 1].append(claim_id)
    claims = ClaimTally.__table__
    for value, ids in disagree.items():
        if ids:
            connection.execute(
                update(claims).where(claims.c.claim_id.in_(ids)).values(disagrees=value)
            )
    tally = _upsert(
        connection.dialect.name,
        AgreementTally.__table__,
        ["unit_size", "verdict_a", "verdict_b"],
        "pairs",
    )
    for (size, a, b), count in sorted(pairs.items()):
        if count:
            row = {"unit_size": size, "verdict_a": a, "verdict_b": b, "pairs": count}
            connection.execute(tally, row)


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
    claims = ClaimTally.__table__
    connection.execute(delete(claims))
    connection.execute(
        insert(claims).from_select(
            ["claim_id", "verdicts"],
            select(Annotation.claim_id, func.count())
            .where(Annotation.state.in_(SUBMITTED_OR_LATER), Annotation.verdict_id.is_not(None))
            .group_by(Annotation.claim_id),
        )
    )
    recount_agreement(connection)
    recount_days(connection)
    return connection.scalar(select(func.count()).select_from(table)) or 0


def recount_days(connection: Connection) -> None:
    """Count every submission again into the daily tallies (by the UTC day of each
    timestamp, read and counted here so that both backends agree on the day); the
    review package counts the approvals."""
    days: Counter[tuple[date, str]] = Counter()
    for (moment,) in connection.execute(
        select(Annotation.submitted_at).where(Annotation.submitted_at.is_not(None))
    ):
        days[(moment.date(), SUBMITTED_DAY)] += 1
    replace_days(connection, SUBMITTED_DAY, days)


def replace_days(connection: Connection, kind: str, days: Counter[tuple[date, str]]) -> None:
    """Replace the daily tallies of ``kind`` by ``days``."""
    table = DailyTally.__table__
    connection.execute(delete(table).where(table.c.kind == kind))
    rows = [{"day": day, "kind": k, "events": n} for (day, k), n in sorted(days.items())]
    if rows:
        connection.execute(insert(table), rows)


def recount_agreement(connection: Connection) -> None:
    """Fill the agreement tallies and the claims' disagreement flags again from the
    annotations, after :func:`recount` has counted the claims' finished verdicts."""
    annotations = Annotation.__table__
    claims = ClaimTally.__table__
    first, second = annotations.alias("a"), annotations.alias("b")

    def finished(table: Any) -> Any:
        return table.c.state.in_(sorted(_FINISHED)) & table.c.verdict_id.is_not(None)

    connection.execute(delete(AgreementTally.__table__))
    pairs = (
        select(claims.c.verdicts, first.c.verdict_id, second.c.verdict_id, func.count())
        .join(first, first.c.claim_id == claims.c.claim_id)
        .join(second, (second.c.claim_id == claims.c.claim_id) & (second.c.id != first.c.id))
        .where(claims.c.verdicts >= 2, finished(first), finished(second))
        .group_by(claims.c.verdicts, first.c.verdict_id, second.c.verdict_id)
    )
    connection.execute(
        insert(AgreementTally.__table__).from_select(
            ["unit_size", "verdict_a", "verdict_b", "pairs"], pairs
        )
    )
    distinct_verdicts = (
        select(func.count(annotations.c.verdict_id.distinct()))
        .where(annotations.c.claim_id == claims.c.claim_id, finished(annotations))
        .scalar_subquery()
    )
    connection.execute(
        update(claims).where(claims.c.verdicts >= 2).values(disagrees=distinct_verdicts > 1)
    )


#: The session events that keep the tallies current, and their listeners.
LISTENERS = (("before_flush", _before_flush), ("after_flush", _after_flush))


def keep_tallies_current(session_class: type[Session] | Any = Session) -> None:
    """Listen to every session (idempotent): called once by the app factory."""
    for name, listener in LISTENERS:
        if not event.contains(session_class, name, listener):
            event.listen(session_class, name, listener)
