"""Bulk import: .txt, .csv, .jsonl (the articles of the platform's archive) and .html files.

Each file is all or nothing: it runs in a savepoint, and any refused row or line
rolls back everything the file added. The report says what was imported and why
anything was refused.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from pathlib import PurePath
from typing import Any

from flask_babel import gettext, ngettext
from sqlalchemy.orm import Session

from factcheck.articles.html import extract_article, looks_binary
from factcheck.articles.operations import (
    METADATA_LIMITS,
    decode_text_file,
    import_article,
)
from factcheck.errors import DomainError, ValidationFailed
from factcheck.i18n import local_number
from factcheck.observability import count_work
from factcheck.revisions.operations import MatchedArticle, OnMatch, revise_matched
from factcheck.users.models import User
from factcheck.validators import is_web_url

FORMATS = {".txt": "text", ".csv": "CSV", ".jsonl": "JSON Lines", ".html": "HTML", ".htm": "HTML"}
CSV_COLUMNS = ("title", "url", "outlet", "published_on", "body")
#: How many row problems a report lists before summarising the rest.
MAX_LISTED_PROBLEMS = 20


@dataclass
class FileReport:
    filename: str
    imported: list[tuple[int, str]] = field(default_factory=list)
    #: Articles given a new revision: (id, title, revision number).
    revised: list[tuple[int, str, int]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: Articles this file's texts look like new versions of, waiting for a choice.
    matched: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


class _FileRefused(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def import_file(
    session: Session,
    actor: User | None,
    filename: str,
    data: bytes,
    *,
    max_chars: int,
    title: str | None = None,
    metadata: dict[str, Any] | None = None,
    on_match: OnMatch = OnMatch.ASK,
) -> FileReport:
    """Import one uploaded or named file; never raises for bad content.

    :param title: the title for a .txt or .html file (else taken from the file).
    :param metadata: outlet, url, published_on, language for a .txt file.
    :param on_match: what to do with a text whose URL or title is an article's already.
    """
    report = FileReport(PurePath(filename).name or "upload")
    suffix = PurePath(filename).suffix.lower()
    if suffix not in FORMATS:
        report.problems.append(
            gettext(
                "%(file)s: only %(suffixes)s files can be imported.",
                file=report.filename,
                suffixes=", ".join(sorted(FORMATS)),
            )
        )
        return report
    try:
        with session.begin_nested():
            adder = _Adder(session, actor, report, on_match, max_chars)
            if suffix == ".txt":
                _import_text(adder, data, title=title, metadata=metadata or {})
            elif suffix == ".csv":
                _import_csv(adder, data)
            elif suffix == ".jsonl":
                _import_jsonl(session, actor, report, data, max_chars=max_chars, on_match=on_match)
            else:
                _import_html(adder, data, title=title)
    except _FileRefused as refused:
        report.imported.clear()
        report.revised.clear()
        report.problems.extend(refused.problems)
    except DomainError as error:
        report.imported.clear()
        report.revised.clear()
        report.problems.append(error.message)
    count_work("import:articles", len(report.imported))
    return report


@dataclass
class _Adder:
    """Adds one text from a file: a new article, or a new revision of the article whose
    URL or title it has, as the person chose."""

    session: Session
    actor: User | None
    report: FileReport
    on_match: OnMatch
    max_chars: int

    def add(self, *, title: str, body: str, url: str | None = None, **metadata: Any) -> None:
        try:
            revised = revise_matched(
                self.session,
                self.actor,
                on_match=self.on_match,
                filename=self.report.filename,
                title=title,
                url=url,
                body=body,
                max_chars=self.max_chars,
            )
        except MatchedArticle as matched:
            matched.note_in(self.report.matched)
            raise
        if revised is not None:
            article = revised.revision.article
            self.report.revised.append((article.id, article.title, revised.revision.number))
            return
        article = import_article(
            self.session,
            self.actor,
            title=title,
            body=body,
            max_chars=self.max_chars,
            url=url,
            **metadata,
        )
        self.report.imported.append((article.id, article.title))


def _decode(report: FileReport, data: bytes) -> str:
    try:
        return decode_text_file(data, filename=report.filename)
    except ValidationFailed as error:
        raise _FileRefused([error.message]) from None


def _split_title(text: str) -> tuple[str, str]:
    """First non-empty line is the headline; the rest is the body."""
    lines = text.lstrip("\ufeff").splitlines(keepends=True)
    for index, line in enumerate(lines):
        if line.strip():
            return line.strip(), "".join(lines[index + 1 :])
    return "", text


def _import_text(adder: _Adder, data: bytes, *, title, metadata) -> None:
    text = _decode(adder.report, data)
    article_title, body = (title, text) if title else _split_title(text)
    adder.add(title=article_title or "", body=body, **metadata)


def _import_csv(adder: _Adder, data: bytes) -> None:
    session, report, max_chars = adder.session, adder.report, adder.max_chars
    text = _decode(report, data)
    # A body may be as long as an article (the default limit is 128 KiB); the limit is
    # process-wide in the csv module, so raise it, never lower it.
    csv.field_size_limit(max(csv.field_size_limit(), 4 * max_chars + 1024))
    # strict: an unclosed quote is an error, not a field that swallows the next rows.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [name.strip().lower() for name in next(reader)]
    except StopIteration:
        raise _FileRefused([gettext("%(file)s is empty.", file=report.filename)]) from None
    except csv.Error as error:
        raise _FileRefused(
            [
                gettext(
                    "%(file)s: the header is not valid CSV (%(error)s).",
                    file=report.filename,
                    error=error,
                )
            ]
        ) from None
    missing = [name for name in ("title", "body") if name not in header]
    if missing:
        raise _FileRefused(
            [
                gettext(
                    "%(file)s: the header must name the columns %(columns)s; missing: %(missing)s.",
                    file=report.filename,
                    columns=", ".join(CSV_COLUMNS),
                    missing=", ".join(missing),
                )
            ]
        )
    unknown = [name for name in header if name not in CSV_COLUMNS]
    if unknown:
        raise _FileRefused(
            [
                gettext(
                    "%(file)s: unknown columns: %(columns)s.",
                    file=report.filename,
                    columns=", ".join(unknown),
                )
            ]
        )
    problems: list[str] = []
    try:
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                problems.append(
                    gettext(
                        "row at line %(line)s: %(cells)s cells where the header has %(columns)s.",
                        line=line,
                        cells=len(row),
                        columns=len(header),
                    )
                )
                continue
            values = dict(zip(header, row, strict=True))
            published = None
            if values.get("published_on", "").strip():
                try:
                    published = date.fromisoformat(values["published_on"].strip())
                except ValueError:
                    problems.append(
                        gettext(
                            "row at line %(line)s: published_on “%(value)s” is not YYYY-MM-DD.",
                            line=line,
                            value=values["published_on"][:40],
                        )
                    )
                    continue
            try:
                with session.begin_nested():
                    adder.add(
                        title=values["title"],
                        body=values["body"],
                        url=values.get("url"),
                        outlet=values.get("outlet"),
                        published_on=published,
                    )
            except DomainError as error:
                problems.append(
                    gettext("row at line %(line)s: %(problem)s", line=line, problem=error.message)
                )
                continue
    except csv.Error as error:
        problems.append(
            gettext("line %(line)s: not valid CSV (%(error)s).", line=reader.line_num, error=error)
        )
    if problems:
        shown = problems[:MAX_LISTED_PROBLEMS]
        if len(problems) > len(shown):
            more = len(problems) - len(shown)
            shown.append(
                ngettext(
                    "…and %(count)s more problem.",
                    "…and %(count)s more problems.",
                    more,
                    count=local_number(more),
                )
            )
        raise _FileRefused(
            [gettext("%(file)s: nothing was imported.", file=report.filename), *shown]
        )
    if not report.imported and not report.revised:
        raise _FileRefused(
            [gettext("%(file)s has a header but no articles.", file=report.filename)]
        )


def _import_jsonl(session, actor, report, data, *, max_chars, on_match) -> None:
    """The articles and claims of a platform archive, as the uploader's imports.

    Annotations, reviews, verdicts and accounts are a restore's, which only an admin
    runs (``factcheck/restore/``); the report says what was left out.
    """
    from factcheck.restore.operations import Scope, restore_archive

    text = _decode(report, data)
    result = restore_archive(
        session,
        actor,
        io.StringIO(text),
        archive=report.filename,
        scope=Scope.ARTICLES,
        max_chars=max_chars,
        on_match=on_match,
    )
    report.notes.extend(result.notes())
    report.imported.extend(result.articles)
    report.revised.extend(result.revised)
    report.matched.extend(result.matched)


def _import_html(adder: _Adder, data: bytes, *, title) -> None:
    report = adder.report
    if looks_binary(data):
        raise _FileRefused(
            [gettext("%(file)s looks like a binary file, not HTML.", file=report.filename)]
        )
    page = extract_article(data, title=title)
    if page is None:
        raise _FileRefused([_no_article_text(report)])
    # The page's metadata is a bonus, not the article: what cannot be stored is dropped
    # or shortened instead of refusing the page.
    adder.add(
        title=page.headline,
        body=page.body,
        url=page.url if is_web_url(page.url) and len(page.url) <= METADATA_LIMITS["url"] else None,
        outlet=page.sitename[: METADATA_LIMITS["outlet"]],
        byline=page.author[: METADATA_LIMITS["byline"]],
        published_on=page.published_on,
    )


def _no_article_text(report: FileReport) -> str:
    return gettext("%(file)s: no article text could be found in this page.", file=report.filename)
