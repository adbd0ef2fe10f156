"""Splitting and merging claims: exact offsets, positions, history, and the locks."""

from __future__ import annotations

import itertools
import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from factcheck.annotations.models import Annotation
from factcheck.articles.models import Claim
from factcheck.audit.models import AuditEvent
from factcheck.audit.recorder import verify
from factcheck.errors import Conflict, ValidationFailed
from factcheck.review.workflow import AnnotationState
from factcheck.users.models import Role
from factcheck.workspace import corrections as operations
from tests.conftest import post_form

BODY = "First part of a claim; second part of it. Another sentence here.\n\nLast one."


def claims_of(db: Session, article) -> list[Claim]:
    db.expire_all()
    return db.scalars(
        select(Claim).where(Claim.article_id == article.id).order_by(Claim.position)
    ).all()


def assert_consistent(db: Session, article) -> None:
    claims = claims_of(db, article)
    assert [c.position for c in claims] == list(range(len(claims)))
    for claim in claims:
        text = article.body[claim.start : claim.end]
        assert text == text.strip() and text
    for before, after in itertools.pairwise(claims):
        assert before.end <= after.start


def test_split_then_merge_restores_the_claim(db: Session, make_user, make_article) -> None:
    user = make_user()
    article = make_article(body=BODY)
    first = claims_of(db, article)[0]
    assert first.text == "First part of a claim; second part of it."
    at = article.body.index(" second")
    second = operations.split_claim(db, user, first, at=at)
    assert first.text == "First part of a claim;"
    assert second.text == "second part of it."
    assert [c.text for c in claims_of(db, article)] == [
        "First part of a claim;",
        "second part of it.",
        "Another sentence here.",
        "Last one.",
    ]
    assert_consistent(db, article)

    operations.merge_with_next(db, user, first)
    assert [c.text for c in claims_of(db, article)] == [
        "First part of a claim; second part of it.",
        "Another sentence here.",
        "Last one.",
    ]
    assert_consistent(db, article)
    actions = db.scalars(
        select(AuditEvent.action).where(
            AuditEvent.entity_type == "claim", AuditEvent.entity_id == first.id
        )
    ).all()
    assert actions == ["claim:split", "claim:merge"]
    assert verify(db) is None


def test_split_recomputes_hints(db: Session, make_user, make_article) -> None:
    article = make_article(body="Prices rose 5% on Monday, the minister said.")
    claim = claims_of(db, article)[0]
    assert claim.has_number
    second = operations.split_claim(db, make_user(), claim, at=article.body.index(" the minister"))
    assert claim.has_number and not claim.has_attribution
    assert second.has_attribution and not second.has_number


@pytest.mark.parametrize("where", ["start", "end", "outside", "inside-whitespace-only"])
def test_split_point_must_leave_text_on_both_sides(
    db: Session, make_user, make_article, where: str
) -> None:
    article = make_article(body="One two.  Three four.\n\nNext.")
    claim = claims_of(db, article)[0]
    at = {
        "start": claim.start,
        "end": claim.end,
        "outside": claim.end + 5,
        "inside-whitespace-only": claim.start + 1,
    }[where]
    if where == "inside-whitespace-only":
        # "O|ne two." is a legal split (no whitespace needed); only empty parts are refused.
        operations.split_claim(db, make_user(), claim, at=at)
        return
    with pytest.raises(ValidationFailed):
        operations.split_claim(db, make_user(), claim, at=at)


def test_stale_boundaries_are_a_conflict(db: Session, make_user, make_article) -> None:
    article = make_article(body=BODY)
    claim = claims_of(db, article)[0]
    with pytest.raises(Conflict, match="changed this claim"):
        operations.split_claim(
            db,
            make_user(),
            claim,
            at=claim.start + 5,
            expected_start=claim.start,
            expected_end=claim.end + 1,
        )


def test_last_claim_cannot_merge(db: Session, make_user, make_article) -> None:
    article = make_article(body=BODY)
    last = claims_of(db, article)[-1]
    with pytest.raises(Conflict, match="last claim"):
        operations.merge_with_next(db, make_user(), last)


@pytest.mark.parametrize("state", [s for s in AnnotationState if s is not AnnotationState.DRAFT])
def test_claims_with_submitted_annotations_are_locked(
    db: Session, make_user, make_article, state: AnnotationState
) -> None:
    annotator = make_user()
    article = make_article(body=BODY)
    first, second = claims_of(db, article)[:2]
    db.add(Annotation(claim_id=second.id, annotator_id=annotator.id, state=state))
    db.flush()
    with pytest.raises(Conflict, match="submitted for review"):
        operations.merge_with_next(db, annotator, first)
    with pytest.raises(Conflict, match="submitted for review"):
        operations.split_claim(db, annotator, second, at=second.start + 3)
    assert operations.frozen_claim_ids(db, article) == {second.id}


def test_drafts_move_with_a_merge_unless_someone_has_two(
    db: Session, make_user, make_article
) -> None:
    ana, bo = make_user(name="Ana"), make_user(name="Bo")
    article = make_article(body=BODY)
    first, second = claims_of(db, article)[:2]
    draft = Annotation(claim_id=second.id, annotator_id=ana.id)
    db.add_all([draft, Annotation(claim_id=first.id, annotator_id=bo.id)])
    db.flush()
    operations.merge_with_next(db, ana, first)
    db.refresh(draft)
    assert draft.claim_id == first.id

    third = claims_of(db, article)[1]
    db.add(Annotation(claim_id=third.id, annotator_id=bo.id))
    db.flush()
    with pytest.raises(Conflict, match="Bo already has a draft on both claims"):
        operations.merge_with_next(db, ana, first)


def test_split_and_join_through_the_web(client: FlaskClient, login, make_article, db) -> None:
    login(Role.ANNOTATOR)
    article = make_article(body=BODY)
    first = claims_of(db, article)[0]
    page = client.get(f"/articles/{article.id}/segmentation?claim={first.id}")
    html = page.get_data(as_text=True)
    assert 'aria-label="Split before “second”"' in html
    at = article.body.index(" second")
    response = post_form(
        client,
        f"/claims/{first.id}/split",
        {"at": at, "expected_start": first.start, "expected_end": first.end},
        token_from=f"/articles/{article.id}",
    )
    assert response.status_code == 302
    claims = claims_of(db, article)
    assert [c.text for c in claims][:2] == ["First part of a claim;", "second part of it."]

    # Someone submits the old form again: the claim changed, nothing happens.
    stale = post_form(
        client,
        f"/claims/{first.id}/split",
        {"at": at - 3, "expected_start": first.start, "expected_end": len(BODY)},
        token_from=f"/articles/{article.id}",
    )
    assert stale.status_code == 409
    assert "Reload the page" in stale.get_data(as_text=True)

    response = post_form(
        client,
        f"/claims/{first.id}/merge",
        {"expected_end": claims[0].end, "expected_next_id": claims[1].id},
        token_from=f"/articles/{article.id}",
    )
    assert response.status_code == 302
    assert claims_of(db, article)[0].text == "First part of a claim; second part of it."


def test_split_by_typed_offset(client: FlaskClient, login, make_article, db) -> None:
    login()
    article = make_article(body=BODY)
    first = claims_of(db, article)[0]
    response = post_form(
        client,
        f"/claims/{first.id}/split",
        {"offset": 22, "expected_start": first.start, "expected_end": first.end},
        token_from=f"/articles/{article.id}",
    )
    assert response.status_code == 302
    assert claims_of(db, article)[0].text == "First part of a claim;"


def test_split_without_a_point_or_token_changes_nothing(client, login, make_article, db) -> None:
    login()
    article = make_article(body=BODY)
    first = claims_of(db, article)[0]
    no_point = post_form(
        client,
        f"/claims/{first.id}/split",
        {"expected_start": first.start, "expected_end": first.end},
        token_from=f"/articles/{article.id}",
    )
    assert no_point.status_code == 422
    no_token = client.post(f"/claims/{first.id}/split", data={"at": first.start + 5})
    assert no_token.status_code == 400
    assert len(claims_of(db, article)) == 3


def test_anonymous_cannot_split(client: FlaskClient, make_article, db) -> None:
    article = make_article(body=BODY)
    first = claims_of(db, article)[0]
    response = post_form(
        client,
        f"/claims/{first.id}/split",
        {"at": first.start + 5, "expected_start": first.start, "expected_end": first.end},
    )
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    assert len(claims_of(db, article)) == 3


def test_hint_filter_lists_matching_claims(client: FlaskClient, login, make_article) -> None:
    login()
    article = make_article()
    html = client.get(f"/articles/{article.id}?hint=number").get_data(as_text=True)
    assert "claims with number" in html
    matches = re.findall(r'class="claim [^"]*\bmatch\b[^"]*"', html)
    assert len(matches) == sum(1 for c in article.claims if c.has_number) > 0
    unknown = client.get(f"/articles/{article.id}?hint=<script>")
    assert unknown.status_code == 200
    assert "<script>" not in unknown.get_data(as_text=True)


def test_claim_page_shows_the_split_in_its_history(client, login, make_article, db) -> None:
    user = login()
    article = make_article(body=BODY)
    first = claims_of(db, article)[0]
    operations.split_claim(db, user, first, at=article.body.index(" second"))
    db.commit()
    html = client.get(f"/claims/{first.id}").get_data(as_text=True)
    assert "<code>claim:split</code>" in html
    assert f"<del>{len('First part of a claim; second part of it.')}</del>" in html
    assert user.name in html
