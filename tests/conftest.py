"""Fixtures: one app per database backend, each test inside a rolled-back transaction.

The suite runs on SQLite always and on PostgreSQL when FACTCHECK_TEST_POSTGRES_URL
is set. With FACTCHECK_TEST_STRICT=1 (CI) a missing PostgreSQL or browser is a
failure instead of a skip.
"""

from __future__ import annotations

import contextvars
import io
import os
import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import flask_migrate
import pytest
from flask import Flask, has_app_context
from flask.testing import FlaskClient
from hypothesis import settings
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from config import TestingConfig
from factcheck import create_app
from factcheck.articles.models import Article, Claim
from factcheck.audit.models import AuditEvent
from factcheck.demo import load_demo
from factcheck.extensions import db as database
from factcheck.users import operations as user_ops
from factcheck.users.models import Role, User
from factcheck.users.tokens import create_token
from tests.servers import create_postgres_database

# No wall-clock limits in the suite: Hypothesis's default 200 ms deadline fails an
# example that a busy machine (two xdist workers, PostgreSQL) merely ran slowly.
settings.register_profile("factcheck", deadline=None)
settings.load_profile("factcheck")

STRICT = os.environ.get("FACTCHECK_TEST_STRICT") == "1"
DEMO_PASSWORD = "browser demo password"
#: Live servers by base URL, so session fixtures can reach their app directly.
LIVE_APPS: dict[str, Flask] = {}
POSTGRES_URL = os.environ.get("FACTCHECK_TEST_POSTGRES_URL")
PASSWORD = "correct horse battery"


def skip_or_fail(reason: str) -> None:
    """Skip locally; fail in CI, where everything must be present."""
    if STRICT:
        pytest.fail(f"{reason} (FACTCHECK_TEST_STRICT=1 makes this a failure)")
    pytest.skip(reason)


def _worker_id(config: pytest.Config) -> str:
    return getattr(config, "workerinput", {}).get("workerid", "main")


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A fresh, empty database of each backend for this test worker."""
    worker = _worker_id(request.config)
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'factcheck.sqlite'}"
    if not POSTGRES_URL:
        skip_or_fail("FACTCHECK_TEST_POSTGRES_URL is not set")
    try:
        return create_postgres_database(POSTGRES_URL, f"factcheck_test_{worker}")
    except Exception as error:
        skip_or_fail(f"PostgreSQL is not reachable: {error}")
        raise


class IsolatedClient(FlaskClient):
    """A test client whose requests each get their own app context, as in production.

    The test itself holds an app context (for its own session); without this, Flask
    would reuse it for requests and ``g`` (the logged-in user, the CSRF token) would
    leak from one request into the next.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        # Buffered, so streamed responses run inside the request's own context too.
        kwargs.setdefault("buffered", True)
        response = contextvars.Context().run(super().open, *args, **kwargs)
        # The request committed through its own session; let the test's session see it.
        # (Redirects followed by Werkzeug re-enter here outside any app context.)
        if has_app_context():
            database.session.expire_all()
        return response


def make_app(url: str, **overrides: Any) -> Flask:
    class Config(TestingConfig):
        DATABASE_URL = url

    for key, value in overrides.items():
        setattr(Config, key, value)
    return create_app(Config)


@pytest.fixture(scope="session")
def app(database_url: str) -> Iterator[Flask]:
    """The application, its database built by ``alembic upgrade head``."""
    application = make_app(database_url)
    application.test_client_class = IsolatedClient
    with application.app_context():
        flask_migrate.upgrade()
        database.session.remove()
    yield application
    application.extensions["factcheck.engine"].dispose()


@pytest.fixture
def db(app: Flask) -> Iterator[Session]:
    """The session, inside a transaction that is rolled back after the test.

    Views still commit and roll back: those become savepoints of the outer transaction.
    """
    engine = app.extensions["factcheck.engine"]
    connection = engine.connect()
    outer = connection.begin()
    database.session_factory.configure(bind=connection)
    with app.app_context():
        yield database.session()
        database.session.remove()
    database.session_factory.configure(bind=None)
    outer.rollback()
    connection.close()


@pytest.fixture
def client(app: Flask, db: Session) -> FlaskClient:
    return app.test_client()


CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def csrf_token(client: FlaskClient, path: str = "/login", **kwargs: Any) -> str:
    """Read a CSRF token from a page, as a browser would (``kwargs`` go to ``client.get``)."""
    response = client.get(path, follow_redirects=True, **kwargs)
    match = CSRF_META.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def post_form(
    client: FlaskClient,
    path: str,
    data: dict[str, Any] | None = None,
    *,
    token_from: str = "/login",
    **kwargs: Any,
) -> Any:
    """POST a form with a valid CSRF token."""
    payload = dict(data or {})
    payload["csrf_token"] = csrf_token(client, token_from)
    return client.post(path, data=payload, **kwargs)


def upload(client: FlaskClient, *files: tuple[bytes, str]) -> Any:
    """POST ``(content, file name)`` pairs to the /imports form."""
    data = {"files": [(io.BytesIO(content), name) for content, name in files]}
    return post_form(
        client, "/imports", data, token_from="/imports", content_type="multipart/form-data"
    )


def counts(db: Session) -> tuple[int, int, int]:
    """How many articles, claims and audit events there are, read afresh from the database."""
    db.expire_all()
    return tuple(
        db.scalar(select(func.count()).select_from(model)) or 0
        for model in (Article, Claim, AuditEvent)
    )  # type: ignore[return-value]


@pytest.fixture
def make_user(db: Session) -> Callable[..., User]:
    counter = iter(range(1, 10_000))

    def factory(
        role: Role = Role.ANNOTATOR,
        *,
        email: str | None = None,
        name: str | None = None,
        password: str = PASSWORD,
        active: bool = True,
    ) -> User:
        number = next(counter)
        user = user_ops.create_user(
            db,
            None,
            email=email or f"{role.value}{number}@example.org",
            name=name or f"{role.label} {number}",
            password=password,
            role=role,
        )
        user.active = active
        db.flush()
        return user

    return factory


@pytest.fixture
def make_token(db: Session, make_user: Callable[..., User]) -> Callable[..., tuple[str, User]]:
    """Create a user with the given role and an API token; return the secret and the user.

    ``make_user``'s keyword arguments pass through; ``token_name`` names the token.
    """

    def factory(
        role: Role = Role.ANNOTATOR, *, token_name: str = "test", **kwargs: Any
    ) -> tuple[str, User]:
        user = make_user(role, **kwargs)
        _token, secret = create_token(db, user, token_name)
        db.commit()
        return secret, user

    return factory


def log_in(client: FlaskClient, email: str, password: str = PASSWORD, **extra: Any) -> Any:
    return post_form(client, "/login", {"email": email, "password": password, **extra})


@pytest.fixture
def login(client: FlaskClient, make_user: Callable[..., User]) -> Callable[..., User]:
    """Create a user with the given role and log the test client in as them."""

    def do_login(role: Role = Role.ANNOTATOR, **kwargs: Any) -> User:
        user = make_user(role, **kwargs)
        response = log_in(client, user.email)
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return do_login


#: Verdicts the demo approves: two on the reference article, one each on the Spanish and
#: the Arabic article.
DEMO_APPROVED = 4


def run_demo(app: Flask) -> None:
    """Load the demo data through ``flask demo``, as an operator would."""
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output


SAMPLE_BODY = (
    "Ministers promise 10,000 new homes\n\n"
    "The government said on Monday that it would build 10,000 homes by 2030. "
    "Critics told reporters the figure was “far lower” than promised in 2019.\n\n"
    "Dr. Jane Smith, an economist, said prices rose 4.5% last year."
)


@pytest.fixture
def make_article(db: Session, app: Flask) -> Callable[..., Any]:
    from factcheck.articles.operations import import_article

    counter = iter(range(1, 10_000))

    def factory(actor: User | None = None, *, body: str | None = None, title: str | None = None):
        number = next(counter)
        return import_article(
            db,
            actor,
            title=title or f"Article {number}",
            body=body or f"{SAMPLE_BODY}\n\nArticle number {number} ends here.",
            max_chars=app.config["MAX_ARTICLE_CHARS"],
        )

    return factory


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Serve the app with the demo data from a thread; yield its base URL."""
    path: Path = tmp_path_factory.mktemp("live") / "live.sqlite"

    class LiveConfig(TestingConfig):
        TESTING = False
        DATABASE_URL = f"sqlite:///{path}"
        #: The public pages too (the accessibility checks visit them).
        PUBLISHING = True

    app = create_app(LiveConfig)
    with app.app_context():
        flask_migrate.upgrade()
        load_demo(database.session, password=DEMO_PASSWORD, max_chars=1_000_000)
        database.session.commit()
        database.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    LIVE_APPS[f"http://127.0.0.1:{server.server_port}"] = app
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
    app.extensions["factcheck.engine"].dispose()
