"""Running it for a newsroom: health, one log line per request, metrics, the schema check.

- ``GET /healthz``: the database answers and its schema is the code's (200), or a short
  reason why not (503). No login, no data: a load balancer or a deploy script asks it.
- Every request gets an id (the caller's ``X-Request-Id`` when it is a plain token, else
  a new one), returned in ``X-Request-Id`` and shown on error pages so a person can
  quote it; with ``REQUEST_LOG`` on (production's default) one JSON line per request
  goes to the ``factcheck.requests`` logger: time, id, method, the route's pattern (not
  the path: ids in it, and never the query string, which can hold a search for a
  person's name), status, duration and the user's id. Never a body.
- ``METRICS`` on: Prometheus metrics at ``/metrics`` (requests and their durations per
  route, and the counters other modules add: exports, imports, matching), readable from
  the machine itself, or with ``METRICS_TOKEN`` as a bearer token.
- :func:`check_schema`: the app refuses to start on a database whose schema is newer
  than the code (a downgrade of the code must not write into tables it does not know).
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from datetime import UTC, datetime
from functools import cache
from hmac import compare_digest
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, g, jsonify, request
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from factcheck.extensions import READ_ONLY, db

REQUEST_LOGGER = "factcheck.requests"
#: An incoming request id is kept when it is a short plain token (a proxy's), else
#: replaced: it goes into logs and pages.
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


# -- the schema ------------------------------------------------------------------------


@cache
def code_revisions() -> tuple[frozenset[str], frozenset[str]]:
    """(every revision the code knows, the heads) of ``migrations/``."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    scripts = ScriptDirectory.from_config(config)
    known = frozenset(script.revision for script in scripts.walk_revisions())
    return known, frozenset(scripts.get_heads())


def database_revisions(connection: Connection) -> frozenset[str] | None:
    """The revisions the database is at; None when it has no schema yet."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    return frozenset(connection.scalars(text("SELECT version_num FROM alembic_version")))


def check_schema(engine: Engine) -> None:
    """Refuse a database whose schema is newer than this code.

    An older schema is fine here (``flask db upgrade`` brings it forward; the health
    check says it is behind); an unreachable database is the health check's business.

    :raises RuntimeError: the database names a revision the code does not know.
    """
    try:
        # Read-only: at start-up, not behind a writer holding SQLite's lock.
        with engine.connect().execution_options(**{READ_ONLY: True}) as connection:
            found = database_revisions(connection)
    except SQLAlchemyError:
        return
    known, _heads = code_revisions()
    unknown = sorted((found or frozenset()) - known)
    if unknown:
        engine.dispose()  # the refused app's pooled connection must not outlive it
        raise RuntimeError(
            f"The database's schema (revision {', '.join(unknown)}) is newer than this code: "
            "it was upgraded by a later version of factcheck. Run that version (or restore "
            "a backup taken before the upgrade); this one would not know its tables."
        )


def _healthz() -> tuple[Response, int]:
    """The database answers and its schema is at the code's head: 200; else 503."""
    try:
        found = database_revisions(db.session.connection())
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="error", reason="database unreachable"), 503
    _known, heads = code_revisions()
    if found != heads:
        return jsonify(
            status="error", reason="database schema not at the code's head: run flask db upgrade"
        ), 503
    return jsonify(status="ok"), 200


# -- requests: id, log line, metrics ---------------------------------------------------------


class JsonLines(logging.Formatter):
    """A log record as one JSON object (its message, or the fields it carries)."""

    def format(self, record: logging.LogRecord) -> str:
        fields = getattr(record, "fields", None)
        if fields is None:
            fields = {
                "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
                "level": record.levelname.lower(),
                "message": record.getMessage(),
            }
        return json.dumps(fields, ensure_ascii=False, separators=(",", ":"))


def request_id() -> str | None:
    """This request's id (for error pages and logs)."""
    return g.get("request_id")


def _start() -> None:
    given = request.headers.get("X-Request-Id", "")
    g.request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def _finish(response: Response) -> Response:
    started = g.get("request_started")
    rid = g.get("request_id")
    if rid:
        response.headers["X-Request-Id"] = rid
    if started is None:
        return response
    seconds = time.perf_counter() - started
    route = request.url_rule.rule if request.url_rule is not None else "(no route)"
    if current_app.config.get("REQUEST_LOG"):
        # The user as Flask-Login already loaded them: never a query of its own.
        user = g.get("_login_user")
        user_id = getattr(user, "id", None) if getattr(user, "is_authenticated", False) else None
        logging.getLogger(REQUEST_LOGGER).info(
            "request",
            extra={
                "fields": {
                    "time": datetime.now(UTC).isoformat(),
                    "request_id": rid,
                    "method": request.method,
                    "route": route,
                    "status": response.status_code,
                    "duration_ms": round(seconds * 1000, 1),
                    "user_id": user_id,
                }
            },
        )
    metrics = current_app.extensions.get("factcheck.metrics")
    if metrics is not None:
        labels = (request.method, route, str(response.status_code))
        metrics.requests.labels(*labels).inc()
        metrics.durations.labels(request.method, route).observe(seconds)
    return response


class Metrics:
    """The Prometheus metrics of one app, in a registry of its own (tests make many)."""

    def __init__(self) -> None:
        from prometheus_client import CollectorRegistry, Counter, Histogram

        self.registry = CollectorRegistry()
        self.requests = Counter(
            "factcheck_requests",
            "HTTP requests answered, by method, route pattern and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.durations = Histogram(
            "factcheck_request_seconds",
            "Time to answer a request, by method and route pattern.",
            ["method", "route"],
            registry=self.registry,
        )
        self.work = Counter(
            "factcheck_work",
            "Exports, imports, revisions and matching runs done, by kind.",
            ["kind"],
            registry=self.registry,
        )


def count_work(kind: str, amount: int = 1) -> None:
    """Count one export, import, revision or matching run (when metrics are on)."""
    try:
        metrics = current_app.extensions.get("factcheck.metrics")
    except RuntimeError:  # outside an app (a bench's bare function call)
        return
    if metrics is not None:
        metrics.work.labels(kind).inc(amount)


def _metrics() -> Response:
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    token = current_app.config.get("METRICS_TOKEN") or ""
    given = request.headers.get("Authorization", "")
    allowed = (
        compare_digest(given, f"Bearer {token}")
        if token
        else request.remote_addr in {"127.0.0.1", "::1"}
    )
    if not allowed:
        return Response("Forbidden\n", status=403, mimetype="text/plain")
    metrics: Metrics = current_app.extensions["factcheck.metrics"]
    return Response(generate_latest(metrics.registry), mimetype=CONTENT_TYPE_LATEST)


def init_app(app: Flask) -> None:
    app.before_request(_start)
    app.after_request(_finish)
    app.context_processor(template_globals)
    app.add_url_rule("/healthz", "healthz", _healthz)
    if app.config.get("REQUEST_LOG"):
        logger = logging.getLogger(REQUEST_LOGGER)
        if not logger.handlers:
            handler = logging.StreamHandler()
            handler.setFormatter(JsonLines())
            logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    if app.config.get("METRICS"):
        app.extensions["factcheck.metrics"] = Metrics()
        app.add_url_rule("/metrics", "metrics", _metrics)


def template_globals() -> dict[str, Any]:
    return {"request_id": request_id}
