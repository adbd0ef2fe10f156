"""The review workflow: every state × action × actor, the four-eyes rule, and races."""

from __future__ import annotations

import itertools
import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from factcheck.annotations.models import Annotation
from factcheck.audit.models import AuditEvent
from factcheck.db import utcnow
from factcheck.errors import InvalidTransition, PermissionDenied, StaleVersion, ValidationFailed
from factcheck.review.models import Decision, Review
from factcheck.review.operations import apply_action
from factcheck.review.workflow import Action, AnnotationState
from factcheck.users.models import Role
from factcheck.verdicts.models import Verdict
from tests.conftest import log_in, post_form

S, A = AnnotationState, Action
ACTORS = ("author", "reviewer_author", "other_annotator", "reviewer", "admin")

#: Written out from DESIGN.md's table, independently of factcheck.review.workflow:
#: (state, action) -> (target state, the actors allowed to take it).
EXPECTED = {
    (S.DRAFT, A.SUBMIT): (S.SUBMITTED, {"author", "reviewer_author"}),
    (S.SUBMITTED, A.WITHDRAW): (S.DRAFT, {"author", "reviewer_author"}),
    (S.SUBMITTED, A.APPROVE): (S.APPROVED, {"reviewer", "admin"}),
    (S.SUBMITTED, A.REQUEST_CHANGES): (S.CHANGES_REQUESTED, {"reviewer", "admin"}),
    (S.SUBMITTED, A.REJECT): (S.REJECTED, {"reviewer", "admin"}),
    (S.CHANGES_REQUESTED, A.SUBMIT): (S.SUBMITTED, {"author", "reviewer_author"}),
    (S.APPROVED, A.REOPEN): (S.SUBMITTED, {"reviewer", "admin", "reviewer_author"}),
}


@pytest.fixture
def people(make_user):
    return {
        "annotator": make_user(Role.ANNOTATOR, name="Author"),
        "reviewer_author": make_user(Role.REVIEWER, name="Reviewer who annotates"),
        "other_annotator": make_user(Role.ANNOTATOR, name="Other annotator"),
        "reviewer": make_user(Role.REVIEWER, name="Reviewer"),
        "admin": make_user(Role.ADMIN, name="Admin"),
    }


@pytest.fixture
def verdict(db: Session) -> Verdict:
    return db.scalar(select(Verdict).where(Verdict.key == "mostly_false"))


@pytest.mark.parametrize(
    ("state", "action", "actor"), list(itertools.product(list(S), list(A), ACTORS))
)
def test_transition_table(
    db: Session, people, make_article, verdict, state: S, action: A, actor: str
) -> None:
    author = people["reviewer_author"] if actor == "reviewer_author" else people["annotator"]
    acting = author if actor in {"author", "reviewer_author"} else people[actor]
    claim = make_article().claims[1]
    annotation = Annotation(
        claim_id=claim.id,
        annotator_id=author.id,
        verdict_id=verdict.id,
        state=state,
        submitted_at=None if state is S.DRAFT else utcnow(),
    )
    db.add(annotation)
    db.flush()
    events_before = db.scalar(select(func.count()).select_from(AuditEvent))
    expected = EXPECTED.get((state, action))

    if expected is None:
        with pytest.raises(InvalidTransition):
            apply_action(
                db,
                acting,
                annotation,
                action,
                expected_version=annotation.version,
                comment="because",
            )
        assert annotation.state is state
    elif actor not in expected[1]:
        with pytest.raises(PermissionDenied):
            apply_action(
                db,
                acting,
                annotation,
                action,
                expected_version=annotation.version,
                comment="because",
            )
        assert annotation.state is state
    else:
        apply_action(
            db, acting, annotation, action, expected_version=annotation.version, comment="because"
        )
        assert annotation.state is expected[0]
        event = db.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1))
        assert event.action == f"annotation:{action.value}"
        assert event.actor_id == acting.id
        assert event.diff["state"] == [state.value, expected[0].value]
        reviews = db.scalars(select(Review).where(Review.annotation_id == annotation.id)).all()
        if action in (A.APPROVE, A.REQUEST_CHANGES, A.REJECT):
            assert [(r.reviewer_id, r.decision.value) for r in reviews] == [
                (acting.id, action.value)
            ]
        else:
            assert reviews == []
        return
    assert db.scalar(select(func.count()).select_from(AuditEvent)) == events_before


@pytest.mark.parametrize("action", [A.REQUEST_CHANGES, A.REJECT, A.REOPEN])
def test_a_comment_is_required_for_everything_but_approval(
    db: Session, people, make_article, verdict, action: A
) -> None:
    state = S.APPROVED if action is A.REOPEN else S.SUBMITTED
    annotation = Annotation(
        claim_id=make_article().claims[0].id,
        annotator_id=people["annotator"].id,
        verdict_id=verdict.id,
        state=state,
        submitted_at=utcnow(),
    )
    db.add(annotation)
    db.flush()
    with pytest.raises(ValidationFailed, match="comment"):
        apply_action(
            db,
            people["reviewer"],
            annotation,
            action,
            expected_version=annotation.version,
            comment="   ",
        )
    assert annotation.state is state


def test_four_eyes_rule_is_in_the_schema_too(db: Session, people, make_article) -> None:
    annotation = Annotation(
        claim_id=make_article().claims[0].id,
        annotator_id=people["reviewer_author"].id,
        state=S.SUBMITTED,
    )
    db.add(annotation)
    db.flush()
    with pytest.raises(IntegrityError), db.begin_nested():
        db.add(
            Review(
                annotation_id=annotation.id,
                reviewer_id=people["reviewer_author"].id,
                annotator_id=people["reviewer_author"].id,
                decision=Decision.APPROVE,
                annotation_version=1,
            )
        )
        db.flush()


def test_at_most_one_approved_annotation_per_claim(
    db: Session, people, make_article, verdict
) -> None:
    claim = make_article().claims[0]
    first = Annotation(
        claim_id=claim.id,
        annotator_id=people["annotator"].id,
        verdict_id=verdict.id,
        state=S.APPROVED,
        submitted_at=utcnow(),
    )
    second = Annotation(
        claim_id=claim.id,
        annotator_id=people["other_annotator"].id,
        verdict_id=verdict.id,
        state=S.SUBMITTED,
        submitted_at=utcnow(),
    )
    db.add_all([first, second])
    db.flush()
    with pytest.raises(InvalidTransition, match="already approved"):
        apply_action(db, people["reviewer"], second, A.APPROVE, expected_version=second.version)
    with pytest.raises(IntegrityError), db.begin_nested():
        db.execute(update(Annotation).where(Annotation.id == second.id).values(state="approved"))


def submitted_annotation(db: Session, make_user, make_article, verdict, author=None):
    author = author or make_user(Role.ANNOTATOR, name="Ann Author")
    annotation = Annotation(
        claim_id=make_article().claims[1].id,
        annotator_id=author.id,
        verdict_id=verdict.id,
        state=S.SUBMITTED,
        submitted_at=utcnow(),
        claimant="Someone",
    )
    db.add(annotation)
    db.commit()
    return annotation


def test_deciding_on_a_stale_version_is_refused(db: Session, people, make_article, verdict):
    annotation = submitted_annotation(db, None, make_article, verdict, author=people["annotator"])
    seen = annotation.version
    apply_action(db, people["annotator"], annotation, A.WITHDRAW, expected_version=seen)
    apply_action(db, people["annotator"], annotation, A.SUBMIT, expected_version=annotation.version)
    with pytest.raises(StaleVersion):
        apply_action(db, people["reviewer"], annotation, A.APPROVE, expected_version=seen)
    assert annotation.state is S.SUBMITTED


def test_a_concurrent_decision_loses_at_the_database(db: Session, people, make_article, verdict):
    """Both reviewers saw version 1; the other one's UPDATE landed first."""
    annotation = submitted_annotation(db, None, make_article, verdict, author=people["annotator"])
    db.execute(
        text("UPDATE annotations SET state = 'rejected', version = version + 1 WHERE id = :id"),
        {"id": annotation.id},
    )
    with pytest.raises(StaleDataError), db.begin_nested():
        apply_action(
            db, people["reviewer"], annotation, A.APPROVE, expected_version=annotation.version
        )


# Through the web: forged forms, wrong roles, stale versions.


def decide(client: FlaskClient, annotation: Annotation, action: str, version=None, comment=""):
    return post_form(
        client,
        f"/annotations/{annotation.id}/transition",
        {
            "action": action,
            "version": annotation.version if version is None else version,
            "comment": comment,
        },
        token_from="/articles",
    )


def test_an_annotator_calling_approve_gets_403_once_they_may_see_the_annotation(
    client, login, make_user, make_article, db, verdict
) -> None:
    annotation = submitted_annotation(db, make_user, make_article, verdict)
    annotator = login(Role.ANNOTATOR)
    # Blind annotation: before submitting their own, the annotation does not exist for them.
    assert decide(client, annotation, "approve").status_code == 404
    db.add(
        Annotation(
            claim_id=annotation.claim_id,
            annotator_id=annotator.id,
            verdict_id=verdict.id,
            state=S.SUBMITTED,
            submitted_at=utcnow(),
        )
    )
    db.commit()
    response = decide(client, annotation, "approve")
    assert response.status_code == 403
    assert "needs the reviewer role" in response.get_data(as_text=True)
    db.refresh(annotation)
    assert annotation.state is S.SUBMITTED


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.ADMIN, Role.ANNOTATOR])
@pytest.mark.parametrize("action", ["approve", "submit", "withdraw", "reject"])
def test_someone_elses_draft_does_not_exist_on_the_web_as_in_the_api(
    client, login, make_user, make_article, db, verdict, role, action
) -> None:
    annotation = submitted_annotation(db, make_user, make_article, verdict)
    annotation.state = S.DRAFT
    db.commit()
    login(role)
    response = decide(client, annotation, action, comment="Why not.")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "draft" not in page.lower() and "Someone" not in page
    db.refresh(annotation)
    assert annotation.state is S.DRAFT


def test_a_reviewer_approving_their_own_annotation_through_a_forged_form_gets_403(
    client, login, make_user, make_article, db, verdict
) -> None:
    reviewer = login(Role.REVIEWER)
    annotation = submitted_annotation(db, make_user, make_article, verdict, author=reviewer)
    response = decide(client, annotation, "approve")
    assert response.status_code == 403
    assert "Nobody reviews their own annotation" in response.get_data(as_text=True)
    db.refresh(annotation)
    assert annotation.state is S.SUBMITTED
    assert db.scalar(select(func.count()).select_from(Review)) == 0


def test_reviewer_approves_and_the_verdict_is_published(
    client, login, make_user, make_article, db, verdict
) -> None:
    annotation = submitted_annotation(db, make_user, make_article, verdict)
    reviewer = login(Role.REVIEWER)
    response = decide(client, annotation, "approve")
    assert response.status_code == 302
    db.refresh(annotation)
    assert annotation.state is S.APPROVED
    review = db.scalar(select(Review))
    assert review.reviewer_id == reviewer.id and review.annotation_version == 1
    page = client.get(f"/claims/{annotation.claim_id}").get_data(as_text=True)
    assert "published" in page


def test_request_changes_without_comment_is_422_and_changes_nothing(
    client, login, make_user, make_article, db, verdict
) -> None:
    annotation = submitted_annotation(db, make_user, make_article, verdict)
    login(Role.REVIEWER)
    response = decide(client, annotation, "request_changes", comment="")
    assert response.status_code == 422
    assert "Please say why in a comment." in response.get_data(as_text=True)
    db.refresh(annotation)
    assert annotation.state is S.SUBMITTED


def test_two_reviewers_deciding_at_once_one_wins_the_other_gets_409(
    client, login, make_user, make_article, db, app, verdict
) -> None:
    annotation = submitted_annotation(db, make_user, make_article, verdict)
    seen_version = annotation.version
    other = make_user(Role.REVIEWER, name="Quick Reviewer")
    other_client = app.test_client()
    log_in(other_client, other.email)
    assert decide(other_client, annotation, "reject", comment="Wrong claimant.").status_code == 302
    login(Role.REVIEWER)
    late = decide(client, annotation, "approve", version=seen_version)
    assert late.status_code == 409
    db.refresh(annotation)
    assert annotation.state is S.REJECTED
    actions = db.scalars(
        select(AuditEvent.action).where(AuditEvent.entity_type == "annotation")
    ).all()
    assert actions == ["annotation:reject"]


def test_transition_without_version_or_with_unknown_action(
    client, login, make_user, make_article, db, verdict
) -> None:
    annotation = submitted_annotation(db, make_user, make_article, verdict)
    login(Role.REVIEWER)
    assert decide(client, annotation, "approve", version="").status_code == 422
    assert decide(client, annotation, "publish-now").status_code == 400
    db.refresh(annotation)
    assert annotation.state is S.SUBMITTED


def test_review_queue_lists_others_work_oldest_first_with_filters(
    client, login, make_user, make_article, db, verdict
) -> None:
    reviewer = login(Role.REVIEWER)
    ann, bo = make_user(name="Ann"), make_user(name="Bo")
    article = make_article(title="Queue article")
    other_verdict = db.scalar(select(Verdict).where(Verdict.key == "true"))
    rows = [
        (ann, article.claims[1], verdict, S.SUBMITTED, "2024-01-02"),
        (bo, article.claims[2], other_verdict, S.SUBMITTED, "2024-01-01"),
        (ann, article.claims[3], verdict, S.DRAFT, None),
        (reviewer, article.claims[4], verdict, S.SUBMITTED, "2024-01-03"),
    ]
    from datetime import UTC, datetime

    for user, claim, v, state, day in rows:
        db.add(
            Annotation(
                claim_id=claim.id,
                annotator_id=user.id,
                verdict_id=v.id,
                state=state,
                claimant=f"by {user.name}",
                submitted_at=datetime.fromisoformat(day).replace(tzinfo=UTC) if day else None,
            )
        )
    db.commit()
    html = client.get("/review").get_data(as_text=True)
    assert "2 waiting" in html

    def marked(claim) -> str:
        return f'<mark><a href="/claims/{claim.id}">'

    assert html.index(marked(article.claims[2])) < html.index(marked(article.claims[1]))
    assert marked(article.claims[3]) not in html and marked(article.claims[4]) not in html
    assert html.count('name="action" value="approve"') == 2
    filtered = client.get(f"/review?annotator={ann.id}").get_data(as_text=True)
    assert "1 waiting" in filtered and marked(article.claims[1]) in filtered
    by_verdict = client.get(f"/review?verdict={other_verdict.id}").get_data(as_text=True)
    assert "1 waiting" in by_verdict and marked(article.claims[2]) in by_verdict
    none = client.get("/review?article=987654").get_data(as_text=True)
    assert "No submitted annotation matches these filters." in none


def test_review_queue_pages_by_keyset_oldest_first_to_the_end(
    client, login, make_user, make_article, db, verdict, monkeypatch
) -> None:
    from datetime import UTC, datetime, timedelta

    from factcheck.review import operations as review_operations

    monkeypatch.setattr(review_operations, "QUEUE_PAGE_SIZE", 2)
    login(Role.REVIEWER)
    ann = make_user(name="Ann")
    article = make_article(title="Paged")
    start = datetime(2024, 3, 1, tzinfo=UTC)
    # Two share a submission time: the id breaks the tie, so neither is skipped or repeated.
    times = [
        start,
        start + timedelta(hours=1),
        start + timedelta(hours=1),
        start + timedelta(hours=3),
        start + timedelta(hours=2),
    ]
    made = []
    for claim, when in zip(article.claims[:5], times, strict=True):
        annotation = Annotation(
            claim_id=claim.id,
            annotator_id=ann.id,
            verdict_id=verdict.id,
            state=S.SUBMITTED,
            submitted_at=when,
        )
        db.add(annotation)
        db.flush()
        made.append(annotation)
    db.commit()
    expected = [a.claim_id for a in sorted(made, key=lambda a: (a.submitted_at, a.id))]
    seen, path = [], "/review"
    while path:
        html = client.get(path).get_data(as_text=True)
        assert "5 waiting" in html
        seen += [int(n) for n in re.findall(r'<mark><a href="/claims/(\d+)">', html)]
        following = re.search(r'<a rel="next" href="([^"]+)">Later submissions', html)
        path = following.group(1).replace("&amp;", "&") if following else None
    assert seen == expected
    # A page past the end says so and leads back; an unknown anchor starts at the oldest.
    last = made[3].id
    end = client.get(f"/review?after={last}").get_data(as_text=True)
    assert "No later submissions" in end and "Back to the oldest submissions" in end
    unknown = client.get("/review?after=987654").get_data(as_text=True)
    assert re.findall(r'<mark><a href="/claims/(\d+)">', unknown) == [str(c) for c in expected[:2]]


def test_queue_filter_offers_the_newest_articles_with_work_waiting_and_the_chosen_one(
    client, login, make_user, make_article, db, verdict, monkeypatch
) -> None:
    from factcheck.review import operations as review_operations

    monkeypatch.setattr(review_operations, "ARTICLE_CHOICES", 1)
    login(Role.REVIEWER)
    ann = make_user(name="Ann")
    older, newer, _idle = (make_article(title=t) for t in ("Older one", "Newer one", "Idle one"))
    for article in (older, newer):
        db.add(
            Annotation(
                claim_id=article.claims[0].id,
                annotator_id=ann.id,
                verdict_id=verdict.id,
                state=S.SUBMITTED,
                submitted_at=utcnow(),
            )
        )
    db.commit()

    def options(html: str) -> str:
        return html[html.index('<select id="article"') : html.index("</select>")]

    listed = options(client.get("/review").get_data(as_text=True))
    # Only articles with something waiting, the newest first, as many as the limit.
    assert "Newer one" in listed and "Older one" not in listed and "Idle one" not in listed
    chosen = options(client.get(f"/review?article={older.id}").get_data(as_text=True))
    assert f'<option value="{older.id}" selected>Older one</option>' in chosen


def test_annotators_cannot_open_the_queue(client, login) -> None:
    login(Role.ANNOTATOR)
    assert client.get("/review").status_code == 403


@pytest.mark.parametrize("action", list(A))
def test_every_action_has_its_words_and_knows_whether_it_needs_a_comment(action) -> None:
    """A new action without words would fail only after its change was committed."""
    assert action.past and action.done_message.endswith(".")
    expected = action in {A.REQUEST_CHANGES, A.REJECT, A.REOPEN}
    assert action.needs_comment is expected


def test_states_know_what_they_mean() -> None:
    assert {s for s in S if s.editable} == {S.DRAFT, S.CHANGES_REQUESTED}
    assert {s for s in S if not s.sent_for_review} == {S.DRAFT}
