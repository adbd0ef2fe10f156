"""The JSON API: tokens, the whole journey, errors, visibility and rate limits."""

from __future__ import annotations

import csv
import io

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from factcheck.users.models import ApiToken, Role
from tests.conftest import post_form

BODY = (
    "Minister claims 10,000 homes\n\n"
    "The minister said on Monday that 10,000 homes were built in 2023. "
    "Official figures show 4,000."
)


def api(client: FlaskClient, method: str, path: str, token: str | None, **kwargs):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.open(f"/api/v1{path}", method=method, headers=headers, **kwargs)


def test_token_is_shown_once_and_stored_hashed(app, make_user, db: Session) -> None:
    user = make_user(Role.ANNOTATOR)
    result = app.test_cli_runner().invoke(args=["users", "token", user.email, "--name", "test"])
    assert result.exit_code == 0, result.output
    secret = result.output.strip()
    assert secret.startswith("fc_") and len(secret) > 40
    stored = db.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    assert secret not in (stored.token_hash, stored.prefix) and secret.startswith(stored.prefix)


@pytest.mark.parametrize("header", [None, "Bearer nope", "Basic Zm9vOmJhcg==", "Bearer fc_wrong"])
def test_requests_without_a_valid_token_get_401_json(client: FlaskClient, header) -> None:
    headers = {"Authorization": header} if header else {}
    response = client.get("/api/v1/articles", headers=headers)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_session_cookies_do_not_authenticate_the_api(client: FlaskClient, login) -> None:
    login()
    assert client.get("/api/v1/articles").status_code == 401


def test_revoked_and_deactivated_tokens_stop_working(client, make_token, db) -> None:
    secret, user = make_token()
    assert api(client, "GET", "/verdicts", secret).status_code == 200
    user.active = False
    db.commit()
    assert api(client, "GET", "/verdicts", secret).status_code == 401
    user.active = True
    token = db.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    from factcheck.users.tokens import revoke_token

    revoke_token(db, user, token.id)
    db.commit()
    assert api(client, "GET", "/verdicts", secret).status_code == 401


def test_tokens_page_creates_shows_once_and_revokes(client, login, db) -> None:
    login()
    response = post_form(client, "/account/tokens", {"name": "CMS feed"}, token_from="/account")
    html = response.get_data(as_text=True)
    assert "Your new token" in html
    secret = html.split('id="new-token">')[1].split("<")[0]
    assert api(client, "GET", "/verdicts", secret).status_code == 200
    again = client.get("/account/tokens").get_data(as_text=True)
    assert secret not in again and "CMS feed" in again
    token = db.scalar(select(ApiToken))
    post_form(client, "/account/tokens", {"revoke": token.id}, token_from="/account/tokens")
    assert api(client, "GET", "/verdicts", secret).status_code == 401


def test_whole_journey_create_annotate_submit_approve_export(
    client: FlaskClient, make_token, db
) -> None:
    writer, _ = make_token(Role.ANNOTATOR, name="Writer")
    checker, _ = make_token(Role.REVIEWER, name="Checker")

    created = api(
        client,
        "POST",
        "/articles",
        writer,
        json={
            "title": "Homes claim",
            "body": BODY,
            "outlet": "Gazette",
            "url": "https://gazette.example/homes",
            "published_on": "2024-01-05",
        },
    )
    assert created.status_code == 201, created.get_json()
    article = created.get_json()
    claims = article["claim_list"]
    assert [c["kind"] for c in claims] == ["heading", "sentence", "sentence"]
    for claim in claims:
        assert article["body"][claim["start"] : claim["end"]] == claim["text"]
    claim_id = claims[1]["id"]

    saved = api(
        client,
        "PUT",
        f"/claims/{claim_id}/annotation",
        writer,
        json={
            "verdict": "false",
            "claimant": "The minister",
            "rationale": "Official figures show 4,000.",
            "sources": [
                {
                    "url": "https://stats.example/homes",
                    "title": "Housing stats",
                    "stance": "refutes",
                }
            ],
        },
    )
    assert saved.status_code == 200, saved.get_json()
    annotation = saved.get_json()
    assert annotation["version"] == 1 and annotation["state"] == "draft"

    stale = api(
        client,
        "PUT",
        f"/claims/{claim_id}/annotation",
        writer,
        json={"verdict": "false", "claimant": "Someone else", "version": 7},
    )
    assert stale.status_code == 409
    assert stale.get_json()["error"]["code"] == "stale_version"

    submitted = api(
        client, "POST", f"/annotations/{annotation['id']}/submit", writer, json={"version": 1}
    )
    assert submitted.status_code == 200 and submitted.get_json()["state"] == "submitted"
    version = submitted.get_json()["version"]

    own = api(
        client,
        "POST",
        f"/annotations/{annotation['id']}/approve",
        writer,
        json={"version": version},
    )
    assert own.status_code == 403

    queue = api(client, "GET", "/review-queue", checker).get_json()
    assert [item["id"] for item in queue["items"]] == [annotation["id"]]
    approved = api(
        client,
        "POST",
        f"/annotations/{annotation['id']}/approve",
        checker,
        json={"version": version},
    )
    assert approved.status_code == 200 and approved.get_json()["state"] == "approved"

    export = api(client, "POST", "/exports/csv", writer, json={})
    assert export.status_code == 200 and export.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(export.get_data(as_text=True))))
    assert [(r["claim_text"], r["verdict"], r["reviewer"]) for r in rows] == [
        (claims[1]["text"], "False", "Checker")
    ]
    detail = api(client, "GET", f"/claims/{claim_id}", writer).get_json()
    actions = [event["action"] for event in detail["history"]]
    assert actions == ["annotation:create", "annotation:submit", "annotation:approve"]


def test_blind_rules_apply_to_the_api(client, make_token, make_article, db) -> None:
    first, _ = make_token()
    second, _ = make_token()
    claim = make_article().claims[1]
    db.commit()
    saved = api(
        client,
        "PUT",
        f"/claims/{claim.id}/annotation",
        first,
        json={"verdict": "true", "claimant": "HIDDEN"},
    ).get_json()
    api(client, "POST", f"/annotations/{saved['id']}/submit", first, json={"version": 1})
    detail = api(client, "GET", f"/claims/{claim.id}", second).get_json()
    assert detail["annotations"] == []
    peek = api(client, "POST", f"/annotations/{saved['id']}/withdraw", second, json={"version": 2})
    assert peek.status_code == 404


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status", "code"),
    [
        (
            "POST",
            "/articles",
            {"data": "not json", "content_type": "text/plain"},
            415,
            "unsupported_media_type",
        ),
        (
            "POST",
            "/articles",
            {"data": "{oops", "content_type": "application/json"},
            400,
            "bad_json",
        ),
        ("POST", "/articles", {"json": {"title": "", "body": "x"}}, 422, "invalid"),
        (
            "POST",
            "/articles",
            {"json": {"title": "T", "body": "x", "url": "javascript:x"}},
            422,
            "invalid",
        ),
        ("POST", "/articles", {"json": {"title": "T", "body": "x", "extra": 1}}, 422, "invalid"),
        ("POST", "/articles", {"json": {"title": "T", "body": "   "}}, 422, "invalid"),
        (
            "POST",
            "/articles",
            {"json": {"title": "T", "body": "x", "language": "abc-ABCDEFGH-ABCDEFGH"}},
            422,
            "invalid",
        ),
        ("GET", "/articles/999999", {}, 404, "not_found"),
        ("GET", "/articles/99999999999999999999", {}, 404, "not_found"),
        ("GET", "/articles?limit=abc", {}, 422, "invalid"),
        ("GET", "/articles?cursor=-1", {}, 422, "invalid"),
        ("PUT", "/claims/999999/annotation", {"json": {}}, 404, "not_found"),
        ("POST", "/exports/pdf", {"json": {}}, 404, "not_found"),
        (
            "POST",
            "/exports/csv",
            {"json": {"date_from": "2024-05-01", "date_to": "2024-01-01"}},
            422,
            "invalid",
        ),
        ("POST", "/exports/csv", {"json": {"verdict": "flase"}}, 422, "invalid"),
        ("POST", "/exports/sources", {"json": {"article": 987654}}, 422, "invalid"),
        ("DELETE", "/articles", {}, 405, "method_not_allowed"),
    ],
)
def test_bad_requests_get_json_errors_not_500(
    client, make_token, method, path, kwargs, status, code
) -> None:
    secret, _ = make_token()
    response = api(client, method, path, secret, **kwargs)
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["code"] == code and error["message"]


def test_validation_errors_name_the_fields(client, make_token) -> None:
    secret, _ = make_token()
    response = api(client, "POST", "/articles", secret, json={"title": "", "body": "x"})
    assert "title" in response.get_json()["error"]["fields"]


def test_pagination_by_cursor(client, make_token, make_article, db) -> None:
    secret, _ = make_token()
    for _ in range(5):
        make_article()
    db.commit()
    first = api(client, "GET", "/articles?limit=2", secret).get_json()
    second = api(client, "GET", f"/articles?limit=2&cursor={first['next_cursor']}", secret)
    third = api(
        client, "GET", f"/articles?limit=2&cursor={second.get_json()['next_cursor']}", secret
    ).get_json()
    ids = [a["id"] for page in (first, second.get_json(), third) for a in page["items"]]
    assert len(ids) == len(set(ids)) == 5 and third["next_cursor"] is None


def test_review_queue_pages_by_cursor_oldest_first(
    client, make_token, make_user, make_article, db
) -> None:
    from factcheck.annotations.models import Annotation
    from factcheck.annotations.states import AnnotationState
    from factcheck.db import utcnow
    from factcheck.verdicts.models import Verdict

    verdict = db.scalar(select(Verdict).where(Verdict.key == "false"))

    secret, _ = make_token(Role.REVIEWER)
    writer = make_user()
    article = make_article()
    for claim in article.claims[:5]:
        db.add(
            Annotation(
                claim_id=claim.id,
                annotator_id=writer.id,
                verdict_id=verdict.id,
                state=AnnotationState.SUBMITTED,
                submitted_at=utcnow(),
            )
        )
    db.commit()
    pages, path = [], "/review-queue?limit=2"
    while path:
        page = api(client, "GET", path, secret).get_json()
        pages.append(page)
        cursor = page["next_cursor"]
        path = f"/review-queue?limit=2&cursor={cursor}" if cursor else None
    ids = [item["id"] for page in pages for item in page["items"]]
    assert [len(page["items"]) for page in pages] == [2, 2, 1]
    assert ids == sorted(ids) and len(set(ids)) == 5
    assert {page["total"] for page in pages} == {5}


def test_rate_limit_per_token(client, app, make_token) -> None:
    secret, _ = make_token()
    other, _ = make_token()
    app.config["API_RATE_LIMIT_PER_MINUTE"] = 3
    try:
        statuses = [api(client, "GET", "/verdicts", secret).status_code for _ in range(4)]
        limited = api(client, "GET", "/verdicts", secret)
        assert api(client, "GET", "/verdicts", other).status_code == 200
    finally:
        app.config["API_RATE_LIMIT_PER_MINUTE"] = 600
    assert statuses == [200, 200, 200, 429]
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1


def test_with_redis_the_rate_limit_is_counted_there_and_falls_back_to_the_database(
    client, app, db: Session, make_token
) -> None:
    """With Redis configured, a token's requests are counted there (no database write);
    with Redis unreachable, they are counted in the database and the limit still holds."""
    redis = pytest.importorskip("redis")
    from sqlalchemy import func

    from factcheck.ratelimit import RateCounter

    # Each backend its own Redis database: the two may run at once.
    number = 10 if db.get_bind().dialect.name == "sqlite" else 11
    url = f"redis://127.0.0.1:6379/{number}"
    try:
        redis.Redis.from_url(url).flushdb()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    secret, _ = make_token()
    other, _ = make_token()
    counted = select(func.count()).select_from(RateCounter)
    before = db.scalar(counted)
    app.config.update(API_RATE_LIMIT_PER_MINUTE=3, REDIS_URL=url)
    try:
        statuses = [api(client, "GET", "/verdicts", secret).status_code for _ in range(4)]
        assert api(client, "GET", "/verdicts", other).status_code == 200
        assert db.scalar(counted) == before  # nothing written to the database
        assert len(redis.Redis.from_url(url).keys("factcheck:rate:*")) == 2
        # Nothing listens on this port: the database counts, and the limit holds.
        app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"
        down = [api(client, "GET", "/verdicts", other).status_code for _ in range(4)]
        assert db.scalar(counted) == before + 1
    finally:
        app.config.update(API_RATE_LIMIT_PER_MINUTE=600, REDIS_URL=None)
        redis.Redis.from_url(url).flushdb()
    assert statuses == [200, 200, 200, 429]
    assert down == [200, 200, 200, 429]


def test_openapi_document_describes_every_route(client: FlaskClient, app) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"] == "3.1.0"
    documented = {
        (path, method.upper()) for path, ops in document["paths"].items() for method in ops
    }
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1") and rule.endpoint != "api.openapi":
            path = rule.rule.replace("<int:", "{").replace("<", "{").replace(">", "}")
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                assert (path, method) in documented, (path, method)
    assert document["components"]["schemas"]["AnnotationIn"]["properties"]["version"]


def test_changing_your_password_revokes_your_api_tokens(client, login, db) -> None:
    from factcheck.audit.models import AuditEvent
    from factcheck.users.tokens import create_token

    user = login()
    secrets = [create_token(db, user, name)[1] for name in ("CMS", "Script")]
    db.commit()
    assert all(api(client, "GET", "/verdicts", s).status_code == 200 for s in secrets)
    response = post_form(
        client,
        "/account/password",
        {
            "current_password": "correct horse battery",
            "new_password": "a brand new secret",
            "confirm_password": "a brand new secret",
        },
        token_from="/account",
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "Your 2 API tokens were revoked" in response.get_data(as_text=True)
    assert all(api(client, "GET", "/verdicts", s).status_code == 401 for s in secrets)
    assert all(t.revoked_at for t in db.scalars(select(ApiToken)))
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "user:password_change"))
    assert event.diff == {"api_tokens_revoked": [None, 2]}


def test_an_admin_password_reset_revokes_the_users_api_tokens(
    client, login, make_token, db
) -> None:
    from factcheck.audit.models import AuditEvent

    secret, user = make_token()
    other_secret, _other = make_token()
    assert api(client, "GET", "/verdicts", secret).status_code == 200
    login(Role.ADMIN)
    response = post_form(
        client,
        f"/admin/users/{user.id}/password",
        {"new_password": "reset password 1"},
        token_from="/admin/users",
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "their 1 API token was revoked" in response.get_data(as_text=True)
    assert api(client, "GET", "/verdicts", secret).status_code == 401
    assert api(client, "GET", "/verdicts", other_secret).status_code == 200
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "user:password_reset"))
    assert event.diff == {"api_tokens_revoked": [None, 1]}


def test_every_answer_to_a_bearer_token_is_not_stored(client, make_token, make_article) -> None:
    """API answers hold unpublished findings: no cache may keep them, errors included."""
    secret, _user = make_token()
    claim_id = make_article().claims[0].id
    answers = {
        "list": api(client, "GET", "/verdicts", secret),
        "claim": api(client, "GET", f"/claims/{claim_id}", secret),
        "export": api(client, "POST", "/exports/csv", secret, json={}),
        "invalid": api(client, "PUT", f"/claims/{claim_id}/annotation", secret, json={"x": 1}),
        "not found": api(client, "GET", "/claims/999999", secret),
        "no route": api(client, "GET", "/nothing-here", secret),
        "wrong token": api(client, "GET", "/verdicts", "fc_wrong"),
    }
    statuses = {name: response.status_code for name, response in answers.items()}
    assert statuses == {
        "list": 200,
        "claim": 200,
        "export": 200,
        "invalid": 422,
        "not found": 404,
        "no route": 404,
        "wrong token": 401,
    }
    for name, response in answers.items():
        assert response.headers.get("Cache-Control") == "no-store", name
