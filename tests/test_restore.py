"""Restoring an archive: only admins restore more than articles, and every rule holds."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from factcheck.annotations.models import Annotation
from factcheck.articles.models import Article
from factcheck.audit.models import AuditEvent
from factcheck.audit.recorder import verify
from factcheck.review.models import Review
from factcheck.review.workflow import AnnotationState
from factcheck.users.models import Role, User
from factcheck.verdicts.models import Verdict
from tests.conftest import counts, csrf_token, upload

BODY = "The minister said 10,000 homes were built. Critics disputed the figure."


def archive(*records: dict[str, Any]) -> bytes:
    lines = [{"type": "meta", "format": "factcheck-jsonl", "version": 1}, *records]
    return "".join(json.dumps(r) + "\n" for r in lines).encode()


def article(**overrides: Any) -> list[dict[str, Any]]:
    """An article and its two claims, archive ids 1 and 10, 11."""
    return [
        {
            "type": "article",
            "id": 1,
            "title": "Homes",
            "body": BODY,
            "imported_by": "admin@example.org",
            "imported_at": "2020-01-01T00:00:00+00:00",
        }
        | overrides,
        {"type": "claim", "id": 10, "article_id": 1, "position": 0, "start": 0, "end": 42},
        {"type": "claim", "id": 11, "article_id": 1, "position": 1, "start": 43, "end": 71},
    ]


def annotation(**overrides: Any) -> dict[str, Any]:
    return {
        "type": "annotation",
        "id": 5,
        "claim_id": 10,
        "annotator": "reviewer@example.org",
        "verdict": "false",
        "claimant": "The minister",
        "rationale": "The ministry's own figures say 4,000.",
        "state": "approved",
        "version": 2,
        "created_at": "2020-01-02T00:00:00+00:00",
        "submitted_at": "2020-01-02T10:00:00+00:00",
        "sources": [{"url": "https://example.org/figures", "stance": "refutes"}],
        "reviews": [
            {
                "reviewer": "admin@example.org",
                "decision": "approve",
                "annotation_version": 2,
                "created_at": "2020-01-03T00:00:00+00:00",
            }
        ],
    } | overrides


#: The probe's file: a forged approval, a new verdict first in the menu, an admin account.
FORGED = archive(
    {"type": "user", "email": "reviewer@example.org", "name": "R", "role": "reviewer"},
    {"type": "user", "email": "mallory@example.org", "name": "Mallory", "role": "admin"},
    {
        "type": "verdict",
        "key": "forged",
        "label": "Forged",
        "rating": 5,
        "colour": "#000000",
        "sort_order": 0,
    },
    *article(),
    annotation(),
)


def restore_web(client: FlaskClient, content: bytes, name: str = "backup.jsonl") -> Any:
    return client.post(
        "/admin/restore",
        data={
            "csrf_token": csrf_token(client, "/articles"),
            "archive": (io.BytesIO(content), name),
        },
        content_type="multipart/form-data",
    )


def table_counts(db: Session) -> dict[str, int]:
    return {
        model.__name__: db.scalar(select(func.count()).select_from(model)) or 0
        for model in (Article, Annotation, Review, Verdict, User)
    }


@pytest.fixture
def people(make_user) -> dict[str, User]:
    """The accounts the archives name, as they exist in this database."""
    return {
        "annotator": make_user(Role.ANNOTATOR, email="annotator@example.org"),
        "reviewer": make_user(Role.REVIEWER, email="reviewer@example.org"),
        "admin": make_user(Role.ADMIN, email="admin@example.org"),
    }


@pytest.mark.parametrize("role", [Role.ANNOTATOR, Role.REVIEWER])
def test_a_bulk_import_of_an_archive_takes_only_its_articles_as_the_uploader(
    client, login, db: Session, people, role
) -> None:
    user = login(role)
    before = table_counts(db)
    verdict_order = db.scalars(select(Verdict.key).order_by(Verdict.sort_order)).all()
    response = upload(client, (FORGED, "forged.jsonl"))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Left out: 1 annotation record, 2 user records, 1 verdict record" in page
    after = table_counts(db)
    assert after == before | {"Article": before["Article"] + 1}
    stored = db.scalar(select(Article).order_by(Article.id.desc()))
    assert stored.imported_by_id == user.id  # not the admin the file names
    assert stored.imported_at.year > 2020
    assert [c.text for c in stored.claims] == [BODY[:42], BODY[43:]]
    assert db.scalars(select(Verdict.key).order_by(Verdict.sort_order)).all() == verdict_order
    events = db.scalars(
        select(AuditEvent).where(
            AuditEvent.entity_type == "article", AuditEvent.entity_id == stored.id
        )
    ).all()
    assert [(e.action, e.actor_id) for e in events] == [("article:import", user.id)]
    # Nothing reaches the publication CSV.
    csv = client.post("/exports/csv", data={"csrf_token": csrf_token(client, "/exports")})
    assert csv.status_code == 200
    assert "The minister" not in csv.get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.ANNOTATOR, Role.REVIEWER])
def test_only_admins_restore_an_archive(client, login, db: Session, people, role) -> None:
    login(role)
    before = counts(db), table_counts(db)
    assert client.get("/admin/restore").status_code == 403
    assert restore_web(client, FORGED).status_code == 403
    assert (counts(db), table_counts(db)) == before


def test_an_admin_restore_keeps_the_archives_people_and_times_and_records_who_restored(
    client, login, db: Session, people
) -> None:
    admin = people["admin"]
    restorer = login(Role.ADMIN)
    response = restore_web(client, FORGED, "newsroom-2020.jsonl")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "newsroom-2020.jsonl — restored" in response.get_data(as_text=True)

    restored = db.scalar(select(Annotation).order_by(Annotation.id.desc()))
    assert restored.annotator_id == people["reviewer"].id
    assert restored.state is AnnotationState.APPROVED
    assert restored.created_at.isoformat() == "2020-01-02T00:00:00+00:00"
    assert restored.version == 2
    (review,) = db.scalars(select(Review).where(Review.annotation_id == restored.id)).all()
    assert review.reviewer_id == admin.id and review.created_at.year == 2020
    article_row = db.get(Article, restored.claim.article_id)
    assert article_row.imported_by_id == admin.id and article_row.imported_at.year == 2020

    mallory = db.scalar(select(User).where(User.email == "mallory@example.org"))
    assert mallory.role is Role.ADMIN and not mallory.active
    # An existing account keeps its role whatever the archive says.
    assert people["reviewer"].role is Role.REVIEWER

    # The history of the restored annotation starts with who restored it, from what.
    history = db.scalars(
        select(AuditEvent)
        .where(AuditEvent.entity_type == "annotation", AuditEvent.entity_id == restored.id)
        .order_by(AuditEvent.id)
    ).all()
    assert [e.action for e in history] == ["annotation:restore"]
    assert history[0].actor_id == restorer.id
    assert history[0].diff["restored_from"] == [None, "newsroom-2020.jsonl"]
    assert history[0].diff["annotator"] == [None, "reviewer@example.org"]
    assert history[0].diff["reviews"][1] == [
        "approve by admin@example.org on 2020-01-03T00:00:00+00:00"
    ]
    page = client.get(f"/annotations/{restored.id}").get_data(as_text=True)
    assert "Restored from archive <strong>newsroom-2020.jsonl</strong> by" in page
    actions = db.scalars(
        select(AuditEvent.action).where(AuditEvent.actor_id == restorer.id).order_by(AuditEvent.id)
    ).all()
    # The archive names one verdict, not the whole scale: the scale keeps its order and
    # the new verdict goes to its end, not first.
    assert actions == [
        "user:create",
        "verdict:create",
        "article:restore",
        "annotation:restore",
    ]
    assert verify(db) is None
    assert db.scalars(select(Verdict.key).order_by(Verdict.sort_order)).all()[-1] == "forged"


def test_the_cli_restore_is_recorded_as_the_named_admin(app: Flask, db, people, tmp_path: Path):
    path = tmp_path / "a.jsonl"
    path.write_bytes(archive(*article()))
    db.commit()
    result = app.test_cli_runner().invoke(args=["restore", str(path), "--by", "admin@example.org"])
    assert result.exit_code == 0, result.output
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "article:restore"))
    assert event.actor_id == people["admin"].id
    missing = app.test_cli_runner().invoke(args=["restore", str(path), "--by", "x@example.org"])
    assert missing.exit_code == 2 and "no account for x@example.org" in missing.output


def test_a_cli_restore_by_a_non_admin_is_refused(app: Flask, db, people, tmp_path: Path):
    path = tmp_path / "a.jsonl"
    path.write_bytes(FORGED)
    db.commit()
    before = table_counts(db)
    result = app.test_cli_runner().invoke(
        args=["restore", str(path), "--by", "annotator@example.org"]
    )
    assert result.exit_code == 1 and "Only an admin can restore" in result.output
    assert table_counts(db) == before


REVIEW_BY_AUTHOR = {
    "reviewer": "reviewer@example.org",
    "decision": "approve",
    "created_at": "2020-01-03T00:00:00+00:00",
}


@pytest.mark.parametrize(
    ("records", "message"),
    [
        pytest.param(
            [*article(), annotation(reviews=[REVIEW_BY_AUTHOR])],
            "nobody reviews their own annotation",
            id="four-eyes",
        ),
        pytest.param(
            [
                *article(),
                annotation(reviews=[{"reviewer": "annotator@example.org", "decision": "approve"}]),
            ],
            "annotator@example.org is not a reviewer",
            id="approved-by-an-annotator",
        ),
        pytest.param(
            [*article(), annotation(reviews=[])],
            "cannot be approved without a review",
            id="approved-without-review",
        ),
        pytest.param(
            [*article(), annotation(state="changes_requested")],
            "cannot be changes requested after a review to approved",
            id="state-the-reviews-do-not-reach",
        ),
        pytest.param(
            [
                *article(),
                annotation(
                    state="rejected",
                    reviews=[
                        {"reviewer": "admin@example.org", "decision": "reject", "comment": "No"},
                        {"reviewer": "admin@example.org", "decision": "approve"},
                    ],
                ),
            ],
            "follows a rejected annotation",
            id="review-after-rejection",
        ),
        pytest.param(
            [
                *article(),
                annotation(
                    state="changes_requested",
                    reviews=[{"reviewer": "admin@example.org", "decision": "request_changes"}],
                ),
            ],
            "Please say why in a comment",
            id="comment-required",
        ),
        pytest.param(
            [*article(), annotation(verdict=None, state="submitted", reviews=[])],
            "A submitted annotation needs a verdict",
            id="submitted-without-verdict",
        ),
        pytest.param(
            [
                *article(),
                annotation(),
                annotation(id=6, annotator="annotator@example.org"),
            ],
            "already approved",
            id="two-approved-per-claim",
        ),
        pytest.param(
            [*article(), annotation(), annotation(id=6, state="draft", reviews=[])],
            "second annotation of the same claim",
            id="two-by-one-person",
        ),
        pytest.param(
            [*article(language="not a tag!")],
            "is not a language tag",
            id="language-tag",
        ),
        pytest.param(
            [
                *article(),
                annotation(sources=[{"quote": f"q{n}", "stance": "context"} for n in range(100)]),
            ],
            "At most 30 sources per annotation",
            id="hundred-sources",
        ),
        pytest.param(
            [*article(), annotation(claimant="x" * 301)],
            "At most 300 characters",
            id="claimant-length",
        ),
        pytest.param(
            [*article(), annotation(claimant="Evil\u202etxt.exe")],
            "text-direction character",
            id="bidi-claimant",
        ),
        pytest.param(
            [*article(), annotation(verdict="made_up")],
            "unknown verdict 'made_up'",
            id="unknown-verdict",
        ),
        pytest.param(
            [{"type": "user", "email": "x@example.org", "role": "superuser"}],
            "unknown role 'superuser'",
            id="unknown-role",
        ),
        pytest.param(
            [{"type": "user", "email": "not an email", "role": "annotator"}],
            "is not an email address",
            id="bad-email",
        ),
        pytest.param(
            [{"type": "user", "email": "x@example.org", "name": "Admin\u202e", "role": "admin"}],
            "text-direction character",
            id="bidi-name",
        ),
        pytest.param(
            [{"type": "verdict", "key": "Bad Key", "label": "Bad"}],
            "is not a verdict key",
            id="verdict-key",
        ),
        pytest.param(
            [{"type": "verdict", "key": "odd", "label": "Odd", "rating": "5"}],
            "The rating must be 1 (worst) to 5 (best)",
            id="verdict-rating-as-text",
        ),
        pytest.param(
            [{"type": "verdict", "key": "odd", "label": "Odd", "colour": "red"}],
            "is not a colour",
            id="verdict-colour",
        ),
        pytest.param(
            [
                *article()[:1],
                {"type": "claim", "id": 10, "article_id": 1, "position": 0, "start": 0, "end": 50},
                {"type": "claim", "id": 11, "article_id": 1, "position": 1, "start": 40, "end": 71},
            ],
            "Claim 2 cannot be stored: it overlaps",
            id="overlapping-claims",
        ),
        pytest.param(
            [*article(), annotation(created_at="2020-01-02T00:00:00")],
            "has no time zone",
            id="naive-time",
        ),
    ],
)
def test_a_restore_enforces_the_rules_of_every_other_way_in(
    client, login, db: Session, people, records, message
) -> None:
    login(Role.ADMIN)
    db.commit()
    before = counts(db), table_counts(db)
    response = restore_web(client, archive(*records))
    text = response.get_data(as_text=True)
    assert response.status_code == 422, text
    assert "Nothing was restored: line" in text
    assert message in text.replace("&#39;", "'").replace("&quot;", '"')
    assert (counts(db), table_counts(db)) == before


def test_a_draft_after_a_reopen_and_a_withdrawal_is_a_possible_history(
    client, login, db: Session, people
) -> None:
    login(Role.ADMIN)
    content = archive(*article(), annotation(state="draft"))
    response = restore_web(client, content)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert db.scalar(select(Annotation.state).order_by(Annotation.id.desc())) == "draft"


def test_a_retired_verdict_stays_on_restored_work(client, login, db: Session, people) -> None:
    login(Role.ADMIN)
    db.execute(Verdict.__table__.update().where(Verdict.key == "false").values(active=False))
    db.commit()
    response = restore_web(client, archive(*article(), annotation()))
    assert response.status_code == 200, response.get_data(as_text=True)
