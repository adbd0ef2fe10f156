"""Command-line interface: ``flask --app wsgi <group> <command>``.

Commands are thin wrappers over the same operations the web uses; each commits
once at the end or rolls back and exits non-zero.
"""

from __future__ import annotations

import csv
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from flask_babel import gettext, ngettext

from factcheck.errors import DomainError
from factcheck.extensions import db
from factcheck.i18n import local_number
from factcheck.unit_of_work import unit_of_work
from factcheck.users.models import Role

if TYPE_CHECKING:
    from factcheck.exports.formats import ExportFormat

users_cli = AppGroup("users", help="Manage accounts.")
articles_cli = AppGroup("articles", help="Import and list articles.")
audit_cli = AppGroup("audit", help="Check the audit history.")
search_cli = AppGroup("search", help="Look after the search index.")
factchecks_cli = AppGroup("factchecks", help="The fact-check library: import, match.")
jobs_cli = AppGroup("jobs", help="Background work (matching, sentence vectors) on Redis.")


def register_commands(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(articles_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(search_cli)
    app.cli.add_command(factchecks_cli)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(export_cli)
    app.cli.add_command(demo_command)
    app.cli.add_command(restore_command)
    from factcheck.backups.commands import backup_cli

    app.cli.add_command(backup_cli)


def _fail(message: str, code: int = 1) -> None:
    db.session.rollback()
    click.secho(gettext("Error: %(message)s", message=message), fg="red", err=True)
    sys.exit(code)


@contextmanager
def _changes(code: int = 1) -> Iterator[None]:
    """A command's unit of work: committed when the block ends; a domain error is printed
    with its field messages and exits with ``code``, with nothing written."""
    try:
        with unit_of_work():
            yield
    except DomainError as error:
        problems = "; ".join(m for ms in error.fields.values() for m in ms)
        _fail(f"{error.message} {problems}".strip(), code)


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
        password = click.prompt(gettext("Password"), hide_input=True, confirmation_prompt=True)
    with _changes():
        user = operations.create_user(
            db.session, None, email=email, name=name, password=password, role=Role(role)
        )
    click.echo(gettext("Created %(email)s (%(role)s).", email=user.email, role=user.role.value))


@users_cli.command("token")
@click.argument("email")
@click.option("--name", default="command line", show_default=True, help="What the token is for.")
def create_token_command(email: str, name: str) -> None:
    """Create a personal access token for the API and print it (shown only once)."""
    from factcheck.users import operations
    from factcheck.users.tokens import create_token

    user = operations.find_user_by_email(db.session, email)
    if user is None:
        _fail(gettext("there is no account for %(email)s.", email=email))
        return
    with _changes():
        _token, secret = create_token(db.session, user, name)
    click.echo(secret)


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
@click.option("--title", help="Title to use (one .txt or .html file); else taken from the file.")
@click.option("--outlet", help="Publisher of the article(s) (.txt files).")
@click.option("--url", help="Address of the article (one .txt file).")
@click.option("--published-on", type=click.DateTime(["%Y-%m-%d"]), help="YYYY-MM-DD (.txt).")
@click.option("--language", default="en", show_default=True)
@click.option(
    "--separate",
    is_flag=True,
    help="Import a text whose URL or title is an article's already as a separate article "
    "(without it, such a file is refused and named; a reviewer adds new texts as revisions).",
)
def import_articles_command(
    files: tuple[Path, ...],
    title: str | None,
    outlet: str | None,
    url: str | None,
    published_on: object,
    language: str,
    separate: bool,
) -> None:
    """Import .txt, .csv, .jsonl and .html files; each file is all-or-nothing."""
    from factcheck.imports.operations import import_file
    from factcheck.revisions.operations import OnMatch

    if len(files) > 1 and (title or url):
        _fail(gettext("--title and --url name one article; give one file with them."), 2)
    published: date | None = published_on.date() if published_on else None  # type: ignore[attr-defined]
    max_chars = current_app.config["MAX_ARTICLE_CHARS"]
    failures = 0
    with (
        click.progressbar(
            files,
            label=gettext("Importing"),
            file=sys.stderr,
            show_pos=True,
            item_show_func=lambda p: p.name if p else "",
        )
        if sys.stderr.isatty() and len(files) > 1
        else nullcontext(files) as paths
    ):
        for path in paths:
            try:
                if path.stat().st_size > current_app.config["MAX_CONTENT_LENGTH"]:
                    raise DomainError(
                        gettext("%(name)s is larger than the upload limit.", name=path.name)
                    )
                data = path.read_bytes()
            except (OSError, DomainError) as error:
                failures += 1
                message = error.message if isinstance(error, DomainError) else str(error)
                click.secho(_refused(path, message), fg="red", err=True)
                continue
            # A refused file has written nothing (import_file runs it in a savepoint);
            # each file is committed on its own, as the web's bulk import does.
            with unit_of_work():
                report = import_file(
                    db.session,
                    None,
                    str(path),
                    data,
                    max_chars=max_chars,
                    title=title,
                    metadata={
                        "outlet": outlet,
                        "url": url,
                        "published_on": published,
                        "language": language,
                    },
                    on_match=OnMatch.SEPARATE if separate else OnMatch.ASK,
                )
            if report.ok:
                for article_id, article_title in report.imported:
                    click.echo(
                        gettext(
                            "imported %(path)s: article %(id)s “%(title)s”",
                            path=path,
                            id=article_id,
                            title=article_title,
                        )
                    )
                for note in report.notes:
                    click.echo(f"  {note}")
            else:
                failures += 1
                for problem in report.problems:
                    click.secho(_refused(path, problem), fg="red", err=True)
    if failures:
        sys.exit(1)


def _refused(path: Path, problem: object) -> str:
    return gettext("refused %(path)s: %(problem)s", path=path, problem=problem)


@factchecks_cli.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--id-column", help="Column (header name or number from 0) of the source's id.")
@click.option("--claim-column", help="Column of the claim as checked.")
@click.option("--title-column", help="Column of the fact-check's headline.")
@click.option("--rating-column", help="Column of the rating as published.")
@click.option("--url-column", help="Column of the fact-check's web address.")
@click.option("--date-column", help="Column of the publication date (YYYY-MM-DD).")
@click.option("--publisher-column", help="Column of the publisher.")
@click.option("--language-column", help="Column of the language.")
@click.option("--publisher", help="The publisher of every entry without one in the file.")
@click.option("--language", help="The language of every entry without one in the file.")
def import_factchecks_command(
    files: tuple[Path, ...], publisher: str | None, **columns: str
) -> None:
    """Add fact-checks to the library: ClaimReview JSON-LD (.json, .jsonld) or a table with
    a header row (.csv, .tsv). Each file is all or nothing; entries the library already
    has are left as they are."""
    from factcheck.factchecks.library import TableOptions, import_library_file
    from factcheck.factchecks.work import library_work_deferred, rematch_recent

    language = columns.pop("language")
    options = TableOptions.from_options(columns, publisher=publisher, language=language)
    failures = 0
    with click.progressbar(
        files, label=gettext("Importing fact-checks"), file=sys.stderr, show_pos=True
    ) as paths:
        for path in paths:
            try:
                data = path.read_bytes()
            except OSError as error:
                failures += 1
                click.secho(_refused(path, error), fg="red", err=True)
                continue
            with library_work_deferred(), unit_of_work():
                report = import_library_file(db.session, None, str(path), data, options)
            if report.ok:
                added = ngettext(
                    "%(count)s fact-check added",
                    "%(count)s fact-checks added",
                    report.added,
                    count=local_number(report.added),
                )
                already = ngettext(
                    "%(count)s already in the library",
                    "%(count)s already in the library",
                    report.already,
                    count=local_number(report.already),
                )
                click.echo(
                    gettext(
                        "imported %(path)s: %(added)s, %(already)s",
                        path=path,
                        added=added,
                        already=already,
                    )
                )
                continue
            failures += 1
            for problem in report.problems:
                click.secho(_refused(path, problem), fg="red", err=True)
            if report.more_problems:
                more = ngettext(
                    "and %(count)s more problem",
                    "and %(count)s more problems",
                    report.more_problems,
                    count=local_number(report.more_problems),
                )
                click.secho(_refused(path, more), fg="red", err=True)
    new_entries = _encode_library()
    with (
        click.progressbar(
            length=1, label=gettext("Matching recent claims"), file=sys.stderr, show_pos=True
        ) as bar,
        unit_of_work(),
    ):

        def advance(done: int, total: int) -> None:
            bar.length = total
            bar.update(done - bar.pos)

        rematch_recent(db.session, advance, new_entries)
    if failures:
        sys.exit(1)


def _encode_library(label: str | None = None) -> list[int]:
    """Give every library entry without vectors its vectors, committing as it goes;
    the ids of those entries."""
    from factcheck.factchecks.vectors import encode_pending, pending

    waiting = pending(db.session)
    if not waiting:
        return []
    label = label if label is not None else gettext("Working out sentence vectors")
    with click.progressbar(length=waiting, label=label, file=sys.stderr, show_pos=True) as bar:
        return encode_pending(db.session, progress=bar.update, commit=db.session.commit)


@jobs_cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def jobs_worker_command(burst: bool) -> None:
    """Run the background worker: the jobs the web and the API queue on FACTCHECK_REDIS_URL."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        _fail(
            gettext(
                "FACTCHECK_REDIS_URL is not set: without it, the web process does the work in "
                "a thread and commands do theirs before they end."
            ),
            2,
        )
    from redis import Redis
    from rq import Queue, SimpleWorker

    from factcheck import worker
    from factcheck.jobs import QUEUE_NAME

    # Jobs run in this process, in this app, one after another: RQ's usual worker forks
    # a fresh process per job, which built the app, the sentence encoder and the
    # language identifier again every time (1.5 s of CPU a job, most of a library
    # refresh under load). A job that fails is recorded and the worker goes on.
    worker.use_app(current_app._get_current_object())
    connection = Redis.from_url(url)
    SimpleWorker([Queue(QUEUE_NAME, connection=connection)], connection=connection).work(
        burst=burst
    )


@factchecks_cli.command("encode")
def encode_factchecks_command() -> None:
    """Work out the sentence vectors of library entries that have none yet (the web
    and the API leave that to background work)."""
    _encode_library()
    click.echo(gettext("every library entry has its sentence vectors"))


@factchecks_cli.command("train")
@click.argument("queries", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("qrels", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where the model goes (default: the one the application ships and uses).",
)
def train_factchecks_command(queries: Path, qrels: Path, out: Path | None) -> None:
    """Train the matcher's reranker on judged queries (CheckThat! query file and TREC
    qrels naming library external ids) against the library in the database."""
    from factcheck.factchecks.ranking import MODEL_PATH
    from factcheck.factchecks.training import read_qrels, read_queries, train

    try:
        questions, judged = read_queries(queries), read_qrels(qrels)
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        _fail(gettext("cannot read the training data: %(error)s", error=error), 2)
    _encode_library()
    with click.progressbar(
        length=len(questions),
        label=gettext("Ranking training queries"),
        file=sys.stderr,
        show_pos=True,
    ) as bar:
        try:
            model = train(db.session, questions, judged, progress=bar.update)
        except ValueError as error:
            _fail(str(error), 1)
    target = out or MODEL_PATH
    target.write_text(model.to_json() + "\n", encoding="utf-8")
    click.echo(
        ngettext(
            "reranker trained on %(count)s judged query; written to %(path)s",
            "reranker trained on %(count)s judged queries; written to %(path)s",
            len(judged),
            count=local_number(len(judged)),
            path=target,
        )
    )


@factchecks_cli.command("match")
@click.argument("queries", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--top", default=5, show_default=True, type=click.IntRange(1, 100))
@click.option(
    "--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="TREC run."
)
def match_factchecks_command(queries: Path, top: int, out: Path) -> None:
    """Match each query of a CheckThat! query file (a header row, then id<TAB>text)
    against the library and write a TREC run: query_id Q0 external_id rank score tag."""
    from factcheck.factchecks.matching import match_text
    from factcheck.factchecks.training import read_queries

    try:
        questions = read_queries(queries)
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        _fail(gettext("cannot read %(path)s: %(error)s", path=queries, error=error), 2)
    _encode_library()
    lines = []
    with click.progressbar(
        questions, label=gettext("Matching"), file=sys.stderr, show_pos=True
    ) as bar:
        for query_id, query in bar:
            for rank, match in enumerate(match_text(db.session, query, limit=top), start=1):
                entry = match.factcheck
                name = entry.external_id or f"factcheck-{entry.id}"
                # The ranker's score: it falls with the rank, as TREC tools (which sort
                # by score) expect; the probability of the same claim need not.
                lines.append(f"{query_id}\tQ0\t{name}\t{rank}\t{match.order:.6f}\tfactcheck")
    out.write_text("\n".join(lines) + ("\n" if lines else ""), encoding="utf-8")
    click.echo(
        ngettext(
            "%(count)s query matched; run written to %(path)s",
            "%(count)s queries matched; run written to %(path)s",
            len(questions),
            count=local_number(len(questions)),
            path=out,
        )
    )


class _ExportGroup(AppGroup):
    """``flask export <key>``: one command per format of the registry.

    The commands are built when click asks for them, from the registry as it is then,
    so a format added to it has its command without a line here.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        from factcheck.exports.formats import FORMATS

        return list(FORMATS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        from factcheck.exports.formats import get_format

        fmt = get_format(cmd_name)
        return _export_command(fmt) if fmt is not None else None


export_cli = _ExportGroup("export", help="Export verdicts, sources, archives and ClaimReview.")


def _export_command(fmt: ExportFormat) -> click.Command:
    @click.command(fmt.key, help=fmt.help)
    @click.option(
        "--out",
        "out",
        required=True,
        type=click.Path(dir_okay=False, path_type=Path),
        help="File to write (replaced only when the export succeeds).",
    )
    @click.option("--article", type=int, help="Only this article (id).")
    @click.option("--from", "date_from", help="Changed/approved on or after YYYY-MM-DD.")
    @click.option("--to", "date_to", help="Changed/approved on or before YYYY-MM-DD.")
    @click.option("--verdict", help="Only this verdict key (e.g. false).")
    @click.option(
        "--state",
        default=fmt.default_state,
        show_default=True,
        help="Annotation state, or 'all'.",
    )
    @click.option("--bom", is_flag=True, help="Add the UTF-8 byte-order mark (CSV, for Excel).")
    @with_appcontext
    def command(out: Path, article, date_from, date_to, verdict, state, bom) -> None:
        from factcheck.exports import operations
        from factcheck.exports.filters import ExportFilters
        from factcheck.exports.formats import WriteOptions
        from factcheck.exports.views import organisation

        with _changes(code=2):
            filters = ExportFilters.parse(
                article=article, date_from=date_from, date_to=date_to, verdict=verdict, state=state
            )
            total = operations.start_export(db.session, None, fmt, filters)
        temporary = out.with_name(out.name + ".partial")
        show_bar = sys.stderr.isatty()
        config = current_app.config
        options = WriteOptions(
            bom=bom,
            base_url=config["PUBLIC_BASE_URL"] or config["ORGANISATION_URL"],
            organisation=organisation(),
        )
        try:
            with (
                temporary.open("wb") as handle,
                click.progressbar(
                    length=total or 0,
                    label=gettext("Exporting %(format)s", format=fmt.key),
                    file=sys.stderr,
                )
                if show_bar and total
                else nullcontext(None) as bar,
            ):
                for chunk in operations.export_chunks(db.session.get_bind(), fmt, filters, options):
                    handle.write(chunk)
                    if show_bar and total:
                        bar.update(chunk.count(b"\n"))
            temporary.replace(out)
        except OSError as error:
            temporary.unlink(missing_ok=True)
            _fail(gettext("could not write %(path)s: %(error)s", path=out, error=error))
        if total is None:
            click.echo(gettext("wrote %(path)s", path=out))
        else:
            click.echo(
                ngettext(
                    "wrote %(path)s (%(num)s row)", "wrote %(path)s (%(num)s rows)", total, path=out
                )
            )

    return command


@click.command("restore")
@with_appcontext
@click.argument("archive", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option(
    "--by",
    "by_email",
    help="The admin account the audit history names as restoring (default: the system).",
)
def restore_command(archive: Path, by_email: str | None) -> None:
    """Restore a .jsonl archive: articles, claims, annotations, reviews, verdicts, accounts."""
    from factcheck.restore.operations import Scope, archive_lines, restore_archive
    from factcheck.users import operations as user_ops

    actor = None
    if by_email:
        actor = user_ops.find_user_by_email(db.session, by_email)
        if actor is None:
            _fail(gettext("there is no account for %(email)s.", email=by_email), 2)
            return
    try:
        with _changes(), archive.open("rb") as stream:
            report = restore_archive(
                db.session,
                actor,
                archive_lines(stream, filename=archive.name),
                archive=archive.name,
                scope=Scope.EVERYTHING,
                max_chars=current_app.config["MAX_ARTICLE_CHARS"],
            )
    except OSError as error:
        _fail(gettext("could not read %(path)s: %(error)s", path=archive, error=error))
        return
    click.echo(gettext("restored %(path)s", path=archive))
    for note in report.notes():
        click.echo(f"  {note}")


@audit_cli.command("verify")
@click.option(
    "--since-checkpoint",
    is_flag=True,
    help="Check only the events after the last verified checkpoint (and the checkpoint "
    "itself); an edit before it is found by a full verify.",
)
def verify_audit_command(since_checkpoint: bool) -> None:
    """Walk the hash chain; exit 1 naming the first event that was tampered with.

    A verify that passes leaves a checkpoint, so that the next one can start there."""
    from sqlalchemy import func, select

    from factcheck.audit.models import AuditEvent
    from factcheck.audit.recorder import verify_since_checkpoint, walk, write_checkpoint

    # The newest id, not a count, sizes the bar: counting ten million events reads them.
    newest = db.session.scalar(select(func.max(AuditEvent.id))) or 0
    with click.progressbar(
        length=newest, label=gettext("Verifying events"), file=sys.stderr
    ) as bar:

        def progress(checked: int) -> None:
            bar.update(checked - bar.pos)

        verified = (
            verify_since_checkpoint(db.session, progress)
            if since_checkpoint
            else walk(db.session, None, progress)
        )
        bar.update(bar.length - bar.pos)
    if verified.broken is not None:
        broken = verified.broken
        click.secho(
            gettext(
                "BROKEN at event %(event)s: %(reason)s",
                event=broken.event_id,
                reason=broken.reason,
            ),
            fg="red",
            err=True,
        )
        sys.exit(1)
    if verified.last is None:
        click.echo(gettext("OK: 0 events, head (empty)"))
        return
    with unit_of_work():
        checkpoint = write_checkpoint(db.session, *verified.last, verified.events)
    values = {"head": verified.last[1], "checkpoint": checkpoint.id}
    if verified.since is None:
        message = ngettext(
            "OK: %(num)s event, head %(head)s; checkpoint %(checkpoint)s written",
            "OK: %(num)s events, head %(head)s; checkpoint %(checkpoint)s written",
            verified.events,
            **values,
        )
    else:
        message = ngettext(
            "OK: %(num)s event (%(read)s read after checkpoint %(since)s), head %(head)s; "
            "checkpoint %(checkpoint)s written",
            "OK: %(num)s events (%(read)s read after checkpoint %(since)s), head %(head)s; "
            "checkpoint %(checkpoint)s written",
            verified.events,
            read=local_number(verified.checked),
            since=verified.since.id,
            **values,
        )
    click.echo(message)


@search_cli.command("reindex")
def reindex_command() -> None:
    """Rebuild the search index from the tables and say how many entries it fixed."""
    from factcheck.search.index import rebuild_all

    with (
        click.progressbar(length=0, label=gettext("Indexing articles"), file=sys.stderr) as bar,
        unit_of_work(),
    ):

        def progress(done: int, total: int) -> None:
            bar.length = total
            bar.update(done - bar.pos)

        report = rebuild_all(db.session.connection(), progress=progress)
    entries = local_number(report.entries)
    if report.fixed:
        message = ngettext(
            "search index rebuilt: %(count)s entry; %(fixed)s fixed",
            "search index rebuilt: %(count)s entries; %(fixed)s fixed",
            report.entries,
            count=entries,
            fixed=local_number(report.fixed),
        )
    else:
        message = ngettext(
            "search index rebuilt: %(count)s entry; nothing was out of date",
            "search index rebuilt: %(count)s entries; nothing was out of date",
            report.entries,
            count=entries,
        )
    click.echo(message)


@click.command("demo")
def demo_command() -> None:
    """Load the demo: three users, the reference article and a Spanish and an Arabic one,
    partly annotated (idempotent)."""
    from factcheck.demo import DEMO_LANGUAGES, load_demo

    password = os.environ.get("FACTCHECK_DEMO_PASSWORD") or current_app.config["DEMO_PASSWORD"]
    language = (
        os.environ.get("FACTCHECK_DEMO_LANGUAGE") or current_app.config["DEMO_LANGUAGE"]
    ).lower()
    if language not in DEMO_LANGUAGES:
        _fail(
            gettext(
                "FACTCHECK_DEMO_LANGUAGE must be one of: %(languages)s.",
                languages=", ".join(DEMO_LANGUAGES),
            )
        )
    with _changes():
        result = load_demo(
            db.session,
            password=password,
            max_chars=current_app.config["MAX_ARTICLE_CHARS"],
            language=language,
        )
    count = len(result.article.claims)
    values = {
        "title": result.article.title,
        "claims": ngettext("%(num)s claim", "%(num)s claims", count),
        "annotations": ngettext(
            "%(num)s demo annotation", "%(num)s demo annotations", result.annotations_created
        ),
    }
    if result.article_created and result.annotations_created:
        line = gettext(
            "Reference article loaded, %(annotations)s in every review state: "
            "“%(title)s” (%(claims)s)",
            **values,
        )
    elif result.article_created:
        line = gettext("Reference article loaded: “%(title)s” (%(claims)s)", **values)
    elif result.annotations_created:
        line = gettext(
            "Reference article already there, %(annotations)s in every review state: "
            "“%(title)s” (%(claims)s)",
            **values,
        )
    else:
        line = gettext("Reference article already there: “%(title)s” (%(claims)s)", **values)
    click.echo(line)
    if result.other_articles_created:
        click.echo(
            ngettext(
                "%(num)s more article loaded, in Spanish and Arabic, split and partly annotated",
                "%(num)s more articles loaded, in Spanish and Arabic, split and partly annotated",
                result.other_articles_created,
            )
        )
    if result.revised:
        click.echo(
            gettext("Reference article: a correction added as revision 2 (see its revisions)")
        )
    if result.verdicts_renamed:
        click.echo(
            ngettext(
                "Verdict scale: %(num)s verdict named in Spanish",
                "Verdict scale: %(num)s verdicts named in Spanish",
                result.verdicts_renamed,
            )
        )
    click.echo("")
    if result.factchecks_added:
        click.echo(
            ngettext(
                "Fact-check library: %(num)s example fact-check added",
                "Fact-check library: %(num)s example fact-checks added",
                result.factchecks_added,
            )
        )
    created = set(result.users_created)
    if created:
        click.echo(gettext("Demo logins (password: %(password)s)", password=password))
    else:
        # The demo never changes an existing account: the password is the one it was
        # created with, which may not be today's FACTCHECK_DEMO_PASSWORD.
        click.echo(gettext("Demo logins (created earlier, with the demo password of that day)"))
    for email, label in (
        ("annotator@example.org", gettext("fact-checker (annotator)")),
        ("reviewer@example.org", gettext("reviewer")),
        ("admin@example.org", gettext("admin")),
    ):
        if created and email not in created:
            label = gettext("%(role)s (created earlier, its own password)", role=label)
        click.echo(f"  {email:<24}{label}")
