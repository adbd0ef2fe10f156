"""Admins manage accounts; nobody else can."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from factcheck.audit.models import AuditEvent
from factcheck.users.models import Role, User
from tests.conftest import log_in, post_form


@pytest.mark.parametrize("role", [Role.ANNOTATOR, Role.REVIEWER])
def test_only_admins_see_the_user_admin(client: FlaskClient, login, role: Role) -> None:
    login(role)
    assert client.get("/admin/users").status_code == 403


def test_anonymous_is_sent_to_login(client: FlaskClient) -> None:
    response = client.get("/admin/users")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_annotator_cannot_create_users_with_a_forged_form(
    client: FlaskClient, login, db: Session
) -> None:
    login(Role.ANNOTATOR)
    response = post_form(
        client,
        "/admin/users",
        {"email": "new@example.org", "name": "New", "role": "admin", "password": "x" * 12},
        token_from="/articles",
    )
    assert response.status_code == 403
    assert db.scalar(select(User).where(User.email == "new@example.org")) is None


def test_admin_creates_a_user_who_can_log_in(client: FlaskClient, login, app, db: Session) -> None:
    admin = login(Role.ADMIN)
    response = post_form(
        client,
        "/admin/users",
        {
            "email": "New.Person@Example.org",
            "name": "New Person",
            "role": "reviewer",
            "password": "initial password",
        },
        token_from="/admin/users",
    )
    assert response.status_code == 302
    user = db.scalar(select(User).where(User.email == "new.person@example.org"))
    assert user is not None and user.role is Role.REVIEWER
    event = db.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "user:create", AuditEvent.entity_id == user.id
        )
    )
    assert event is not None and event.actor_id == admin.id
    assert event.diff["role"] == [None, "reviewer"]
    assert (
        log_in(app.test_client(), "new.person@example.org", "initial password").status_code == 302
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"email": "not-an-email", "name": "X", "role": "annotator", "password": "x" * 12},
            "Invalid email address.",
        ),
        (
            {"email": "a@example.org", "name": "", "role": "annotator", "password": "x" * 12},
            "This field is required.",
        ),
        (
            {"email": "a@example.org", "name": "X", "role": "superuser", "password": "x" * 12},
            "Not a valid choice",
        ),
        (
            {"email": "a@example.org", "name": "X", "role": "annotator", "password": "short"},
            "at least 10 characters",
        ),
    ],
)
def test_bad_user_form_is_refused_with_a_message(
    client: FlaskClient, login, db: Session, data: dict, message: str
) -> None:
    login(Role.ADMIN)
    before = db.scalar(select(func.count()).select_from(User))
    response = post_form(client, "/admin/users", data, token_from="/admin/users")
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(User)) == before


def test_duplicate_email_is_refused(client: FlaskClient, login, make_user) -> None:
    login(Role.ADMIN)
    make_user(email="taken@example.org")
    response = post_form(
        client,
        "/admin/users",
        {"email": "TAKEN@example.org", "name": "Again", "role": "annotator", "password": "x" * 12},
        token_from="/admin/users",
    )
    assert response.status_code == 422
    assert "This email already has an account." in response.get_data(as_text=True)


def test_admin_changes_role_and_deactivates(client: FlaskClient, login, make_user, app, db) -> None:
    login(Role.ADMIN)
    user = make_user(Role.ANNOTATOR)
    their_client = app.test_client()
    log_in(their_client, user.email)
    response = post_form(
        client,
        f"/admin/users/{user.id}",
        {"name": user.name, "role": "reviewer"},
        token_from="/admin/users",
    )
    assert response.status_code == 302
    db.refresh(user)
    assert user.role is Role.REVIEWER and user.active is False
    assert their_client.get("/articles").status_code == 302
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "user:update"))
    assert event.diff == {"role": ["annotator", "reviewer"], "active": [True, False]}


def test_admin_cannot_demote_or_deactivate_themselves(client: FlaskClient, login, db) -> None:
    admin = login(Role.ADMIN)
    response = post_form(
        client,
        f"/admin/users/{admin.id}",
        {"name": admin.name, "role": "annotator", "active": "y"},
        token_from="/admin/users",
    )
    assert response.status_code == 403
    db.refresh(admin)
    assert admin.role is Role.ADMIN


def test_admin_resets_a_password_and_ends_their_sessions(
    client: FlaskClient, login, make_user, app
) -> None:
    login(Role.ADMIN)
    user = make_user()
    their_client = app.test_client()
    log_in(their_client, user.email)
    response = post_form(
        client,
        f"/admin/users/{user.id}/password",
        {"new_password": "reset password 1"},
        token_from="/admin/users",
    )
    assert response.status_code == 302
    assert their_client.get("/articles").status_code == 302
    assert log_in(app.test_client(), user.email, "reset password 1").status_code == 302


def test_unknown_user_id_is_404(client: FlaskClient, login) -> None:
    login(Role.ADMIN)
    assert client.get("/admin/users/999999").status_code == 404
