"""CSRF on every state-changing route (with protection on, as in production), and no
state change on any GET."""

from __future__ import annotations

import hashlib

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from factcheck.audit.recorder import head_hash
from factcheck.db import Base
from tests.conftest import csrf_token, log_in
from tests.test_authorization import MATRIX, OK, _request
from tests.test_authorization import world as world  # the fixture, shared

#: Who may use each state-changing route (so that CSRF, not the role, is what refuses).
STATE_CHANGING = sorted(
    (endpoint, method)
    for (endpoint, method), row in MATRIX.items()
    if method != "GET" and endpoint != "auth.login"
)
#: Login is checked too: a forged login (login CSRF) must fail.
ANONYMOUS_FORMS = [("auth.login", "POST")]
#: Routes open to everyone in the matrix that only do something to a logged-in session:
#: a forged logout must not end it.
SIGNED_IN = {"auth.logout": "annotator", "auth.logout_everywhere": "annotator"}


def fingerprint(db: Session) -> str:
    """Everything a request could change, bookkeeping counters aside."""
    db.expire_all()
    digest = hashlib.sha256()
    for table in Base.metadata.sorted_tables:
        if table.name == "rate_counters":
            continue
        rows = db.execute(select(table).order_by(*table.primary_key.columns)).all()
        digest.update(repr([tuple(r) for r in rows]).encode())
    digest.update(head_hash(db).encode())
    return digest.hexdigest()


def actor_for(endpoint: str, method: str) -> str:
    if endpoint in SIGNED_IN:
        return SIGNED_IN[endpoint]
    row = MATRIX[(endpoint, method)]
    for visitor in ("annotator", "admin", "reviewer", "other_annotator"):
        if row[visitor] == OK:
            return visitor
    return "anonymous"


@pytest.mark.parametrize("forgery", ["missing", "other_session", "expired"])
@pytest.mark.parametrize(("endpoint", "method"), STATE_CHANGING + ANONYMOUS_FORMS)
def test_forged_or_stale_csrf_is_refused_and_changes_nothing(
    client: FlaskClient, app: Flask, db: Session, world, endpoint, method, forgery, monkeypatch
) -> None:
    visitor = actor_for(endpoint, method)
    if visitor != "anonymous":
        log_in(client, world.users[visitor].email)
    url, data = _request(world, endpoint, method, db)
    payload = dict(data)
    if forgery == "other_session":
        payload["csrf_token"] = csrf_token(app.test_client(), "/login")
    elif forgery == "expired":
        payload["csrf_token"] = csrf_token(client, "/login")
        import itsdangerous.timed

        real_time = itsdangerous.timed.time.time
        # Nine hours later: past WTF_CSRF_TIME_LIMIT (eight hours).
        monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: real_time() + 9 * 3600)
    before = fingerprint(db)
    response = client.open(url, method=method, data=payload)
    monkeypatch.undo()
    assert response.status_code == 400, (endpoint, forgery, response.status_code)
    assert "did not come from this site" in response.get_data(as_text=True)
    assert fingerprint(db) == before
    if visitor != "anonymous":  # the refused request did not end the session either
        assert client.get("/account").status_code == 200


GETS = sorted((e, m) for (e, m) in MATRIX if m == "GET")


@pytest.mark.parametrize("visitor", ["annotator", "admin"])
def test_no_state_change_on_get(client: FlaskClient, db: Session, world, visitor) -> None:
    log_in(client, world.users[visitor].email)
    before = fingerprint(db)
    for endpoint, method in GETS:
        url, _ = _request(world, endpoint, method, db)
        response = client.get(url)
        assert response.status_code < 500, (endpoint, response.status_code)
    assert fingerprint(db) == before
