"""Authorization by capability: what each role can create through each way in.

``test_authorization.py`` decides who may use each route. This module asks the other
question: through each way in -- the web forms, the API, the command line, every
import format and the restore -- what can each role actually bring into existence?
A route a role may use that lets it create something it may not (an approval, a
verdict, an account) fails here, whatever the route is called.

Each way attempts everything it can express, then the database is compared with what
it was: the capabilities that appeared must be exactly the role's.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from factcheck.annotations.models import Annotation
from factcheck.articles.models import Article, ArticleRevision, Claim
from factcheck.db import utcnow
from factcheck.review.models import Review
from factcheck.review.workflow import AnnotationState as S
from factcheck.users.models import Role, User
from factcheck.users.tokens import create_token
from factcheck.verdicts.models import Verdict
from tests.conftest import csrf_token, log_in, upload

ARTICLE, SPLIT, DRAFT, SUBMITTED, APPROVED, REVIEW = (
    "article",
    "claim split",
    "draft annotation",
    "submitted annotation",
    "approved annotation",
    "review",
)
VERDICT, ACCOUNT, ADMIN_ROLE = "verdict", "account", "admin account"
#: A new text of an article (its claims carried over): it moves everyone's work.
REVISION = "article revision"
EVERYTHING = {
    ARTICLE,
    SPLIT,
    DRAFT,
    SUBMITTED,
    APPROVED,
    REVIEW,
    VERDICT,
    ACCOUNT,
    ADMIN_ROLE,
    REVISION,
}

ANNOTATOR_WORK = {ARTICLE, SPLIT, DRAFT, SUBMITTED}
REVIEWER_WORK = ANNOTATOR_WORK | {APPROVED, REVIEW, REVISION}
ADMIN_WORK = REVIEWER_WORK | {VERDICT, ACCOUNT, ADMIN_ROLE}
RESTORED = {ARTICLE, DRAFT, SUBMITTED, APPROVED, REVIEW, VERDICT, ACCOUNT, ADMIN_ROLE}

ROLES = ("annotator", "reviewer", "admin")
#: (way in, role) -> what that role creates through it. The command line is run by
#: whoever operates the server, so it has one row: "operator".
EXPECTED: dict[tuple[str, str], set[str]] = {
    **{
        ("form", r): w
        for r, w in zip(ROLES, (ANNOTATOR_WORK, REVIEWER_WORK, ADMIN_WORK), strict=True)
    },
    **{
        # The API has no split, revision, verdict or account operations.
        ("api", r): w - {SPLIT, REVISION}
        for r, w in zip(ROLES, (ANNOTATOR_WORK, REVIEWER_WORK, REVIEWER_WORK), strict=True)
    },
    **{(f"import {fmt}", r): {ARTICLE} for fmt in ("txt", "csv", "html", "jsonl") for r in ROLES},
    ("restore", "annotator"): set(),
    ("restore", "reviewer"): set(),
    ("restore", "admin"): RESTORED,
    ("cli import jsonl", "operator"): {ARTICLE},
    ("cli restore", "operator"): RESTORED,
    ("cli users", "operator"): {ACCOUNT, ADMIN_ROLE},
}


def archive_everything() -> bytes:
    """An archive that tries to bring in every kind of record."""
    body = "One claim here. A second claim there. A third claim at the end."
    records = [
        {"type": "meta", "format": "factcheck-jsonl", "version": 1},
        {"type": "verdict", "key": "smuggled", "label": "Smuggled", "sort_order": 0},
        {"type": "user", "email": "boss@archive.example", "name": "Boss", "role": "admin"},
        {"type": "user", "email": "writer@archive.example", "name": "W", "role": "annotator"},
        {"type": "article", "id": 1, "title": "Archived", "body": body},
        {"type": "claim", "id": 1, "article_id": 1, "position": 0, "start": 0, "end": 15},
        {"type": "claim", "id": 2, "article_id": 1, "position": 1, "start": 16, "end": 37},
        {"type": "claim", "id": 3, "article_id": 1, "position": 2, "start": 38, "end": 63},
    ]
    for claim_id, state, reviews in (
        (1, "approved", [{"reviewer": "boss@archive.example", "decision": "approve"}]),
        (2, "submitted", []),
        (3, "draft", []),
    ):
        records.append(
            {
                "type": "annotation",
                "id": claim_id,
                "claim_id": claim_id,
                "annotator": "writer@archive.example",
                "verdict": "false",
                "state": state,
                "reviews": reviews,
            }
        )
    return "".join(json.dumps(r) + "\n" for r in records).encode()


HTML = (
    b"<html><head><title>Page</title></head><body><article><h1>Page</h1><p>The council "
    b"said 4,000 homes were built last year, far fewer than the 10,000 it promised.</p>"
    b"</article></body></html>"
)
FILES = {
    "txt": (b"A title\n\nThe body says 40 people came.", "a.txt"),
    "csv": (b"title,body\r\nA row,The body says 40 people came.\r\n", "a.csv"),
    "html": (HTML, "a.html"),
    "jsonl": (archive_everything(), "a.jsonl"),
}


@dataclass
class Snapshot:
    articles: set[int]
    claims_of_old_articles: int
    annotations: dict[int, str]
    reviews: int
    verdicts: int
    users: set[int]
    admins: set[int]
    revisions: int


def snapshot(db: Session) -> Snapshot:
    db.expire_all()
    return Snapshot(
        articles=set(db.scalars(select(Article.id))),
        claims_of_old_articles=db.scalar(select(func.count()).select_from(Claim)) or 0,
        annotations=dict(db.execute(select(Annotation.id, Annotation.state)).all()),
        reviews=db.scalar(select(func.count()).select_from(Review)) or 0,
        verdicts=db.scalar(select(func.count()).select_from(Verdict)) or 0,
        users=set(db.scalars(select(User.id))),
        admins=set(db.scalars(select(User.id).where(User.role == Role.ADMIN))),
        revisions=db.scalar(select(func.count()).select_from(ArticleRevision)) or 0,
    )


def created(db: Session, before: Snapshot) -> set[str]:
    after = snapshot(db)
    found = set()
    if after.articles - before.articles:
        found.add(ARTICLE)
    old_claims = db.scalar(
        select(func.count()).select_from(Claim).where(Claim.article_id.in_(before.articles))
    )
    if old_claims > before.claims_of_old_articles:
        found.add(SPLIT)
    for state, capability in ((S.SUBMITTED, SUBMITTED), (S.APPROVED, APPROVED)):
        if any(
            s == state and before.annotations.get(i) != state for i, s in after.annotations.items()
        ):
            found.add(capability)
    if any(i not in before.annotations and s == S.DRAFT for i, s in after.annotations.items()):
        found.add(DRAFT)
    if after.reviews > before.reviews:
        found.add(REVIEW)
    if after.verdicts > before.verdicts:
        found.add(VERDICT)
    if after.users - before.users:
        found.add(ACCOUNT)
    if after.admins - before.admins:
        found.add(ADMIN_ROLE)
    if after.revisions > before.revisions:
        found.add(REVISION)
    return found


@dataclass
class World:
    actors: dict[str, User]
    article: Article
    #: Submitted by someone else: one to approve, one to send back.
    to_approve: Annotation
    to_send_back: Annotation
    verdict_id: int


@pytest.fixture
def world(db: Session, make_user, make_article) -> World:
    author = make_user(Role.ANNOTATOR, email="author@example.org")
    actors = {role: make_user(Role(role)) for role in ROLES}
    article = make_article(author)
    verdict_id = db.scalar(select(Verdict.id).where(Verdict.key == "false"))
    submitted = [
        Annotation(
            claim_id=article.claims[index].id,
            annotator_id=author.id,
            verdict_id=verdict_id,
            state=S.SUBMITTED,
            submitted_at=utcnow(),
        )
        for index in (0, 1)
    ]
    db.add_all(submitted)
    db.commit()
    return World(actors, article, submitted[0], submitted[1], verdict_id)


def attempt_form(client: FlaskClient, world: World, db: Session) -> None:
    """Everything the web forms offer, whether or not the role may."""
    token = csrf_token(client, "/articles")
    claims = world.article.claims
    client.post(
        "/articles",
        data={"csrf_token": token, "title": "New", "body": "It rained 4 days.", "language": "en"},
    )
    split = claims[4]
    client.post(
        f"/claims/{split.id}/split",
        data={
            "csrf_token": token,
            "at": split.start + 4,
            "expected_start": split.start,
            "expected_end": split.end,
        },
    )
    for claim, action in ((claims[2], "save"), (claims[3], "submit")):
        client.post(
            f"/claims/{claim.id}/annotation",
            data={
                "csrf_token": token,
                "verdict": str(world.verdict_id),
                "claimant": "Someone",
                "version": "",
                "action": action,
            },
        )
    for annotation, action in ((world.to_approve, "approve"), (world.to_send_back, "reject")):
        client.post(
            f"/annotations/{annotation.id}/transition",
            data={"csrf_token": token, "action": action, "version": "1", "comment": "Why."},
        )
    client.post(
        f"/articles/{world.article.id}/revisions",
        data={
            "csrf_token": token,
            "body": world.article.body + "\n\nA sentence added after publication.",
            "expected_revision": "1",
        },
    )
    client.post(
        "/admin/verdicts",
        data={"csrf_token": token, "key": "satire", "label": "Satire", "colour": "#123456"},
    )
    client.post(
        "/admin/users",
        data={
            "csrf_token": token,
            "email": "new-admin@example.org",
            "name": "New admin",
            "role": "admin",
            "password": "long password 1",
        },
    )


def attempt_api(client: FlaskClient, world: World, db: Session, user: User) -> None:
    """Everything the API offers."""
    _token, secret = create_token(db, user, "capabilities")
    db.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    claims = world.article.claims
    client.post("/api/v1/articles", json={"title": "New", "body": "It rained."}, headers=headers)
    for claim in (claims[2], claims[3]):
        client.put(
            f"/api/v1/claims/{claim.id}/annotation",
            json={"verdict": "false", "claimant": "Someone"},
            headers=headers,
        )
    mine = db.scalar(
        select(Annotation).where(
            Annotation.claim_id == claims[3].id, Annotation.annotator_id == user.id
        )
    )
    client.post(
        f"/api/v1/annotations/{mine.id}/submit", json={"version": mine.version}, headers=headers
    )
    for annotation, action in ((world.to_approve, "approve"), (world.to_send_back, "reject")):
        client.post(
            f"/api/v1/annotations/{annotation.id}/{action}",
            json={"version": 1, "comment": "Why."},
            headers=headers,
        )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("way", ["form", "api", *(f"import {f}" for f in FILES), "restore"])
def test_what_each_role_can_create_through_each_way_in(
    client: FlaskClient, db: Session, world: World, way: str, role: str
) -> None:
    user = world.actors[role]
    assert log_in(client, user.email).status_code == 302
    before = snapshot(db)
    if way == "form":
        attempt_form(client, world, db)
    elif way == "api":
        attempt_api(client, world, db, user)
    elif way == "restore":
        client.post(
            "/admin/restore",
            data={
                "csrf_token": csrf_token(client, "/articles"),
                "archive": (io.BytesIO(FILES["jsonl"][0]), "a.jsonl"),
            },
            content_type="multipart/form-data",
        )
    else:
        assert upload(client, FILES[way.split()[1]]).status_code == 200
    assert created(db, before) == EXPECTED[(way, role)]


CLI: dict[str, Callable[[Path], list[str]]] = {
    "cli import jsonl": lambda path: ["articles", "import", str(path)],
    "cli restore": lambda path: ["restore", str(path)],
    "cli users": lambda path: [
        "users",
        "create",
        "op@example.org",
        "--name",
        "Op",
        "--role",
        "admin",
        "--password-stdin",
    ],
}


@pytest.mark.parametrize("way", sorted(CLI))
def test_what_the_command_line_can_create(
    app: Flask, db: Session, world: World, tmp_path: Path, way: str
) -> None:
    path = tmp_path / "a.jsonl"
    path.write_bytes(FILES["jsonl"][0])
    before = snapshot(db)
    result = app.test_cli_runner().invoke(args=CLI[way](path), input="long password 12\n")
    assert result.exit_code == 0, result.output
    assert created(db, before) == EXPECTED[(way, "operator")]


def test_every_capability_is_reachable_somewhere() -> None:
    """The table is not vacuous: each capability is created by some way in."""
    assert set().union(*EXPECTED.values()) == EVERYTHING
    assert all(way in {w for w, _ in EXPECTED} for way in ("form", "api", "restore"))
