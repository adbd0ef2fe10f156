"""Health, request ids and logs, metrics, and the refusal of a schema newer than the code."""

from __future__ import annotations

import json
import logging

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from factcheck.observability import REQUEST_LOGGER, check_schema, code_revisions
from tests.conftest import make_app


def test_health_is_ok_at_the_head_and_names_what_is_wrong_otherwise(
    client: FlaskClient, db: Session
) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}
    known, heads = code_revisions()
    older = next(iter(known - heads))
    db.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": older})
    response = client.get("/healthz")
    assert response.status_code == 503
    assert "flask db upgrade" in response.get_json()["reason"]
    # No data, no login: the answer is the same for anyone.
    assert set(response.get_json()) == {"status", "reason"}


def test_every_response_carries_a_request_id(client: FlaskClient, db: Session) -> None:
    first = client.get("/login").headers["X-Request-Id"]
    second = client.get("/login").headers["X-Request-Id"]
    assert first and second and first != second
    kept = client.get("/login", headers={"X-Request-Id": "proxy-1234.abc"})
    assert kept.headers["X-Request-Id"] == "proxy-1234.abc"
    # Something that is not a plain token is replaced (it goes into logs and pages).
    replaced = client.get("/login", headers={"X-Request-Id": "<script>" + "x" * 100})
    assert (
        replaced.headers["X-Request-Id"] != "<script>"
        and "<" not in replaced.headers["X-Request-Id"]
    )
    page = client.get("/no-such-page")
    assert page.status_code == 404
    assert page.headers["X-Request-Id"] in page.get_data(as_text=True)
    api = client.get("/api/v1/articles")
    assert api.get_json()["error"]["request_id"] == api.headers["X-Request-Id"]


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_one_json_line_per_request_without_values_that_can_name_people(
    app: Flask, db: Session
) -> None:
    from factcheck.observability import JsonLines

    app.config["REQUEST_LOG"] = True
    handler = _Lines()
    logger = logging.getLogger(REQUEST_LOGGER)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        client = app.test_client()
        client.get("/search?q=Jane+Smith", headers={"X-Request-Id": "abc123"})
        client.get("/articles/42")
    finally:
        logger.removeHandler(handler)
        app.config["REQUEST_LOG"] = False
    lines = [json.loads(JsonLines().format(record)) for record in handler.records]
    assert len(lines) == 2
    search, article = lines
    assert search["request_id"] == "abc123" and search["route"] == "/search"
    assert search["method"] == "GET" and search["status"] == 302  # to the login page
    assert article["route"] == "/articles/<int:article_id>"
    assert set(search) == {
        "time",
        "request_id",
        "method",
        "route",
        "status",
        "duration_ms",
        "user_id",
    }
    assert "Jane" not in json.dumps(lines) and "42" not in article["route"]


def test_the_log_names_the_user_by_id(app: Flask, client: FlaskClient, db: Session, login):
    user = login()
    app.config["REQUEST_LOG"] = True
    handler = _Lines()
    logger = logging.getLogger(REQUEST_LOGGER)
    logger.addHandler(handler)
    try:
        client.get("/my-work")
    finally:
        logger.removeHandler(handler)
        app.config["REQUEST_LOG"] = False
    assert handler.records[-1].fields["user_id"] == user.id  # type: ignore[attr-defined]


def test_metrics_are_off_by_default_and_private_when_on(database_url: str) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("the metrics do not depend on the database")
    assert make_app("sqlite:///:memory:").test_client().get("/metrics").status_code == 404
    app = make_app("sqlite:///:memory:", METRICS=True)
    client = app.test_client()
    client.get("/login")
    local = client.get("/metrics", environ_overrides={"REMOTE_ADDR": "127.0.0.1"})
    assert local.status_code == 200
    assert 'factcheck_requests_total{method="GET",route="/login",status="200"}' in local.get_data(
        as_text=True
    )
    from factcheck.observability import count_work

    with app.app_context():
        count_work("revision")
    counted = client.get("/metrics", environ_overrides={"REMOTE_ADDR": "127.0.0.1"})
    assert 'factcheck_work_total{kind="revision"} 1.0' in counted.get_data(as_text=True)
    remote = client.get("/metrics", environ_overrides={"REMOTE_ADDR": "203.0.113.9"})
    assert remote.status_code == 403
    app = make_app("sqlite:///:memory:", METRICS=True, METRICS_TOKEN="s3cret-token")
    client = app.test_client()
    assert client.get("/metrics").status_code == 403
    bearer = client.get("/metrics", headers={"Authorization": "Bearer s3cret-token"})
    assert bearer.status_code == 200


def test_the_app_refuses_a_schema_newer_than_the_code(app: Flask, db: Session) -> None:
    engine = app.extensions["factcheck.engine"]
    check_schema(engine)  # at the head: fine
    db.execute(text("UPDATE alembic_version SET version_num = 'ffffffffffff'"))
    db.flush()

    class _Reused:
        """The test's connection, not closed at the end of the check."""

        def execution_options(self, **_options):
            return self

        def __enter__(self):
            return db.connection()

        def __exit__(self, *_exc) -> None:
            return None

    class _Bound:
        """The engine as seen through the test's connection (its transaction)."""

        def connect(self):
            return _Reused()

        def dispose(self) -> None:
            pass

    with pytest.raises(RuntimeError, match="newer than this code"):
        check_schema(_Bound())  # type: ignore[arg-type]
