"""Giving articles to annotators, and each annotator's queue of work."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from factcheck.annotations.models import Annotation
from factcheck.annotations.states import AnnotationState
from factcheck.annotations.tallies import AnnotationTally
from factcheck.articles.models import Article, Assignment, Claim
from factcheck.audit.recorder import record
from factcheck.errors import Conflict, NotFound, PermissionDenied
from factcheck.review.models import Review
from factcheck.review.operations import reviews_of
from factcheck.users.models import Role, User


def _require_assigner(actor: User) -> None:
    if not actor.active or not actor.has_role(Role.REVIEWER):
        raise PermissionDenied(gettext("Only reviewers and admins assign work."))


def assign(session: Session, actor: User, article: Article, annotator: User) -> Assignment:
    """Give ``article`` to ``annotator``.

    :raises Conflict: already assigned, or the person is deactivated.
    """
    _require_assigner(actor)
    if not annotator.active:
        raise Conflict(gettext("%(name)s is deactivated and cannot get work.", name=annotator.name))
    exists = session.scalar(
        select(Assignment.id).where(
            Assignment.article_id == article.id, Assignment.annotator_id == annotator.id
        )
    )
    if exists is not None:
        raise Conflict(gettext("%(name)s already has this article.", name=annotator.name))
    assignment = Assignment(
        article_id=article.id, annotator_id=annotator.id, assigned_by_id=actor.id
    )
    session.add(assignment)
    session.flush()
    record(
        session,
        actor,
        "assignment:create",
        "article",
        article.id,
        {"annotator": [None, annotator.email]},
    )
    return assignment


def unassign(session: Session, actor: User, article: Article, annotator: User) -> None:
    """Take ``article`` back from ``annotator`` (their annotations stay)."""
    _require_assigner(actor)
    assignment = session.scalar(
        select(Assignment).where(
            Assignment.article_id == article.id, Assignment.annotator_id == annotator.id
        )
    )
    if assignment is None:
        raise NotFound(gettext("%(name)s does not have this article.", name=annotator.name))
    session.delete(assignment)
    session.flush()
    record(
        session,
        actor,
        "assignment:delete",
        "article",
        article.id,
        {"annotator": [annotator.email, None]},
    )


def assignees(session: Session, article: Article) -> list[Assignment]:
    return list(
        session.scalars(
            select(Assignment)
            .options(joinedload(Assignment.annotator))
            .where(Assignment.article_id == article.id)
            .order_by(Assignment.assigned_at)
        )
    )


@dataclass(frozen=True)
class AssignedArticle:
    article: Article
    claims: int
    mine: int
    mine_submitted: int

    @property
    def percent(self) -> int:
        return round(100 * self.mine_submitted / self.claims) if self.claims else 0


@dataclass(frozen=True)
class QueueItem:
    annotation: Annotation
    claim: Claim
    latest_review: Review | None


@dataclass(frozen=True)
class MyWork:
    returned: list[QueueItem]
    drafts: list[QueueItem]
    articles: list[AssignedArticle]
    #: Every draft, counted (``drafts`` holds the most recently saved ones).
    draft_count: int = 0
    #: Every annotation sent back, counted.
    returned_count: int = 0
    #: Every article assigned to the user, counted (``articles`` holds the latest).
    assigned_count: int = 0


#: Annotations listed per section of My work; the rest are a search away (the search
#: page lists every annotation of a state by an annotator, a page at a time).
MY_WORK_LIMIT = 100


def my_work(session: Session, user: User) -> MyWork:
    """Returned annotations first (with the reviewer's comment), then drafts, then articles.

    Each list reads the user's own annotations through the (annotator, ...) index and
    stops at :data:`MY_WORK_LIMIT`; the assigned articles' claim counts are counted for
    those articles only. Nothing here grows with the archive."""

    def recent(state: AnnotationState, newest_first: bool) -> tuple[list[Annotation], int]:
        mine = (Annotation.annotator_id == user.id, Annotation.state == state)
        order = Annotation.updated_at.desc() if newest_first else Annotation.updated_at
        shown = session.scalars(
            select(Annotation)
            .options(joinedload(Annotation.claim).joinedload(Claim.article))
            .where(*mine)
            .order_by(order, Annotation.id)
            .limit(MY_WORK_LIMIT)
        ).all()
        count = len(shown)
        if count == MY_WORK_LIMIT:
            # From the annotation tallies: a year's drafts counted row by row grew with it.
            count = (
                session.scalar(
                    select(func.sum(AnnotationTally.annotations)).where(
                        AnnotationTally.annotator_id == user.id,
                        AnnotationTally.state == state.value,
                    )
                )
                or 0
            )
        return list(shown), count

    # Sent back: the oldest first, they have waited longest; drafts: the latest first.
    returned, returned_count = recent(AnnotationState.CHANGES_REQUESTED, newest_first=False)
    drafts, draft_count = recent(AnnotationState.DRAFT, newest_first=True)
    rounds = reviews_of(session, [a.id for a in returned])

    def item(annotation: Annotation) -> QueueItem:
        last = rounds[annotation.id][-1] if rounds.get(annotation.id) else None
        return QueueItem(annotation, annotation.claim, last)

    # The most recently assigned articles, as many as the other lists hold.
    assigned_ids = list(
        session.scalars(
            select(Assignment.article_id)
            .where(Assignment.annotator_id == user.id)
            .order_by(Assignment.assigned_at.desc(), Assignment.id.desc())
            .limit(MY_WORK_LIMIT + 1)
        )
    )
    assigned_count = len(assigned_ids)
    if assigned_count > MY_WORK_LIMIT:
        assigned_ids = assigned_ids[:MY_WORK_LIMIT]
        assigned_count = (
            session.scalar(
                select(func.count())
                .select_from(Assignment)
                .where(Assignment.annotator_id == user.id)
            )
            or 0
        )
    claims = (
        select(func.count())
        .select_from(Claim)
        .where(Claim.article_id == Article.id, Claim.removed_in.is_(None))
        .scalar_subquery()
    )
    mine = (
        select(
            Claim.article_id,
            func.count(Annotation.id).label("mine"),
            func.count(Annotation.submitted_at).label("submitted"),
        )
        .join(Annotation, Annotation.claim_id == Claim.id)
        .where(Annotation.annotator_id == user.id)
        .where(Claim.article_id.in_(assigned_ids))
        .group_by(Claim.article_id)
        .subquery()
    )
    rows = session.execute(
        select(
            Article,
            claims,
            func.coalesce(mine.c.mine, 0),
            func.coalesce(mine.c.submitted, 0),
        )
        .join(Assignment, Assignment.article_id == Article.id)
        .outerjoin(mine, mine.c.article_id == Article.id)
        .where(Assignment.annotator_id == user.id, Assignment.article_id.in_(assigned_ids))
        .order_by(Assignment.assigned_at)
    ).all()
    return MyWork(
        returned=[item(a) for a in returned],
        drafts=[item(a) for a in drafts],
        articles=[AssignedArticle(a, int(c), int(m), int(s)) for a, c, m, s in rows],
        draft_count=draft_count,
        returned_count=returned_count,
        assigned_count=assigned_count,
    )
