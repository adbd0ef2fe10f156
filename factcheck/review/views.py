"""The reviewers' queue."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from sqlalchemy import select

from factcheck.db import parse_id
from factcheck.extensions import db
from factcheck.review import operations
from factcheck.review.operations import QueueFilters, allowed_actions
from factcheck.users.auth import current_app_user, role_required
from factcheck.users.models import Role, User
from factcheck.verdicts.operations import all_verdicts

bp = Blueprint("review", __name__)

#: Characters of article text shown on each side of a claim in the queue.
CONTEXT_CHARS = 240


@bp.route("/review", methods=["GET"])
@role_required(Role.REVIEWER)
def queue() -> str:
    """List annotations waiting for review, oldest first, with filters."""
    reviewer = current_app_user()
    filters = QueueFilters(
        article_id=request.args.get("article", type=parse_id),
        verdict_id=request.args.get("verdict", type=parse_id),
        annotator_id=request.args.get("annotator", type=parse_id),
    )
    after = request.args.get("after", type=parse_id)
    page = operations.review_queue(db.session, reviewer, filters, after=after)
    items = page.items
    rounds = operations.reviews_of(db.session, [a.id for a in items])
    contexts = {}
    for annotation in items:
        body, claim = annotation.claim.body, annotation.claim
        before = body[max(0, claim.start - CONTEXT_CHARS) : claim.start]
        after = body[claim.end : claim.end + CONTEXT_CHARS]
        contexts[annotation.id] = (before, after)
    return render_template(
        "review/queue.html",
        items=items,
        page=page,
        after=after,
        rounds=rounds,
        contexts=contexts,
        actions={a.id: allowed_actions(reviewer, a) for a in items},
        filters=filters,
        articles=operations.article_choices(
            db.session, waiting_review=True, selected=filters.article_id
        ),
        verdicts=all_verdicts(db.session),
        annotators=db.session.scalars(select(User).order_by(User.name)).all(),
    )
