"""Admin pages for the verdict scale, and the stylesheet of verdict colours."""

from __future__ import annotations

import re

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from werkzeug.wrappers.response import Response

from factcheck.errors import DomainError
from factcheck.extensions import db
from factcheck.unit_of_work import show_on_form, unit_of_work
from factcheck.users.auth import current_app_user, role_required
from factcheck.users.models import Role
from factcheck.verdicts import operations
from factcheck.verdicts.contrast import badge_ink, colour_problem
from factcheck.verdicts.forms import VerdictForm
from factcheck.verdicts.models import DEFAULT_VERDICT_COLOUR

bp = Blueprint("verdicts", __name__)

_HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


def _page(form: VerdictForm, status: int = 200) -> tuple[str, int]:
    verdicts = operations.all_verdicts(db.session)
    return render_template("verdicts/index.html", verdicts=verdicts, form=form), status


@bp.route("/admin/verdicts", methods=["GET"])
@role_required(Role.ADMIN)
def index() -> tuple[str, int]:
    """List the verdict scale with the form to add a verdict."""
    return _page(VerdictForm(formdata=None))


@bp.route("/admin/verdicts", methods=["POST"])
@role_required(Role.ADMIN)
def create() -> tuple[str, int] | Response:
    """Add a verdict at the end of the scale."""
    form = VerdictForm()
    valid = form.validate_on_submit()
    if not form.key.data:
        form.key.errors = [*form.key.errors, gettext("A key is required for a new verdict.")]
        valid = False
    if not valid:
        return _page(form, 422)
    try:
        with unit_of_work():
            verdict = operations.create_verdict(
                db.session,
                current_app_user(),
                key=form.key.data,
                label=form.label.data or "",
                description=form.description.data or "",
                rating=form.rating.data,
                colour=form.colour.data or DEFAULT_VERDICT_COLOUR,
            )
    except DomainError as error:
        show_on_form(form, error)
        return _page(form, error.status_code)
    flash(gettext("Added the verdict “%(label)s”.", label=verdict.label), "success")
    return redirect(url_for("verdicts.index"))


@bp.route("/admin/verdicts/<int:verdict_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit(verdict_id: int) -> tuple[str, int] | Response:
    """Rename, recolour, re-rate, retire or restore a verdict."""
    verdict = operations.get_verdict(db.session, verdict_id)
    form = VerdictForm(obj=verdict if request.method == "GET" else None)
    status = 422 if request.method == "POST" else 200
    if form.validate_on_submit():
        try:
            with unit_of_work():
                operations.update_verdict(
                    db.session,
                    current_app_user(),
                    verdict,
                    label=form.label.data or "",
                    description=form.description.data or "",
                    rating=form.rating.data,
                    colour=form.colour.data or verdict.colour,
                    active=bool(form.active.data),
                )
        except DomainError as error:
            show_on_form(form, error)
            status = error.status_code
        else:
            flash(gettext("Saved “%(label)s”.", label=verdict.label), "success")
            return redirect(url_for("verdicts.index"))
    # A colour stored before the contrast rule is not refused again, but the admin is told.
    stored_colour_problem = (
        colour_problem(verdict.colour) if _HEX_COLOUR.match(verdict.colour) else None
    )
    return render_template(
        "verdicts/edit.html",
        verdict=verdict,
        form=form,
        stored_colour_problem=stored_colour_problem,
    ), status


@bp.route("/admin/verdicts/<int:verdict_id>/move", methods=["POST"])
@role_required(Role.ADMIN)
def move(verdict_id: int) -> Response:
    """Move a verdict one place up or down the scale."""
    verdict = operations.get_verdict(db.session, verdict_id)
    offset = -1 if request.form.get("direction") == "up" else 1
    with unit_of_work():
        operations.move_verdict(db.session, current_app_user(), verdict, offset=offset)
    return redirect(url_for("verdicts.index") + f"#verdict-{verdict.id}")


@bp.route("/verdicts.css", methods=["GET"])
def verdict_colours() -> Response:
    """CSS custom properties per verdict: admins pick colours, and inline styles are
    forbidden by the Content-Security-Policy. ``--verdict-ink`` is the text colour that
    reads best on a badge in the verdict's colour."""
    rules = [
        f".verdict-{v.id} {{ --verdict: {v.colour}; --verdict-ink: {badge_ink(v.colour)}; }}"
        for v in operations.all_verdicts(db.session)
        if _HEX_COLOUR.match(v.colour)
    ]
    response = Response("\n".join(rules) + "\n", mimetype="text/css")
    response.headers["Cache-Control"] = "no-cache"
    response.add_etag()
    return response.make_conditional(request)
