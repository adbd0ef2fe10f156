"""The admin page of backups: the list, making one, downloading one."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, send_file
from flask.typing import ResponseReturnValue
from flask_babel import gettext, lazy_gettext
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice

from factcheck.backups import operations
from factcheck.backups.operations import BackupFailed
from factcheck.extensions import db
from factcheck.unit_of_work import unit_of_work
from factcheck.users.auth import current_app_user, role_required
from factcheck.users.models import Role

bp = Blueprint("backups", __name__, url_prefix="/admin/backups")


class BackupForm(FlaskForm):
    kind = RadioField(
        lazy_gettext("Kind of backup"),
        choices=[
            SelectChoice(
                "database",
                lazy_gettext("The whole database (restores on the same kind of database)"),
            ),
            SelectChoice(
                "portable", lazy_gettext("Portable archive (restores on SQLite or PostgreSQL)")
            ),
        ],
        default="database",
    )


def _page(
    form: BackupForm, *, made: str = "", error: str = "", status: int = 200
) -> tuple[str, int]:
    page = render_template(
        "backups/index.html",
        form=form,
        backups=operations.list_backups(),
        directory=operations.backup_dir(),
        made=made,
        error=error,
    )
    return page, status


@bp.route("", methods=["GET"])
@role_required(Role.ADMIN)
def index() -> tuple[str, int]:
    """The backups in the backup folder, and the form to make one."""
    return _page(BackupForm())


@bp.route("", methods=["POST"])
@role_required(Role.ADMIN)
def create() -> tuple[str, int]:
    """Make a backup now (the name is made here, never taken from the request)."""
    form = BackupForm()
    if not form.validate_on_submit():
        return _page(form, error=gettext("Choose the kind of backup."), status=422)
    actor = current_app_user()
    try:
        path, manifest = operations.create_backup(
            None, portable=form.kind.data == "portable", created_by=actor.email
        )
        with unit_of_work():
            operations.record_backup(db.session, actor, "backup:create", path, manifest)
    except BackupFailed as error:
        return _page(form, error=error.message, status=error.status_code)
    return _page(BackupForm(formdata=None), made=path.name, status=201)


@bp.route("/files/<name>", methods=["GET"])
@role_required(Role.ADMIN)
def download(name: str) -> ResponseReturnValue:
    """A backup or its manifest, if the folder's listing names it."""
    path = operations.find_backup(name)
    if path is None:
        abort(404)
    return send_file(path, as_attachment=True, download_name=path.name, max_age=0)
