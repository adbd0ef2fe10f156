"""Assigning articles and the annotator's "My work" queue."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from factcheck.annotations.models import Annotation
from factcheck.articles.models import Assignment
from factcheck.audit.models import AuditEvent
from factcheck.db import utcnow
from factcheck.review.models import Decision, Review
from factcheck.review.workflow import AnnotationState
from factcheck.users.models import Role
from factcheck.verdicts.models import Verdict
from tests.conftest import log_in, post_form


def test_reviewer_assigns_and_unassigns(client, login, make_user, make_article, db) -> None:
    login(Role.REVIEWER)
    annotator = make_user(Role.ANNOTATOR, name="Ines")
    article = make_article()
    page = f"/articles/{article.id}/assignments"
    response = post_form(client, page, {"user_id": annotator.id, "action": "add"}, token_from=page)
    assert response.status_code == 302
    assert db.scalar(select(Assignment.annotator_id)) == annotator.id
    again = post_form(client, page, {"user_id": annotator.id, "action": "add"}, token_from=page)
    assert again.status_code == 409
    assert "Ines already has this article." in again.get_data(as_text=True)
    post_form(client, page, {"user_id": annotator.id, "action": "remove"}, token_from=page)
    assert db.scalar(select(Assignment)) is None
    actions = db.scalars(
        select(AuditEvent.action).where(AuditEvent.action.like("assignment:%"))
    ).all()
    assert actions == ["assignment:create", "assignment:delete"]


def test_annotators_cannot_assign(client: FlaskClient, login, make_user, make_article, db) -> None:
    login(Role.ANNOTATOR)
    other = make_user()
    article = make_article()
    page = f"/articles/{article.id}/assignments"
    assert client.get(page).status_code == 403
    response = post_form(
        client, page, {"user_id": other.id, "action": "add"}, token_from="/articles"
    )
    assert response.status_code == 403
    assert db.scalar(select(Assignment)) is None


def test_unknown_user_cannot_be_assigned(client, login, make_article, db) -> None:
    login(Role.ADMIN)
    article = make_article()
    page = f"/articles/{article.id}/assignments"
    response = post_form(client, page, {"user_id": 99999, "action": "add"}, token_from=page)
    assert response.status_code == 404
    assert db.scalar(select(Assignment)) is None


@pytest.fixture
def verdict(db: Session) -> Verdict:
    return db.scalar(select(Verdict).where(Verdict.key == "false"))


def test_my_work_lists_returned_work_first_then_drafts_then_articles(
    client: FlaskClient, make_user, make_article, db: Session, app, verdict
) -> None:
    annotator = make_user(Role.ANNOTATOR)
    reviewer = make_user(Role.REVIEWER)
    article = make_article(title="Assigned story")
    other_article = make_article(title="Other story")
    db.add(Assignment(article_id=article.id, annotator_id=annotator.id, assigned_by_id=reviewer.id))
    returned = Annotation(
        claim_id=article.claims[1].id,
        annotator_id=annotator.id,
        verdict_id=verdict.id,
        state=AnnotationState.CHANGES_REQUESTED,
        submitted_at=utcnow(),
    )
    draft = Annotation(claim_id=other_article.claims[2].id, annotator_id=annotator.id)
    db.add_all([returned, draft])
    db.flush()
    db.add(
        Review(
            annotation_id=returned.id,
            reviewer_id=reviewer.id,
            annotator_id=annotator.id,
            decision=Decision.REQUEST_CHANGES,
            comment="Add the Treasury source.",
            annotation_version=returned.version,
        )
    )
    db.commit()

    log_in(client, annotator.email)
    html = client.get("/my-work").get_data(as_text=True)
    assert html.index("Sent back to you (1)") < html.index("Your drafts (1)")
    assert html.index("Your drafts (1)") < html.index("Assigned to you")
    assert "Add the Treasury source." in html
    assert article.claims[1].text in html and other_article.claims[2].text in html
    assert 'aria-label="1 of 5 submitted"' in html


def test_my_work_lists_the_latest_drafts_and_links_to_all_of_them(
    client: FlaskClient, make_user, make_article, db: Session, monkeypatch
) -> None:
    from factcheck.workspace import assignments

    monkeypatch.setattr(assignments, "MY_WORK_LIMIT", 2)
    annotator = make_user(Role.ANNOTATOR)
    article = make_article(title="Many drafts")
    for claim in article.claims[:3]:
        db.add(Annotation(claim_id=claim.id, annotator_id=annotator.id))
        db.flush()
    db.commit()
    log_in(client, annotator.email)
    html = client.get("/my-work").get_data(as_text=True)
    assert "Your drafts (3)" in html
    assert html.count("· saved ") == 2
    assert f"/search?state=draft&amp;annotator={annotator.id}" in html
    assert "Assigned to you" not in html
    reviewer = make_user(Role.REVIEWER)
    for article_number in range(3):
        story = make_article(title=f"Assigned {article_number}")
        db.add(
            Assignment(article_id=story.id, annotator_id=annotator.id, assigned_by_id=reviewer.id)
        )
        db.flush()
    db.commit()
    html = client.get("/my-work").get_data(as_text=True)
    assert "Assigned to you (3)" in html and "The 2 assigned most recently." in html
    listing = client.get(f"/search?state=draft&annotator={annotator.id}")
    assert listing.status_code == 200
    assert all(claim.text in listing.get_data(as_text=True) for claim in article.claims[:3])


def test_my_work_empty_state(client: FlaskClient, login) -> None:
    login()
    assert "Nothing waiting for you" in client.get("/my-work").get_data(as_text=True)
