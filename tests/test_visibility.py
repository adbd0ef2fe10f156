"""The one visibility rule, for one annotation (may_see) and for lists (visible_to)."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from factcheck.annotations.models import Annotation
from factcheck.annotations.states import AnnotationState as S
from factcheck.annotations.visibility import (
    claim_annotations,
    may_see,
    visible_annotations,
    visible_to,
)
from factcheck.db import utcnow
from factcheck.users.models import Role
from factcheck.verdicts.models import Verdict

#: The viewer's own annotation of the claim: none, a draft, or submitted work.
OWN = [None, S.DRAFT, S.SUBMITTED, S.CHANGES_REQUESTED, S.APPROVED]


def _annotate(db: Session, claim_id: int, user_id: int, state: S, verdict_id: int) -> Annotation:
    annotation = Annotation(
        claim_id=claim_id,
        annotator_id=user_id,
        verdict_id=verdict_id,
        state=state,
        # Sent back for changes keeps its first submission time, as the workflow does.
        submitted_at=None if state is S.DRAFT else utcnow(),
    )
    db.add(annotation)
    return annotation


@pytest.mark.parametrize("role", list(Role))
def test_the_rule_for_one_and_the_rule_for_lists_agree(
    db: Session, make_user, make_article, role: Role
) -> None:
    """Every combination of the viewer's role, the viewer's own work on the claim and the
    state of someone else's annotation: may_see and the SQL condition give one answer."""
    verdict_id = db.scalar(select(Verdict.id).where(Verdict.key == "false"))
    author = make_user(Role.ANNOTATOR)
    # (A claim has one approved annotation at most: both approved cannot happen.)
    combinations = [c for c in itertools.product(OWN, list(S)) if c != (S.APPROVED, S.APPROVED)]
    article = make_article(author, body=" ".join(f"Claim {n} is true." for n in range(40)))
    assert len(article.claims) >= len(combinations)
    viewer = make_user(role)
    theirs = {}
    for claim, (own_state, their_state) in zip(article.claims, combinations, strict=False):
        theirs[(own_state, their_state)] = _annotate(
            db, claim.id, author.id, their_state, verdict_id
        )
        if own_state is not None:
            _annotate(db, claim.id, viewer.id, own_state, verdict_id)
    db.flush()

    listed = {a.id for a in visible_annotations(db, viewer)}
    counted = set(db.scalars(select(Annotation.id).where(visible_to(viewer))))
    assert listed == counted
    for (own_state, their_state), annotation in theirs.items():
        expected = their_state is not S.DRAFT and (
            role is not Role.ANNOTATOR or (own_state not in (None, S.DRAFT))
        )
        assert may_see(db, viewer, annotation) is expected, (own_state, their_state)
        assert (annotation.id in listed) is expected, (own_state, their_state)
        shown, hidden = claim_annotations(db, viewer, annotation.claim_id)
        assert (annotation in shown) is expected, (own_state, their_state)
        assert hidden == (0 if expected or their_state is S.DRAFT else 1)
    # Your own work is always yours to see, drafts included.
    own_ids = set(db.scalars(select(Annotation.id).where(Annotation.annotator_id == viewer.id)))
    assert own_ids <= listed


def test_visible_annotations_of_some_claims_only(db: Session, make_user, make_article) -> None:
    verdict_id = db.scalar(select(Verdict.id).where(Verdict.key == "false"))
    author, reviewer = make_user(Role.ANNOTATOR), make_user(Role.REVIEWER)
    article = make_article(author)
    first, second = article.claims[0], article.claims[1]
    a = _annotate(db, first.id, author.id, S.SUBMITTED, verdict_id)
    _annotate(db, second.id, author.id, S.SUBMITTED, verdict_id)
    db.flush()
    assert [x.id for x in visible_annotations(db, reviewer, claim_ids=[first.id])] == [a.id]
