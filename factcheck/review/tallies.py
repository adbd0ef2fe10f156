"""Approvals per day, kept current: the dashboard's thirty days of approvals read thirty
rows of the daily tallies (``factcheck.annotations.tallies``, which counts submissions)
instead of every approval of the month.

Reviews are only ever added (a reopened annotation gets a new review, the approval
stays in its history); a deleted one is taken off all the same. The counts are added
after each flush, in its transaction.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from sqlalchemy import Connection, event, select
from sqlalchemy.orm import Session

from factcheck.annotations.tallies import APPROVED_DAY, apply_days, replace_days, utc_day
from factcheck.review.models import Decision, Review


def _after_flush(session: Session, _context: Any) -> None:
    days: Counter[tuple[date, str]] = Counter()
    for thing in session.new:
        if isinstance(thing, Review) and thing.decision is Decision.APPROVE:
            days[(utc_day(thing.created_at), APPROVED_DAY)] += 1  # type: ignore[index]
    for thing in session.deleted:
        if isinstance(thing, Review) and thing.decision is Decision.APPROVE:
            days[(utc_day(thing.created_at), APPROVED_DAY)] -= 1  # type: ignore[index]
    if days:
        apply_days(session.connection(), days)


def recount_approvals(connection: Connection) -> None:
    """Count every approval again into the daily tallies (rows written past the ORM)."""
    days: Counter[tuple[date, str]] = Counter()
    for (moment,) in connection.execute(
        select(Review.created_at).where(Review.decision == Decision.APPROVE)
    ):
        days[(moment.date(), APPROVED_DAY)] += 1
    replace_days(connection, APPROVED_DAY, days)


def keep_approval_tallies_current(session_class: type[Session] | Any = Session) -> None:
    """Listen to every session (idempotent): called once by the app factory."""
    if not event.contains(session_class, "after_flush", _after_flush):
        event.listen(session_class, "after_flush", _after_flush)
