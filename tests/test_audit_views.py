"""The admin audit log, its filters, the head hash, and annotation history pages."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from factcheck.annotations.models import Annotation
from factcheck.audit.recorder import head_hash
from factcheck.review.workflow import AnnotationState
from factcheck.users.models import Role
from factcheck.users.operations import find_user_by_email
from tests.conftest import post_form, run_demo


def test_log_shows_head_hash_and_filters(client: FlaskClient, login, app, db: Session) -> None:
    run_demo(app)
    login(Role.ADMIN)
    html = client.get("/admin/audit").get_data(as_text=True)
    assert head_hash(db) in html
    assert "<code>annotation:approve</code>" in html
    reviewer = find_user_by_email(db, "reviewer@example.org")
    only_reviewer = client.get(f"/admin/audit?user={reviewer.id}").get_data(as_text=True)
    assert "<code>annotation:approve</code>" in only_reviewer
    assert "<code>article:import</code>" not in only_reviewer
    only_users = client.get("/admin/audit?action=user:").get_data(as_text=True)
    assert "<code>user:create</code>" in only_users
    assert "<code>annotation:submit</code>" not in only_users
    future = client.get("/admin/audit?from=2999-01-01").get_data(as_text=True)
    assert "No events match" in future


def test_log_offers_every_recorded_action_once_and_numbers_the_newest_event(
    client: FlaskClient, login, app, db: Session
) -> None:
    from sqlalchemy import func

    from factcheck.audit.models import AuditEvent

    run_demo(app)
    login(Role.ADMIN)
    html = client.get("/admin/audit").get_data(as_text=True)
    recorded = db.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)).all()
    assert len(recorded) > 3
    offered = [a for a in recorded if f'<option value="{a}"' in html]
    assert offered == recorded
    newest = db.scalar(select(func.max(AuditEvent.id)))
    assert f"newest event #{newest:,}" in html


def test_impossible_date_filters_get_a_message(client: FlaskClient, login) -> None:
    login(Role.ADMIN)
    bad = client.get("/admin/audit?from=2024-02-31")
    assert bad.status_code == 422
    assert "“From” is not a date" in bad.get_data(as_text=True)
    backwards = client.get("/admin/audit?from=2024-05-01&to=2024-04-01")
    assert backwards.status_code == 422
    assert "“From” is after “To”" in backwards.get_data(as_text=True)


def test_verify_button_reports_intact_and_broken(client, login, app, db: Session) -> None:
    run_demo(app)
    login(Role.ADMIN)
    ok = post_form(client, "/admin/audit/verify", token_from="/admin/audit", follow_redirects=True)
    assert "The audit history is intact." in ok.get_data(as_text=True)
    if db.get_bind().dialect.name == "postgresql":
        db.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change"))
    else:
        db.execute(text("DROP TRIGGER audit_events_no_delete"))
    db.execute(text("DELETE FROM audit_events WHERE id = (SELECT min(id) + 2 FROM audit_events)"))
    db.commit()
    broken = post_form(
        client, "/admin/audit/verify", token_from="/admin/audit", follow_redirects=True
    )
    assert "BROKEN at event" in broken.get_data(as_text=True)


def test_only_admins_see_the_log(client: FlaskClient, login) -> None:
    login(Role.REVIEWER)
    assert client.get("/admin/audit").status_code == 403


def test_annotation_history_follows_the_visibility_rules(
    client: FlaskClient, login, app, db: Session
) -> None:
    run_demo(app)
    approved = db.scalar(select(Annotation).where(Annotation.state == AnnotationState.APPROVED))
    draft = db.scalar(select(Annotation).where(Annotation.state == AnnotationState.DRAFT))
    login(Role.REVIEWER)
    html = client.get(f"/annotations/{approved.id}").get_data(as_text=True)
    assert "<code>annotation:approve</code>" in html and "<code>annotation:create</code>" in html
    assert client.get(f"/annotations/{draft.id}").status_code == 404
    assert client.get("/annotations/987654").status_code == 404
