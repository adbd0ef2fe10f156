"""Running an export: the checks, the audit event, and a read-only connection to stream from."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

from flask_babel import gettext
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from factcheck.audit.recorder import record
from factcheck.exports.filters import ExportFilters
from factcheck.exports.formats import INTERNAL_ROLE, ExportFormat, WriteOptions
from factcheck.extensions import READ_ONLY, SQLITE_MMAP_BYTES
from factcheck.observability import count_work
from factcheck.users.models import User


def start_export(
    session: Session, actor: User | None, fmt: ExportFormat, filters: ExportFilters
) -> int | None:
    """Everything before the first byte leaves, the same for the web, the API and the CLI.

    Refuses filters naming what does not exist and exports the actor may not take, then
    records the audit event (the caller commits it). Returns the number of rows, or
    None for a format that does not count them (the archive, whose lines are records
    of several kinds).

    :raises ValidationFailed: an unknown article or verdict.
    :raises PermissionDenied: drafts or archives asked for by an annotator.
    """
    filters.check_known(session)
    check_may_export(actor, fmt, filters)
    rows = fmt.count(session.connection(), filters) if fmt.count is not None else None
    record_export(session, actor, fmt, filters, rows)
    return rows


def check_may_export(actor: User | None, fmt: ExportFormat, filters: ExportFilters) -> None:
    """Archives hold drafts and reviews: internal formats and unpublished states are for
    reviewers and admins; anyone may take the published verdicts in a public format."""
    from factcheck.errors import PermissionDenied
    from factcheck.review.workflow import AnnotationState

    if actor is None:  # the command line
        return
    internal = fmt.internal or filters.state is not AnnotationState.APPROVED
    if internal and not actor.has_role(INTERNAL_ROLE):
        raise PermissionDenied(
            gettext(
                "Only reviewers and admins can export drafts, reviews and full archives; "
                "everyone can export the published (approved) verdicts."
            )
        )


def record_export(
    session: Session,
    actor: User | None,
    fmt: ExportFormat,
    filters: ExportFilters,
    rows: int | None,
) -> None:
    """Every export is in the audit history: who took what data out, with which filters."""
    details = {key: [None, value] for key, value in filters.describe().items()}
    if rows is not None:
        details["rows"] = [None, rows]
    record(session, actor, f"export:{fmt.key}", "export", None, details)
    count_work(f"export:{fmt.key}")


def export_chunks(
    bind: Engine | Connection, fmt: ExportFormat, filters: ExportFilters, options: WriteOptions
) -> Iterator[bytes]:
    """The bytes of an export, produced as they stream out of the database.

    Call after :func:`start_export` has been committed. ``options.bom`` applies to
    CSVs only: JSON never starts with one.
    """
    if options.bom and not fmt.csv:
        options = replace(options, bom=False)
    with read_connection(bind) as connection:
        yield from fmt.write(connection, filters, options)


@contextmanager
def read_connection(bind: Engine | Connection) -> Iterator[Connection]:
    """A connection in a read-only transaction for streaming, closed afterwards.

    Given a connection that is already in a transaction (the test suite's), use it as is.
    """
    if isinstance(bind, Connection):
        yield bind
        return
    connection = bind.connect().execution_options(**{READ_ONLY: True})
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # An export reads the whole file once, front to back: mapped into the process,
        # every page it touched would count in the worker's resident memory (up to the
        # 1 GB mapping limit, for nothing), where plain reads leave it to the OS's cache.
        # (On the driver's connection: a statement here would begin the transaction.)
        connection.connection.driver_connection.execute("PRAGMA mmap_size=0")
    if connection.dialect.name == "postgresql":
        # An export reads several cursors side by side (rows, sources, articles); under
        # READ COMMITTED each would see its own snapshot, and a verdict approved in
        # between would appear in one and not the other. One snapshot for all of them.
        # (SQLite's read transaction is one snapshot already.)
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
    try:
        with connection.begin():
            if connection.dialect.name == "postgresql":
                # Exports read every row through a server-side cursor; PostgreSQL plans
                # cursors for the first 10% of rows by default, which picks nested loops
                # that are 20x slower for a full export.
                connection.exec_driver_sql("SET LOCAL cursor_tuple_fraction = 1.0")
                # Let the ORDER BY sort 100,000 rows in memory instead of on disk.
                connection.exec_driver_sql("SET LOCAL work_mem = '128MB'")
                # JIT compiling the export query took 0.5 s before the first row, more
                # than it ever saved on a query that is mostly index lookups.
                connection.exec_driver_sql("SET LOCAL jit = off")
            yield connection
    finally:
        if sqlite:
            # The connection goes back to the pool: as the other requests expect it.
            driver = connection.connection.driver_connection
            driver.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
        connection.close()
