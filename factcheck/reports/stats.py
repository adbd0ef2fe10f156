"""Figures for the dashboard: progress per day, verdicts, work per annotator."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from factcheck.annotations.states import SUBMITTED_OR_LATER, AnnotationState
from factcheck.annotations.tallies import (
    APPROVED_DAY,
    SUBMITTED_DAY,
    AnnotationTally,
    DailyTally,
)
from factcheck.db import utcnow
from factcheck.users.models import User
from factcheck.verdicts.models import Verdict


@dataclass(frozen=True)
class DailyProgress:
    days: list[date]
    submitted: list[int]
    approved: list[int]


def daily_progress(session: Session, days: int = 30) -> DailyProgress:
    """Annotations submitted and approved per day over the last ``days`` days (UTC), from
    the daily tallies: ``days`` rows of each kind, whatever the month's pace."""
    today = utcnow().date()
    first = today - timedelta(days=days - 1)
    counted = {
        (day, kind): events
        for day, kind, events in session.execute(
            select(DailyTally.day, DailyTally.kind, DailyTally.events).where(
                DailyTally.day >= first
            )
        )
    }
    span = [first + timedelta(days=i) for i in range(days)]
    return DailyProgress(
        span,
        [counted.get((d, SUBMITTED_DAY), 0) for d in span],
        [counted.get((d, APPROVED_DAY), 0) for d in span],
    )


def verdict_distribution(session: Session) -> list[tuple[Verdict, int, int]]:
    """Per verdict: annotations submitted or later, and published (approved) ones, from
    the annotation tallies (a few thousand rows at any size)."""
    tally = AnnotationTally
    given = func.coalesce(
        func.sum(case((tally.state != AnnotationState.DRAFT.value, tally.annotations))), 0
    )
    published = func.coalesce(
        func.sum(case((tally.state == AnnotationState.APPROVED.value, tally.annotations))), 0
    )
    rows = session.execute(
        select(Verdict, given, published)
        .outerjoin(tally, tally.verdict_id == Verdict.id)
        .group_by(Verdict.id)
        .order_by(Verdict.sort_order, Verdict.id)
    ).all()
    return [(verdict, int(total), int(approved)) for verdict, total, approved in rows]


@dataclass(frozen=True)
class AnnotatorWork:
    user: User
    drafts: int
    submitted: int
    approved: int
    returned: int


def work_per_annotator(session: Session) -> list[AnnotatorWork]:
    """Each annotator's drafts, submitted (or later), approved and returned annotations,
    from the annotation tallies."""
    tally = AnnotationTally

    def count_state(*states: AnnotationState) -> Any:
        values = [state.value for state in states]
        return func.coalesce(func.sum(case((tally.state.in_(values), tally.annotations))), 0)

    rows = session.execute(
        select(
            User,
            count_state(AnnotationState.DRAFT),
            count_state(*SUBMITTED_OR_LATER),
            count_state(AnnotationState.APPROVED),
            count_state(AnnotationState.CHANGES_REQUESTED),
        )
        .join(tally, tally.annotator_id == User.id)
        .group_by(User.id)
        .having(func.sum(tally.annotations) > 0)
        .order_by(User.name)
    ).all()
    return [AnnotatorWork(u, int(d), int(s), int(a), int(r)) for u, d, s, a, r in rows]
