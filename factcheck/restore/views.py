"""The admin page that restores a whole archive."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext
from flask_wtf import FlaskForm

from factcheck.errors import DomainError
from factcheck.extensions import db
from factcheck.restore.operations import RestoreReport, Scope, archive_lines, restore_archive
from factcheck.unit_of_work import unit_of_work
from factcheck.users.auth import current_app_user, role_required
from factcheck.users.models import Role

bp = Blueprint("restore", __name__, url_prefix="/admin/restore")


def _page(
    form: FlaskForm, *, report: RestoreReport | None = None, error: str = "", status: int = 200
) -> tuple[str, int]:
    page = render_template("restore/index.html", form=form, report=report, error=error)
    return page, status


@bp.route("", methods=["GET"])
@role_required(Role.ADMIN)
def index() -> tuple[str, int]:
    """Show the form to restore an archive."""
    return _page(FlaskForm())


@bp.route("", methods=["POST"])
@role_required(Role.ADMIN)
def restore() -> tuple[str, int]:
    """Restore an uploaded archive, all or nothing."""
    form = FlaskForm()
    upload = request.files.get("archive")
    if not form.validate_on_submit() or upload is None or not upload.filename:
        return _page(form, error=gettext("Choose an archive (.jsonl) to restore."), status=422)
    if not upload.filename.lower().endswith(".jsonl"):
        return _page(
            form,
            error=gettext(
                "%(file)s is not an archive: export one as .jsonl first.",
                file=upload.filename[:200],
            ),
            status=422,
        )
    try:
        with unit_of_work():
            report = restore_archive(
                db.session,
                current_app_user(),
                archive_lines(upload.stream, filename=upload.filename),
                archive=upload.filename,
                scope=Scope.EVERYTHING,
                max_chars=current_app.config["MAX_ARTICLE_CHARS"],
            )
    except DomainError as error:
        return _page(form, error=error.message, status=error.status_code)
    return _page(FlaskForm(formdata=None), report=report)
