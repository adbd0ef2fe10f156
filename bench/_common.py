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
    import gc

    import flask_migrate

    from config import TestingConfig
    from factcheck import create_app
    from factcheck.extensions import db

    config = type("BenchConfig", (TestingConfig,), {"DATABASE_URL": url, **settings})
    app = create_app(config)
    # As wsgi.py does in production: the app's lasting objects out of the collector's way.
    gc.freeze()
    if migrate:
        with app.app_context():
            flask_migrate.upgrade()
            db.session.remove()
    return app


def met(ok: bool) -> str:
    return "met" if ok else "NOT MET"


def fresh_postgres(named: str, database: str) -> str:
    """A new, empty database called ``database`` on the server of the URL ``named`` (one
    left by an interrupted run is dropped first); its URL."""
    from sqlalchemy import create_engine, make_url, text

    server = make_url(named)
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{database}"'))
    admin.dispose()
    return server.set(database=database).render_as_string(hide_password=False)


def drop_postgres(url: str) -> None:
    """Drop the database at ``url``, connected to the server's ``postgres`` database."""
    from sqlalchemy import create_engine, make_url, text

    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
    admin.dispose()
