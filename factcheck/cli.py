"""Command-line interface: ``flask --app wsgi <group> <command>``.

Commands are thin wrappers over the same operations the web uses; each commits
once at the end or rolls back and exits non-zero.
"""

from __future__ import annotations

import os
import sys
from datetime import date
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from factcheck.errors import DomainError
from factcheck.extensions import db
from factcheck.users.models import Role

users_cli = AppGroup("users", help="Manage accounts.")
articles_cli = AppGroup("articles", help="Import and list articles.")
audit_cli = AppGroup("audit", help="Check the audit history.")


def register_commands(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(articles_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(demo_command)


def _fail(message: str, code: int = 1) -> None:
    db.session.rollback()
    click.secho(f"Error: {message}", fg="red", err=True)
    sys.exit(code)


@users_cli.command("create")
@click.argument("email")
@click.option("--name", required=True, help="Full name shown in the app.")
@click.option(
    "--role",
    type=click.Choice([role.value for role in Role]),
    default=Role.ANNOTATOR.value,
    show_default=True,
)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_user_command(email: str, name: str, role: str, password_stdin: bool) -> None:
    """Create an account (the password is asked for, or read from stdin)."""
    from factcheck.users import operations

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = operations.create_user(
            db.session, None, email=email, name=name, password=password, role=Role(role)
        )
    except DomainError as error:
        _fail(error.message)
        return
    db.session.commit()
    click.echo(f"Created {user.email} ({user.role.value}).")


@users_cli.command("list")
def list_users_command() -> None:
    """List accounts."""
    from sqlalchemy import select

    from factcheck.users.models import User

    for user in db.session.scalars(select(User).order_by(User.email)):
        status = "active" if user.active else "deactivated"
        click.echo(f"{user.email}\t{user.role.value}\t{status}\t{user.name}")


@articles_cli.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--title", help="Title to use (only with one file); else the first line is the title."
)
@click.option("--outlet", help="Publisher of the article(s).")
@click.option("--url", help="Address of the article (only with one file).")
@click.option("--published-on", type=click.DateTime(["%Y-%m-%d"]), help="YYYY-MM-DD.")
@click.option("--language", default="en", show_default=True)
def import_articles_command(
    files: tuple[Path, ...],
    title: str | None,
    outlet: str | None,
    url: str | None,
    published_on: object,
    language: str,
) -> None:
    """Import .txt articles; each file is all-or-nothing."""
    from factcheck.articles import operations

    if len(files) > 1 and (title or url):
        _fail("--title and --url name one article; give one file with them.", 2)
    published: date | None = published_on.date() if published_on else None  # type: ignore[attr-defined]
    failures = 0
    for path in files:
        try:
            if path.suffix.lower() != ".txt":
                raise DomainError(f"{path.name}: only .txt files can be imported.")
            if path.stat().st_size > current_app.config["MAX_CONTENT_LENGTH"]:
                raise DomainError(f"{path.name}: the file is too large.")
            text = operations.decode_text_file(path.read_bytes(), filename=path.name)
            article_title, body = (title, text) if title else _split_title(text)
            article = operations.import_article(
                db.session,
                None,
                title=article_title,
                body=body,
                max_chars=current_app.config["MAX_ARTICLE_CHARS"],
                outlet=outlet,
                url=url,
                published_on=published,
                language=language,
            )
            db.session.commit()
        except (DomainError, OSError) as error:
            db.session.rollback()
            failures += 1
            message = error.message if isinstance(error, DomainError) else str(error)
            click.secho(f"refused {path}: {message}", fg="red", err=True)
            continue
        click.echo(f"imported {path}: article {article.id}, {len(article.claims)} claims")
    if failures:
        sys.exit(1)


def _split_title(text: str) -> tuple[str, str]:
    """First non-empty line is the headline; the rest is the body."""
    lines = text.lstrip("\ufeff").splitlines(keepends=True)
    for index, line in enumerate(lines):
        if line.strip():
            return line.strip(), "".join(lines[index + 1 :])
    return "", text


@audit_cli.command("verify")
def verify_audit_command() -> None:
    """Walk the hash chain; exit 1 naming the first event that was tampered with."""
    from sqlalchemy import func, select

    from factcheck.audit.models import AuditEvent
    from factcheck.audit.recorder import head_hash, verify

    broken = verify(db.session)
    if broken is not None:
        click.secho(f"BROKEN at event {broken.event_id}: {broken.reason}", fg="red", err=True)
        sys.exit(1)
    count = db.session.scalar(select(func.count()).select_from(AuditEvent))
    click.echo(f"OK: {count} events, head {head_hash(db.session) or '(empty)'}")


@click.command("demo")
def demo_command() -> None:
    """Load the demo: verdict scale, three users and the reference article (idempotent)."""
    from factcheck.demo import load_demo

    password = os.environ.get("FACTCHECK_DEMO_PASSWORD") or current_app.config["DEMO_PASSWORD"]
    try:
        result = load_demo(
            db.session, password=password, max_chars=current_app.config["MAX_ARTICLE_CHARS"]
        )
    except DomainError as error:
        _fail(error.message)
        return
    db.session.commit()
    state = "loaded" if result.article_created else "already there"
    if result.annotations_created:
        state += f", {result.annotations_created} demo annotations in every review state"
    click.echo(
        f"Reference article {state}: “{result.article.title}” ({len(result.article.claims)} claims)"
    )
    click.echo("")
    click.echo(f"Demo logins (password: {password})")
    click.echo("  annotator@example.org   fact-checker (annotator)")
    click.echo("  reviewer@example.org    reviewer")
    click.echo("  admin@example.org       admin")
