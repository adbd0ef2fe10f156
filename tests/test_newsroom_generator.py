"""The benchmarks' newsroom generator (bench/_newsroom.py) writes data the app could have.

A tiny newsroom, built inside the test's transaction, must keep every rule that the
app's own operations keep: offsets, hashes, hints, one approved annotation per claim,
review histories that the workflow allows, and sequences that go on after its ids.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from itertools import pairwise

from sqlalchemy import select
from sqlalchemy.orm import Session

from bench._newsroom import CORPUS_END, NewsroomSize, build_newsroom
from factcheck.annotations.models import Annotation, Source
from factcheck.annotations.states import AnnotationState
from factcheck.articles.hints import claim_hints
from factcheck.articles.models import Article, Assignment, Claim, ClaimKind
from factcheck.articles.operations import ClaimSpan, body_sha256, normalise_body, validate_spans
from factcheck.review.models import Decision, Review
from factcheck.review.operations import PastReview, check_history
from factcheck.users.models import Role, User

SIZE = NewsroomSize(
    articles=20, claims_per_article=10, annotated_share=0.6, double_annotated_share=0.5, users=8
)


def test_a_tiny_newsroom_keeps_the_schemas_rules(db: Session, make_user: Callable) -> None:
    stats = build_newsroom(db.connection(), SIZE, analyze=False)

    assert stats.rows["articles"] == 20
    assert stats.rows["claims"] == 200
    assert stats.rows["annotations"] == sum(stats.annotation_states.values()) > 0
    first = stats.first_ids
    users = {u.id: u for u in db.scalars(select(User).where(User.id >= first["users"]))}
    assert len(users) == 8
    assert {u.role for u in users.values()} == set(Role)

    articles = db.scalars(
        select(Article).where(Article.id >= first["articles"]).order_by(Article.id)
    ).all()
    claims_of: dict[int, list[Claim]] = defaultdict(list)
    for claim in db.scalars(
        select(Claim).where(Claim.id >= first["claims"]).order_by(Claim.article_id, Claim.position)
    ):
        claims_of[claim.article_id].append(claim)
    for article in articles:
        assert normalise_body(article.body) == article.body
        assert body_sha256(article.body) == article.body_sha256
        claims = claims_of[article.id]
        assert [c.position for c in claims] == list(range(len(claims)))
        validate_spans(article.body, [ClaimSpan(c.start, c.end, c.kind) for c in claims])
        # The claims cover the body but for the spaces and paragraph breaks between them.
        gaps = [article.body[a.end : b.start] for a, b in pairwise(claims)]
        assert set(gaps) <= {" ", "\n\n"}
        assert (claims[0].start, claims[-1].end) == (0, len(article.body))
        for claim in claims:
            text = article.body[claim.start : claim.end]
            assert text == text.strip()
            hints = claim_hints(text)
            assert hints == {name: getattr(claim, name) for name in hints}
            if claim.kind is ClaimKind.HEADING:
                assert article.body[claim.end : claim.end + 2] in ("\n\n", "")

    annotations = db.scalars(
        select(Annotation).where(Annotation.id >= first["annotations"]).order_by(Annotation.id)
    ).all()
    reviews_of: dict[int, list[Review]] = defaultdict(list)
    for review in db.scalars(
        select(Review).where(Review.id >= first["reviews"]).order_by(Review.id)
    ):
        reviews_of[review.annotation_id].append(review)
    sources_of: dict[int, list[Source]] = defaultdict(list)
    for source in db.scalars(
        select(Source).where(Source.id >= first["sources"]).order_by(Source.id)
    ):
        sources_of[source.annotation_id].append(source)
    approved_per_claim: dict[int, int] = defaultdict(int)
    annotators_per_claim: dict[int, set[int]] = defaultdict(set)
    imported_at = {a.id: a.imported_at for a in articles}
    assigned = {}
    for assignment in db.scalars(select(Assignment).where(Assignment.id >= first["assignments"])):
        assert imported_at[assignment.article_id] < assignment.assigned_at < CORPUS_END
        assigned[assignment.article_id, assignment.annotator_id] = assignment.assigned_at
    claim_article = {c.id: c.article_id for claims in claims_of.values() for c in claims}
    for annotation in annotations:
        state = annotation.state
        approved_per_claim[annotation.claim_id] += state is AnnotationState.APPROVED
        assert annotation.annotator_id not in annotators_per_claim[annotation.claim_id]
        annotators_per_claim[annotation.claim_id].add(annotation.annotator_id)
        work = (claim_article[annotation.claim_id], annotation.annotator_id)
        assert assigned[work] < annotation.created_at <= annotation.updated_at < CORPUS_END
        reviews = reviews_of.pop(annotation.id, [])
        for review in reviews:
            # Four eyes: never the author, always someone with the reviewer role.
            assert review.reviewer_id != annotation.annotator_id
            assert review.annotator_id == annotation.annotator_id
            assert users[review.reviewer_id].has_role(Role.REVIEWER)
            assert review.decision is Decision.APPROVE or review.comment.strip()
            assert annotation.submitted_at is not None
            assert annotation.created_at < review.created_at <= annotation.updated_at
            assert review.annotation_version < annotation.version
        # The workflow's own replay accepts the history as it stands.
        check_history(
            users[annotation.annotator_id],
            [PastReview(users[r.reviewer_id], r.decision, r.comment) for r in reviews],
            state,
            has_verdict=annotation.verdict_id is not None,
        )
        versions = [r.annotation_version for r in reviews]
        assert versions == sorted(set(versions))
        if state is AnnotationState.DRAFT:
            assert annotation.submitted_at is None and not reviews
        else:
            assert annotation.created_at < annotation.submitted_at <= annotation.updated_at
        sources = sources_of.pop(annotation.id)
        assert [s.position for s in sources] == list(range(len(sources)))
        assert 1 <= len(sources) <= 3
        assert all(s.url or s.quote for s in sources)
    assert max(approved_per_claim.values()) == 1
    assert not reviews_of and not sources_of  # none on annotations of someone else's
    assert any(len(a) == 2 for a in annotators_per_claim.values())

    # Ids were given explicitly; the tables' sequences still hand out fresh ones.
    assert make_user().id > max(users)
