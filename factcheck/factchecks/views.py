"""The library's pages (reviewers and admins): list and search, import, one entry."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext
from flask_wtf import FlaskForm
from werkzeug.wrappers.response import Response

from factcheck.db import parse_id
from factcheck.errors import DomainError
from factcheck.extensions import db
from factcheck.factchecks.library import TableOptions, browse, import_library_file
from factcheck.factchecks.models import FactCheck
from factcheck.factchecks.ratings import rating_rows, save_mappings
from factcheck.jobs import active_jobs
from factcheck.unit_of_work import unit_of_work
from factcheck.users.auth import current_app_user, role_required
from factcheck.users.models import Role
from factcheck.verdicts.operations import all_verdicts

bp = Blueprint("factchecks", __name__)

PAGE_SIZE = 50


def _page(reports=None, status: int = 200) -> tuple[str, int]:
    q = request.args.get("q", "").strip()[:500]
    after = request.args.get("after", type=parse_id)
    page = browse(db.session, q=q, after=after, limit=PAGE_SIZE)
    return render_template(
        "factchecks/index.html",
        q=q,
        page=page,
        after=after,
        reports=reports,
        form=FlaskForm(),
        jobs=active_jobs(db.session, "library"),
    ), status


@bp.route("/factchecks", methods=["GET"])
@role_required(Role.REVIEWER)
def index() -> tuple[str, int]:
    """The library: newest first, or the entries matching a search; the import form."""
    return _page()


@bp.route("/factchecks", methods=["POST"])
@role_required(Role.REVIEWER)
def import_files() -> tuple[str, int]:
    """Import uploaded files of fact-checks; each file is all or nothing."""
    form = FlaskForm()
    files = [f for f in request.files.getlist("files") if f and f.filename]
    if not form.validate_on_submit() or not files:
        flash(gettext("Choose one or more files to import."), "error")
        return _page(status=422)
    options = TableOptions.from_options(
        request.form, publisher=request.form.get("publisher"), language=request.form.get("language")
    )
    with unit_of_work():
        reports = [
            import_library_file(
                db.session, current_app_user(), upload.filename or "upload", upload.read(), options
            )
            for upload in files
        ]
    return _page(reports, 200 if all(r.ok for r in reports) else 422)


@bp.route("/factchecks/<int:factcheck_id>", methods=["GET"])
@role_required(Role.REVIEWER)
def detail(factcheck_id: int) -> str:
    """One library entry, all its fields."""
    entry = db.session.get(FactCheck, factcheck_id)
    if entry is None:
        abort(404)
    return render_template("factchecks/detail.html", entry=entry)


@bp.route("/factchecks/ratings", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def ratings() -> tuple[str, int] | Response:
    """Map the library's rating texts onto our verdict scale (admins)."""
    form = FlaskForm()
    status = 200
    if request.method == "POST":
        if not form.validate_on_submit():
            flash(gettext("The form expired. Reload the page and try again."), "error")
            status = 422
        else:
            mapping: dict[str, int | None] = {}
            for name, value in request.form.items(multi=True):
                if name.startswith("rating:"):
                    try:
                        mapping[name.removeprefix("rating:")] = parse_id(value) if value else None
                    except ValueError:
                        mapping[name.removeprefix("rating:")] = -1
            try:
                with unit_of_work():
                    changed = save_mappings(db.session, current_app_user(), mapping)
            except DomainError as error:
                flash(error.message, "error")
                status = error.status_code
            else:
                flash(
                    ngettext(
                        "%(num)d rating mapped anew.", "%(num)d ratings mapped anew.", changed
                    ),
                    "success",
                )
                return redirect(url_for("factchecks.ratings"))
    return render_template(
        "factchecks/ratings.html",
        rows=rating_rows(db.session),
        verdicts=[v for v in all_verdicts(db.session) if v.active],
        form=form,
    ), status
