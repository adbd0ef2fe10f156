"""Who may see which annotation: the one rule of blind annotation and drafts' privacy.

An annotation is visible to its author always; a draft to nobody else; others'
submitted work to reviewers and admins, and to an annotator once their own annotation
of the same claim has been submitted (blind annotation). :func:`may_see` says it for one
annotation, :func:`visible_to` as a SQL condition for lists, counts and search; the two
are tested against each other. Pages, the API, the history and search read through
them.

Published verdicts are the exception by design: an approved annotation is publication,
so exports of approved verdicts (and the public pages) give it to anyone; blind
annotation governs the working views, where seeing others' work would bias your own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import gettext
from sqlalchemy import ColumnElement, and_, exists, or_, select
from sqlalchemy.orm import Session, aliased, joinedload, selectinload

from factcheck.annotations.models import Annotation
from factcheck.annotations.operations import my_annotation
from factcheck.annotations.states import AnnotationState
from factcheck.errors import NotFound
from factcheck.users.models import Role, User


def can_see_others(viewer: User, own: Annotation | None) -> bool:
    """Blind annotation: others' work shows once your own was submitted (reviewers always)."""
    if viewer.has_role(Role.REVIEWER):
        return True
    return own is not None and own.submitted_at is not None


def may_see(session: Session, viewer: User, annotation: Annotation) -> bool:
    """The one visibility rule for a single annotation: its author always; nobody else
    sees a draft; others' submitted work only once blind annotation lets them."""
    if annotation.annotator_id == viewer.id:
        return True
    if annotation.state is AnnotationState.DRAFT:
        return False
    return can_see_others(viewer, my_annotation(session, viewer, annotation.claim))


def get_visible_annotation(session: Session, viewer: User, annotation_id: int) -> Annotation:
    """The annotation, if ``viewer`` may see it.

    :raises NotFound: it does not exist or is hidden from the viewer; the two answers
        are the same, so not even a draft's existence leaks.
    """
    annotation = session.get(Annotation, annotation_id)
    if annotation is None or not may_see(session, viewer, annotation):
        raise NotFound(gettext("There is no such annotation."))
    return annotation


#: The viewer's own annotation of the same claim, in :func:`visible_to`'s EXISTS. One
#: alias for every query: it only ever stands in its own subquery, and making one (its
#: column collection) cost more than the rest of the condition, which search builds
#: several times a request.
_OWN = aliased(Annotation, name="own_annotation")


def visible_to(viewer: User, annotation: Any = Annotation) -> ColumnElement[bool]:
    """:func:`may_see` as a condition on :class:`Annotation` (or an alias of it, for a
    query that needs the rule twice), for queries of many."""
    others_visible: ColumnElement[bool]
    if viewer.has_role(Role.REVIEWER):
        others_visible = annotation.state != AnnotationState.DRAFT
    else:
        own = _OWN
        others_visible = and_(
            annotation.state != AnnotationState.DRAFT,
            exists().where(
                own.claim_id == annotation.claim_id,
                own.annotator_id == viewer.id,
                own.submitted_at.is_not(None),
            ),
        )
    return or_(annotation.annotator_id == viewer.id, others_visible)


def _loaded() -> tuple:
    return (
        selectinload(Annotation.sources),
        joinedload(Annotation.annotator),
        joinedload(Annotation.verdict),
    )


def visible_annotations(
    session: Session, viewer: User, *, claim_ids: Sequence[int] | None = None
) -> list[Annotation]:
    """The annotations ``viewer`` may see (of these claims), with their sources, author
    and verdict loaded, oldest submission first."""
    query = (
        select(Annotation)
        .options(*_loaded())
        .where(visible_to(viewer))
        .order_by(Annotation.submitted_at, Annotation.id)
    )
    if claim_ids is not None:
        query = query.where(Annotation.claim_id.in_(claim_ids))
    return list(session.scalars(query).unique())


def claim_annotations(
    session: Session, viewer: User, claim_id: int
) -> tuple[list[Annotation], int]:
    """A claim's annotations ``viewer`` may see (loaded as in :func:`visible_annotations`),
    and how many of others' submitted ones stay hidden by blind annotation.

    One query: the rule is read as a column, so the claim panel can say "2 annotations
    are hidden until you submit yours" without a second round trip.
    """
    rows = session.execute(
        select(Annotation, visible_to(viewer))
        .options(*_loaded())
        .where(Annotation.claim_id == claim_id)
        .order_by(Annotation.submitted_at, Annotation.id)
    ).unique()
    shown, hidden = [], 0
    for annotation, visible in rows:
        if visible:
            shown.append(annotation)
        elif annotation.state is not AnnotationState.DRAFT:
            hidden += 1
    return shown, hidden
