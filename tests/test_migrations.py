"""The migrations are the schema: they build it, match the models, and go both ways."""

from __future__ import annotations

from typing import Any

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


def _own_database(database_url: str, tmp_path, name: str) -> str:
    """An empty database of the backend of ``database_url`` for one test to migrate up
    and down (the shared one must stay at head)."""
    if database_url.startswith("postgresql"):
        from tests.conftest import POSTGRES_URL
        from tests.servers import create_postgres_database

        return create_postgres_database(POSTGRES_URL or "", f"factcheck_test_{name}")
    return f"sqlite:///{tmp_path / f'{name}.sqlite'}"


def test_downgrade_to_base_and_upgrade_again(database_url: str, tmp_path) -> None:
    from tests.conftest import make_app

    application = make_app(_own_database(database_url, tmp_path, "roundtrip"))
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


def test_the_tallies_migration_fills_them_as_a_recount_does(database_url: str, tmp_path) -> None:
    """The migration that adds the agreement and daily tallies fills them from the data
    there is: a newsroom built at head (its tallies recounted), taken back before the
    migration and brought forward again, has the same tallies."""
    from bench._newsroom import NewsroomSize, build_newsroom
    from factcheck.annotations.tallies import AgreementTally, ClaimTally, DailyTally
    from tests.conftest import make_app

    application = make_app(_own_database(database_url, tmp_path, "tallies_fill"))
    engine = application.extensions["factcheck.engine"]

    def tallies() -> tuple[list[Any], list[Any], list[Any]]:
        with engine.connect() as connection:
            return (
                sorted(connection.execute(select(AgreementTally.__table__)).all()),
                sorted(connection.scalars(select(ClaimTally.claim_id).where(ClaimTally.disagrees))),
                sorted(connection.execute(select(DailyTally.__table__)).all()),
            )

    with application.app_context():
        flask_migrate.upgrade()
        with engine.begin() as connection:
            size = NewsroomSize(
                articles=40, annotated_share=0.8, double_annotated_share=0.6, users=8
            )
            build_newsroom(connection, size, analyze=False)
        counted = tallies()
        assert counted[0] and counted[1] and counted[2]
        flask_migrate.downgrade(revision="d1a7c3e9f5b2")
        flask_migrate.upgrade()
        assert tallies() == counted
    engine.dispose()
