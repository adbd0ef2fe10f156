"""Logging in and out, sessions that really end, safe redirects, CSRF."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from factcheck.users.models import LoginSession, Role
from tests.conftest import PASSWORD, csrf_token, log_in, post_form


def test_login_page_has_labelled_email_and_password_fields(client: FlaskClient) -> None:
    html = client.get("/login").get_data(as_text=True)
    assert '<label for="email">Email</label>' in html
    assert '<label for="password">Password</label>' in html
    assert 'name="csrf_token"' in html


def test_login_with_right_password_reaches_articles(client: FlaskClient, make_user) -> None:
    user = make_user(Role.ANNOTATOR, email="Mixed.Case@Example.org")
    response = log_in(client, " MIXED.case@example.org ")
    assert response.status_code == 302
    page = client.get("/articles")
    assert page.status_code == 200
    assert user.name in page.get_data(as_text=True)


@pytest.mark.parametrize(
    ("email", "password"),
    [("known@example.org", "wrong password!"), ("nobody@example.org", PASSWORD), ("", "")],
)
def test_bad_credentials_get_a_clear_message_and_no_session(
    client: FlaskClient, make_user, db: Session, email: str, password: str
) -> None:
    make_user(email="known@example.org")
    response = log_in(client, email, password)
    assert response.status_code in {401, 422, 200}
    if email:
        assert response.status_code == 401
        assert "The email or password is not right." in response.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(LoginSession)) == 0
    assert client.get("/articles").status_code == 302


def test_password_is_stored_hashed(make_user) -> None:
    user = make_user(password="plain text password")
    assert "plain text password" not in user.password_hash
    assert user.password_hash.startswith(("scrypt:", "pbkdf2:"))


def test_pages_need_login_and_redirect_back(client: FlaskClient, make_user) -> None:
    response = client.get("/articles/new")
    assert response.status_code == 302
    assert "/login?next=%2Farticles%2Fnew" in response.headers["Location"]
    user = make_user()
    response = post_form(
        client, "/login?next=/articles/new", {"email": user.email, "password": PASSWORD}
    )
    assert response.headers["Location"] == "/articles/new"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example",
        "//evil.example",
        "/\\evil.example",
        "javascript:alert(1)",
        "http:/evil.example",
        "/%0d%0aLocation: https://evil",
    ],
)
def test_next_never_leaves_the_site(client: FlaskClient, make_user, target: str) -> None:
    user = make_user()
    response = post_form(
        client,
        "/login",
        {"email": user.email, "password": PASSWORD},
        query_string={"next": target},
    )
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert not location.scheme and not location.netloc
    assert location.path.startswith("/") and not location.path.startswith(("//", "/\\"))


def test_logout_ends_the_session_even_for_a_replayed_cookie(
    client: FlaskClient, login, app, db: Session
) -> None:
    login(Role.ANNOTATOR)
    stolen_cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    response = post_form(client, "/logout", token_from="/articles")
    assert response.status_code == 302
    assert client.get("/articles").status_code == 302
    assert db.scalar(select(func.count()).select_from(LoginSession)) == 0

    attacker = app.test_client()
    attacker.set_cookie(app.config["SESSION_COOKIE_NAME"], stolen_cookie)
    assert attacker.get("/articles").status_code == 302


def test_logout_by_get_changes_nothing(client: FlaskClient, login) -> None:
    login()
    response = client.get("/logout")
    assert response.status_code == 200
    assert "Log out?" in response.get_data(as_text=True)
    assert client.get("/articles").status_code == 200


def test_login_starts_a_new_session_cookie(client: FlaskClient, make_user, app) -> None:
    user = make_user()
    client.get("/login")
    before = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    log_in(client, user.email)
    after = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    assert before != after


def test_deactivated_user_is_locked_out_on_next_request(
    client: FlaskClient, login, make_user, app, db: Session
) -> None:
    from factcheck.users import operations

    user = login(Role.ANNOTATOR)
    admin = make_user(Role.ADMIN)
    assert client.get("/articles").status_code == 200
    operations.update_user(db, admin, user, name=user.name, role=user.role, active=False)
    db.commit()
    assert client.get("/articles").status_code == 302
    response = log_in(client, user.email)
    assert response.status_code == 401


def test_remember_me_cookie_stops_working_after_logout(client: FlaskClient, make_user, app) -> None:
    user = make_user()
    log_in(client, user.email, remember="y")
    remember = client.get_cookie(app.config["REMEMBER_COOKIE_NAME"])
    assert remember is not None and remember.http_only
    post_form(client, "/logout", token_from="/articles")

    other = app.test_client()
    other.set_cookie(app.config["REMEMBER_COOKIE_NAME"], remember.value)
    assert other.get("/articles").status_code == 302


def test_changing_password_ends_other_sessions_but_not_this_one(
    client: FlaskClient, make_user, app
) -> None:
    user = make_user()
    laptop = client
    phone = app.test_client()
    log_in(laptop, user.email)
    log_in(phone, user.email)
    response = post_form(
        laptop,
        "/account/password",
        {
            "current_password": PASSWORD,
            "new_password": "a brand new secret",
            "confirm_password": "a brand new secret",
        },
        token_from="/account",
    )
    assert response.status_code == 302
    assert laptop.get("/articles").status_code == 200
    assert phone.get("/articles").status_code == 302
    post_form(laptop, "/logout", token_from="/articles")
    assert log_in(laptop, user.email, "a brand new secret").status_code == 302


def test_change_password_with_wrong_current_password_changes_nothing(
    client: FlaskClient, login
) -> None:
    user = login()
    old_hash = user.password_hash
    response = post_form(
        client,
        "/account/password",
        {
            "current_password": "not my password",
            "new_password": "another secret!",
            "confirm_password": "another secret!",
        },
        token_from="/account",
    )
    assert response.status_code == 422
    assert "This is not your current password." in response.get_data(as_text=True)
    assert user.password_hash == old_hash


def test_logout_everywhere_ends_all_sessions(client: FlaskClient, make_user, app) -> None:
    user = make_user()
    other = app.test_client()
    log_in(client, user.email)
    log_in(other, user.email)
    post_form(client, "/account/logout-everywhere", token_from="/account")
    assert client.get("/articles").status_code == 302
    assert other.get("/articles").status_code == 302


def test_form_without_csrf_token_is_refused_and_changes_nothing(
    client: FlaskClient, make_user, db: Session
) -> None:
    user = make_user()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "did not come from this site" in response.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(LoginSession)) == 0


def test_csrf_token_of_another_session_is_refused(client: FlaskClient, make_user, app) -> None:
    user = make_user()
    other = app.test_client()
    foreign_token = csrf_token(other)
    client.get("/login")
    response = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": foreign_token}
    )
    assert response.status_code == 400


def test_logged_in_pages_are_not_cached(client: FlaskClient, login) -> None:
    login()
    assert client.get("/articles").headers["Cache-Control"] == "no-store"


def test_login_is_throttled_after_ten_failures_and_the_user_gets_in_later(
    client: FlaskClient, make_user, db: Session, monkeypatch
) -> None:
    import factcheck.ratelimit as ratelimit

    user = make_user(email="target@example.org")
    clock = [1_000_000.0]
    monkeypatch.setattr(ratelimit.time, "time", lambda: clock[0])
    statuses = [log_in(client, user.email, f"wrong guess {i}").status_code for i in range(10)]
    assert statuses == [401] * 10
    blocked = log_in(client, user.email, PASSWORD)
    assert blocked.status_code == 429
    assert 1 <= int(blocked.headers["Retry-After"]) <= 60
    assert "Too many failed attempts" in blocked.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(LoginSession)) == 0
    clock[0] += 61  # the next minute
    assert log_in(client, user.email, PASSWORD).status_code == 302


def test_throttle_counts_per_address_across_accounts(
    client: FlaskClient, make_user, monkeypatch
) -> None:
    import factcheck.ratelimit as ratelimit

    monkeypatch.setattr(ratelimit.time, "time", lambda: 2_000_000.0)
    victim = make_user(email="victim@example.org")
    for i in range(10):
        log_in(client, f"someone{i}@example.org", "guess")
    assert log_in(client, victim.email, PASSWORD).status_code == 429
