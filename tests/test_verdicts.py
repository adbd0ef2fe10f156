"""Admins edit the verdict scale; every change is in the history."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from factcheck.audit.models import AuditEvent
from factcheck.users.models import Role
from factcheck.verdicts.models import Verdict
from tests.conftest import post_form


def keys_in_order(db: Session) -> list[str]:
    db.expire_all()
    return db.scalars(select(Verdict.key).order_by(Verdict.sort_order, Verdict.id)).all()


@pytest.mark.parametrize("role", [Role.ANNOTATOR, Role.REVIEWER])
def test_only_admins_edit_the_scale(client: FlaskClient, login, db: Session, role) -> None:
    login(role)
    assert client.get("/admin/verdicts").status_code == 403
    response = post_form(
        client,
        "/admin/verdicts",
        {"key": "satire", "label": "Satire", "colour": "#123456"},
        token_from="/articles",
    )
    assert response.status_code == 403
    assert "satire" not in keys_in_order(db)


def test_admin_adds_renames_recolours_and_retires(client: FlaskClient, login, db: Session) -> None:
    admin = login(Role.ADMIN)
    response = post_form(
        client,
        "/admin/verdicts",
        {
            "key": "satire",
            "label": "Satire",
            "rating": "",
            "colour": "#123456",
            "description": "Humour",
        },
        token_from="/admin/verdicts",
    )
    assert response.status_code == 302
    assert keys_in_order(db)[-1] == "satire"
    satire = db.scalar(select(Verdict).where(Verdict.key == "satire"))
    response = post_form(
        client,
        f"/admin/verdicts/{satire.id}",
        {"label": "Satire or parody", "colour": "#ABCDEF", "description": "Humour"},
        token_from="/admin/verdicts",
    )
    assert response.status_code == 302
    db.refresh(satire)
    assert (satire.label, satire.colour, satire.active) == ("Satire or parody", "#abcdef", False)
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "verdict:update"))
    assert event.actor_id == admin.id
    assert event.diff == {
        "label": ["Satire", "Satire or parody"],
        "colour": ["#123456", "#abcdef"],
        "active": [True, False],
    }


def test_admin_reorders_the_scale(client: FlaskClient, login, db: Session) -> None:
    login(Role.ADMIN)
    before = keys_in_order(db)
    second = db.scalar(select(Verdict).where(Verdict.key == before[1]))
    post_form(
        client,
        f"/admin/verdicts/{second.id}/move",
        {"direction": "up"},
        token_from="/admin/verdicts",
    )
    after = keys_in_order(db)
    assert after[:2] == [before[1], before[0]] and after[2:] == before[2:]
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "verdict:reorder"))
    first = db.scalar(select(Verdict).where(Verdict.key == after[0]))
    post_form(
        client,
        f"/admin/verdicts/{first.id}/move",
        {"direction": "up"},
        token_from="/admin/verdicts",
    )
    assert keys_in_order(db) == after


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"key": "true", "label": "Again", "colour": "#000000"}, "This key is taken."),
        ({"key": "Bad Key!", "label": "X", "colour": "#000000"}, "Lower-case letters"),
        ({"key": "ok", "label": "X", "colour": "red;}body{display:none"}, "A colour like"),
        ({"key": "ok", "label": "X", "colour": "#000000", "rating": "9"}, "between 1 and 5"),
        ({"key": "", "label": "X", "colour": "#000000"}, "A key is required"),
    ],
)
def test_bad_verdict_input_is_refused(client: FlaskClient, login, db: Session, data, message):
    login(Role.ADMIN)
    before = keys_in_order(db)
    response = post_form(client, "/admin/verdicts", data, token_from="/admin/verdicts")
    assert response.status_code in {409, 422}
    assert message in response.get_data(as_text=True)
    assert keys_in_order(db) == before


def test_a_refused_edit_shows_the_form_with_the_reason(
    client: FlaskClient, login, db: Session
) -> None:
    """The operation's refusal (here a text-direction override) reaches the form, not an
    error page, and nothing changes."""
    login(Role.ADMIN)
    verdict = db.scalar(select(Verdict).where(Verdict.key == "false"))
    before = (verdict.label, verdict.description)
    response = post_form(
        client,
        f"/admin/verdicts/{verdict.id}",
        {"label": "Fa\u202else", "colour": verdict.colour, "description": "x", "active": "y"},
        token_from="/admin/verdicts",
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'name="label"' in page and "has-error" in page
    db.expire_all()
    assert (verdict.label, verdict.description) == before
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "verdict:update")) is None
