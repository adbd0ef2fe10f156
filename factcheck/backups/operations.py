"""Backups of the whole database, taken while people keep working, and restores of them.

Three kinds of backup, each a file with a manifest beside it (``FILE.manifest.json``):

- ``sqlite``: a complete SQLite database file, copied page by page with SQLite's online
  backup API from a connection that holds one read transaction, so every step copies
  the same snapshot (WAL mode: writers carry on meanwhile). The copy is switched to a
  rollback journal, so it is one self-contained file.
- ``postgresql``: ``pg_dump --format=custom`` of a snapshot exported from a REPEATABLE
  READ transaction, the transaction in which the manifest's row counts and audit head
  were read: the counts and the dump describe the same moment.
- ``jsonl``: the platform's JSON Lines archive (``exports/jsonl.py``), the portable path
  between SQLite and PostgreSQL. It carries the verdict scale, accounts (without
  password hashes), articles, claims, revisions, annotations, sources and reviews, and
  restores through ``restore/`` record by record. It does not carry the audit history
  (the restored database starts its own, which records every restored record), the
  fact-check library, tokens, login sessions or assignments.

The manifest says what the backup holds: its SHA-256, the schema revision, the rows of
every table and the audit history's head, read inside the backup's own snapshot. A
verify restores the backup into a temporary database and compares; a restore compares
the restored database the same way before it upgrades the schema and records itself.
"""

from __future__ import annotations

import collections
import contextlib
import enum
import hashlib
import json
import os
import re
import secrets
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import flask_migrate
from alembic.script import ScriptDirectory
from flask import Flask, current_app
from flask_babel import gettext
from sqlalchemy import Connection, Engine, create_engine, inspect, make_url, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from factcheck.audit.recorder import Verified, record, walk
from factcheck.db import Base, utcnow
from factcheck.errors import DomainError
from factcheck.exports.filters import ExportFilters
from factcheck.exports.jsonl import export_lines
from factcheck.extensions import db, migrate
from factcheck.restore.operations import Scope, archive_lines, restore_archive
from factcheck.unit_of_work import unit_of_work
from factcheck.users.models import User

FORMAT, VERSION = "factcheck-backup", 1
MANIFEST_SUFFIX = ".manifest.json"
#: The result of the last ``flask backup verify`` of a backup, beside it.
VERIFIED_SUFFIX = ".verified.json"
#: Pages copied per step of a SQLite backup: the progress bar moves, and each step is
#: short. (The read transaction, not the step size, keeps the copy consistent.)
PAGES_PER_STEP = 1024
#: A manifest is a few kilobytes; anything much larger is not one.
MAX_MANIFEST_BYTES = 1 << 20
#: Tables whose rows mean the database holds someone's work: every change writes an
#: audit event, so a database without events, accounts, articles, annotations or
#: library entries is one the migrations just made (they only fill in the verdict
#: scale and the library's statistics row).
DATA_TABLES = ("audit_events", "users", "articles", "annotations", "factchecks")
#: What a portable (JSON Lines) backup carries, counted in its manifest and after a
#: restore. The scale's seeded verdicts are there on both sides, and the archive adds
#: the ones the scale lacks, so verdicts count too.
PORTABLE_TABLES = (
    "verdicts",
    "users",
    "articles",
    "article_revisions",
    "claims",
    "claim_links",
    "annotations",
    "sources",
    "reviews",
)
#: Generated names only: what the admin page lists and lets download.
NAME_PATTERN = re.compile(r"factcheck-\d{8}T\d{6}Z-[0-9a-f]{6}\.(sqlite|dump|jsonl)")
#: ``postgresql://...?sslmode=require`` and friends, as libpq's environment variables.
_PG_QUERY_ENV = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "host": "PGHOST",
    "port": "PGPORT",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "application_name": "PGAPPNAME",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
}

#: ``progress(done, total)``, in the unit of the step (pages, tables, articles).
Progress = Callable[[int, int], None]


class Kind(enum.StrEnum):
    SQLITE = "sqlite"
    POSTGRESQL = "postgresql"
    #: The JSON Lines archive: restores on either database.
    JSONL = "jsonl"


EXTENSIONS = {Kind.SQLITE: "sqlite", Kind.POSTGRESQL: "dump", Kind.JSONL: "jsonl"}


class BackupFailed(DomainError):
    """A backup could not be made, read, checked or restored; ``message`` says why."""

    status_code = 422
    code = "backup_failed"


@dataclass(frozen=True)
class Facts:
    """What a database (or a backup of one) holds, read in one snapshot."""

    schema_revision: str | None
    tables: dict[str, int]
    audit_head: str
    audit_events: int


@dataclass(frozen=True)
class Manifest:
    kind: Kind
    #: The database the backup was taken from.
    backend: str
    file: str
    size: int
    sha256: str
    schema_revision: str | None
    tables: dict[str, int]
    audit_head: str
    audit_events: int
    created_at: str
    created_by: str
    app_version: str | None

    @property
    def created(self) -> datetime | None:
        """``created_at`` as a time, for pages; None if it is not one."""
        return _parse_time(self.created_at)

    @property
    def audit_carried(self) -> bool:
        """Whether a restore brings the audit history back (not a portable backup)."""
        return self.kind is not Kind.JSONL

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": VERSION,
            "kind": self.kind.value,
            "backend": self.backend,
            "file": self.file,
            "size": self.size,
            "sha256": self.sha256,
            "schema_revision": self.schema_revision,
            "tables": self.tables,
            "audit": {
                "head_hash": self.audit_head,
                "events": self.audit_events,
                "carried": self.audit_carried,
            },
            "created_at": self.created_at,
            "created_by": self.created_by,
            "app_version": self.app_version,
        }

    @classmethod
    def from_json(cls, data: Any) -> Manifest:
        """:raises ValueError: naming what is missing or wrong."""
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError("not a factcheck backup manifest")
        if data.get("version") != VERSION:
            raise ValueError(f"manifest version {data.get('version')!r} is not {VERSION}")
        audit, tables = data.get("audit"), data.get("tables")
        if not isinstance(audit, dict) or not isinstance(tables, dict):
            raise ValueError("no audit or tables section")
        if not all(isinstance(k, str) and type(v) is int for k, v in tables.items()):
            raise ValueError("the table counts are not whole numbers")
        revision = data.get("schema_revision")
        values = {
            "file": data.get("file"),
            "sha256": data.get("sha256"),
            "created_at": data.get("created_at"),
            "created_by": data.get("created_by"),
            "backend": data.get("backend"),
            "audit_head": audit.get("head_hash"),
        }
        for name, value in values.items():
            if not isinstance(value, str):
                raise ValueError(f"{name} is missing")
        if not re.fullmatch(r"[0-9a-f]{64}", values["sha256"]):
            raise ValueError("sha256 is not a SHA-256")
        if type(data.get("size")) is not int or type(audit.get("events")) is not int:
            raise ValueError("size or audit events is not a number")
        if revision is not None and not isinstance(revision, str):
            raise ValueError("schema_revision is not text")
        version = data.get("app_version")
        return cls(
            kind=Kind(data.get("kind")),
            size=data["size"],
            schema_revision=revision,
            tables=dict(tables),
            audit_events=audit["events"],
            app_version=version if isinstance(version, str) else None,
            **values,
        )


@dataclass(frozen=True)
class CheckReport:
    """A backup compared with its manifest, in a temporary database or the restored one."""

    manifest: Manifest
    facts: Facts
    problems: list[str]
    #: The schema revision the restored database was upgraded from (restores only).
    upgraded_from: str | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class BackupEntry:
    """A backup in the backup folder, as the admin page lists it."""

    name: str
    size: int
    manifest: Manifest | None
    #: Why the manifest could not be read, when it could not.
    problem: str | None = None
    #: The last verify's result: {"ok", "at", "sha256", "problems"}.
    verified: dict[str, Any] | None = field(default=None)

    @property
    def verified_at(self) -> datetime | None:
        return _parse_time((self.verified or {}).get("at"))

    @property
    def verified_ok(self) -> bool:
        return bool(
            self.verified
            and self.manifest
            and self.verified.get("ok") is True
            and self.verified.get("sha256") == self.manifest.sha256
        )


def _parse_time(value: Any) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# --- where backups go ---------------------------------------------------------------------


def backup_dir() -> Path:
    """``BACKUP_DIR``, or ``backups/`` in the instance folder."""
    configured = current_app.config.get("BACKUP_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "backups"


def manifest_path(path: Path) -> Path:
    return path.with_name(path.name + MANIFEST_SUFFIX)


def verified_path(path: Path) -> Path:
    return path.with_name(path.name + VERIFIED_SUFFIX)


def new_backup_path(kind: Kind, directory: Path | None = None) -> Path:
    """A fresh name in the backup folder, made here and never taken from a request."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    name = f"factcheck-{stamp}-{secrets.token_hex(3)}.{EXTENSIONS[kind]}"
    return (directory or backup_dir()) / name


def backend_of(url: str) -> str:
    name = make_url(url).get_backend_name()
    if name not in ("sqlite", "postgresql"):
        raise BackupFailed(
            gettext("Backups work with SQLite and PostgreSQL, not %(name)s.", name=name)
        )
    return name


def app_version() -> str | None:
    try:
        return metadata.version("factcheck")
    except metadata.PackageNotFoundError:
        return None


# --- reading what a database holds ---------------------------------------------------------


def read_facts(connection: Connection, only: Collection[str] | None = None) -> Facts:
    """Row counts of the application's tables (those the database has), the schema
    revision and the audit head, read through ``connection`` (one snapshot when it is
    in a transaction)."""
    existing = set(inspect(connection).get_table_names())
    names = sorted(
        table.name
        for table in Base.metadata.sorted_tables
        if table.name in existing and (only is None or table.name in only)
    )
    tables = {}
    for name in names:
        count = text(f'SELECT count(*) FROM "{name}"')  # noqa: S608 - names from the metadata
        tables[name] = int(connection.execute(count).scalar_one())
    revision = None
    if "alembic_version" in existing:
        revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    head, events = "", 0
    if "audit_events" in existing:
        head = (
            connection.execute(
                text("SELECT hash FROM audit_events ORDER BY id DESC LIMIT 1")
            ).scalar()
            or ""
        )
        events = int(connection.execute(text("SELECT count(*) FROM audit_events")).scalar_one())
    return Facts(revision, tables, head, events)


def check_chain(connection: Connection) -> Verified:
    """The audit history's hash chain, walked from the start."""
    session = Session(bind=connection)
    try:
        return walk(session, None, None)
    finally:
        session.close()


def compare(manifest: Manifest, facts: Facts, chain: Verified) -> list[str]:
    """What differs between a manifest and the database a backup was restored into."""
    problems = []
    for table, expected in sorted(manifest.tables.items()):
        found = facts.tables.get(table)
        if found != expected:
            problems.append(
                gettext(
                    "table %(table)s has %(found)s rows; the manifest says %(expected)s",
                    table=table,
                    found="—" if found is None else found,
                    expected=expected,
                )
            )
    if chain.broken is not None:
        problems.append(
            gettext(
                "the audit history is broken at event %(event)s: %(reason)s",
                event=chain.broken.event_id,
                reason=chain.broken.reason,
            )
        )
    if manifest.audit_carried and facts.audit_head != manifest.audit_head:
        problems.append(
            gettext(
                "the audit history ends at %(found)s; the manifest says %(expected)s",
                found=facts.audit_head or "(empty)",
                expected=manifest.audit_head or "(empty)",
            )
        )
    return problems


# --- files -----------------------------------------------------------------------------------


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _write_json(path: Path, data: dict[str, Any]) -> None:
    """Written whole or not at all: a temporary file renamed into place."""
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    partial.replace(path)


def read_manifest(path: Path) -> Manifest:
    """The manifest of the backup ``path``.

    :raises BackupFailed: the backup or its manifest is missing, cut short or not one.
    """
    if not path.is_file():
        raise BackupFailed(gettext("%(file)s does not exist or is not a file.", file=path))
    where = manifest_path(path)
    try:
        if where.stat().st_size > MAX_MANIFEST_BYTES:
            raise ValueError("far too large")
        raw = where.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BackupFailed(
            gettext(
                "%(file)s has no manifest (%(manifest)s): only backups made by “flask backup "
                "create” can be checked and restored.",
                file=path.name,
                manifest=where.name,
            )
        ) from None
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise BackupFailed(
            gettext("cannot read the manifest %(manifest)s: %(error)s", manifest=where, error=error)
        ) from None
    try:
        return Manifest.from_json(json.loads(raw))
    except json.JSONDecodeError as error:
        raise BackupFailed(
            gettext(
                "the manifest %(manifest)s is not valid JSON (was it cut short?): %(error)s",
                manifest=where.name,
                error=error,
            )
        ) from None
    except (ValueError, KeyError, TypeError) as error:
        raise BackupFailed(
            gettext(
                "the manifest %(manifest)s is not a backup manifest of this application: %(error)s",
                manifest=where.name,
                error=error,
            )
        ) from None


def check_checksum(path: Path, manifest: Manifest) -> None:
    """:raises BackupFailed: the file is not the one the manifest describes."""
    found = file_sha256(path)
    if found != manifest.sha256:
        raise BackupFailed(
            gettext(
                "the SHA-256 of %(file)s is %(found)s, but the manifest says %(expected)s: "
                "the file was changed or damaged after the backup was made.",
                file=path.name,
                found=found,
                expected=manifest.sha256,
            )
        )


def list_backups(directory: Path | None = None) -> list[BackupEntry]:
    """Every backup with a manifest in the backup folder, newest first."""
    directory = directory or backup_dir()
    if not directory.is_dir():
        return []
    entries = []
    for manifest_file in directory.iterdir():
        name = manifest_file.name.removesuffix(MANIFEST_SUFFIX)
        if name == manifest_file.name or not NAME_PATTERN.fullmatch(name):
            continue
        path = directory / name
        if not path.is_file():
            continue
        try:
            manifest, problem = read_manifest(path), None
        except BackupFailed as error:
            manifest, problem = None, error.message
        verified = None
        with contextlib.suppress(OSError, ValueError):
            loaded = json.loads(verified_path(path).read_text(encoding="utf-8"))
            verified = loaded if isinstance(loaded, dict) else None
        entries.append(BackupEntry(name, path.stat().st_size, manifest, problem, verified))
    entries.sort(key=lambda entry: entry.name[10:26], reverse=True)
    return entries


def find_backup(name: str, directory: Path | None = None) -> Path | None:
    """The file of that name if the folder's listing has it (the backup or its
    manifest); None otherwise. The name is matched against the listing, never joined
    onto a path as given."""
    for entry in list_backups(directory):
        for candidate in (entry.name, entry.name + MANIFEST_SUFFIX):
            if name == candidate:
                return (directory or backup_dir()) / candidate
    return None


# --- SQLite ----------------------------------------------------------------------------------


def _sqlite_file(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:" or "mode=memory" in url:
        raise BackupFailed(gettext("An in-memory SQLite database has no file to back up."))
    return Path(database)


def _file_uri(path: Path, mode: str) -> str:
    return f"{path.resolve().as_uri()}?mode={mode}"


def _sqlite_copy(source_uri: str, target: Path, progress: Progress | None) -> None:
    """Copy a SQLite database into a new file ``target``, consistently, while others
    write to it.

    The source connection begins a read transaction and reads from it first: in WAL
    mode that fixes its snapshot, and each step of the backup (``PAGES_PER_STEP``
    pages) copies from that same snapshot instead of restarting when someone commits.
    """
    busy = int(current_app.config.get("SQLITE_BUSY_TIMEOUT_SECONDS", 30))
    source = sqlite3.connect(source_uri, uri=True, isolation_level=None, timeout=busy)
    try:
        source.execute("BEGIN")
        source.execute("SELECT count(*) FROM sqlite_master").fetchone()
        copy = sqlite3.connect(target, isolation_level=None)
        try:

            def step(_status: int, remaining: int, total: int) -> None:
                if progress is not None:
                    progress(total - remaining, total)

            source.backup(copy, pages=PAGES_PER_STEP, progress=step)
            # One self-contained file: a copy in WAL mode could leave -wal and -shm
            # files beside it whenever it is opened.
            copy.execute("PRAGMA journal_mode=DELETE").fetchone()
        finally:
            copy.close()
        source.execute("ROLLBACK")
    finally:
        source.close()


def _sqlite_engine(path: Path, *, read_only: bool) -> Engine:
    """A plain engine on one file (no app listeners: nothing here may BEGIN IMMEDIATE)."""
    uri = _file_uri(path, "ro" if read_only else "rw")
    return create_engine("sqlite://", creator=lambda: sqlite3.connect(uri, uri=True))


def _sqlite_overwrite(source: sqlite3.Connection, target: Path) -> None:
    """Replace everything in the database file ``target`` with ``source``'s content, in
    one step under its write lock (all or nothing), through the backup API: copying the
    file instead would leave the old -wal file beside it to be replayed."""
    busy = int(current_app.config.get("SQLITE_BUSY_TIMEOUT_SECONDS", 30))
    destination = sqlite3.connect(target, isolation_level=None, timeout=busy)
    try:
        source.backup(destination)
    finally:
        destination.close()


# --- PostgreSQL ------------------------------------------------------------------------------


def _pg_program(name: str) -> str:
    """``pg_dump`` (the ``PG_DUMP`` setting, ``FACTCHECK_PG_DUMP``, or on PATH), or the
    ``pg_restore`` beside it."""
    configured = (
        current_app.config.get("PG_DUMP") or os.environ.get("FACTCHECK_PG_DUMP") or "pg_dump"
    )
    dump = shutil.which(configured)
    if dump is None:
        raise BackupFailed(
            gettext(
                "%(program)s was not found: install the PostgreSQL client programs, or name "
                "pg_dump in FACTCHECK_PG_DUMP.",
                program=configured,
            )
        )
    if name == "pg_dump":
        return dump
    beside = Path(dump).with_name(name)
    found = str(beside) if beside.is_file() else shutil.which(name)
    if found is None:
        raise BackupFailed(gettext("%(program)s was not found beside pg_dump.", program=name))
    return found


def _pg_env(url: URL) -> dict[str, str]:
    """libpq's environment for ``url``: the password never appears on a command line."""
    env = dict(os.environ)
    settings = {
        "PGHOST": url.host,
        "PGPORT": str(url.port) if url.port else None,
        "PGUSER": url.username,
        "PGPASSWORD": url.password,
        "PGDATABASE": url.database,
    }
    for key, value in url.query.items():
        if key in _PG_QUERY_ENV:
            settings[_PG_QUERY_ENV[key]] = value[0] if isinstance(value, tuple) else value
    env.update({key: str(value) for key, value in settings.items() if value})
    return env


def _run(arguments: list[str], env: dict[str, str], on_line: Callable[[str], None]) -> None:
    """Run a PostgreSQL program, reading its messages as they come.

    :raises BackupFailed: it failed; the message ends with what it said last.
    """
    try:
        process = subprocess.Popen(  # noqa: S603 - a fixed program, arguments of ours
            arguments,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
        )
    except OSError as error:
        raise BackupFailed(
            gettext("cannot run %(program)s: %(error)s", program=arguments[0], error=error)
        ) from None
    said: collections.deque[str] = collections.deque(maxlen=40)
    assert process.stderr is not None
    for line in process.stderr:
        said.append(line.rstrip())
        on_line(line)
    if process.wait() != 0:
        errors = [line for line in said if "error" in line.lower()] or list(said)[-3:]
        raise BackupFailed(
            gettext(
                "%(program)s failed: %(output)s",
                program=Path(arguments[0]).name,
                output=" ".join(errors[-5:]),
            )
        )


def _pg_dump(url: URL, snapshot: str, target: Path, total: int, progress: Progress | None) -> None:
    done = 0

    def on_line(line: str) -> None:
        nonlocal done
        if "dumping contents of table" in line:
            done += 1
            if progress is not None:
                progress(min(done, total), total)

    arguments = [
        _pg_program("pg_dump"),
        "--format=custom",
        f"--snapshot={snapshot}",
        f"--file={target}",
        "--verbose",
    ]
    _run(arguments, _pg_env(url), on_line)


def _pg_restore(url: URL, backup: Path) -> None:
    """Everything in one transaction: a failure leaves no half-restored tables."""
    arguments = [
        _pg_program("pg_restore"),
        "--no-owner",
        "--no-acl",
        "--single-transaction",
        "--exit-on-error",
        f"--dbname={url.database}",
        str(backup),
    ]
    _run(arguments, _pg_env(url), lambda _line: None)


@contextlib.contextmanager
def _pg_snapshot(engine: Engine) -> Iterator[tuple[Connection, str]]:
    """A read-only REPEATABLE READ transaction and the name of its exported snapshot."""
    with engine.connect() as connection:
        connection = connection.execution_options(
            isolation_level="REPEATABLE READ", postgresql_readonly=True
        )
        with connection.begin():
            snapshot = connection.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
            yield connection, snapshot


def _pg_reset_schema(engine: Engine) -> None:
    """An empty ``public`` schema, for pg_restore to create every table in."""
    engine.dispose()
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP SCHEMA public CASCADE")
        connection.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()


@contextlib.contextmanager
def _pg_scratch_database(url: URL) -> Iterator[URL]:
    """A temporary database on the same server, dropped afterwards."""
    name = f"factcheck_check_{secrets.token_hex(6)}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except SQLAlchemyError as error:
        admin.dispose()
        raise BackupFailed(
            gettext(
                "cannot create a temporary database to check the backup in: %(error)s",
                error=getattr(error, "orig", error),
            )
        ) from None
    try:
        yield url.set(database=name)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


# --- the portable archive -----------------------------------------------------------------


def _write_archive(
    connection: Connection, target: Path, total: int, progress: Progress | None
) -> None:
    session = Session(bind=connection)
    done = 0
    try:
        with target.open("w", encoding="utf-8", newline="") as handle:
            for line in export_lines(session, ExportFilters(state=None)):
                handle.write(line)
                if line.startswith('{"type":"article"'):
                    done += 1
                    if progress is not None:
                        progress(done, total)
    finally:
        session.close()


@contextlib.contextmanager
def _scratch_app(url: str) -> Iterator[Flask]:
    """The application's settings and extensions on another database, for migrating and
    restoring into a temporary one (the restore's operations read ``current_app``)."""
    scratch = Flask(current_app.import_name, root_path=current_app.root_path)
    scratch.config.update(current_app.config)
    # Nothing of the temporary database's may reach the real instance or queue.
    scratch.config.update(
        DATABASE_URL=url, VECTOR_INDEX_DIR="", BACKGROUND_WORK="inline", REDIS_URL=None
    )
    scratch.extensions.update(
        {
            key: value
            for key, value in current_app.extensions.items()
            if key not in ("factcheck.engine", "migrate")
        }
    )
    db.init_app(scratch)
    migrate.init_app(scratch, db, directory=current_app.extensions["migrate"].directory)
    try:
        yield scratch
    finally:
        scratch.extensions["factcheck.engine"].dispose()


def _restore_archive_into(engine: Engine, path: Path, manifest: Manifest) -> None:
    """Restore the portable archive at ``path`` into the (migrated, empty) database of
    ``engine``, all or nothing, in a session of its own."""
    session = db.session_factory(bind=engine)
    try:
        with unit_of_work(session), path.open("rb") as stream:
            restore_archive(
                session,
                None,
                archive_lines(stream, filename=path.name),
                archive=path.name,
                scope=Scope.EVERYTHING,
                max_chars=current_app.config["MAX_ARTICLE_CHARS"],
            )
    except DomainError as error:
        raise BackupFailed(error.message) from None
    finally:
        session.close()


# --- schema revisions -----------------------------------------------------------------------


def _scripts() -> ScriptDirectory:
    config = current_app.extensions["migrate"].migrate.get_config()
    return ScriptDirectory.from_config(config)


def _check_revision(revision: str | None) -> str:
    """The code's head revision; refuses a backup whose schema this code does not know."""
    scripts = _scripts()
    head = scripts.get_current_head()
    assert head is not None
    known = True
    if revision is not None:
        try:
            known = scripts.get_revision(revision) is not None
        except Exception:  # alembic raises several kinds for an unknown revision
            known = False
    if not known:
        raise BackupFailed(
            gettext(
                "The backup's schema (revision %(revision)s) is not one this version of the "
                "application knows: restore it with the version that made it, or a newer one.",
                revision=revision,
            )
        )
    return head


# --- create -----------------------------------------------------------------------------------


def create_backup(
    out: Path | None,
    *,
    portable: bool = False,
    created_by: str,
    progress: Progress | None = None,
) -> tuple[Path, Manifest]:
    """Back up the application's database into ``out`` (a new name in the backup folder
    when None) and write the manifest beside it.

    Nothing is left behind on failure, and an existing file is never replaced.

    :raises BackupFailed: saying why.
    """
    url = current_app.config["DATABASE_URL"]
    backend = backend_of(url)
    kind = Kind.JSONL if portable else Kind(backend)
    out = out if out is not None else new_backup_path(kind)
    partial = out.with_name(out.name + ".partial")
    manifest_file = manifest_path(out)
    if out.exists() or manifest_file.exists():
        raise BackupFailed(
            gettext("%(file)s exists already: a backup never replaces a file.", file=out)
        )
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        partial.unlink(missing_ok=True)
        facts = _take(kind, backend, url, partial, progress)
        manifest = Manifest(
            kind=kind,
            backend=backend,
            file=out.name,
            size=partial.stat().st_size,
            sha256=file_sha256(partial),
            schema_revision=facts.schema_revision,
            tables=facts.tables,
            audit_head=facts.audit_head,
            audit_events=facts.audit_events,
            created_at=utcnow().isoformat(timespec="seconds"),
            created_by=created_by,
            app_version=app_version(),
        )
        partial.replace(out)
        try:
            _write_json(manifest_file, manifest.to_json())
        except BaseException:
            out.unlink(missing_ok=True)
            raise
    except (OSError, sqlite3.Error, SQLAlchemyError) as error:
        raise BackupFailed(
            gettext("the backup could not be made: %(error)s", error=getattr(error, "orig", error))
        ) from None
    finally:
        partial.unlink(missing_ok=True)
        manifest_file.with_name(manifest_file.name + ".partial").unlink(missing_ok=True)
    return out, manifest


def _take(kind: Kind, backend: str, url: str, target: Path, progress: Progress | None) -> Facts:
    """Write the backup into ``target``; what it holds, read in its snapshot."""
    if backend == "sqlite":
        source_uri = _file_uri(_sqlite_file(url), "rw")
        if kind is Kind.SQLITE:
            _sqlite_copy(source_uri, target, progress)
            engine = _sqlite_engine(target, read_only=True)
            try:
                with engine.connect() as connection:
                    return read_facts(connection)
            finally:
                engine.dispose()
        # The archive is read from a snapshot copy: one consistent read that never
        # holds the live database's write lock while it writes the lines.
        with tempfile.TemporaryDirectory(dir=target.parent, prefix=".snapshot-") as scratch:
            copy = Path(scratch) / "snapshot.sqlite"
            _sqlite_copy(source_uri, copy, None)
            engine = _sqlite_engine(copy, read_only=True)
            try:
                with engine.connect() as connection:
                    facts = read_facts(connection)
                    _write_archive(connection, target, facts.tables.get("articles", 0), progress)
            finally:
                engine.dispose()
        return _portable(facts)
    engine: Engine = current_app.extensions["factcheck.engine"]
    with _pg_snapshot(engine) as (connection, snapshot):
        facts = read_facts(connection)
        if kind is Kind.JSONL:
            _write_archive(connection, target, facts.tables.get("articles", 0), progress)
            return _portable(facts)
        total = len(facts.tables) + 1  # and alembic_version
        if progress is not None:
            progress(0, total)
        _pg_dump(engine.url, snapshot, target, total, progress)
    return facts


def _portable(facts: Facts) -> Facts:
    tables = {name: count for name, count in facts.tables.items() if name in PORTABLE_TABLES}
    return Facts(facts.schema_revision, tables, facts.audit_head, facts.audit_events)


def record_backup(
    session: Session, actor: User | None, action: str, path: Path, manifest: Manifest
) -> None:
    """``backup:create`` or ``backup:restore`` in the audit history (the caller commits)."""
    record(
        session,
        actor,
        action,
        "backup",
        None,
        {
            "file": [None, path.name],
            "kind": [None, manifest.kind.value],
            "sha256": [None, manifest.sha256],
            "tables": [None, manifest.tables],
            "audit_head": [None, manifest.audit_head],
        },
    )


# --- verify -----------------------------------------------------------------------------------


def verify_backup(path: Path, progress: Progress | None = None) -> CheckReport:
    """Check a backup without touching the live database: its SHA-256, then restored
    into a temporary database, its row counts and audit history against the manifest.
    The result is kept beside the backup (the admin page shows it).

    :raises BackupFailed: the backup, its manifest or its checksum is wrong, or it
        cannot be restored at all.
    """
    manifest = read_manifest(path)
    try:
        check_checksum(path, manifest)
        report = _verify(path, manifest, progress)
    except BackupFailed as error:
        _note_verified(path, manifest, [error.message])
        raise
    _note_verified(path, manifest, report.problems)
    return report


def _note_verified(path: Path, manifest: Manifest, problems: list[str]) -> None:
    with contextlib.suppress(OSError):
        _write_json(
            verified_path(path),
            {
                "ok": not problems,
                "at": utcnow().isoformat(timespec="seconds"),
                "sha256": manifest.sha256,
                "problems": problems,
            },
        )


def _verify(path: Path, manifest: Manifest, progress: Progress | None) -> CheckReport:
    try:
        if manifest.kind is Kind.SQLITE:
            with tempfile.TemporaryDirectory(prefix="factcheck-verify-") as scratch:
                copy = Path(scratch) / "check.sqlite"
                _sqlite_copy(_file_uri(path, "ro"), copy, progress)
                engine = _sqlite_engine(copy, read_only=True)
                try:
                    with engine.connect() as connection:
                        state = connection.exec_driver_sql("PRAGMA quick_check").scalar()
                        if state != "ok":
                            raise BackupFailed(
                                gettext("the database file is damaged: %(problem)s", problem=state)
                            )
                        return _report(manifest, connection)
                finally:
                    engine.dispose()
        if manifest.kind is Kind.POSTGRESQL:
            url = current_app.config["DATABASE_URL"]
            if backend_of(url) != "postgresql":
                raise BackupFailed(
                    gettext(
                        "A PostgreSQL backup is checked on a PostgreSQL server: run this with "
                        "FACTCHECK_DATABASE_URL naming one."
                    )
                )
            with _pg_scratch_database(make_url(url)) as scratch_url:
                _pg_restore(scratch_url, path)
                engine = create_engine(scratch_url)
                try:
                    with engine.connect() as connection:
                        return _report(manifest, connection)
                finally:
                    engine.dispose()
        with tempfile.TemporaryDirectory(prefix="factcheck-verify-") as scratch:
            url = f"sqlite:///{Path(scratch) / 'check.sqlite'}"
            with _scratch_app(url) as app, app.app_context():
                flask_migrate.upgrade()
                engine = app.extensions["factcheck.engine"]
                _restore_archive_into(engine, path, manifest)
                with engine.connect() as connection:
                    return _report(manifest, connection)
    except (OSError, sqlite3.Error, SQLAlchemyError) as error:
        raise BackupFailed(
            gettext(
                "the backup could not be restored to check it: %(error)s",
                error=getattr(error, "orig", error),
            )
        ) from None


def _report(manifest: Manifest, connection: Connection) -> CheckReport:
    only = None if manifest.audit_carried else PORTABLE_TABLES
    facts = read_facts(connection, only)
    return CheckReport(manifest, facts, compare(manifest, facts, check_chain(connection)))


# --- restore ----------------------------------------------------------------------------------


def holds_data(engine: Engine) -> list[str]:
    """The tables of :data:`DATA_TABLES` that have rows: empty means nobody's work is
    there (no tables at all, or only what the migrations fill in)."""
    with engine.connect() as connection:
        existing = set(inspect(connection).get_table_names())
        return [
            table
            for table in DATA_TABLES
            if table in existing
            and connection.execute(text(f'SELECT 1 FROM "{table}" LIMIT 1')).first()  # noqa: S608
            is not None
        ]


def restore_backup(path: Path, *, force: bool = False) -> CheckReport:
    """Restore a backup into the application's database, which must hold nobody's work
    unless ``force`` (then everything in it is replaced), and compare the result with
    the manifest.

    A native backup is compared before the schema is upgraded to this code's head (the
    manifest describes the schema it was taken with). The caller records
    ``backup:restore`` when the report is ok.

    :raises BackupFailed: nothing was restored, and why.
    """
    manifest = read_manifest(path)
    check_checksum(path, manifest)
    url = current_app.config["DATABASE_URL"]
    backend = backend_of(url)
    if manifest.kind is not Kind.JSONL and manifest.kind.value != backend:
        raise BackupFailed(
            gettext(
                "This is a %(kind)s backup and the database is %(backend)s: a backup moves "
                "between the two as a portable one (flask backup create --portable).",
                kind=manifest.kind.value,
                backend=backend,
            )
        )
    head = _check_revision(manifest.schema_revision if manifest.audit_carried else None)
    engine: Engine = current_app.extensions["factcheck.engine"]
    db.session.remove()
    try:
        occupied = holds_data(engine)
        if occupied and not force:
            raise BackupFailed(
                gettext(
                    "The database is not empty (%(tables)s have rows): a backup restores into "
                    "an empty database. Nothing was changed. Use --force to replace "
                    "everything in it.",
                    tables=", ".join(occupied),
                )
            )
        engine.dispose()
        if manifest.kind is Kind.SQLITE:
            source = sqlite3.connect(_file_uri(path, "ro"), uri=True)
            try:
                _sqlite_overwrite(source, _sqlite_file(url))
            finally:
                source.close()
        elif manifest.kind is Kind.POSTGRESQL:
            _pg_reset_schema(engine)
            _pg_restore(engine.url, path)
        else:
            if occupied:
                _wipe(engine, backend, url)
            flask_migrate.upgrade()
            db.session.remove()
            _restore_archive_into(engine, path, manifest)
        engine.dispose()
        with engine.connect() as connection:
            report = _report(manifest, connection)
        upgraded_from = None
        if manifest.audit_carried and report.facts.schema_revision != head:
            upgraded_from = report.facts.schema_revision
            flask_migrate.upgrade()
        db.session.remove()
        return CheckReport(manifest, report.facts, report.problems, upgraded_from)
    except (OSError, sqlite3.Error, SQLAlchemyError) as error:
        raise BackupFailed(
            gettext("the restore failed: %(error)s", error=getattr(error, "orig", error))
        ) from None


def _wipe(engine: Engine, backend: str, url: str) -> None:
    """Empty the database, schema and all, for a portable restore with --force (or a
    PostgreSQL one migrated before)."""
    engine.dispose()
    if backend == "postgresql":
        _pg_reset_schema(engine)
        return
    # Backing an empty database up over the file empties it, in one transaction.
    empty = sqlite3.connect(":memory:")
    try:
        _sqlite_overwrite(empty, _sqlite_file(url))
    finally:
        empty.close()
