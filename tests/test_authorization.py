"""Authorization matrix: every route × method × kind of visitor, with the expected outcome.

The matrix is deny by default: a route that is not in it fails the suite, so nobody
adds a page without deciding who may use it. Ids in the URLs belong to "annotator"
(the owner), so the other visitors also probe other people's objects (IDOR).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from factcheck.annotations.models import Annotation
from factcheck.factchecks.models import FactCheck
from factcheck.publishing.models import SETTINGS_ID, PublishingSettings
from factcheck.users.models import Role
from factcheck.users.tokens import create_token
from factcheck.verdicts.models import Verdict
from tests.conftest import csrf_token, log_in

VISITORS = ("anonymous", "annotator", "other_annotator", "reviewer", "admin", "deactivated")

OK, LOGIN, FORBIDDEN, HIDDEN, API_401, PUBLIC = "ok", "login", "403", "404", "401", "public"


def logged_in(**overrides: str) -> dict[str, str]:
    row = {v: OK for v in VISITORS} | {"anonymous": LOGIN, "deactivated": LOGIN}
    return row | overrides


def at_least(role: Role, **overrides: str) -> dict[str, str]:
    allowed = {
        Role.ANNOTATOR: {"annotator", "other_annotator", "reviewer", "admin"},
        Role.REVIEWER: {"reviewer", "admin"},
        Role.ADMIN: {"admin"},
    }[role]
    row = {v: (OK if v in allowed else FORBIDDEN) for v in VISITORS}
    return row | {"anonymous": LOGIN, "deactivated": LOGIN} | overrides


def public() -> dict[str, str]:
    return dict.fromkeys(VISITORS, PUBLIC)


def api() -> dict[str, str]:
    # Session cookies never authenticate the API: it takes bearer tokens only.
    return dict.fromkeys(VISITORS, API_401)


MATRIX: dict[tuple[str, str], dict[str, str]] = {
    ("home", "GET"): public(),
    ("healthz", "GET"): public(),
    ("static", "GET"): public(),
    ("verdicts.verdict_colours", "GET"): public(),
    ("api.openapi", "GET"): public(),
    ("auth.login", "GET"): public(),
    ("auth.login", "POST"): public(),
    ("auth.logout", "GET"): public(),
    ("auth.logout", "POST"): public(),
    ("auth.account", "GET"): logged_in(),
    ("auth.change_password", "POST"): logged_in(),
    ("auth.choose_language", "POST"): logged_in(),
    # It logs everyone out, so every visitor ends on the login page.
    ("auth.logout_everywhere", "POST"): dict.fromkeys(VISITORS, LOGIN),
    ("auth.tokens", "GET"): logged_in(),
    ("auth.tokens", "POST"): logged_in(other_annotator=HIDDEN, reviewer=HIDDEN),
    ("admin.users", "GET"): at_least(Role.ADMIN),
    ("admin.create_user", "POST"): at_least(Role.ADMIN),
    ("admin.edit_user", "GET"): at_least(Role.ADMIN),
    ("admin.edit_user", "POST"): at_least(Role.ADMIN),
    ("admin.reset_password", "POST"): at_least(Role.ADMIN),
    ("verdicts.index", "GET"): at_least(Role.ADMIN),
    ("verdicts.create", "POST"): at_least(Role.ADMIN),
    ("verdicts.edit", "GET"): at_least(Role.ADMIN),
    ("verdicts.edit", "POST"): at_least(Role.ADMIN),
    ("verdicts.move", "POST"): at_least(Role.ADMIN),
    ("history.log", "GET"): at_least(Role.ADMIN),
    ("restore.index", "GET"): at_least(Role.ADMIN),
    ("restore.restore", "POST"): at_least(Role.ADMIN),
    ("backups.index", "GET"): at_least(Role.ADMIN),
    ("backups.create", "POST"): at_least(Role.ADMIN),
    # No backup of that name is in the folder: 404 for the admin, 403 before the lookup.
    ("backups.download", "GET"): at_least(Role.ADMIN, admin=HIDDEN),
    ("history.verify_chain", "POST"): at_least(Role.ADMIN),
    # The owner's draft: nobody else may see it or act on it.
    ("history.annotation_history", "GET"): logged_in(
        other_annotator=HIDDEN, reviewer=HIDDEN, admin=HIDDEN
    ),
    # The owner's draft: to anyone else it does not exist (as in the API), so its
    # state is not named either.
    ("workspace.transition", "POST"): logged_in(
        other_annotator=HIDDEN, reviewer=HIDDEN, admin=HIDDEN
    ),
    ("workspace.save", "POST"): logged_in(),
    ("workspace.use_factcheck", "POST"): logged_in(),
    ("workspace.index", "GET"): logged_in(),
    ("imports.new", "GET"): logged_in(),
    ("imports.create", "POST"): logged_in(),
    ("workspace.show", "GET"): logged_in(),
    ("workspace.claim", "GET"): logged_in(),
    ("workspace.segmentation", "GET"): logged_in(),
    ("workspace.split", "POST"): logged_in(),
    ("workspace.merge", "POST"): logged_in(),
    # The article has an annotation (the owner's draft): 409 for everyone logged in.
    ("workspace.language", "POST"): logged_in(),
    ("workspace.my_work", "GET"): logged_in(),
    ("imports.index", "GET"): logged_in(),
    ("imports.bulk_import", "POST"): logged_in(),
    ("revisions.history", "GET"): logged_in(),
    ("revisions.diff", "GET"): logged_in(),
    # A revision moves everyone's work: reviewers and admins bring one.
    ("revisions.new", "GET"): at_least(Role.REVIEWER),
    ("revisions.create", "POST"): at_least(Role.REVIEWER),
    # This world's article was never revised: no claim waits to be mapped.
    ("revisions.map_claim", "POST"): logged_in(
        annotator=HIDDEN, other_annotator=HIDDEN, reviewer=HIDDEN, admin=HIDDEN
    ),
    ("workspace.assignments_page", "GET"): at_least(Role.REVIEWER),
    ("workspace.assignments_page", "POST"): at_least(Role.REVIEWER),
    ("exports.index", "GET"): logged_in(),
    ("exports.download", "POST"): logged_in(),
    # The claim has no published verdict yet: 404 for everyone logged in.
    ("exports.claim_review", "GET"): logged_in(
        annotator=HIDDEN, other_annotator=HIDDEN, reviewer=HIDDEN, admin=HIDDEN
    ),
    ("reports.dashboard", "GET"): at_least(Role.REVIEWER),
    ("reports.agreement_page", "GET"): at_least(Role.REVIEWER),
    ("review.queue", "GET"): at_least(Role.REVIEWER),
    ("factchecks.index", "GET"): at_least(Role.REVIEWER),
    ("factchecks.import_files", "POST"): at_least(Role.REVIEWER),
    ("factchecks.detail", "GET"): at_least(Role.REVIEWER),
    ("factchecks.ratings", "GET"): at_least(Role.ADMIN),
    ("factchecks.ratings", "POST"): at_least(Role.ADMIN),
    ("search.page", "GET"): logged_in(),
    # Publishing is on in this world; the only annotation is a draft, so no claim or
    # article page exists, for anyone; the index and the feed are public (and empty).
    ("publishing.index", "GET"): public(),
    ("publishing.feed", "GET"): public(),
    ("publishing.article", "GET"): dict.fromkeys(VISITORS, HIDDEN),
    ("publishing.claim", "GET"): dict.fromkeys(VISITORS, HIDDEN),
    ("publishing.claim_review_json", "GET"): dict.fromkeys(VISITORS, HIDDEN),
    ("publishing.oembed", "GET"): dict.fromkeys(VISITORS, HIDDEN),
    ("publishing.settings_page", "GET"): at_least(Role.ADMIN),
    ("publishing.settings_page", "POST"): at_least(Role.ADMIN),
}
API_ENDPOINTS = (
    "api.annotation_approve",
    "api.annotation_reject",
    "api.annotation_reopen",
    "api.annotation_request_changes",
    "api.annotation_submit",
    "api.annotation_withdraw",
    "api.list_articles",
    "api.create_article",
    "api.get_article",
    "api.get_claim",
    "api.save_annotation",
    "api.export",
    "api.review_queue",
    "api.list_verdicts",
    "api.search_everything",
    "api.claim_matches",
    "api.match",
    "api.list_factchecks",
    "api.import_factchecks",
)


def _all_routes(app: Flask) -> set[tuple[str, str]]:
    return {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def _api_row(app: Flask) -> dict[tuple[str, str], dict[str, str]]:
    return {
        (endpoint, method): api()
        for endpoint, method in _all_routes(app)
        if endpoint in API_ENDPOINTS
    }


def test_every_route_is_in_the_matrix(app: Flask) -> None:
    known = set(MATRIX) | set(_api_row(app))
    missing = _all_routes(app) - known
    assert not missing, f"routes with no authorization decision: {sorted(missing)}"
    assert not known - _all_routes(app), "the matrix names routes that do not exist"


@dataclass
class World:
    users: dict[str, Any]
    article_id: int
    claim_id: int
    next_claim_id: int
    annotation_id: int
    verdict_id: int
    token_id: int
    factcheck_id: int


@pytest.fixture
def world(db: Session, make_user, make_article, monkeypatch, tmp_path) -> World:
    from flask import current_app

    # An admin's POST to /admin/backups makes a real backup: into this test's folder.
    monkeypatch.setitem(current_app.config, "BACKUP_DIR", str(tmp_path / "backups"))
    owner = make_user(Role.ANNOTATOR, email="owner@example.org")
    users = {
        "annotator": owner,
        "other_annotator": make_user(Role.ANNOTATOR, email="other@example.org"),
        "reviewer": make_user(Role.REVIEWER, email="rev@example.org"),
        "admin": make_user(Role.ADMIN, email="boss@example.org"),
        "deactivated": make_user(Role.ADMIN, email="gone@example.org"),
    }
    article = make_article(owner)
    verdict = db.scalar(select(Verdict).where(Verdict.key == "false"))
    draft = Annotation(
        claim_id=article.claims[3].id,
        annotator_id=owner.id,
        verdict_id=verdict.id,
        claimant="Owner's draft",
    )
    db.add(draft)
    entry = FactCheck(claim="An earlier claim.", headline="", rating_text="False", language="en")
    db.add(entry)
    token, _secret = create_token(db, owner, "owner's")
    db.add(PublishingSettings(id=SETTINGS_ID, enabled=True))
    db.commit()
    return World(
        users,
        article.id,
        article.claims[1].id,
        article.claims[2].id,
        draft.id,
        verdict.id,
        token.id,
        entry.id,
    )


def _request(world: World, endpoint: str, method: str, db: Session) -> tuple[str, dict]:
    w = world
    claim = w.claim_id
    urls = {
        "home": "/",
        "healthz": "/healthz",
        "static": "/static/css/app.css",
        "verdicts.verdict_colours": "/verdicts.css",
        "api.openapi": "/api/v1/openapi.json",
        "auth.login": "/login",
        "auth.logout": "/logout",
        "auth.account": "/account",
        "auth.change_password": "/account/password",
        "auth.choose_language": "/account/language",
        "auth.logout_everywhere": "/account/logout-everywhere",
        "auth.tokens": "/account/tokens",
        "admin.users": "/admin/users",
        "admin.create_user": "/admin/users",
        "admin.edit_user": f"/admin/users/{w.users['annotator'].id}",
        "admin.reset_password": f"/admin/users/{w.users['annotator'].id}/password",
        "verdicts.index": "/admin/verdicts",
        "verdicts.create": "/admin/verdicts",
        "verdicts.edit": f"/admin/verdicts/{w.verdict_id}",
        "verdicts.move": f"/admin/verdicts/{w.verdict_id}/move",
        "history.log": "/admin/audit",
        "restore.index": "/admin/restore",
        "restore.restore": "/admin/restore",
        "backups.index": "/admin/backups",
        "backups.create": "/admin/backups",
        "backups.download": "/admin/backups/files/factcheck-20260101T000000Z-abcdef.sqlite",
        "history.verify_chain": "/admin/audit/verify",
        "history.annotation_history": f"/annotations/{w.annotation_id}",
        "workspace.transition": f"/annotations/{w.annotation_id}/transition",
        "workspace.save": f"/claims/{claim}/annotation",
        "workspace.use_factcheck": f"/claims/{claim}/factchecks/{w.factcheck_id}/use",
        "workspace.index": "/articles",
        "imports.new": "/articles/new",
        "imports.create": "/articles",
        "workspace.show": f"/articles/{w.article_id}",
        "workspace.claim": f"/claims/{claim}",
        "workspace.segmentation": f"/articles/{w.article_id}/segmentation",
        "workspace.split": f"/claims/{claim}/split",
        "workspace.merge": f"/claims/{claim}/merge",
        "workspace.language": f"/articles/{w.article_id}/language",
        "workspace.my_work": "/my-work",
        "imports.index": "/imports",
        "imports.bulk_import": "/imports",
        "workspace.assignments_page": f"/articles/{w.article_id}/assignments",
        "revisions.history": f"/articles/{w.article_id}/revisions",
        "revisions.diff": f"/articles/{w.article_id}/revisions/1",
        "revisions.new": f"/articles/{w.article_id}/revisions/new",
        "revisions.create": f"/articles/{w.article_id}/revisions",
        "revisions.map_claim": "/revisions/links/1",
        "exports.index": "/exports",
        "exports.download": "/exports/csv",
        "exports.claim_review": f"/claims/{claim}/claimreview.json",
        "reports.dashboard": "/dashboard",
        "reports.agreement_page": "/agreement",
        "review.queue": "/review",
        "factchecks.index": "/factchecks",
        "factchecks.import_files": "/factchecks",
        "factchecks.detail": f"/factchecks/{w.factcheck_id}",
        "factchecks.ratings": "/factchecks/ratings",
        "search.page": "/search?q=claim",
        "publishing.index": "/published/",
        "publishing.feed": "/published/feed.atom",
        "publishing.article": f"/published/articles/{w.article_id}",
        "publishing.claim": f"/published/claims/{db.get(Annotation, w.annotation_id).claim_id}",
        "publishing.claim_review_json": (
            f"/published/claims/{db.get(Annotation, w.annotation_id).claim_id}/claimreview.json"
        ),
        "publishing.oembed": (
            "/published/oembed?url=http://localhost/published/claims/"
            f"{db.get(Annotation, w.annotation_id).claim_id}"
        ),
        "publishing.settings_page": "/admin/publishing",
        "api.annotation_approve": f"/api/v1/annotations/{w.annotation_id}/approve",
        "api.annotation_reject": f"/api/v1/annotations/{w.annotation_id}/reject",
        "api.annotation_reopen": f"/api/v1/annotations/{w.annotation_id}/reopen",
        "api.annotation_request_changes": f"/api/v1/annotations/{w.annotation_id}/request-changes",
        "api.annotation_submit": f"/api/v1/annotations/{w.annotation_id}/submit",
        "api.annotation_withdraw": f"/api/v1/annotations/{w.annotation_id}/withdraw",
        "api.list_articles": "/api/v1/articles",
        "api.create_article": "/api/v1/articles",
        "api.get_article": f"/api/v1/articles/{w.article_id}",
        "api.get_claim": f"/api/v1/claims/{claim}",
        "api.save_annotation": f"/api/v1/claims/{claim}/annotation",
        "api.export": "/api/v1/exports/csv",
        "api.review_queue": "/api/v1/review-queue",
        "api.search_everything": "/api/v1/search?q=claim",
        "api.claim_matches": f"/api/v1/claims/{claim}/matches",
        "api.match": "/api/v1/match",
        "api.list_factchecks": "/api/v1/factchecks",
        "api.import_factchecks": "/api/v1/factchecks/import",
        "api.list_verdicts": "/api/v1/verdicts",
    }
    claim_row = db.get(type(db.get(Annotation, w.annotation_id).claim), claim)
    data = {
        "auth.login": {"email": "nobody@example.org", "password": "wrong password"},
        "auth.change_password": {
            "current_password": "x",
            "new_password": "y" * 12,
            "confirm_password": "y" * 12,
        },
        "auth.tokens": {"revoke": str(w.token_id)},
        "auth.choose_language": {"locale": "es"},
        "admin.create_user": {
            "email": "new@example.org",
            "name": "New",
            "role": "annotator",
            "password": "long password 1",
        },
        "admin.edit_user": {"name": "Renamed", "role": "annotator", "active": "y"},
        "admin.reset_password": {"new_password": "another password"},
        "verdicts.create": {"key": "satire", "label": "Satire", "colour": "#123456"},
        "verdicts.edit": {"label": "False!", "colour": "#b3261e", "active": "y"},
        "verdicts.move": {"direction": "down"},
        "publishing.settings_page": {"enabled": "y", "version": "1"},
        "workspace.transition": {"action": "submit", "version": "1"},
        "workspace.save": {"claimant": "Someone", "version": "", "action": "save"},
        "imports.create": {
            "title": "Matrix article",
            "body": "A fresh sentence here.",
            "language": "en",
        },
        "workspace.split": {
            "at": claim_row.start + 4,
            "expected_start": claim_row.start,
            "expected_end": claim_row.end,
        },
        "workspace.merge": {"expected_end": claim_row.end, "expected_next_id": w.next_claim_id},
        "revisions.create": {
            "body": claim_row.article.body + "\n\nA sentence added later.",
            "expected_revision": "1",
        },
        "revisions.map_claim": {"choice": "removed"},
        "workspace.language": {"language": "es", "expected": "en"},
        "workspace.assignments_page": {
            "user_id": str(w.users["other_annotator"].id),
            "action": "add",
        },
        "exports.download": {},
        "backups.create": {"kind": "database"},
        "auth.logout_everywhere": {},
        "auth.logout": {},
        "history.verify_chain": {},
        "imports.bulk_import": {},
    }.get(endpoint, {})
    return urls[endpoint], data


def _cases() -> list[tuple[str, str, str]]:
    return [(e, m, v) for (e, m) in sorted(MATRIX) for v in VISITORS] + [
        (e, "API", v) for e in API_ENDPOINTS for v in ("anonymous", "annotator", "admin")
    ]


@pytest.mark.parametrize(("endpoint", "method", "visitor"), _cases())
def test_authorization(
    client: FlaskClient, app: Flask, db: Session, world: World, endpoint, method, visitor
) -> None:
    if visitor != "anonymous":
        assert log_in(client, world.users[visitor].email).status_code == 302
    if visitor == "deactivated":
        world.users["deactivated"].active = False
        db.commit()
    if method == "API":
        rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
        method = sorted(rule.methods - {"HEAD", "OPTIONS"})[0]
        expected = API_401
    else:
        expected = MATRIX[(endpoint, method)][visitor]
    url, data = _request(world, endpoint, method, db)
    if method == "GET":
        response = client.get(url)
    else:
        payload = dict(data)
        if not url.startswith("/api/"):
            payload["csrf_token"] = csrf_token(client, "/login")
        response = client.open(url, method=method, data=payload)
    status, location = response.status_code, response.headers.get("Location", "")
    assert status < 500, f"{endpoint} {method} as {visitor}: {status}"
    if expected == PUBLIC:
        assert status < 400 or (endpoint == "auth.login" and status in {401, 429})
    elif expected == OK:
        assert status in {200, 201, 302, 409, 422}, f"{endpoint} as {visitor}: {status}"
        assert "/login" not in location, f"{endpoint} as {visitor} was sent to log in"
    elif expected == LOGIN:
        assert status == 302 and "/login" in location, f"{endpoint} as {visitor}: {status}"
    else:
        assert status == int(expected), f"{endpoint} {method} as {visitor}: {status}"
