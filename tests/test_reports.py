"""Agreement (Krippendorff's alpha) and the dashboard."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
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
    today = utcnow().date().isoformat()
    assert f'<td>{today}</td><td class="num">41</td>' in html  # 41 submitted today


def test_dashboard_empty_and_forbidden(client: FlaskClient, login) -> None:
    login(Role.ANNOTATOR)
    assert client.get("/dashboard").status_code == 403
