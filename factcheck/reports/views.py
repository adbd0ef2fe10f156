"""Dashboard and agreement pages."""

from __future__ import annotations

from babel.dates import format_skeleton
from flask import Blueprint, render_template, request
from flask_babel import get_locale, gettext

from factcheck.db import parse_id
from factcheck.extensions import db
from factcheck.reports import stats
from factcheck.reports.charts import Series, bar_chart
from factcheck.users.auth import role_required
from factcheck.users.models import Role
from factcheck.verdicts.operations import all_verdicts
from factcheck.workspace.agreement import agreement

bp = Blueprint("reports", __name__)


@bp.route("/dashboard", methods=["GET"])
@role_required(Role.REVIEWER)
def dashboard() -> str:
    """Show progress per day, the verdict distribution and work per annotator."""
    daily = stats.daily_progress(db.session)
    verdicts = stats.verdict_distribution(db.session)
    people = stats.work_per_annotator(db.session)
    submitted, approved = gettext("submitted"), gettext("approved")
    # A day as the reader's language writes it short: "Dec 7", "7 dic".
    locale = get_locale() or "en"
    charts = {
        "daily": bar_chart(
            [format_skeleton("MMMd", d, locale=locale) for d in daily.days],
            [
                Series(submitted, "series-submitted", daily.submitted),
                Series(approved, "series-approved", daily.approved),
            ],
            title=gettext("Annotations submitted and approved per day, last 30 days"),
        ),
        "verdicts": bar_chart(
            [v.label for v, _, _ in verdicts],
            [
                Series(submitted, "series-submitted", [t for _, t, _ in verdicts]),
                Series(gettext("published"), "series-approved", [a for _, _, a in verdicts]),
            ],
            title=gettext("Verdicts given (submitted or later) and published"),
        ),
        "people": bar_chart(
            [w.user.name for w in people],
            [
                Series(submitted, "series-submitted", [w.submitted for w in people]),
                Series(approved, "series-approved", [w.approved for w in people]),
            ],
            title=gettext("Work per annotator: annotations submitted and approved"),
        ),
    }
    return render_template(
        "reports/dashboard.html", charts=charts, daily=daily, verdicts=verdicts, people=people
    )


@bp.route("/agreement", methods=["GET"])
@role_required(Role.REVIEWER)
def agreement_page() -> str:
    """Show agreement between annotators across all articles, and where they disagree."""
    verdicts = {v.id: v for v in all_verdicts(db.session)}
    after = request.args.get("after", type=parse_id)
    return render_template(
        "reports/agreement.html",
        report=agreement(db.session, after=after),
        verdicts=verdicts,
        after=after,
    )
