"""The global audit log for admins, and the history page of one annotation."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import login_required
from sqlalchemy import func, select, text
from sqlalchemy.orm import joinedload
from werkzeug.wrappers.response import Response

from factcheck.annotations.visibility import get_visible_annotation
from factcheck.audit.models import AuditEvent
from factcheck.audit.recorder import events_for, head_hash, verify
from factcheck.db import parse_id, within_days
from factcheck.extensions import db
from factcheck.review.operations import reviews_of
from factcheck.users.auth import current_app_user, role_required
from factcheck.users.models import Role, User

bp = Blueprint("history", __name__)

LOG_PAGE_SIZE = 100


def _parse_day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _recorded_actions() -> list[str]:
    """Every action the history holds, for the filter's list: hopped through the action
    index one distinct value at a time (a few dozen lookups), where DISTINCT would read
    every event."""
    hops = text(
        "WITH RECURSIVE seen(action) AS ("
        " SELECT min(action) FROM audit_events"
        " UNION ALL"
        " SELECT (SELECT min(action) FROM audit_events WHERE action > seen.action)"
        " FROM seen WHERE seen.action IS NOT NULL"
        ") SELECT action FROM seen WHERE action IS NOT NULL"
    )
    return list(db.session.scalars(hops))


@bp.route("/admin/audit", methods=["GET"])
@role_required(Role.ADMIN)
def log() -> tuple[str, int]:
    """Show the global audit log, newest first, filterable by user, action and date."""
    user_id = request.args.get("user", type=parse_id)
    action = (request.args.get("action") or "").strip()
    since, until = _parse_day(request.args.get("from")), _parse_day(request.args.get("to"))
    before = request.args.get("before", type=parse_id)
    errors = []
    if request.args.get("from") and since is None:
        errors.append(gettext("“From” is not a date (use YYYY-MM-DD)."))
    if request.args.get("to") and until is None:
        errors.append(gettext("“To” is not a date (use YYYY-MM-DD)."))
    if since and until and since > until:
        errors.append(gettext("“From” is after “To”: no event can match."))
    query = select(AuditEvent).options(joinedload(AuditEvent.actor))
    if user_id:
        query = query.where(AuditEvent.actor_id == user_id)
    if action:
        query = query.where(AuditEvent.action.startswith(action, autoescape=True))
    query = query.where(*within_days(AuditEvent.created_at, since, until))
    if before:
        query = query.where(AuditEvent.id < before)
    events = (
        []
        if errors
        else list(db.session.scalars(query.order_by(AuditEvent.id.desc()).limit(LOG_PAGE_SIZE + 1)))
    )
    older_url = None
    if len(events) > LOG_PAGE_SIZE:
        events = events[:LOG_PAGE_SIZE]
        query_args = {k: v for k, v in request.args.items() if k != "before" and v}
        older_url = url_for("history.log", **query_args, before=events[-1].id)
    actions = _recorded_actions()
    page = render_template(
        "history/log.html",
        events=events,
        older_url=older_url,
        errors=errors,
        users=db.session.scalars(select(User).order_by(User.name)).all(),
        actions=actions,
        head=head_hash(db.session),
        # The newest event's number, not a count: counting ten million events reads
        # them all, and the history only grows.
        newest=db.session.scalar(select(func.max(AuditEvent.id))) or 0,
        args=request.args,
    )
    return page, 422 if errors else 200


@bp.route("/admin/audit/verify", methods=["POST"])
@role_required(Role.ADMIN)
def verify_chain() -> Response:
    """Walk the whole hash chain now and report the result."""
    broken = verify(db.session)
    if broken is None:
        flash(
            gettext("The audit history is intact. Head hash: %(hash)s", hash=head_hash(db.session)),
            "success",
        )
    else:
        flash(
            gettext(
                "The audit history is BROKEN at event %(number)s: %(reason)s",
                number=broken.event_id,
                reason=broken.reason,
            ),
            "error",
        )
    return redirect(url_for("history.log"))


@bp.route("/annotations/<int:annotation_id>", methods=["GET"])
@login_required
def annotation_history(annotation_id: int) -> str:
    """Show one annotation with every change and review it went through."""
    viewer = current_app_user()
    # Same rule as the workspace and the API: never another's draft; others' work
    # only when not blind any more.
    annotation = get_visible_annotation(db.session, viewer, annotation_id)
    return render_template(
        "history/annotation.html",
        annotation=annotation,
        claim=annotation.claim,
        reviews=reviews_of(db.session, [annotation.id])[annotation.id],
        history=events_for(db.session, "annotation", annotation.id),
    )
