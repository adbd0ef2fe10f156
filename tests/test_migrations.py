"""The migrations are the schema: they build it, match the models, and go both ways."""

from __future__ import annotations

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from factcheck.audit.recorder import record
from factcheck.db import Base, is_full_text_structure
from factcheck.verdicts.models import Verdict


def test_models_and_migrations_do_not_drift(app: Flask, db: Session) -> None:
    context = MigrationContext.configure(
        db.connection(),
        opts={
            "compare_type": True,
            "include_name": lambda name, type_, _parents: not is_full_text_structure(name, type_),
        },
    )
    assert compare_metadata(context, Base.metadata) == []


def test_migration_seeds_the_default_verdict_scale(db: Session) -> None:
    labels = db.scalars(select(Verdict.label).order_by(Verdict.sort_order)).all()
    assert labels == [
        "True",
        "Mostly true",
        "Mixed",
        "Misleading",
        "Mostly false",
        "False",
        "Disputed",
        "Unverifiable",
        "Not a factual claim",
    ]


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_events SET action = 'x'", "DELETE FROM audit_events"]
)
def test_audit_table_refuses_update_and_delete(db: Session, statement: str) -> None:
    record(db, None, "test:event", "test", 1, {"a": [1, 2]})
    with pytest.raises(DBAPIError, match="append-only"), db.begin_nested():
        db.execute(text(statement))
    assert db.scalar(text("SELECT count(*) FROM audit_events WHERE action = 'test:event'")) == 1


def test_downgrade_to_base_and_upgrade_again(database_url: str, tmp_path) -> None:
    from tests.conftest import make_app

    url = database_url
    if url.startswith("postgresql"):
        from tests.conftest import POSTGRES_URL
        from tests.servers import create_postgres_database

        url = create_postgres_database(POSTGRES_URL or "", "factcheck_test_roundtrip")
    else:
        url = f"sqlite:///{tmp_path / 'roundtrip.sqlite'}"
    application = make_app(url)
    with application.app_context():
        flask_migrate.upgrade()
        flask_migrate.downgrade(revision="base")
        engine = application.extensions["factcheck.engine"]
        with engine.connect() as connection:
            tables = set(connection.dialect.get_table_names(connection)) - {"alembic_version"}
        assert tables == set()
        flask_migrate.upgrade()
        from factcheck.extensions import db as database

        assert database.session.scalar(select(func.count()).select_from(Verdict)) == 9
        database.session.remove()
    application.extensions["factcheck.engine"].dispose()
