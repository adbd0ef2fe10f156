"""``flask backup create | verify | restore``: thin wrappers over ``operations.py``."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import click
from flask.cli import AppGroup
from flask_babel import gettext, ngettext

from factcheck.backups import operations
from factcheck.backups.operations import BackupFailed, CheckReport, Progress
from factcheck.extensions import db
from factcheck.i18n import local_number
from factcheck.unit_of_work import unit_of_work

backup_cli = AppGroup(
    "backup",
    help="Back up the database while people work, check a backup, restore one.",
)

PORTABLE_HELP = (
    "Write the portable JSON Lines archive instead of a database copy: it restores on "
    "SQLite or PostgreSQL, whichever this one is. It carries the verdict scale, accounts "
    "(deactivated, without passwords), articles, claims, revisions, annotations, sources "
    "and reviews, not the audit history (the restored database starts its own, naming "
    "every restored record), the fact-check library, tokens or assignments."
)


def _fail(message: str, code: int = 1) -> NoReturn:
    db.session.remove()
    click.secho(gettext("Error: %(message)s", message=message), fg="red", err=True)
    sys.exit(code)


@contextmanager
def _progress(label: str) -> Iterator[Progress | None]:
    """A bar on stderr when a person watches it; nothing in a log."""
    if not sys.stderr.isatty():
        yield None
        return
    with click.progressbar(length=1, label=label, file=sys.stderr, show_percent=True) as bar:

        def advance(done: int, total: int) -> None:
            bar.length = max(total, 1)
            bar.update(done - bar.pos)

        yield advance


def _size(size: int) -> str:
    return gettext("%(size)s MB", size=local_number(round(size / 1_000_000, 1)))


@backup_cli.command("create")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The backup file (default: a new name in BACKUP_DIR, instance/backups). Its "
    "manifest is written beside it as FILE.manifest.json.",
)
@click.option("--portable", is_flag=True, help=PORTABLE_HELP)
@click.option(
    "--format",
    "kind",
    type=click.Choice(["database", "jsonl"]),
    default="database",
    show_default=True,
    help="database: a SQLite file or a pg_dump; jsonl: the same as --portable.",
)
def create_command(out: Path | None, portable: bool, kind: str) -> None:
    """Back up the database online, while people keep working: SQLite through its backup
    API, PostgreSQL with pg_dump (PG_DUMP / FACTCHECK_PG_DUMP, or on PATH), from one
    snapshot that the manifest's row counts and audit head describe too."""
    try:
        with _progress(gettext("Backing up")) as progress:
            path, manifest = operations.create_backup(
                out,
                portable=portable or kind == "jsonl",
                created_by="command line",
                progress=progress,
            )
        with unit_of_work():
            operations.record_backup(db.session, None, "backup:create", path, manifest)
    except BackupFailed as error:
        _fail(error.message)
    click.echo(
        gettext(
            "backup written: %(path)s (%(kind)s, %(size)s, SHA-256 %(sha)s)",
            path=path,
            kind=manifest.kind.value,
            size=_size(manifest.size),
            sha=manifest.sha256,
        )
    )
    click.echo(gettext("manifest: %(path)s", path=operations.manifest_path(path)))
    click.echo(_holds(manifest.tables, manifest.audit_events))


def _holds(tables: dict[str, int], events: int) -> str:
    rows = sum(tables.values())
    return ngettext(
        "%(rows)s row in %(tables)s tables; %(events)s audit events",
        "%(rows)s rows in %(tables)s tables; %(events)s audit events",
        rows,
        rows=local_number(rows),
        tables=local_number(len(tables)),
        events=local_number(events),
    )


def _show_problems(report: CheckReport, summary: str) -> NoReturn:
    for problem in report.problems:
        click.secho(f"  {problem}", fg="red", err=True)
    _fail(summary)


@backup_cli.command("verify")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def verify_command(file: Path) -> None:
    """Check a backup without touching the live database: its SHA-256, then restored
    into a temporary database (a SQLite file; for PostgreSQL a database created on the
    same server and dropped again), its row counts and audit history against the
    manifest."""
    try:
        with _progress(gettext("Checking")) as progress:
            report = operations.verify_backup(file, progress)
    except BackupFailed as error:
        _fail(error.message)
    if not report.ok:
        _show_problems(report, gettext("%(file)s does not match its manifest.", file=file))
    manifest = report.manifest
    click.echo(
        gettext(
            "OK: %(file)s (%(kind)s, made %(created)s): SHA-256 matches, restores, and holds "
            "what its manifest says.",
            file=file,
            kind=manifest.kind.value,
            created=manifest.created_at,
        )
    )
    click.echo(_holds(report.facts.tables, report.facts.audit_events))
    if manifest.audit_carried:
        click.echo(gettext("audit history verified, head %(head)s", head=manifest.audit_head))
    else:
        click.echo(
            gettext(
                "portable backup: the restored records' own audit history verifies (the "
                "archive does not carry the original one)"
            )
        )


@backup_cli.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--force",
    is_flag=True,
    help="Replace everything in a database that is not empty (otherwise refused).",
)
def restore_command(file: Path, force: bool) -> None:
    """Restore a backup into the configured database, which must be empty (--force
    replaces what it holds). A SQLite backup restores on SQLite, a PostgreSQL one with
    pg_restore on PostgreSQL; a portable (jsonl) one on either, through the archive's
    restore (accounts come back deactivated, the audit history starts anew). Then the
    row counts and the audit history are compared with the manifest, and the schema is
    upgraded if the backup's is older. Stop the application while it runs."""
    try:
        report = operations.restore_backup(file, force=force)
    except BackupFailed as error:
        _fail(error.message)
    if not report.ok:
        _show_problems(
            report,
            gettext(
                "%(file)s was restored, but the database does not match its manifest.",
                file=file,
            ),
        )
    with unit_of_work():
        operations.record_backup(db.session, None, "backup:restore", file, report.manifest)
    click.echo(gettext("restored %(file)s", file=file))
    click.echo(_holds(report.facts.tables, report.facts.audit_events))
    if report.manifest.audit_carried:
        click.echo(
            gettext(
                "audit history verified, head %(head)s as in the manifest",
                head=report.manifest.audit_head,
            )
        )
    else:
        click.echo(gettext("audit history verified (started anew by the restore)"))
    if report.upgraded_from:
        click.echo(
            gettext("schema upgraded from revision %(revision)s", revision=report.upgraded_from)
        )
