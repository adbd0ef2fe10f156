"""Extension objects, created unbound and bound to an app in ``create_app``."""

from __future__ import annotations

import threading
from typing import Any

import flask
from flask import Flask
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import Engine, MetaData, create_engine, event
from sqlalchemy.orm import Session, scoped_session, sessionmaker
from sqlalchemy.pool import StaticPool

from factcheck.db import Base

#: HTTP methods that change state; their SQLite transactions take the write lock up front.
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: Execution option for connections that only read (streamed exports): a plain BEGIN,
#: so a long export never holds SQLite's write lock.
READ_ONLY = "factcheck_read_only"


class AppSession(Session):
    """A session that talks to the engine of the current Flask app.

    Tests bind the session to one connection held in an outer transaction instead.
    """

    def get_bind(self, *args: Any, **kwargs: Any) -> Any:
        if self.bind is not None:
            return self.bind
        return flask.current_app.extensions["factcheck.engine"]


def _app_context_scope() -> int:
    # One session per application context (request or CLI command), like Flask-SQLAlchemy.
    return id(flask.globals.app_ctx._get_current_object())  # type: ignore[attr-defined]


class Database:
    """SQLAlchemy engine and request-scoped session, without hiding SQLAlchemy.

    Plain SQLAlchemy 2.0 instead of Flask-SQLAlchemy: the typed ``DeclarativeBase``,
    ``select()`` and the test fixture's "join an outer transaction" pattern all work
    exactly as the SQLAlchemy documentation describes.
    """

    metadata: MetaData = Base.metadata

    def __init__(self) -> None:
        self.session_factory = sessionmaker(
            class_=AppSession,
            expire_on_commit=False,
            # An outer transaction (tests) is joined with a savepoint, so a view's
            # commit or rollback behaves as in production without ending the test's.
            join_transaction_mode="create_savepoint",
        )
        self.session = scoped_session(self.session_factory, scopefunc=_app_context_scope)

    def init_app(self, app: Flask) -> None:
        engine = build_engine(
            app.config["DATABASE_URL"], busy_timeout=app.config["SQLITE_BUSY_TIMEOUT_SECONDS"]
        )
        app.extensions["factcheck.engine"] = engine

        @app.teardown_appcontext
        def remove_session(exc: BaseException | None) -> None:
            self.session.remove()

    @property
    def engine(self) -> Engine:
        return flask.current_app.extensions["factcheck.engine"]


#: Per SQLite connection: how much of the file is read through memory-mapped pages.
SQLITE_MMAP_BYTES = 1 << 30


def build_engine(url: str, *, busy_timeout: int = 30) -> Engine:
    """Create an engine; SQLite gets WAL, a busy timeout, foreign keys and real BEGINs."""
    if url.startswith("postgresql"):
        # JIT compiling pays off for analytics, not for a web page's queries: on a
        # search at a million claims it added its compile time and saved nothing.
        return create_engine(url, pool_pre_ping=True, connect_args={"options": "-c jit=off"})
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)

    options: dict[str, Any] = {"connect_args": {"timeout": busy_timeout}}
    if ":memory:" in url or url in {"sqlite://", "sqlite:///"}:
        options["poolclass"] = StaticPool
        options["connect_args"]["check_same_thread"] = False
    engine = create_engine(url, **options)

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, connection_record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, decide when transactions begin, so that
        # SAVEPOINT works and write requests can take the lock up front.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # A year of a newsroom is gigabytes: reading it through memory-mapped pages
        # keeps lists and search off the system-call path; search's scratch tables
        # live in memory.
        cursor.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
        cursor.execute("PRAGMA temp_store=MEMORY")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        # A deferred transaction that reads first and writes later fails at once with
        # SQLITE_BUSY_SNAPSHOT if another writer committed meanwhile (the busy timeout
        # does not apply). Write requests and CLI commands therefore BEGIN IMMEDIATE.
        # A read-only connection (a streamed export) never takes the write lock, even
        # in a POST or a command: it may read for minutes.
        if connection.get_execution_options().get(READ_ONLY):
            connection.exec_driver_sql("BEGIN")
            return
        writing = (
            not flask.has_request_context()
            or flask.request.method in WRITE_METHODS
            # Every API request counts against its token's rate limit: a write.
            or flask.request.path.startswith("/api/")
        )
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")

    return engine


db = Database()
migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()


_REDIS_CLIENTS: dict[str, Any] = {}
_REDIS_CLIENTS_LOCK = threading.Lock()


def redis_client() -> Any | None:
    """The app's Redis (``FACTCHECK_REDIS_URL``), one client per URL and process so
    that its connections are reused; None without an app or a URL. A command waits
    half a second at most: a request must not hang on Redis (the rate limits then
    count in the database; work queued after a commit says it failed)."""
    if not flask.has_app_context():
        return None
    url = flask.current_app.config.get("REDIS_URL")
    if not url:
        return None
    with _REDIS_CLIENTS_LOCK:
        client = _REDIS_CLIENTS.get(url)
        if client is None:
            from redis import Redis

            client = _REDIS_CLIENTS[url] = Redis.from_url(
                url, socket_timeout=0.5, socket_connect_timeout=0.5
            )
    return client
