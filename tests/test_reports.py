"""Agreement (Krippendorff's alpha) and the dashboard."""

from __future__ import annotations

import pytest
from babel.dates import format_date
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from factcheck.annotations.models import Annotation
from factcheck.db import utcnow
from factcheck.review.workflow import AnnotationState
from factcheck.users.models import Role
from factcheck.verdicts.models import Verdict
from factcheck.workspace.agreement import (
    agreement,
    krippendorff_alpha_nominal,
    pairwise_agreement,
)

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", nominal example:
# four observers, twelve units, missing values as None; alpha = 0.743.
OBSERVERS = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]


def units_of(observers: list[list[int | None]]) -> list[list[int]]:
    return [[v for v in column if v is not None] for column in zip(*observers, strict=True)]


def test_alpha_matches_krippendorffs_published_example() -> None:
    assert krippendorff_alpha_nominal(units_of(OBSERVERS)) == pytest.approx(0.743, abs=0.0005)


@pytest.mark.parametrize(
    ("units", "alpha", "percent"),
    [
        ([[1, 1], [2, 2], [3, 3]], 1.0, 1.0),
        ([[1, 2], [2, 1]], -0.5, 0.0),
        ([[1, 1], [1, 1]], None, 1.0),  # no variation: alpha is undefined
        ([[1]], None, None),  # nothing pairable
        ([], None, None),
    ],
)
def test_alpha_and_percentage_edge_cases(units, alpha, percent) -> None:
    result = krippendorff_alpha_nominal(units)
    assert result == pytest.approx(alpha) if alpha is not None else result is None
    assert pairwise_agreement(units) == (pytest.approx(percent) if percent is not None else None)


@pytest.fixture
def fixture_annotations(db: Session, make_user, make_article):
    """Krippendorff's example as annotations: observers are users, units are claims."""
    verdicts = db.scalars(select(Verdict).order_by(Verdict.sort_order)).all()[:5]
    users = [make_user(name=f"Observer {i}") for i in range(4)]
    body = " ".join(f"Sentence number {i} is here." for i in range(12))
    article = make_article(body=body)
    assert len(article.claims) == 12
    for user, values in zip(users, OBSERVERS, strict=True):
        for claim, value in zip(article.claims, values, strict=True):
            if value is None:
                continue
            db.add(
                Annotation(
                    claim_id=claim.id,
                    annotator_id=user.id,
                    verdict_id=verdicts[value - 1].id,
                    state=AnnotationState.SUBMITTED,
                    submitted_at=utcnow(),
                )
            )
    # A draft must not count.
    db.add(
        Annotation(
            claim_id=article.claims[11].id, annotator_id=users[0].id, verdict_id=verdicts[0].id
        )
    )
    db.flush()
    return article


def test_agreement_of_an_article_from_stored_annotations(db: Session, fixture_annotations) -> None:
    report = agreement(db, fixture_annotations)
    assert report.claims_compared == 11
    assert report.alpha == pytest.approx(0.743, abs=0.0005)
    disagreeing_positions = [d.claim.position for d in report.disagreements]
    assert disagreeing_positions == [1, 5, 7]


def test_agreement_page_shows_alpha_and_disagreements(
    client: FlaskClient, login, fixture_annotations
) -> None:
    login(Role.REVIEWER)
    html = client.get("/agreement").get_data(as_text=True)
    assert "<dd>0.743</dd>" in html
    assert "Sentence number 5 is here." in html
    article_html = client.get(f"/articles/{fixture_annotations.id}").get_data(as_text=True)
    assert "<dd>0.743</dd>" in article_html
    assert "Disagreements (3)" in article_html


def test_agreement_page_lists_disagreements_a_page_at_a_time_newest_first(
    client: FlaskClient, login, fixture_annotations, monkeypatch
) -> None:
    from factcheck.workspace import agreement as agreement_module

    monkeypatch.setattr(agreement_module, "DISAGREEMENTS_PER_PAGE", 2)
    login(Role.REVIEWER)
    claims = {claim.position: claim for claim in fixture_annotations.claims}
    html = client.get("/agreement").get_data(as_text=True)
    # Alpha is over every compared claim, whatever the page.
    assert "<dd>0.743</dd>" in html
    assert "Where annotators disagree (3)" in html
    assert "Sentence number 7 is here." in html and "Sentence number 5 is here." in html
    assert "Sentence number 1 is here." not in html
    assert f'href="/agreement?after={claims[5].id}"' in html
    html = client.get(f"/agreement?after={claims[5].id}").get_data(as_text=True)
    assert "Sentence number 1 is here." in html and "Sentence number 5 is here." not in html
    assert "Older disagreements" not in html and "Newest disagreements" in html
    assert client.get("/agreement?after=nonsense").status_code == 200


def test_annotators_see_the_figure_but_not_who_said_what(
    client: FlaskClient, login, fixture_annotations
) -> None:
    login(Role.ANNOTATOR)
    assert client.get("/agreement").status_code == 403
    html = client.get(f"/articles/{fixture_annotations.id}").get_data(as_text=True)
    assert "<dd>0.743</dd>" in html
    assert "Disagreements" not in html


def test_dashboard_renders_svg_charts_without_javascript(
    client: FlaskClient, login, fixture_annotations
) -> None:
    login(Role.REVIEWER)
    html = client.get("/dashboard").get_data(as_text=True)
    assert html.count('<svg class="chart"') == 3
    assert "Observer 0" in html
    assert "<title>Annotations submitted and approved per day, last 30 days</title>" in html
    today = format_date(utcnow().date(), "medium", locale="en")  # "Dec 7, 2026"
    assert f'<td>{today}</td><td class="num">41</td>' in html  # 41 submitted today


def test_dashboard_empty_and_forbidden(client: FlaskClient, login) -> None:
    login(Role.ANNOTATOR)
    assert client.get("/dashboard").status_code == 403


def _tallies(db: Session) -> dict[tuple[int, int, str], int]:
    from factcheck.annotations.tallies import AnnotationTally

    return {
        (t.annotator_id, t.verdict_id, t.state): t.annotations
        for t in db.scalars(select(AnnotationTally))
        if t.annotations
    }


def _claim_tallies(db: Session) -> tuple[dict[int, int], dict[int, int]]:
    """(the claim tallies, a count of finished verdicts per claim)."""
    from factcheck.annotations.states import SUBMITTED_OR_LATER
    from factcheck.annotations.tallies import ClaimTally

    kept = {t.claim_id: t.verdicts for t in db.scalars(select(ClaimTally)) if t.verdicts}
    counted = dict(
        db.execute(
            select(Annotation.claim_id, func.count())
            .where(Annotation.state.in_(SUBMITTED_OR_LATER), Annotation.verdict_id.is_not(None))
            .group_by(Annotation.claim_id)
        ).all()
    )
    return kept, counted


def _counted(db: Session) -> dict[tuple[int, int, str], int]:
    verdict = func.coalesce(Annotation.verdict_id, 0)
    rows = db.execute(
        select(Annotation.annotator_id, verdict, Annotation.state, func.count()).group_by(
            Annotation.annotator_id, verdict, Annotation.state
        )
    )
    return {(a, v, s.value if hasattr(s, "value") else s): n for a, v, s, n in rows}


def _days(db: Session) -> tuple[dict[tuple[str, str], int], dict[tuple[str, str], int]]:
    """(the daily tallies, a count of submissions and approvals per UTC day)."""
    from collections import Counter

    from factcheck.annotations.tallies import DailyTally
    from factcheck.review.models import Decision, Review

    kept = {(str(t.day), t.kind): t.events for t in db.scalars(select(DailyTally)) if t.events}
    counted: Counter[tuple[str, str]] = Counter()
    for (moment,) in db.execute(select(Annotation.submitted_at)):
        if moment is not None:
            counted[(str(moment.date()), "submitted")] += 1
    for (moment,) in db.execute(
        select(Review.created_at).where(Review.decision == Decision.APPROVE)
    ):
        counted[(str(moment.date()), "approved")] += 1
    return kept, dict(counted)


def test_dashboard_tallies_follow_every_change_in_the_same_transaction(
    db: Session, make_user, make_article
) -> None:
    """Drafts, verdict changes, transitions, expired objects, deletes and a rolled-back
    savepoint: the tallies always equal a count of the annotations."""
    ana, bo = make_user(), make_user()
    article = make_article()
    verdicts = db.scalars(select(Verdict).order_by(Verdict.sort_order)).all()
    first = Annotation(claim_id=article.claims[0].id, annotator_id=ana.id)
    second = Annotation(
        claim_id=article.claims[1].id, annotator_id=bo.id, verdict_id=verdicts[0].id
    )
    db.add_all([first, second])
    db.flush()
    assert _tallies(db) == _counted(db)
    kept, counted = _claim_tallies(db)
    assert kept == counted
    first.verdict_id = verdicts[1].id
    second.state = AnnotationState.SUBMITTED
    second.submitted_at = utcnow()
    db.flush()
    assert _tallies(db) == _counted(db)
    kept, counted = _claim_tallies(db)
    assert kept == counted
    # Changed while its attributes are expired: the old values come from the database.
    db.expire(second)
    second.state = AnnotationState.APPROVED
    db.flush()
    assert _tallies(db) == _counted(db)
    kept, counted = _claim_tallies(db)
    assert kept == counted
    # A savepoint rolled back takes its changes to the tallies with it.
    with db.begin_nested() as nested:
        db.add(Annotation(claim_id=article.claims[2].id, annotator_id=ana.id))
        db.flush()
        nested.rollback()
    assert _tallies(db) == _counted(db)
    kept, counted = _claim_tallies(db)
    assert kept == counted
    # Submitted again on another day, approved, deleted: each day keeps its count.
    from datetime import UTC, datetime

    from factcheck.review.models import Decision, Review

    second.submitted_at = datetime(2025, 3, 1, 23, 59, tzinfo=UTC)
    db.add(
        Review(
            annotation_id=second.id,
            reviewer_id=ana.id,
            annotator_id=bo.id,
            decision=Decision.APPROVE,
            annotation_version=1,
        )
    )
    db.flush()
    kept, counted = _days(db)
    assert kept == counted and counted[("2025-03-01", "submitted")] == 1
    assert sum(n for (_, kind), n in counted.items() if kind == "approved") == 1
    db.delete(first)
    db.flush()
    assert _tallies(db) == _counted(db)
    kept, counted = _claim_tallies(db)
    assert kept == counted
    kept, counted = _days(db)
    assert kept == counted
    db.commit()
    assert _tallies(db) == _counted(db) == {(bo.id, verdicts[0].id, "approved"): 1}


def _agreement_tallies(db: Session) -> tuple[dict[tuple[int, int, int], int], set[int]]:
    """(the agreement tallies, the claims marked as disagreeing)."""
    from factcheck.annotations.tallies import AgreementTally, ClaimTally

    kept = {
        (t.unit_size, t.verdict_a, t.verdict_b): t.pairs
        for t in db.scalars(select(AgreementTally))
        if t.pairs
    }
    return kept, set(db.scalars(select(ClaimTally.claim_id).where(ClaimTally.disagrees)))


def _agreement_counted(db: Session) -> tuple[dict[tuple[int, int, int], int], set[int]]:
    """What the agreement tallies should hold, worked out from the annotations."""
    from collections import Counter, defaultdict

    from factcheck.annotations.states import SUBMITTED_OR_LATER
    from factcheck.annotations.tallies import unit_pairs

    verdicts: dict[int, Counter[int]] = defaultdict(Counter)
    for claim_id, verdict_id in db.execute(
        select(Annotation.claim_id, Annotation.verdict_id).where(
            Annotation.state.in_(SUBMITTED_OR_LATER), Annotation.verdict_id.is_not(None)
        )
    ):
        verdicts[claim_id][verdict_id] += 1
    pairs: Counter[tuple[int, int, int]] = Counter()
    for counted in verdicts.values():
        pairs.update(unit_pairs(counted))
    disagreeing = {claim for claim, counted in verdicts.items() if len(counted) > 1}
    return dict(pairs), disagreeing


def test_agreement_tallies_follow_random_changes_and_give_the_direct_figures(
    db: Session, make_user, make_article
) -> None:
    """Annotations made, given verdicts, moved between states and deleted at random, a
    savepoint rolled back now and then: after every flush the agreement tallies equal a
    count from the annotations, and the archive's alpha, pairwise agreement, claims
    compared and disagreements equal the figures worked out claim by claim."""
    import random

    from factcheck.annotations.tallies import recount

    rng = random.Random(17)
    users = [make_user() for _ in range(5)]
    claims = [claim.id for claim in make_article().claims[:4]]
    verdicts = db.scalars(select(Verdict.id).order_by(Verdict.sort_order)).all()[:3]
    # Not approved: a claim has one approved annotation at most (a unique index).
    states = [state for state in AnnotationState if state is not AnnotationState.APPROVED]
    live: dict[tuple[int, int], Annotation] = {}
    from datetime import UTC, datetime

    moments = [None, *(datetime(2025, 5, day, 23, 30, tzinfo=UTC) for day in (1, 2, 3))]
    for step in range(120):
        key = (rng.choice(claims), rng.choice(users).id)
        nested = db.begin_nested() if step % 10 == 9 else None
        annotation = live.get(key)
        if annotation is None:
            annotation = Annotation(
                claim_id=key[0],
                annotator_id=key[1],
                verdict_id=rng.choice([None, *verdicts]),
                state=rng.choice(states),
                submitted_at=rng.choice(moments),
            )
            db.add(annotation)
            if nested is None:
                live[key] = annotation
        elif rng.random() < 0.15:
            db.delete(annotation)
            if nested is None:
                del live[key]
        elif rng.random() < 0.5:
            annotation.verdict_id = rng.choice([None, *verdicts])
        else:
            annotation.state = rng.choice(states)
            annotation.submitted_at = rng.choice(moments)
        db.flush()
        if nested is not None:
            nested.rollback()
            db.expire_all()
        assert _agreement_tallies(db) == _agreement_counted(db), step
        kept, counted = _days(db)
        assert kept == counted, step
    units = [
        [
            a.verdict_id
            for a in live.values()
            if a.claim_id == claim and a.verdict_id and a.state is not AnnotationState.DRAFT
        ]
        for claim in claims
    ]
    report = agreement(db)
    pairable = [unit for unit in units if len(unit) >= 2]
    assert report.claims_compared == len(pairable) >= 2
    assert any(len(unit) >= 3 for unit in pairable)
    assert report.alpha == pytest.approx(krippendorff_alpha_nominal(units))
    assert report.percent == pytest.approx(pairwise_agreement(units))
    assert report.disagreement_count == sum(len(set(unit)) > 1 for unit in pairable) >= 1
    # A recount from scratch (the bench's bulk rows, the migration) agrees with them.
    kept = _agreement_tallies(db)
    recount(db.connection())
    assert _agreement_tallies(db) == kept


def test_dashboard_figures_come_from_the_tallies(
    client: FlaskClient, login, db: Session, fixture_annotations
) -> None:
    from factcheck.reports.stats import verdict_distribution, work_per_annotator

    db.commit()
    given = {verdict.id: total for verdict, total, _ in verdict_distribution(db)}
    counted = dict(
        db.execute(
            select(Annotation.verdict_id, func.count())
            .where(Annotation.state != AnnotationState.DRAFT)
            .group_by(Annotation.verdict_id)
        ).all()
    )
    assert {v: n for v, n in given.items() if n} == counted
    people = {work.user.id: work for work in work_per_annotator(db)}
    assert sum(work.submitted for work in people.values()) == sum(counted.values())
    assert sum(work.drafts for work in people.values()) == 1
    login(Role.REVIEWER)
    assert client.get("/dashboard").status_code == 200
