"""What the bench scripts share: the word list, building the app on a database, ``met()``.

Imported by the scripts as ``_common``: run as ``.venv/bin/python bench/<name>.py``, the
script's own directory comes first on ``sys.path``. The scripts put the repository root
on ``sys.path`` before importing this module, which is what makes ``config`` and
``factcheck`` importable below.
"""

from __future__ import annotations

from typing import Any

#: Words of synthetic news sentences.
WORDS = (
    "government minister said figures rose fell percent million council report week "
    "officials budget housing police migrants election court claim data spokesman according "
    "increase year analysis record agreement deal talks vote policy health schools"
).split()


def bench_app(url: str, *, migrate: bool = True, **settings: Any) -> Any:
    """The app on the database at ``url`` (TestingConfig plus ``settings``), migrated to
    the latest schema unless ``migrate`` is false."""
    import flask_migrate

    from config import TestingConfig
    from factcheck import create_app
    from factcheck.extensions import db

    config = type("BenchConfig", (TestingConfig,), {"DATABASE_URL": url, **settings})
    app = create_app(config)
    if migrate:
        with app.app_context():
            flask_migrate.upgrade()
            db.session.remove()
    return app


def met(ok: bool) -> str:
    return "met" if ok else "NOT MET"
