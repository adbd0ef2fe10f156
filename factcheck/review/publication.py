"""The record of published verdicts: every publication and withdrawal, with its date.

A claim's published verdict is its approved annotation; this record remembers every
time that changed (a verdict published, withdrawn for review, published again or
replaced), so that public pages and ClaimReview can date the first publication and
each correction (the IFCN's code of principles asks for an open corrections policy)
after the annotation itself has moved on.

It is kept current in the same transaction as every write: whatever changes an
annotation's state -- an approval or a reopening on the web or the API, a restore, the
demo -- a listener notes the claims whose approved annotation may have changed, and
just before the transaction commits each of them is compared with its last recorded
publication: a new approved annotation (or a new verdict) is recorded as published, a
claim left without one as withdrawn. The comparison reads the tables, so a write path
cannot be missed and running it twice records nothing twice.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, Enum, ForeignKey, Index, func, inspect, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from factcheck.annotations.models import Annotation
from factcheck.annotations.states import AnnotationState
from factcheck.articles.models import Claim
from factcheck.commit_hooks import CommitHook
from factcheck.db import Base, enum_values, intpk, utcnow
from factcheck.review.models import Decision, Review


class PublicationKind(enum.StrEnum):
    #: The claim's verdict became public (first, again, or in place of another).
    PUBLISHED = "published"
    #: The public verdict was taken back for review (reopened).
    WITHDRAWN = "withdrawn"


class PublicationEvent(Base):
    """One change of a claim's public verdict, written in the transaction that made it."""

    __tablename__ = "publication_events"
    __table_args__ = (
        Index("ix_publication_events_claim_id", "claim_id", "id"),
        Index("ix_publication_events_article_id", "article_id", "id"),
        Index("ix_publication_events_kind", "kind", "id"),
    )

    id: Mapped[intpk]
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"))
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    kind: Mapped[PublicationKind] = mapped_column(
        Enum(
            PublicationKind,
            name="publication_kind",
            values_callable=enum_values,
            native_enum=False,
            length=20,
            create_constraint=True,
        )
    )
    #: The approved annotation (None for a withdrawal).
    annotation_id: Mapped[int | None] = mapped_column(
        ForeignKey("annotations.id", ondelete="SET NULL")
    )
    #: The verdict published, or the one withdrawn.
    verdict_id: Mapped[int | None] = mapped_column(ForeignKey("verdicts.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PublishedArticle(Base):
    """An article with (or once with) a public verdict: the public index pages these."""

    __tablename__ = "published_articles"
    __table_args__ = (
        Index("ix_published_articles_published_at", "published_at", "article_id"),
        Index("ix_published_articles_modified_at", "modified_at", "article_id"),
    )

    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    #: When its first verdict was published.
    published_at: Mapped[datetime]
    #: When a verdict of it was last published, withdrawn or replaced.
    modified_at: Mapped[datetime]
    #: How many of its claims have a public verdict now.
    verdicts: Mapped[int] = mapped_column(default=0)


_BATCH = 500


@dataclass
class Marks:
    claims: set[int] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.claims)


def _note(session: Session, marks: Marks) -> None:
    """Claims whose annotations were approved, unapproved, added approved or deleted."""
    for thing in session.new:
        if isinstance(thing, Annotation) and thing.state is AnnotationState.APPROVED:
            marks.claims.add(thing.claim_id)
    for thing in session.dirty:
        if isinstance(thing, Annotation):
            history = inspect(thing).attrs.state.history
            if history.has_changes():
                marks.claims.add(thing.claim_id)
    for thing in session.deleted:
        if isinstance(thing, Annotation):
            marks.claims.add(thing.claim_id)


def _chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), _BATCH):
        yield ordered[start : start + _BATCH]


def reconcile(session: Session, claim_ids: Iterable[int], *, now: datetime | None = None) -> int:
    """Record what changed in the public verdicts of ``claim_ids``; how many events.

    An approval is dated by its review (a restored archive keeps its dates), anything
    else by ``now``."""
    now = now or utcnow()
    written = 0
    for ids in _chunks(claim_ids):
        written += _reconcile(session, ids, now)
    return written


def _reconcile(session: Session, claim_ids: list[int], now: datetime) -> int:
    current = {
        claim_id: (annotation_id, verdict_id, article_id)
        for claim_id, annotation_id, verdict_id, article_id in session.execute(
            select(Annotation.claim_id, Annotation.id, Annotation.verdict_id, Claim.article_id)
            .join(Claim, Claim.id == Annotation.claim_id)
            .where(
                Annotation.claim_id.in_(claim_ids),
                Annotation.state == AnnotationState.APPROVED,
            )
        )
    }
    latest = (
        select(func.max(PublicationEvent.id))
        .where(PublicationEvent.claim_id.in_(claim_ids))
        .group_by(PublicationEvent.claim_id)
    )
    last = {
        event.claim_id: event
        for event in session.scalars(
            select(PublicationEvent).where(PublicationEvent.id.in_(latest))
        )
    }
    approvals = _approval_times(
        [annotation_id for annotation_id, _, _ in current.values()], session
    )
    events: list[PublicationEvent] = []
    for claim_id in claim_ids:
        now_public, before = current.get(claim_id), last.get(claim_id)
        if now_public is not None:
            annotation_id, verdict_id, article_id = now_public
            unchanged = (
                before is not None
                and before.kind is PublicationKind.PUBLISHED
                and (before.annotation_id, before.verdict_id) == (annotation_id, verdict_id)
            )
            if not unchanged:
                at = approvals.get(annotation_id, now)
                if before is not None and before.created_at is not None:
                    at = max(at, before.created_at)
                events.append(
                    PublicationEvent(
                        claim_id=claim_id,
                        article_id=article_id,
                        kind=PublicationKind.PUBLISHED,
                        annotation_id=annotation_id,
                        verdict_id=verdict_id,
                        created_at=at,
                    )
                )
        elif before is not None and before.kind is PublicationKind.PUBLISHED:
            events.append(
                PublicationEvent(
                    claim_id=claim_id,
                    article_id=before.article_id,
                    kind=PublicationKind.WITHDRAWN,
                    verdict_id=before.verdict_id,
                    created_at=max(now, before.created_at),
                )
            )
    if not events:
        return 0
    session.add_all(events)
    session.flush()
    latest: dict[int, datetime] = {}
    for event in events:
        known = latest.get(event.article_id)
        latest[event.article_id] = (
            event.created_at if known is None else max(known, event.created_at)
        )
    _refresh_articles(session, latest)
    return len(events)


def _approval_times(annotation_ids: list[int], session: Session) -> dict[int, datetime]:
    if not annotation_ids:
        return {}
    return dict(
        session.execute(
            select(Review.annotation_id, func.max(Review.created_at))
            .where(Review.annotation_id.in_(annotation_ids), Review.decision == Decision.APPROVE)
            .group_by(Review.annotation_id)
        ).all()
    )


def _refresh_articles(session: Session, changed: dict[int, datetime]) -> None:
    """The index rows of the articles whose verdicts changed: first publication, last
    change, and how many verdicts are public now."""
    counts = dict(
        session.execute(
            select(Claim.article_id, func.count())
            .join(Annotation, Annotation.claim_id == Claim.id)
            .where(
                Claim.article_id.in_(list(changed)),
                Annotation.state == AnnotationState.APPROVED,
            )
            .group_by(Claim.article_id)
        ).all()
    )
    rows = {
        row.article_id: row
        for row in session.scalars(
            select(PublishedArticle).where(PublishedArticle.article_id.in_(list(changed)))
        )
    }
    new = [article_id for article_id in changed if article_id not in rows]
    # An article new to the index has only the events just written: its first is theirs.
    firsts = (
        dict(
            session.execute(
                select(PublicationEvent.article_id, func.min(PublicationEvent.created_at))
                .where(PublicationEvent.article_id.in_(new))
                .group_by(PublicationEvent.article_id)
            ).all()
        )
        if new
        else {}
    )
    for article_id, at in changed.items():
        row = rows.get(article_id)
        if row is None:
            first = firsts.get(article_id, at)
            row = PublishedArticle(article_id=article_id, published_at=first, modified_at=at)
            session.add(row)
        else:
            row.modified_at = max(row.modified_at, at)
        row.verdicts = counts.get(article_id, 0)
    session.flush()


def rebuild(session: Session) -> int:
    """Record every approved verdict that has no publication yet (a database from before
    publishing, or one filled by bulk SQL); how many events were written."""
    claims = session.scalars(
        select(Annotation.claim_id).where(Annotation.state == AnnotationState.APPROVED)
    ).all()
    return reconcile(session, claims)


#: Records publications and withdrawals just before each transaction commits.
HOOK = CommitHook(
    "factcheck.publishing.marks",
    Marks,
    _note,
    lambda session, marks: reconcile(session, marks.claims),
)


def keep_record_current() -> None:
    """Listen to every session (idempotent): called once by the app factory."""
    HOOK.install()


def publication_dates(
    connection: Connection | Session, claim_ids: list[int]
) -> dict[int, tuple[datetime, datetime | None]]:
    """When each claim's verdict was first published, and last changed after that (None
    if it never was): ClaimReview's ``datePublished`` and ``dateModified``."""
    if not claim_ids:
        return {}
    rows = connection.execute(
        select(
            PublicationEvent.claim_id,
            func.min(PublicationEvent.created_at),
            func.max(PublicationEvent.created_at),
            func.count(),
        )
        .where(PublicationEvent.claim_id.in_(claim_ids))
        .group_by(PublicationEvent.claim_id)
    )
    return {claim_id: (first, last if count > 1 else None) for claim_id, first, last, count in rows}
