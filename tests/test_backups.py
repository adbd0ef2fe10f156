"""Backups that restore: ``flask backup create | verify | restore`` and /admin/backups.

The backup commands read the database file or server, not the test's session, so these
tests (except the admin page's) run on databases of their own, with committed data: a
demo database per backend for the module, and fresh empty ones to restore into.
"""

from __future__ import annotations

import contextvars
import json
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import flask_migrate
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from factcheck.annotations.operations import AnnotationInput, my_annotation, save_annotation
from factcheck.articles.models import Article, Claim
from factcheck.audit.models import AuditEvent
from factcheck.backups import operations
from factcheck.backups.operations import PORTABLE_TABLES, manifest_path, read_facts
from factcheck.extensions import db as database
from factcheck.unit_of_work import unit_of_work
from factcheck.users.models import Role, User
from tests.conftest import POSTGRES_URL, csrf_token, make_app, post_form, skip_or_fail
from tests.servers import create_postgres_database, drop_postgres_database
from tests.test_imports import strip_ids

EXTENSION = {"sqlite": "sqlite", "postgresql": "dump"}


def require(backend: str) -> None:
    if backend == "postgresql":
        if not POSTGRES_URL:
            skip_or_fail("FACTCHECK_TEST_POSTGRES_URL is not set")
        if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
            skip_or_fail("pg_dump and pg_restore are not on PATH")


def invoke(app: Flask, *args: str, input: str | None = None) -> Any:
    """Run ``flask ARGS`` against ``app`` in an app context of its own, as a process would
    (the context's session is removed when it ends)."""

    def run() -> Any:
        with app.app_context():
            return app.test_cli_runner().invoke(args=list(args), input=input)

    return contextvars.Context().run(run)


class Databases:
    """Empty databases and apps on them, dropped when the test (or module) ends."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.apps: list[Flask] = []
        self.postgres: list[str] = []

    def app(self, backend: str, *, migrated: bool = False) -> Flask:
        require(backend)
        name = f"factcheck_backup_{uuid.uuid4().hex[:12]}"
        if backend == "sqlite":
            url = f"sqlite:///{self.folder / name}.sqlite"
        else:
            url = create_postgres_database(POSTGRES_URL or "", name)
            self.postgres.append(name)
        app = make_app(url, BACKUP_DIR=str(self.folder / "backups"))
        self.apps.append(app)
        if migrated:

            def upgrade() -> None:
                with app.app_context():
                    flask_migrate.upgrade()

            contextvars.Context().run(upgrade)
        return app

    def close(self) -> None:
        for app in self.apps:
            app.extensions["factcheck.engine"].dispose()
        for name in self.postgres:
            drop_postgres_database(POSTGRES_URL or "", name)


@pytest.fixture
def databases(tmp_path: Path) -> Iterator[Databases]:
    made = Databases(tmp_path)
    yield made
    made.close()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def source(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Flask]:
    """A database of each backend with the demo loaded and committed."""
    made = Databases(tmp_path_factory.mktemp("backup-source"))
    try:
        app = made.app(request.param, migrated=True)
        result = invoke(app, "demo")
        assert result.exit_code == 0, result.output
        yield app
    finally:
        made.close()


def backend(app: Flask) -> str:
    return operations.backend_of(app.config["DATABASE_URL"])


def facts(app: Flask, only: Any = None) -> operations.Facts:
    def read() -> operations.Facts:
        with app.app_context(), app.extensions["factcheck.engine"].connect() as connection:
            return read_facts(connection, only)

    return contextvars.Context().run(read)


def events(app: Flask) -> list[AuditEvent]:
    def read() -> list[AuditEvent]:
        with app.app_context():
            found = list(database.session.scalars(select(AuditEvent).order_by(AuditEvent.id)))
            database.session.expunge_all()
            return found

    return contextvars.Context().run(read)


def table_names(app: Flask) -> set[str]:
    with app.extensions["factcheck.engine"].connect() as connection:
        return set(inspect(connection).get_table_names())


def manifest_of(path: Path) -> dict[str, Any]:
    return json.loads(manifest_path(path).read_text(encoding="utf-8"))


def create(app: Flask, out: Path, *extra: str) -> dict[str, Any]:
    result = invoke(app, "backup", "create", "--out", str(out), *extra)
    assert result.exit_code == 0, result.output
    return manifest_of(out)


# --- create, verify, restore ---------------------------------------------------------------


@pytest.mark.parametrize("migrated", [False, True], ids=["no-tables", "migrated-empty"])
def test_create_verify_restore_round_trip(
    source: Flask, databases: Databases, tmp_path: Path, migrated: bool
) -> None:
    kind = backend(source)
    out = tmp_path / f"demo.{EXTENSION[kind]}"
    manifest = create(source, out)

    assert manifest["kind"] == manifest["backend"] == kind
    assert manifest["size"] == out.stat().st_size
    assert manifest["schema_revision"] == facts(source).schema_revision
    assert manifest["tables"]["users"] == 3 and manifest["tables"]["annotations"] > 0
    assert manifest["tables"]["audit_events"] == manifest["audit"]["events"] > 0
    assert manifest["created_by"] == "command line" and manifest["app_version"]
    # The backup recorded itself, chained onto the head the manifest names.
    created = events(source)[-1]
    assert created.action == "backup:create"
    assert created.prev_hash == manifest["audit"]["head_hash"]
    assert created.diff["sha256"] == [None, manifest["sha256"]]

    verified = invoke(source, "backup", "verify", str(out))
    assert verified.exit_code == 0, verified.output
    assert "OK" in verified.output and manifest["audit"]["head_hash"] in verified.output

    target = databases.app(kind, migrated=migrated)
    restored = invoke(target, "backup", "restore", str(out))
    assert restored.exit_code == 0, restored.output
    after = facts(target)
    assert {t: after.tables[t] for t in manifest["tables"]} == manifest["tables"] | {
        "audit_events": manifest["tables"]["audit_events"] + 1
    }
    chain = invoke(target, "audit", "verify")
    assert chain.exit_code == 0, chain.output
    history = events(target)
    assert [e.hash for e in history[: manifest["audit"]["events"]]][-1] == (
        manifest["audit"]["head_hash"]
    )
    restore_event = history[manifest["audit"]["events"]]
    assert restore_event.action == "backup:restore"
    assert restore_event.prev_hash == manifest["audit"]["head_hash"]


def test_the_backup_is_one_snapshot_while_someone_writes(
    source: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A writer saves annotations in a loop, each in its own transaction, all through the
    backup; the copy is consistent (its chain verifies, its rows are the manifest's) and
    the writer never waited into an error."""
    result = invoke(
        source,
        "users",
        "create",
        f"writer-{uuid.uuid4().hex[:6]}@example.org",
        "--name",
        "Writer",
        "--password-stdin",
        input="a long enough password\n",
    )
    assert result.exit_code == 0, result.output
    email = result.output.split()[1]
    with source.app_context():
        # Articles never revised: see test_a_restore_keeps_versions_on_a_revised_article.
        claim_ids = list(
            database.session.scalars(
                select(Claim.id)
                .join(Article, Article.id == Claim.article_id)
                .where(Claim.removed_in.is_(None), Article.revision == 1)
                .order_by(Claim.id)
            )
        )
    stop, errors, saved = threading.Event(), [], []

    def write() -> None:
        for number in range(5000):
            if stop.is_set():
                return
            try:
                with source.app_context():
                    session = database.session
                    writer = session.scalar(select(User).where(User.email == email))
                    claim = session.get(Claim, claim_ids[number % len(claim_ids)])
                    mine = my_annotation(session, writer, claim)
                    with unit_of_work():
                        save_annotation(
                            session,
                            writer,
                            claim,
                            AnnotationInput(claimant=f"Writer's claimant {number}"),
                            expected_version=mine.version if mine else None,
                        )
                saved.append(time.monotonic())
            except Exception as error:  # the test reports it
                errors.append(repr(error))
                return

    # Small steps, slowly: the copy spans many of the writer's commits.
    monkeypatch.setattr(operations, "PAGES_PER_STEP", 4)
    steps: list[int] = []

    def slowly(done: int, total: int) -> None:
        time.sleep(0.3 if not steps else 0.01)
        steps.append(done)

    thread = threading.Thread(target=write)
    thread.start()
    try:
        while not saved and thread.is_alive():
            time.sleep(0.01)
        began = time.monotonic()
        out = tmp_path / f"busy.{EXTENSION[backend(source)]}"
        with source.app_context():
            path, manifest = operations.create_backup(out, created_by="test", progress=slowly)
        ended = time.monotonic()
    finally:
        stop.set()
        thread.join(timeout=30)
    assert errors == []
    assert sum(began <= moment <= ended for moment in saved) >= 3, "no writes during the backup"
    with source.app_context():
        report = operations.verify_backup(path)
    assert report.ok, report.problems
    assert report.facts.tables == manifest.tables
    assert report.facts.audit_head == manifest.audit_head
    # A snapshot: the writer went on after it was taken.
    assert facts(source).audit_events > manifest.audit_events


@pytest.mark.parametrize("portable", [False, True], ids=["database", "portable"])
def test_restore_refuses_a_database_with_work_in_it_unless_forced(
    source: Flask, databases: Databases, tmp_path: Path, portable: bool
) -> None:
    kind = backend(source)
    out = tmp_path / ("demo.jsonl" if portable else f"demo.{EXTENSION[kind]}")
    manifest = create(source, out, *(["--portable"] if portable else []))
    target = databases.app(kind, migrated=True)
    result = invoke(
        target,
        "users",
        "create",
        "someone@example.org",
        "--name",
        "Someone",
        "--password-stdin",
        input="a long enough password\n",
    )
    assert result.exit_code == 0, result.output
    before = facts(target)

    refused = invoke(target, "backup", "restore", str(out))
    assert refused.exit_code == 1
    assert "not empty" in refused.output and "--force" in refused.output
    assert "Traceback" not in refused.output
    assert facts(target) == before

    forced = invoke(target, "backup", "restore", "--force", str(out))
    assert forced.exit_code == 0, forced.output
    after = facts(target)
    assert {t: after.tables[t] for t in manifest["tables"] if t != "audit_events"} == {
        t: n for t, n in manifest["tables"].items() if t != "audit_events"
    }
    with target.app_context():
        emails = set(database.session.scalars(select(User.email)))
    assert "someone@example.org" not in emails
    assert invoke(target, "audit", "verify").exit_code == 0


# --- bad backups -------------------------------------------------------------------------------


def test_a_damaged_backup_fails_verify_and_restore_with_the_reason(
    source: Flask, databases: Databases, tmp_path: Path
) -> None:
    kind = backend(source)
    out = tmp_path / f"demo.{EXTENSION[kind]}"
    manifest = create(source, out)
    data = bytearray(out.read_bytes())
    data[len(data) // 2] ^= 0x01
    out.write_bytes(bytes(data))

    verified = invoke(source, "backup", "verify", str(out))
    assert verified.exit_code == 1
    assert "SHA-256" in verified.output and manifest["sha256"] in verified.output
    assert "Traceback" not in verified.output
    record = json.loads(operations.verified_path(out).read_text(encoding="utf-8"))
    assert record["ok"] is False

    target = databases.app(kind)
    refused = invoke(target, "backup", "restore", str(out))
    assert refused.exit_code == 1 and "SHA-256" in refused.output
    assert table_names(target) == set()


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (
            lambda path: manifest_path(path).write_text('{"format": "factcheck-bac'),
            "not valid JSON",
        ),
        (lambda path: manifest_path(path).unlink(), "has no manifest"),
        (lambda path: path.unlink(), "does not exist"),
        (lambda path: manifest_path(path).write_text('{"format": "other"}'), "not a backup"),
        (
            lambda path: manifest_path(path).write_text(
                json.dumps(manifest_of(path) | {"tables": {"users": "three"}})
            ),
            "not a backup",
        ),
    ],
    ids=["truncated-manifest", "no-manifest", "no-backup", "foreign-manifest", "bad-counts"],
)
def test_a_missing_or_broken_manifest_is_a_clear_message(
    source: Flask,
    databases: Databases,
    tmp_path: Path,
    damage: Callable[[Path], Any],
    message: str,
) -> None:
    if backend(source) != "sqlite":
        pytest.skip("the manifest is read the same way for every backend")
    out = tmp_path / "demo.sqlite"
    create(source, out)
    damage(out)
    for app, args in (
        (source, ("backup", "verify", str(out))),
        (databases.app("sqlite"), ("backup", "restore", "--force", str(out))),
    ):
        result = invoke(app, *args)
        assert result.exit_code == 1, result.output
        assert message in result.output
        assert isinstance(result.exception, SystemExit), result.exception


def test_a_backup_never_replaces_a_file(source: Flask, tmp_path: Path) -> None:
    out = tmp_path / "taken.bin"
    out.write_bytes(b"someone's file")
    result = invoke(source, "backup", "create", "--out", str(out))
    assert result.exit_code == 1 and "exists already" in result.output
    assert out.read_bytes() == b"someone's file"
    assert not manifest_path(out).exists()


# --- between SQLite and PostgreSQL ----------------------------------------------------------


@pytest.mark.parametrize("target_backend", ["sqlite", "postgresql"])
def test_a_portable_backup_moves_between_backends(
    source: Flask, databases: Databases, tmp_path: Path, target_backend: str
) -> None:
    out = tmp_path / "portable.jsonl"
    manifest = create(source, out, "--portable")
    assert manifest["kind"] == "jsonl" and manifest["backend"] == backend(source)
    assert manifest["audit"]["carried"] is False
    assert set(manifest["tables"]) == set(PORTABLE_TABLES)
    verified = invoke(source, "backup", "verify", str(out))
    assert verified.exit_code == 0, verified.output

    target = databases.app(target_backend)
    restored = invoke(target, "backup", "restore", str(out))
    assert restored.exit_code == 0, restored.output
    assert facts(target, PORTABLE_TABLES).tables == manifest["tables"]
    assert events(target)[-1].action == "backup:restore"
    assert invoke(target, "audit", "verify").exit_code == 0
    again = tmp_path / "again.jsonl"
    exported = invoke(target, "export", "jsonl", "--state", "all", "--out", str(again))
    assert exported.exit_code == 0, exported.output
    assert strip_ids(again.read_text("utf-8")) == strip_ids(out.read_text("utf-8"))


def test_a_restore_keeps_versions_on_a_revised_article(
    databases: Databases, tmp_path: Path
) -> None:
    # A source of its own: the annotation below would otherwise be in every later
    # portable backup of the module's source.
    source = databases.app("sqlite", migrated=True)
    assert invoke(source, "demo").exit_code == 0
    result = invoke(
        source,
        "users",
        "create",
        "reviser@example.org",
        "--name",
        "On revision 2",
        "--password-stdin",
        input="a long enough password\n",
    )
    assert result.exit_code == 0, result.output
    email = "reviser@example.org"
    with source.app_context():
        session = database.session
        claim = session.scalar(
            select(Claim)
            .join(Article, Article.id == Claim.article_id)
            .where(Claim.removed_in.is_(None), Article.revision == 2)
            .limit(1)
        )
        author = session.scalar(select(User).where(User.email == email))
        with unit_of_work():
            save_annotation(
                session, author, claim, AnnotationInput(claimant="x"), expected_version=None
            )
    out = tmp_path / "portable.jsonl"
    create(source, out, "--portable")
    target = databases.app("sqlite")
    assert invoke(target, "backup", "restore", str(out)).exit_code == 0
    again = tmp_path / "again.jsonl"
    invoke(target, "export", "jsonl", "--state", "all", "--out", str(again))
    assert strip_ids(again.read_text("utf-8")) == strip_ids(out.read_text("utf-8"))


# --- the admin page ------------------------------------------------------------------------------


@pytest.fixture
def backup_folder(app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "backups"
    monkeypatch.setitem(app.config, "BACKUP_DIR", str(folder))
    return folder


@pytest.mark.parametrize("role", [Role.ANNOTATOR, Role.REVIEWER])
def test_only_admins_see_backups(
    client: FlaskClient, login: Callable[..., User], backup_folder: Path, role: Role
) -> None:
    login(role)
    assert client.get("/admin/backups").status_code == 403
    token = csrf_token(client, "/account")
    assert client.post("/admin/backups", data={"csrf_token": token}).status_code == 403
    assert not backup_folder.exists()


def test_an_admin_makes_lists_and_downloads_a_backup(
    client: FlaskClient, login: Callable[..., User], backup_folder: Path, db: Session
) -> None:
    login(Role.ADMIN)
    page = client.get("/admin/backups")
    assert page.status_code == 200 and "No backups" in page.get_data(as_text=True)

    refused = client.post("/admin/backups", data={"kind": "database"})
    assert refused.status_code == 400
    assert not backup_folder.exists() or not any(backup_folder.iterdir())

    made = post_form(client, "/admin/backups", {"kind": "database"}, token_from="/admin/backups")
    assert made.status_code == 201, made.get_data(as_text=True)
    (entry,) = operations.list_backups(backup_folder)
    assert entry.manifest is not None and entry.name in made.get_data(as_text=True)
    event = db.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert event.action == "backup:create" and event.diff["file"] == [None, entry.name]

    assert "not verified" in client.get("/admin/backups").get_data(as_text=True)
    assert operations.verify_backup(backup_folder / entry.name).ok
    listed = client.get("/admin/backups").get_data(as_text=True)
    assert "not verified" not in listed and "verified" in listed

    download = client.get(f"/admin/backups/files/{entry.name}")
    assert download.status_code == 200
    assert download.data == (backup_folder / entry.name).read_bytes()
    assert client.get(f"/admin/backups/files/{entry.name}.manifest.json").status_code == 200

    (backup_folder / "notes.txt").write_text("not a backup")
    for name in (
        "notes.txt",
        "..%2F..%2Fconfig.py",
        "..%2fwsgi.py",
        f"..%2Fbackups%2F{entry.name}",
        f"{entry.name}.verified.json",
        "%2Fetc%2Fpasswd",
    ):
        assert client.get(f"/admin/backups/files/{name}").status_code == 404, name


def test_a_download_is_for_admins_only(
    client: FlaskClient, login: Callable[..., User], backup_folder: Path, app: Flask
) -> None:
    path = operations.new_backup_path(operations.Kind.SQLITE, backup_folder)
    backup_folder.mkdir(parents=True)
    path.write_bytes(b"pretend backup")
    manifest_path(path).write_text("{}")
    login(Role.REVIEWER)
    assert client.get(f"/admin/backups/files/{path.name}").status_code == 403
