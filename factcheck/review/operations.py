"""Moving annotations through the review workflow.

Every state change goes through :func:`apply_action`, which consults the
transition table in ``workflow.py`` and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext
from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from factcheck.annotations.models import Annotation
from factcheck.annotations.tallies import AnnotationTally
from factcheck.articles.models import Article, Claim
from factcheck.audit.recorder import record
from factcheck.db import continue_after, utcnow
from factcheck.errors import InvalidTransition, PermissionDenied, StaleVersion, ValidationFailed
from factcheck.review.models import Decision, Review
from factcheck.review.workflow import (
    TRANSITION_TABLE,
    TRANSITIONS,
    Action,
    Actor,
    AnnotationState,
    Transition,
)
from factcheck.users.models import Role, User
from factcheck.validators import long_text

MAX_COMMENT_CHARS = 10_000

_DECISIONS = {
    Action.APPROVE: Decision.APPROVE,
    Action.REQUEST_CHANGES: Decision.REQUEST_CHANGES,
    Action.REJECT: Decision.REJECT,
}


def fills_role(person: User, author_id: int, transition: Transition) -> bool:
    """Whether ``person`` fills the role the transition needs, whatever the account's state.

    :param author_id: the id of the annotation's author.
    """
    is_author = author_id == person.id
    if transition.actor is Actor.AUTHOR:
        return is_author
    if transition.actor is Actor.OTHER_REVIEWER:
        return person.has_role(Role.REVIEWER) and not is_author
    return person.has_role(Role.REVIEWER)


def may_act(actor: User, annotation: Annotation, transition: Transition) -> bool:
    """Whether ``actor`` may take the transition on this annotation now."""
    return actor.active and fills_role(actor, annotation.annotator_id, transition)


def check_transition(actor: User, annotation: Annotation, action: Action) -> Transition:
    """The one guard: return the transition or say why it is not allowed.

    :raises InvalidTransition: the action is not possible from the current state (409).
    :raises PermissionDenied: the actor may not take it (403), e.g. reviewing own work.
    """
    transition = TRANSITION_TABLE.get((annotation.state, action))
    if transition is None:
        raise InvalidTransition(
            gettext(
                "An annotation that is %(state)s cannot be %(action)s.",
                state=str(annotation.state.label).lower(),
                action=action.past,
            )
        )
    if not may_act(actor, annotation, transition):
        if transition.actor is Actor.OTHER_REVIEWER and annotation.annotator_id == actor.id:
            raise PermissionDenied(
                gettext("Nobody reviews their own annotation: a second person must.")
            )
        if transition.actor is Actor.AUTHOR:
            raise PermissionDenied(gettext("Only the annotation's author can do this."))
        raise PermissionDenied(gettext("This needs the reviewer role."))
    return transition


def allowed_actions(actor: User, annotation: Annotation) -> list[Action]:
    """Actions ``actor`` could take on ``annotation`` now, for showing buttons."""
    return [
        t.action
        for (state, _), t in TRANSITION_TABLE.items()
        if state is annotation.state and may_act(actor, annotation, t)
    ]


def apply_action(
    session: Session,
    actor: User,
    annotation: Annotation,
    action: Action,
    *,
    expected_version: int | None,
    comment: str = "",
) -> Annotation:
    """Take ``action`` on ``annotation`` on behalf of ``actor``.

    :param expected_version: the version the actor saw; a different current version
        means someone changed it meanwhile and the action is refused.
    :raises StaleVersion: the annotation changed since the actor saw it (409).
    :raises InvalidTransition, PermissionDenied: see :func:`check_transition`.
    :raises ValidationFailed: a required comment is missing, or submitting without a verdict.
    """
    transition = check_transition(actor, annotation, action)
    if expected_version is not None and expected_version != annotation.version:
        raise StaleVersion(
            gettext(
                "This annotation changed since you opened it. Reload to see the current version."
            )
        )
    comment = checked_comment(transition, comment)
    if action is Action.SUBMIT and annotation.verdict_id is None:
        raise ValidationFailed(
            gettext("Choose a verdict before submitting."),
            fields={"verdict": [gettext("Choose a verdict.")]},
        )
    if action is Action.SUBMIT and not annotation.claim.current:
        raise InvalidTransition(
            gettext(
                "Revision %(number)s of the article no longer has this sentence, so an "
                "annotation of it cannot be sent for review.",
                number=annotation.claim.removed_in,
            )
        )
    if action is Action.APPROVE:
        if not annotation.claim.current:
            raise InvalidTransition(
                gettext(
                    "Revision %(number)s of the article no longer has this sentence: a verdict "
                    "on it cannot be published. Reject it or ask the author to annotate the "
                    "sentence that continues it.",
                    number=annotation.claim.removed_in,
                )
            )
        check_no_other_approved(session, annotation)

    old_state = annotation.state
    annotation.state = transition.target
    if action is Action.SUBMIT:
        annotation.submitted_at = utcnow()
        annotation.revision = annotation.claim.article.revision
    decision = _DECISIONS.get(action)
    if decision is not None:
        session.add(
            Review(
                annotation_id=annotation.id,
                reviewer_id=actor.id,
                annotator_id=annotation.annotator_id,
                decision=decision,
                comment=comment,
                annotation_version=annotation.version,
            )
        )
    session.flush()
    details: dict[str, object] = {"state": [old_state, annotation.state]}
    if comment:
        details["comment"] = [None, comment]
    record(session, actor, f"annotation:{action.value}", "annotation", annotation.id, details)
    return annotation


def checked_comment(transition: Transition, comment: str | None) -> str:
    """The comment stripped, or why the transition cannot take it.

    :raises ValidationFailed: missing where the transition needs one, or too long.
    """
    comment = long_text("comment", comment, MAX_COMMENT_CHARS)
    if transition.comment_required and not comment:
        raise ValidationFailed(
            gettext("Please say why in a comment."),
            fields={"comment": [gettext("A comment is required.")]},
        )
    return comment


#: Actions that leave no review row behind; an archive shows decisions, not these.
_UNRECORDED_ACTIONS = frozenset(action for action in Action if action not in _DECISIONS)
_ACTION_OF = {decision: action for action, decision in _DECISIONS.items()}


def _unrecorded_path(source: AnnotationState, target: AnnotationState) -> list[Transition] | None:
    """The shortest way from ``source`` to ``target`` through actions that leave no review."""
    paths: dict[AnnotationState, list[Transition]] = {source: []}
    frontier = [source]
    while frontier:
        state = frontier.pop(0)
        if state is target:
            return paths[state]
        for transition in TRANSITIONS:
            if (
                transition.source is state
                and transition.action in _UNRECORDED_ACTIONS
                and transition.target not in paths
            ):
                paths[transition.target] = [*paths[state], transition]
                frontier.append(transition.target)
    return None


@dataclass(frozen=True)
class PastReview:
    """A review decision as an archive records it."""

    reviewer: User
    decision: Decision
    comment: str


def check_history(
    author: User, reviews: list[PastReview], final: AnnotationState, *, has_verdict: bool
) -> list[str]:
    """Replay an annotation's recorded reviews through the transition table.

    The history is possible only if each review was a transition the table allows, by
    someone who fills its role (the four-eyes rule included), and the annotation can
    reach ``final`` after the last review without a decision nobody recorded. Accounts
    that are deactivated now still count with their role: they acted in the past.

    :returns: the comments, stripped, in the reviews' order.
    :raises ValidationFailed: saying which review or state is impossible.
    """
    state = AnnotationState.DRAFT
    comments: list[str] = []
    for number, review in enumerate(reviews, start=1):
        where = gettext(
            "review %(number)s (%(decision)s by %(email)s)",
            number=number,
            decision=review.decision.value,
            email=review.reviewer.email,
        )
        to_review = _unrecorded_path(state, AnnotationState.SUBMITTED)
        if to_review is None:
            raise ValidationFailed(
                gettext(
                    "%(review)s follows a %(state)s annotation, which nobody can review.",
                    review=where,
                    state=str(state.label).lower(),
                )
            )
        transition = TRANSITION_TABLE[(AnnotationState.SUBMITTED, _ACTION_OF[review.decision])]
        if not fills_role(review.reviewer, author.id, transition):
            if review.reviewer.id == author.id:
                raise ValidationFailed(
                    gettext("%(review)s: nobody reviews their own annotation.", review=where)
                )
            raise ValidationFailed(
                gettext(
                    "%(review)s: %(email)s is not a reviewer.",
                    review=where,
                    email=review.reviewer.email,
                )
            )
        try:
            comments.append(checked_comment(transition, review.comment))
        except ValidationFailed as error:
            raise ValidationFailed(
                gettext("%(review)s: %(problem)s", review=where, problem=error.message)
            ) from None
        state = transition.target
    if _unrecorded_path(state, final) is None:
        if reviews:
            message = gettext(
                "An annotation cannot be %(final)s after a review to %(state)s: "
                "its reviews do not lead there.",
                final=str(final.label).lower(),
                state=str(state.label).lower(),
            )
        else:
            message = gettext(
                "An annotation cannot be %(final)s without a review: "
                "its reviews do not lead there.",
                final=str(final.label).lower(),
            )
        raise ValidationFailed(message)
    if final is not AnnotationState.DRAFT and not has_verdict:
        raise ValidationFailed(
            gettext("A %(state)s annotation needs a verdict.", state=str(final.label).lower())
        )
    return comments


def check_no_other_approved(session: Session, annotation: Annotation) -> None:
    """:raises InvalidTransition: another annotation of the claim is approved already."""
    others = [
        Annotation.claim_id == annotation.claim_id,
        Annotation.state == AnnotationState.APPROVED,
    ]
    if annotation.id is not None:  # None: not stored yet
        others.append(Annotation.id != annotation.id)
    other = session.scalar(select(Annotation.id).where(*others))
    if other is not None:
        raise InvalidTransition(
            gettext("Another annotation of this claim is already approved; reopen it first.")
        )


@dataclass(frozen=True)
class QueueFilters:
    article_id: int | None = None
    verdict_id: int | None = None
    annotator_id: int | None = None


QUEUE_PAGE_SIZE = 25


@dataclass(frozen=True)
class QueuePage:
    """One page of the review queue, oldest submission first."""

    items: list[Annotation]
    #: Everything waiting that matches the filters.
    total: int
    #: The annotation to continue after for later submissions; None on the last page.
    next_after: int | None


def review_queue(
    session: Session,
    reviewer: User,
    filters: QueueFilters,
    *,
    after: int | None = None,
    limit: int | None = None,
) -> QueuePage:
    """Submitted annotations by others, oldest first, and how many match in all.

    Pages are keyset pages: the submissions after the annotation ``after`` (the last one
    of the previous page) in (submitted_at, id) order, read from the queue's index, so a
    page deep in a year's backlog costs what the first one does. An ``after`` that names
    no annotation starts from the oldest; one that has left the queue since (reviewed)
    still marks its place by its submission time.

    :raises PermissionDenied: the viewer is not a reviewer.
    """
    if not reviewer.has_role(Role.REVIEWER):
        raise PermissionDenied(gettext("The review queue is for reviewers."))
    limit = limit or QUEUE_PAGE_SIZE
    conditions = [
        Annotation.state == AnnotationState.SUBMITTED,
        Annotation.annotator_id != reviewer.id,
    ]
    if filters.article_id:
        conditions.append(Claim.article_id == filters.article_id)
    if filters.verdict_id:
        conditions.append(Annotation.verdict_id == filters.verdict_id)
    if filters.annotator_id:
        conditions.append(Annotation.annotator_id == filters.annotator_id)
    base = select(Annotation).join(Claim, Claim.id == Annotation.claim_id).where(*conditions)
    if filters.article_id:
        total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    else:
        # From the annotation tallies: counting a year's backlog row by row took 50 ms.
        tally = AnnotationTally
        counted = [
            tally.state == AnnotationState.SUBMITTED.value,
            tally.annotator_id != reviewer.id,
        ]
        if filters.verdict_id:
            counted.append(tally.verdict_id == filters.verdict_id)
        if filters.annotator_id:
            counted.append(tally.annotator_id == filters.annotator_id)
        total = session.scalar(select(func.sum(tally.annotations)).where(*counted)) or 0
    base = continue_after(
        session, base, (Annotation.submitted_at, Annotation.id), after, descending=False
    )
    items = list(
        session.scalars(
            base.options(
                selectinload(Annotation.sources),
                joinedload(Annotation.annotator),
                joinedload(Annotation.claim).joinedload(Claim.article),
            )
            .order_by(Annotation.submitted_at, Annotation.id)
            .limit(limit + 1)
        ).all()
    )
    more = len(items) > limit
    items = items[:limit]
    return QueuePage(items, int(total), items[-1].id if more else None)


#: Articles a filter's list offers: the newest ones (a year's archive holds 100,000; any
#: other is reached from its own workspace, whose links carry its id).
ARTICLE_CHOICES = 100


def article_choices(
    session: Session, *, waiting_review: bool = False, selected: int | None = None
) -> list[tuple[int, str]]:
    """(id, title) of the newest articles for a filter's list -- with ``waiting_review``
    only those with a submitted annotation -- and the selected article, wherever it is.

    Read newest first from the (imported_at, id) index, stopping at the limit: the cost
    does not grow with the archive."""
    query = (
        select(Article.id, Article.title)
        .order_by(Article.imported_at.desc(), Article.id.desc())
        .limit(ARTICLE_CHOICES)
    )
    if waiting_review:
        query = query.where(
            exists()
            .where(Claim.article_id == Article.id)
            .where(Annotation.claim_id == Claim.id)
            .where(Annotation.state == AnnotationState.SUBMITTED)
        )
    choices = [(article_id, title) for article_id, title in session.execute(query)]
    if selected is not None and selected not in {article_id for article_id, _ in choices}:
        chosen = session.execute(
            select(Article.id, Article.title).where(Article.id == selected)
        ).first()
        if chosen is not None:
            choices.append((chosen[0], chosen[1]))
    return choices


def reviews_of(session: Session, annotation_ids: list[int]) -> dict[int, list[Review]]:
    """Earlier review rounds of these annotations, oldest first."""
    rounds: dict[int, list[Review]] = {i: [] for i in annotation_ids}
    if annotation_ids:
        for review in session.scalars(
            select(Review)
            .options(joinedload(Review.reviewer))
            .where(Review.annotation_id.in_(annotation_ids))
            .order_by(Review.id)
        ):
            rounds[review.annotation_id].append(review)
    return rounds
