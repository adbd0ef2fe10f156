"""factcheck: a fact-checking annotation platform."""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter

from factcheck.db import DIGITS, MAX_ID

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class DatabaseIdConverter(IntegerConverter):
    """``<int:...>`` for database ids: an id past 32 bits is a 404, not a driver overflow.

    Only ASCII digits match: Werkzeug's ``\\d+`` also matches other scripts' digits
    ("/claims/３"), which ``int()`` then accepts.
    """

    regex = DIGITS

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def instance_secret_key(folder: str | Path) -> str:
    """The secret key kept in ``folder/secret_key``, generated on first use.

    The key is written to a private temporary file (mode 0600) and hard-linked into
    place only if no key is there yet, so workers starting together all read back the
    one that won. Delete the file to start afresh (everyone is logged out).
    """
    folder = Path(folder)
    path = folder / "secret_key"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".secret_key.")
        try:
            with os.fdopen(handle, "w") as file:
                file.write(secrets.token_hex(32) + "\n")
                file.flush()
                os.fsync(file.fileno())
            with contextlib.suppress(FileExistsError):
                os.link(temporary, path)
        finally:
            os.unlink(temporary)
    key = path.read_text(encoding="ascii").strip()
    if len(key) < 32:
        raise RuntimeError(f"{path} does not hold a usable secret key; delete it to make one")
    return key


def create_app(config: type | dict[str, Any] | None = None) -> Flask:
    """Build the application.

    :param config: a config class (``config.TestingConfig``), a mapping of overrides
        applied on top of the environment's class, or None for ``FACTCHECK_CONFIG``.
    """
    from config import config_from_env, secret_key_problem

    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        instance_path=str(PROJECT_ROOT / "instance"),
    )
    if config is None or isinstance(config, dict):
        app.config.from_object(config_from_env())
        app.config.update(config or {})
    else:
        app.config.from_object(config)
    if app.config.get("INSTANCE_PATH"):
        app.instance_path = str(Path(app.config["INSTANCE_PATH"]).resolve())

    if app.config.get("REQUIRE_STRONG_SECRET_KEY"):
        problem = secret_key_problem(app.config.get("SECRET_KEY"))
        if problem:
            raise RuntimeError(
                f"Refusing to start in production: {problem}. Generate one with "
                "python -c 'import secrets; print(secrets.token_hex(32))'"
            )
    elif not app.config.get("SECRET_KEY") and not app.testing:
        # Development without FACTCHECK_SECRET_KEY: a random key of this checkout's own.
        app.config["SECRET_KEY"] = instance_secret_key(app.instance_path)

    if app.config["DATABASE_URL"].startswith(f"sqlite:///{app.instance_path}"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if app.config.get("VECTOR_INDEX_DIR") is None:
        app.config["VECTOR_INDEX_DIR"] = str(Path(app.instance_path) / "vector-index")

    app.url_map.converters["int"] = DatabaseIdConverter
    _init_extensions(app)
    _register_blueprints(app)

    from factcheck import observability, web

    web.init_app(app)
    observability.init_app(app)
    # A schema newer than the code: refuse before anything writes into it.
    observability.check_schema(app.extensions["factcheck.engine"])

    from factcheck.cli import register_commands

    register_commands(app)
    return app


def _init_extensions(app: Flask) -> None:
    from factcheck import models  # noqa: F401  (every table on the metadata for Alembic)
    from factcheck.extensions import csrf, db, login_manager, migrate
    from factcheck.users import auth

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    from factcheck import i18n

    i18n.init_app(app)
    login_manager.init_app(app)
    auth.init_login_manager(login_manager)
    app.context_processor(auth.template_globals)

    from factcheck.annotations.tallies import keep_tallies_current
    from factcheck.factchecks.ours import keep_library_current
    from factcheck.factchecks.work import keep_matches_current
    from factcheck.jobs import keep_jobs
    from factcheck.review.publication import keep_record_current
    from factcheck.review.tallies import keep_approval_tallies_current
    from factcheck.search.index import keep_index_current

    # The library first: its entries are written before the search index's commit hook;
    # then the matching work those writes call for, then the jobs that carry it out.
    keep_tallies_current()
    keep_record_current()
    keep_approval_tallies_current()
    keep_library_current()
    keep_index_current()
    keep_matches_current()
    keep_jobs()


def _register_blueprints(app: Flask) -> None:
    from factcheck.api import views as _api_views  # noqa: F401  (registers the operations)
    from factcheck.api.registry import bp as api_bp
    from factcheck.backups.views import bp as backups_bp
    from factcheck.exports.views import bp as exports_bp
    from factcheck.factchecks.views import bp as factchecks_bp
    from factcheck.history.views import bp as history_bp
    from factcheck.imports.views import bp as imports_bp
    from factcheck.publishing.views import bp as publishing_bp
    from factcheck.reports.views import bp as reports_bp
    from factcheck.restore.views import bp as restore_bp
    from factcheck.review.views import bp as review_bp
    from factcheck.revisions.views import bp as revisions_bp
    from factcheck.search.views import bp as search_bp
    from factcheck.users.views import admin_bp, auth_bp
    from factcheck.verdicts.views import bp as verdicts_bp
    from factcheck.workspace.views import bp as workspace_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(workspace_bp)
    app.register_blueprint(imports_bp)
    app.register_blueprint(verdicts_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(review_bp)
    app.register_blueprint(revisions_bp)
    app.register_blueprint(search_bp)
    app.register_blueprint(factchecks_bp)
    app.register_blueprint(history_bp)
    app.register_blueprint(exports_bp)
    app.register_blueprint(restore_bp)
    app.register_blueprint(backups_bp)
    app.register_blueprint(publishing_bp)
    app.register_blueprint(api_bp)
