"""Upgrades keep a newsroom's data (issue #21): from every earlier revision to the head.

A newsroom that installed an older release has a database at an older revision, filled
by the application of that time. The ORM models describe the head, so such a database
cannot be filled through them: the demo newsroom is built once at the head (the
*source*), and for each earlier revision R a fresh database at R is given the source's
rows, table by table, column by column, as far as R's schema has them (reflected, not
taken from the models). That database is then upgraded to the head and compared with
itself before the upgrade and with the source.

Also here: which downgrades work on a database with data and which are refused (and
that a refused or failed one leaves nothing half-done), and what ``flask db upgrade``
does on a database newer than the code.

Migrating is what costs time here, so nothing is migrated twice that can be copied: an
empty database is walked up from nothing once per backend and copied at every revision
(SQLite's backup API, PostgreSQL's ``CREATE DATABASE ... TEMPLATE``), the newsroom at
the head is filled once and copied, and each test starts from one of those databases.
The downgrades are walked one revision at a time rather than from the head to each
revision anew, which lets every revision's schema be checked on both backends.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import flask_migrate
import pytest
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy import (
    Connection,
    Engine,
    MetaData,
    Table,
    create_engine,
    func,
    inspect,
    make_url,
    select,
    text,
)
from sqlalchemy import table as table_clause
from sqlalchemy.orm import Session

from factcheck import PROJECT_ROOT
from factcheck.audit.recorder import verify
from factcheck.db import is_full_text_structure
from tests.conftest import DEMO_PASSWORD, POSTGRES_URL, make_app
from tests.servers import create_postgres_database, drop_postgres_database

SCRIPTS = ScriptDirectory(str(PROJECT_ROOT / "migrations"))
HEAD: str = SCRIPTS.get_current_head()  # type: ignore[assignment]
#: Every revision of the chain, oldest first.
CHAIN: list[str] = [script.revision for script in reversed(list(SCRIPTS.walk_revisions()))]
#: The revisions a newsroom may be upgrading from: all but the head.
EARLIER: list[str] = CHAIN[:-1]

#: Rebuilt from the other tables by a later migration (c5a9e1d3f7b2 writes every search
#: entry again, with new ids): checked by ``drift`` instead of row by row.
REBUILT = {"search_entries"}
#: Computed by a trigger from the row's other columns (PostgreSQL's ``tsvector``s, which
#: f6b2c4d8e0a1 recomputes from other columns): never copied, never compared.
COMPUTED_COLUMNS = {"document"}
#: Columns a later migration rewrites on purpose: (table, column) -> the revision that
#: does. Compared only when the database starts at or after that revision.
REWRITTEN = {("verdicts", "colour"): "b6cb198c62a8"}
#: Tables whose rows the migrations seed: kept as seeded at R (the scale with R's
#: colours) rather than replaced by the source's.
KEEP_SEEDED = {"verdicts"}
#: The tallies the app keeps current with every change, and a recount rebuilds: each
#: table's count column (the app leaves a tally at 0 where a recount has no row).
TALLIES = {
    "annotation_tallies": "annotations",
    "claim_tallies": "verdicts",
    "agreement_tallies": "pairs",
    "daily_tallies": "events",
}

Rows = list[tuple[Any, ...]]
Schema = dict[str, Any]


def _before(revision: str, later: str) -> bool:
    """Whether ``revision`` comes before ``later`` in the chain."""
    return CHAIN.index(revision) < CHAIN.index(later)


def _worker(config: pytest.Config) -> str:
    return getattr(config, "workerinput", {}).get("workerid", "main")


# --- throwaway databases: created, copied, dropped ------------------------------------------


class Databases:
    """This file's throwaway databases of one backend, by short name, for one worker.

    Copying is what makes the file affordable: a copy takes a fraction of a second,
    migrating from nothing to the head several seconds.
    """

    def __init__(self, database_url: str, directory: Path, worker: str) -> None:
        self.postgres = database_url.startswith("postgresql")
        self.directory = directory
        self.worker = worker

    def _name(self, name: str) -> str:
        # The worker in every name: xdist workers share the PostgreSQL server.
        return f"factcheck_test_upgrades_{name}_{self.worker}"

    def _path(self, name: str) -> Path:
        return self.directory / f"{self._name(name)}.sqlite"

    def url(self, name: str) -> str:
        if self.postgres:
            server = make_url(POSTGRES_URL or "")
            return server.set(database=self._name(name)).render_as_string(hide_password=False)
        return f"sqlite:///{self._path(name)}"

    def create(self, name: str) -> str:
        """An empty database ``name`` (replacing any of that name); its URL."""
        if self.postgres:
            return create_postgres_database(POSTGRES_URL or "", self._name(name))
        self._path(name).unlink(missing_ok=True)
        return self.url(name)

    def copy(self, source: str, name: str) -> str:
        """A copy of database ``source`` named ``name`` (replacing any); its URL.

        On PostgreSQL nothing may be connected to ``source`` (a template must have no
        other session): dispose of its engines first."""
        if self.postgres:
            copy, template = self._name(name), self._name(source)
            admin = create_engine(POSTGRES_URL or "", isolation_level="AUTOCOMMIT")
            try:
                with admin.connect() as connection:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)'))
                    connection.execute(text(f'CREATE DATABASE "{copy}" TEMPLATE "{template}"'))
            finally:
                admin.dispose()
        else:
            self._path(name).unlink(missing_ok=True)
            # The backup API copies a consistent database whatever is connected to it.
            with (
                closing(sqlite3.connect(self._path(source))) as original,
                closing(sqlite3.connect(self._path(name))) as duplicate,
            ):
                original.backup(duplicate)
        return self.url(name)

    def drop(self, name: str) -> None:
        if self.postgres:
            drop_postgres_database(POSTGRES_URL or "", self._name(name))
        else:
            self._path(name).unlink(missing_ok=True)

    @contextmanager
    def temporary(self, name: str, source: str | None = None) -> Iterator[str]:
        """Database ``name``, a copy of ``source`` (else empty), dropped afterwards."""
        url = self.copy(source, name) if source else self.create(name)
        try:
            yield url
        finally:
            self.drop(name)


@pytest.fixture(scope="module")
def databases(
    database_url: str, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Databases:
    """Throwaway databases of the backend under test."""
    return Databases(database_url, tmp_path_factory.mktemp("upgrades"), _worker(request.config))


@contextmanager
def _app(url: str) -> Iterator[tuple[Flask, Engine]]:
    """The app on ``url``, inside its context (the migrations run on its engine); its
    connections closed afterwards (a database is copied or dropped only without them)."""
    application = make_app(url)
    engine: Engine = application.extensions["factcheck.engine"]
    try:
        with application.app_context():
            yield application, engine
    finally:
        engine.dispose()


def _current(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _reflect(connection: Connection) -> MetaData:
    """The tables the database has now (not the models'), without Alembic's own and the
    full-text structures (SQLite's virtual tables follow their content tables)."""
    metadata = MetaData()
    metadata.reflect(
        connection,
        only=lambda name, _metadata: (
            name != "alembic_version" and not is_full_text_structure(name, "table")
        ),
    )
    return metadata


def _rows(connection: Connection, table: Table, columns: list[str] | None = None) -> Rows:
    """``table``'s rows (``columns`` of them), in primary-key order."""
    names = columns or [column.name for column in table.columns]
    order = list(table.primary_key.columns) or [table.c[name] for name in names]
    return [
        tuple(row)
        for row in connection.execute(select(*(table.c[n] for n in names)).order_by(*order))
    ]


def _counts(connection: Connection, tables: Iterable[str]) -> dict[str, int]:
    """How many rows each of ``tables`` has (by name: counting needs no reflection,
    which is most of what a check of a whole database costs)."""
    return {
        name: connection.scalar(select(func.count()).select_from(table_clause(name))) or 0
        for name in tables
    }


def _chain_breaks(connection: Connection) -> Any:
    """``verify``'s answer for the stored audit history (None when it is intact)."""
    with Session(bind=connection) as session:
        return verify(session)


def _schema(connection: Connection) -> Schema:
    """What a revision's schema is made of, by name: tables and their columns, keys,
    indexes and constraints; triggers; and on PostgreSQL the functions (the full-text
    machinery lives there, and a downgrade that forgets a trigger loses no row yet
    leaves the index silently stale)."""
    inspector = inspect(connection)
    tables: dict[str, Any] = {}
    for name in inspector.get_table_names():
        if name == "alembic_version" or is_full_text_structure(name, "table"):
            tables[name] = "full text" if name != "alembic_version" else None
            continue
        tables[name] = (
            sorted((c["name"], c["nullable"]) for c in inspector.get_columns(name)),
            sorted(
                (tuple(f["constrained_columns"]), f["referred_table"], f["options"].get("ondelete"))
                for f in inspector.get_foreign_keys(name)
            ),
            sorted(tuple(u["column_names"]) for u in inspector.get_unique_constraints(name)),
            sorted(str(c["name"]) for c in inspector.get_check_constraints(name)),
            sorted(
                (str(i["name"]), tuple(map(str, i["column_names"])), bool(i["unique"]))
                for i in inspector.get_indexes(name)
            ),
        )
    schema: Schema = {"tables": tables}
    if connection.dialect.name == "sqlite":
        schema["triggers"] = sorted(
            connection.execute(
                text("SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger'")
            ).all()
        )
    else:
        schema["triggers"] = sorted(
            connection.execute(
                text(
                    "SELECT trigger_name, event_object_table, event_manipulation "
                    "FROM information_schema.triggers WHERE trigger_schema = 'public'"
                )
            ).all()
        )
        # Not those of extensions (unaccent stays installed after a downgrade).
        schema["functions"] = sorted(
            connection.scalars(
                text(
                    "SELECT p.proname FROM pg_proc p "
                    "JOIN pg_namespace n ON n.oid = p.pronamespace AND n.nspname = 'public' "
                    "WHERE NOT EXISTS (SELECT 1 FROM pg_depend d "
                    "WHERE d.objid = p.oid AND d.deptype = 'e')"
                )
            ).all()
        )
    return schema


#: What each part of a table's shape in ``_schema`` is.
SHAPE = ("columns", "foreign keys", "unique constraints", "check constraints", "indexes")


def _differences(found: Schema, expected: Schema) -> dict[str, Any]:
    """Where ``found`` is not ``expected``, part by part, and what each has that the
    other lacks: a failure then names the index or trigger, where a diff of two whole
    schemas shows only that they differ."""

    def apart(mine: Any, theirs: Any) -> dict[str, Any]:
        if not isinstance(mine, list | tuple) or not isinstance(theirs, list | tuple):
            return {"found": mine, "expected": theirs}
        return {
            "found only": sorted(set(mine) - set(theirs), key=repr),
            "expected only": sorted(set(theirs) - set(mine), key=repr),
        }

    differences: dict[str, Any] = {}
    for key in sorted(found.keys() | expected.keys()):
        if key != "tables":
            if found.get(key) != expected.get(key):
                differences[key] = apart(found.get(key), expected.get(key))
            continue
        tables, wanted = found["tables"], expected.get("tables", {})
        for name in sorted(tables.keys() | wanted.keys()):
            mine, theirs = tables.get(name, "missing"), wanted.get(name, "missing")
            if mine == theirs:
                continue
            if isinstance(mine, tuple) and isinstance(theirs, tuple):
                for part, a, b in zip(SHAPE, mine, theirs, strict=True):
                    if a != b:
                        differences[f"{name}: {part}"] = apart(a, b)
            else:
                differences[name] = {"found": mine, "expected": theirs}
    return differences


def _assert_schema(found: Schema, expected: Schema, what: str) -> None:
    """That ``found`` is ``expected``, saying where it is not."""
    assert _differences(found, expected) == {}, f"{what}: not the schema an upgrade builds"
    assert found == expected, what


# --- every revision, empty: one walk up from nothing --------------------------------------


def _at(revision: str) -> str:
    """The name of the empty database at ``revision``."""
    return f"at_{revision}"


@dataclass(frozen=True)
class Snapshots:
    """An empty database at every revision of the chain (named by ``_at``), and each
    revision's schema as an upgrade from nothing builds it: what a downgrade to that
    revision must leave."""

    databases: Databases
    schemas: dict[str, Schema]
    #: The earlier revisions whose database a test has taken.
    taken: set[str] = field(default_factory=set)

    @contextmanager
    def take(self, revision: str) -> Iterator[str]:
        """The empty database at an earlier ``revision`` itself, for one test, dropped
        afterwards. Handed over rather than copied: each is wanted by one test only
        (the upgrade from its revision), and a copy would be one more database for a
        busy PostgreSQL server to create and drop."""
        assert revision != HEAD, "the head's is copied: the newsroom is built on it"
        if revision in self.taken:
            pytest.fail(f"the empty database at {revision} was used up by an earlier test")
        self.taken.add(revision)
        try:
            yield self.databases.url(_at(revision))
        finally:
            self.databases.drop(_at(revision))


@pytest.fixture(scope="module")
def snapshots(databases: Databases) -> Iterator[Snapshots]:
    """One walk up from nothing, copying the database at each revision: a test that needs
    an empty database at R takes or copies it instead of migrating from nothing to R.
    The walk is done in the head's database: where it ends is the head's snapshot."""
    schemas: dict[str, Schema] = {}
    made = [_at(HEAD)]
    try:
        with _app(databases.create(_at(HEAD))) as (_application, engine):
            for revision in CHAIN:
                flask_migrate.upgrade(revision=revision)
                with engine.connect() as connection:
                    schemas[revision] = _schema(connection)
                if revision != HEAD:
                    engine.dispose()  # a template must have no other session
                    made.append(_at(revision))
                    databases.copy(_at(HEAD), _at(revision))
        yield Snapshots(databases, schemas)
    finally:
        # Those taken are gone already; dropping them again costs nothing.
        for name in made:
            databases.drop(name)


# --- the source: the demo newsroom at the head -------------------------------------------


@dataclass(frozen=True)
class Newsroom:
    """Every table's rows at the head, as the application wrote them, by column name."""

    tables: dict[str, list[dict[str, Any]]]
    #: Each table's columns at the head.
    columns: dict[str, set[str]]

    def rows(self, table: str, columns: list[str]) -> Rows:
        return [tuple(row[name] for name in columns) for row in self.tables[table]]

    def counts(self, tables: Iterable[str]) -> dict[str, int | None]:
        """How many rows each of ``tables`` has here (None: not a table of the head)."""
        return {name: len(self.tables[name]) if name in self.tables else None for name in tables}


def _newsroom_extras(app: Flask) -> None:
    """What the demo leaves empty, through the app's own operations: an assignment, an
    API token, a login session, a rate counter, a rating mapping, publishing switched
    on, a user's interface language, a finished background job and an audit checkpoint
    (last, so that its event closes the history)."""
    from factcheck.articles.models import Article
    from factcheck.audit.recorder import walk, write_checkpoint
    from factcheck.db import utcnow
    from factcheck.extensions import db as database
    from factcheck.factchecks.ratings import save_mappings
    from factcheck.jobs import BackgroundJob, JobState
    from factcheck.publishing.operations import update_settings
    from factcheck.ratelimit import hit
    from factcheck.users.operations import (
        choose_interface_language,
        find_user_by_email,
        start_session,
    )
    from factcheck.users.tokens import create_token
    from factcheck.verdicts.models import Verdict
    from factcheck.workspace.assignments import assign

    session = database.session
    admin = find_user_by_email(session, "admin@example.org")
    annotator = find_user_by_email(session, "annotator@example.org")
    reviewer = find_user_by_email(session, "reviewer@example.org")
    assert admin and annotator and reviewer
    article = session.scalars(select(Article).order_by(Article.id)).first()
    assert article is not None
    assign(session, admin, article, annotator)
    create_token(session, annotator, "upgrade test")
    start_session(
        session, reviewer, lifetime_until=utcnow() + timedelta(days=1), user_agent="pytest"
    )
    hit(session, "upgrade-test", limit=10)
    false = session.scalar(select(Verdict.id).where(Verdict.key == "false"))
    save_mappings(session, admin, {"Pants on fire": false})
    update_settings(session, admin, enabled=True, show_names=False, expected_version=0)
    choose_interface_language(session, annotator, "es")
    session.add(
        BackgroundJob(
            function="factcheck.tests:nothing",
            payload={"why": "upgrade test"},
            label="A finished job",
            subject="library",
            state=JobState.DONE,
            done=1,
            total=1,
            finished_at=utcnow(),
        )
    )
    session.flush()
    verified = walk(session, None, None)
    assert verified.broken is None and verified.last is not None
    write_checkpoint(session, *verified.last, verified.events)
    session.commit()


@pytest.fixture(scope="module")
def newsroom(snapshots: Snapshots) -> Newsroom:
    """The demo newsroom (without its article revision, which only the head can hold)
    plus a row in every table the demo leaves empty, built once per backend."""
    from factcheck.demo import load_demo
    from factcheck.extensions import db as database

    with (
        snapshots.databases.temporary("source", _at(HEAD)) as url,
        _app(url) as (app, engine),
    ):
        load_demo(database.session, password=DEMO_PASSWORD, max_chars=1_000_000, correction=False)
        database.session.commit()
        _newsroom_extras(app)
        database.session.remove()
        with engine.connect() as connection:
            metadata = _reflect(connection)
            tables = {
                name: [
                    dict(row._mapping)
                    for row in connection.execute(
                        select(table).order_by(*(table.primary_key.columns or table.columns))
                    )
                ]
                for name, table in metadata.tables.items()
            }
    empty = sorted(name for name, rows in tables.items() if not rows)
    # Only what the head alone has (revisions) may be missing from the newsroom.
    assert empty == ["article_revisions", "claim_links"], empty
    return Newsroom(tables, {name: set(table.c.keys()) for name, table in metadata.tables.items()})


def _fill(connection: Connection, newsroom: Newsroom) -> MetaData:
    """Give the database (at whatever revision) the newsroom's rows: for each of its
    tables, the source's values of the columns it has, parents before children. Its
    tables, as reflected."""
    metadata = _reflect(connection)
    for table in metadata.sorted_tables:
        source = newsroom.tables.get(table.name)
        assert source is not None, f"{table.name} is gone at the head: teach _fill its rows"
        known = newsroom.columns[table.name]
        for column in table.columns:
            # A column the head no longer has would need a value chosen for it here.
            assert column.name in known or column.nullable or column.server_default, (
                f"{table.name}.{column.name} is not at the head: teach _fill a value for it"
            )
        names = [c.name for c in table.columns if c.name in known - COMPUTED_COLUMNS]
        keys = [column.name for column in table.primary_key.columns]
        seeded = {tuple(row) for row in connection.execute(select(*table.primary_key.columns))}
        if table.name in KEEP_SEEDED:
            source = [row for row in source if tuple(row[k] for k in keys) not in seeded]
        elif seeded:
            connection.execute(table.delete())
        if source:
            connection.execute(table.insert(), [{n: row[n] for n in names} for row in source])
    if connection.dialect.name == "postgresql":
        # Rows were given their ids: the sequences must follow, as they would have.
        for table in metadata.tables.values():
            if "id" in table.c and [c.name for c in table.primary_key.columns] == ["id"]:
                highest = func.max(table.c.id)
                sequence = func.pg_get_serial_sequence(table.name, "id")
                connection.execute(
                    select(func.setval(sequence, func.coalesce(highest, 1), highest.is_not(None)))
                )
    return metadata


def _tallies(connection: Connection, metadata: MetaData) -> dict[str, Rows]:
    """The tallies that count something (a tally at 0 is as good as none), read through
    ``metadata``'s tables (reflected at the head: a reflection of its own would cost as
    much again as the reading)."""
    tallies: dict[str, Rows] = {}
    for name, count in TALLIES.items():
        table = metadata.tables[name]
        position = list(table.columns.keys()).index(count)
        tallies[name] = [row for row in _rows(connection, table) if row[position]]
    return tallies


def _recounted(connection: Connection, metadata: MetaData) -> dict[str, Rows]:
    """The tallies as a recount from the annotations and reviews makes them (rolled
    back: the database keeps its own)."""
    from factcheck.annotations.tallies import recount
    from factcheck.review.tallies import recount_approvals

    transaction = connection.begin_nested()
    try:
        recount(connection)
        recount_approvals(connection)
        return _tallies(connection, metadata)
    finally:
        transaction.rollback()


@pytest.fixture(scope="module")
def newsroom_at_head(snapshots: Snapshots, newsroom: Newsroom) -> Iterator[str]:
    """The name of a database at the head holding the newsroom (as ``_fill`` gives it):
    filled once, for the tests to copy."""
    name = "newsroom_at_head"
    with snapshots.databases.temporary(name, _at(HEAD)) as url:
        with _app(url) as (_application, engine), engine.begin() as connection:
            _fill(connection, newsroom)
        yield name


@pytest.fixture
def newsroom_url(databases: Databases, newsroom_at_head: str) -> Iterator[str]:
    """A database at the head holding the newsroom, for this test alone."""
    with databases.temporary("test", newsroom_at_head) as url:
        yield url


# --- 1. every earlier revision upgrades to the head without losing anything ----------------


@pytest.mark.parametrize("revision", EARLIER)
def test_an_upgrade_from_an_earlier_revision_keeps_the_data(
    newsroom: Newsroom, snapshots: Snapshots, revision: str
) -> None:
    """A newsroom filled at ``revision`` and upgraded to the head has every row it had,
    every column of them unchanged (but the documented rewrites), its texts, claims'
    offsets and rationales as the source has them, an intact audit chain, a search index
    with no drift and tallies that agree with a recount."""
    with (
        snapshots.take(revision) as url,
        _app(url) as (_application, engine),
    ):
        assert _current(engine) == revision, "the empty database of the walk up"
        with engine.begin() as connection:
            old = _fill(connection, newsroom)
        with engine.connect() as connection:
            assert _chain_breaks(connection) is None, "the copy at the old revision"
            kept = {name: table for name, table in old.tables.items() if name not in REBUILT}
            counts = _counts(connection, kept)
            columns = {
                name: [
                    c.name
                    for c in table.columns
                    if c.name not in COMPUTED_COLUMNS
                    and not (
                        (name, c.name) in REWRITTEN and _before(revision, REWRITTEN[name, c.name])
                    )
                ]
                for name, table in kept.items()
            }
            before = {name: _rows(connection, table, columns[name]) for name, table in kept.items()}

        flask_migrate.upgrade()

        assert _current(engine) == HEAD
        with engine.connect() as connection:
            new = _reflect(connection)
            assert _counts(connection, [n for n in new.tables if n in kept]) == counts
            for name in kept:
                assert _rows(connection, new.tables[name], columns[name]) == before[name], name
            _assert_as_the_source(connection, new, newsroom, had_library="factchecks" in old.tables)
            assert _chain_breaks(connection) is None
            from factcheck.search.index import drift

            assert drift(connection) == 0
            assert _tallies(connection, new) == _recounted(connection, new)


def _assert_as_the_source(
    connection: Connection, metadata: MetaData, newsroom: Newsroom, *, had_library: bool
) -> None:
    """The texts, and what the migrations work out from the data, are as the application
    has them (the library only if the database had one: else it starts empty)."""
    tables = metadata.tables
    articles = _rows(connection, tables["articles"], ["id", "body", "body_sha256"])
    assert articles == newsroom.rows("articles", ["id", "body", "body_sha256"])
    for _id, body, digest in articles:
        assert hashlib.sha256(body.encode("utf-8")).hexdigest() == digest
    offsets = ["id", "article_id", "position", "start", "end"]
    assert _rows(connection, tables["claims"], offsets) == newsroom.rows("claims", offsets)
    rationales = ["id", "claim_id", "rationale"]
    assert _rows(connection, tables["annotations"], rationales) == newsroom.rows(
        "annotations", rationales
    )
    # The readable colours b6cb198c62a8 gives the seeded scale.
    colours = ["id", "key", "colour"]
    assert _rows(connection, tables["verdicts"], colours) == newsroom.rows("verdicts", colours)
    # What e5f1a3b7c8d4 works out for the library is what the app writes.
    library = (
        ("factchecks", ["id", "claim_key", "claim_terms", "headline_terms"]),
        ("factcheck_terms", ["term", "entries"]),
        ("factcheck_library_stats", ["id", "entries", "claim_terms", "headline_terms"]),
    )
    for name, columns in library if had_library else ():
        assert _rows(connection, tables[name], columns) == newsroom.rows(name, columns), name
    # The publication record f3c9e5a1b7d4 writes for the approvals (times aside: the
    # migration dates them by their approving review, the app when it records them).
    events = ["claim_id", "article_id", "kind", "annotation_id", "verdict_id"]
    assert sorted(_rows(connection, tables["publication_events"], events)) == sorted(
        newsroom.rows("publication_events", events)
    )
    published = ["article_id", "verdicts"]
    assert _rows(connection, tables["published_articles"], published) == newsroom.rows(
        "published_articles", published
    )


# --- 2. downgrades: which work on a database with data, and which are refused ----------------

#: Downgrades that leave a schema unlike the one an upgrade builds: (backend, revision)
#: -> the triggers missing once the head is downgraded to that revision. None now:
#: e5f1a3b7c8d4's downgrade used to drop its columns by a batch copy of ``factchecks`` on
#: SQLite, which dropped the library's full-text triggers (this test found it); it drops
#: them in place now. An upgrade back must leave exactly the schema an upgrade from
#: nothing builds: a trigger a downgrade forgot shows there too.
DOWNGRADE_DEFECTS: dict[tuple[str, str], frozenset[str]] = {}
#: Downgrades that are refused on a database with data, by the revision whose
#: downgrade refuses, and why (what the message says).
REFUSED = {"c5a9e1d3f7b2": "article revisions exist; downgrading would lose them"}
#: The revision that brought article revisions: no downgrade goes past it once an
#: article has been revised.
ARTICLE_REVISIONS = "c5a9e1d3f7b2"


def _downgraded(schemas: dict[str, Schema], backend: str, revision: str) -> Schema:
    """The schema a downgrade from the head to ``revision`` must leave: the one an upgrade
    from nothing builds, but for the known defects."""
    missing = DOWNGRADE_DEFECTS.get((backend, revision), frozenset())
    return schemas[revision] | {
        "triggers": [t for t in schemas[revision]["triggers"] if t[0] not in missing]
    }


def _state(engine: Engine) -> tuple[str | None, Schema, dict[str, int]]:
    """Where a database is: its revision, its schema and how many rows each table has."""
    with engine.connect() as connection:
        # One connection for all of it: on SQLite every transaction takes the write
        # lock (BEGIN IMMEDIATE), so a second one would wait for this one.
        current = MigrationContext.configure(connection).get_current_revision()
        schema = _schema(connection)
        return current, schema, _counts(connection, _tables(schema))


def _tables(schema: Schema) -> list[str]:
    """The tables of ``schema`` that hold rows of their own (not Alembic's, not the
    full-text structures)."""
    return [name for name, shape in schema["tables"].items() if shape not in (None, "full text")]


def _kept(counts: dict[str, Any]) -> dict[str, Any]:
    """The counts a migration must not change: all but the search entries', which a
    migration may rebuild (``drift`` checks those)."""
    return {name: count for name, count in counts.items() if name not in REBUILT}


def _migrate(command: Callable[..., None], revision: str, what: str) -> None:
    """``flask_migrate``'s ``command`` to ``revision``. A step that fails says which it was
    (flask_migrate logs an Alembic error and exits: the reason is in the captured log)."""
    try:
        command(revision=revision)
    except SystemExit:
        pytest.fail(f"{what}: flask_migrate gave up (its reason is in the captured log)")
    except Exception as error:
        error.add_note(f"while {what}")
        raise


def _assert_at(engine: Engine, revision: str, schema: Schema, what: str) -> dict[str, int]:
    """That the database is at ``revision`` with ``schema`` and an intact audit chain;
    how many rows each table has."""
    current, found, counts = _state(engine)
    assert current == revision, what
    _assert_schema(found, schema, what)
    with engine.connect() as connection:
        assert _chain_breaks(connection) is None, what
    return counts


def _assert_at_the_head_again(
    engine: Engine, schemas: dict[str, Schema], counts: dict[str, int], what: str
) -> None:
    """Back at the head after a round trip from the revision that had ``counts``: the
    head's schema, every row of those tables, an intact audit chain, and what is
    computed from the rows (the search index, the tallies) agreeing with them."""
    from factcheck.search.index import drift

    again = _assert_at(engine, HEAD, schemas[HEAD], what)
    assert _kept({name: again.get(name) for name in counts}) == _kept(counts), what
    with engine.connect() as connection:
        assert drift(connection) == 0, what
        metadata = _reflect(connection)
        assert _tallies(connection, metadata) == _recounted(connection, metadata), what


def test_downgrades_one_revision_at_a_time_from_the_head_with_data(
    newsroom: Newsroom, snapshots: Snapshots, newsroom_url: str
) -> None:
    """The newsroom walked down from the head one revision at a time (no article revised:
    else see the refusal below). Every step goes through and leaves the schema an
    upgrade to its revision builds (no trigger or index forgotten), every row of the
    tables that revision has (but the search entries a migration may rebuild) and an
    intact audit chain. At each revision the upgrade back up one step runs on the data
    the downgrade left, keeps those rows and rebuilds the later revision's schema
    exactly. From the oldest revision one ``upgrade`` (all steps at once, as an operator
    runs it) brings the newsroom back to the head with its rows, an intact chain, a
    search index with no drift and tallies that agree with a recount."""
    schemas = snapshots.schemas
    with _app(newsroom_url) as (_application, engine):
        backend = engine.dialect.name
        later = HEAD
        counts: dict[str, int] = {}
        for revision in reversed(EARLIER):
            what = f"the downgrade from {later} to {revision}"
            _migrate(flask_migrate.downgrade, revision, what)
            counts = _assert_at(engine, revision, _downgraded(schemas, backend, revision), what)
            assert _kept(counts) == _kept(newsroom.counts(counts)), what

            what = f"the upgrade from {revision} back to {later}"
            _migrate(flask_migrate.upgrade, later, what)
            again = _assert_at(engine, later, schemas[later], what)
            assert _kept({name: again.get(name) for name in counts}) == _kept(counts), what

            # Down again, to go on from there.
            what = f"the downgrade from {later} to {revision}, the second time"
            _migrate(flask_migrate.downgrade, revision, what)
            assert _current(engine) == revision, what
            later = revision

        what = f"the upgrade from {CHAIN[0]} to the head in one command"
        _migrate(flask_migrate.upgrade, HEAD, what)
        _assert_at_the_head_again(engine, schemas, counts, what)


def test_a_downgrade_to_the_first_revision_in_one_command_and_back_one_at_a_time(
    newsroom: Newsroom, snapshots: Snapshots, newsroom_url: str
) -> None:
    """The other way round: one ``downgrade`` from the head to the first revision (every
    step at once: on PostgreSQL in one transaction, where steps that each pass alone
    could still trip over one another) leaves that revision's schema, every row of its
    tables and an intact audit chain; the upgrades back one revision at a time each
    build their revision's schema exactly and keep those rows and the chain; and the
    head is whole again (no drift in the search index, tallies as a recount makes
    them)."""
    schemas = snapshots.schemas
    first = CHAIN[0]
    with _app(newsroom_url) as (_application, engine):
        what = f"the downgrade from the head to {first} in one command"
        _migrate(flask_migrate.downgrade, first, what)
        counts = _assert_at(engine, first, _downgraded(schemas, engine.dialect.name, first), what)
        assert _kept(counts) == _kept(newsroom.counts(counts)), what

        earlier = first
        for revision in CHAIN[1:]:
            what = f"the upgrade from {earlier} to {revision}"
            _migrate(flask_migrate.upgrade, revision, what)
            again = _assert_at(engine, revision, schemas[revision], what)
            assert _kept({name: again.get(name) for name in counts}) == _kept(counts), what
            earlier = revision
        _assert_at_the_head_again(engine, schemas, counts, "back at the head one step at a time")


@pytest.mark.parametrize("target", [CHAIN[CHAIN.index(ARTICLE_REVISIONS) - 1], "base"])
def test_a_downgrade_past_article_revisions_is_refused_and_changes_nothing(
    snapshots: Snapshots, newsroom_url: str, target: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Once an article has been revised, no downgrade past c5a9e1d3f7b2 runs: it would
    lose the earlier texts. The refusal says so, and comes before that step changes
    anything. On PostgreSQL (every step in one transaction) the database is as it was,
    at the head; on SQLite (each step committed on its own) it is at c5a9e1d3f7b2 as the
    downgrades of any later revisions left it, every table and row in place."""
    from factcheck.demo import load_demo
    from factcheck.extensions import db as database

    with _app(newsroom_url) as (_application, engine):
        # The demo's correction: the reference article's second revision.
        assert load_demo(database.session, password=DEMO_PASSWORD, max_chars=1_000_000).revised
        database.session.commit()
        database.session.remove()
        before = _state(engine)
        assert before[2]["article_revisions"] > 0

        with caplog.at_level(logging.ERROR, logger="flask_migrate"), pytest.raises(SystemExit):
            flask_migrate.downgrade(revision=target)

        assert REFUSED[ARTICLE_REVISIONS] in caplog.text
        assert "Restore a backup taken before the upgrade instead" in caplog.text
        if engine.dialect.name == "postgresql":
            assert _state(engine) == before
        else:
            current, schema, counts = _state(engine)
            assert current == ARTICLE_REVISIONS
            _assert_schema(schema, snapshots.schemas[ARTICLE_REVISIONS], "after the refusal")
            assert counts == {name: count for name, count in before[2].items() if name in counts}
        with engine.connect() as connection:
            assert _chain_breaks(connection) is None


def test_a_downgrade_that_fails_part_way_leaves_whole_revisions(
    snapshots: Snapshots, newsroom_url: str
) -> None:
    """A downgrade of several steps that fails part way (a view of the operator's own
    holds on to ``users.locale``, which a4d2f6b8c0e1's downgrade drops) leaves no
    revision half-done. PostgreSQL runs every step in one transaction: the database is
    back at the head, untouched. SQLite commits each step on its own: the database
    stays at the last revision whose downgrade completed, with exactly that revision's
    schema, and the failed step left no trace."""
    with _app(newsroom_url) as (_application, engine):
        with engine.begin() as connection:
            connection.execute(text("CREATE VIEW operator_locales AS SELECT id, locale FROM users"))
        before = _state(engine)

        with pytest.raises(Exception, match="locale"):
            flask_migrate.downgrade(revision="b6cb198c62a8")

        current, schema, counts = _state(engine)
        if engine.dialect.name == "postgresql":
            assert (current, schema, counts) == before
        else:
            # The downgrades of the revisions after a4d2f6b8c0e1 ran and were committed.
            assert current == "a4d2f6b8c0e1"
            _assert_schema(schema, snapshots.schemas["a4d2f6b8c0e1"], "after the failure")
        assert {n: c for n, c in counts.items() if n in before[2] and n not in REBUILT} == {
            n: c for n, c in before[2].items() if n in counts and n not in REBUILT
        }
        with engine.connect() as connection:
            assert _chain_breaks(connection) is None
            connection.execute(text("DROP VIEW operator_locales"))
            connection.commit()
        # With the view gone, the operator can go on (or back up).
        flask_migrate.upgrade()
        assert _current(engine) == HEAD


# --- 3. a database newer than the code --------------------------------------------------------

#: A revision no code of this project knows: as a later release would leave it.
UNKNOWN = "ffffffffffff"


def _move_to_the_future(engine: Engine) -> None:
    """Set the newsroom's ``alembic_version`` to a revision newer than this code (a later
    release was installed and rolled back)."""
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": UNKNOWN})


def test_flask_db_upgrade_on_a_database_newer_than_the_code_changes_nothing(
    newsroom_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """What ``flask db upgrade`` does on a database ahead of the code. Run as an
    operator runs it (its own process), the app factory refuses the database before
    Alembic is reached: status 1 and the reason on stderr. An app made before the
    database moved on (the start-up check bypassed) reaches Alembic, which cannot find
    the database's revision in the code's history and stops the command the same way.
    Either way nothing has changed."""
    from tests.servers import app_env, run_flask

    with _app(newsroom_url) as (application, engine):
        _move_to_the_future(engine)
        before = _state(engine)
        assert before[0] == UNKNOWN
        env = app_env(newsroom_url, secret_key="k" * 64, demo_password=DEMO_PASSWORD)
        command = run_flask(env, "db", "upgrade", timeout=120)
        assert command.returncode == 1, command.stderr
        assert "newer than this code" in command.stderr
        assert _state(engine) == before

        result = application.test_cli_runner().invoke(args=["db", "upgrade"])
        assert result.exit_code == 1
        with caplog.at_level(logging.ERROR, logger="flask_migrate"), pytest.raises(SystemExit):
            flask_migrate.upgrade()
        assert f"Can't locate revision identified by '{UNKNOWN}'" in caplog.text
        assert _state(engine) == before


def test_the_app_refuses_to_start_on_a_database_newer_than_the_code(newsroom_url: str) -> None:
    """An app that started on a newer database would write rows its code does not
    understand the schema of; it must refuse, and say why."""
    with _app(newsroom_url) as (_application, engine):
        _move_to_the_future(engine)
    with pytest.raises(RuntimeError, match="newer than this code"):
        make_app(newsroom_url)
