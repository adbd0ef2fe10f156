"""Right-to-left articles are shown right to left wherever their text appears."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from factcheck.annotations.models import Annotation
from factcheck.annotations.states import AnnotationState
from factcheck.publishing.models import SETTINGS_ID, PublishingSettings
from factcheck.review.models import Decision, Review
from factcheck.users.models import Role
from factcheck.web import text_direction

ARABIC = (
    "قالت الحكومة يوم الاثنين إنها ستبني عشرة آلاف مسكن بحلول عام 2030. "
    "وقالت المعارضة إن الرقم أقل بكثير مما وُعد به."
)


@pytest.mark.parametrize(
    ("language", "direction"),
    [("ar", "rtl"), ("he-IL", "rtl"), ("fa", "rtl"), ("ur", "rtl"), ("en", "ltr"), ("", "ltr")],
)
def test_direction_of_a_language(language: str, direction: str) -> None:
    assert text_direction(language) == direction


def _dir_of(page: str, css_class: str) -> str:
    match = re.search(rf'class="{css_class}[^"]*"[^>]*dir="(\w+)"', page)
    assert match, f"no dir on .{css_class}"
    return match.group(1)


def test_an_arabic_article_reads_right_to_left_in_every_view(
    client: FlaskClient, app: Flask, db: Session, login, make_article, make_user
) -> None:
    user = login(Role.REVIEWER)
    article = make_article(user, body=ARABIC, title="مساكن")
    assert article.language == "ar"  # detected
    claim = article.claims[0]
    assert (
        _dir_of(client.get(f"/articles/{article.id}").get_data(as_text=True), "article-body")
        == "rtl"
    )
    page = client.get(f"/claims/{claim.id}").get_data(as_text=True)
    assert _dir_of(page, "claim-text") == "rtl"
    # What people type takes the direction of its first letters.
    rationale = re.search(r'<textarea[^>]*id="rationale"[^>]*>', page).group(0)
    assert 'dir="auto"' in rationale

    author = make_user(Role.ANNOTATOR)
    annotation = Annotation(
        claim_id=claim.id,
        annotator_id=author.id,
        verdict_id=1,
        rationale="تقرير الوزارة يقول غير ذلك.",
        state=AnnotationState.SUBMITTED,
    )
    db.add(annotation)
    db.commit()
    queue = client.get("/review").get_data(as_text=True)
    assert _dir_of(queue, "in-context") == "rtl"
    assert re.search(r'<dd class="prewrap" dir="auto">تقرير', queue)

    annotation.state = AnnotationState.APPROVED
    db.add(
        Review(
            annotation_id=annotation.id,
            reviewer_id=user.id,
            annotator_id=author.id,
            decision=Decision.APPROVE,
            annotation_version=annotation.version,
        )
    )
    db.add(PublishingSettings(id=SETTINGS_ID, enabled=True))
    db.commit()
    reader = app.test_client()
    public = reader.get(f"/published/articles/{article.id}").get_data(as_text=True)
    assert _dir_of(public, "public-article") == "rtl"
    public = reader.get(f"/published/claims/{claim.id}").get_data(as_text=True)
    assert _dir_of(public, "public-context") == "rtl"


def test_an_english_article_stays_left_to_right(client: FlaskClient, login, make_article) -> None:
    user = login()
    article = make_article(user)
    page = client.get(f"/articles/{article.id}").get_data(as_text=True)
    assert _dir_of(page, "article-body") == "ltr"
