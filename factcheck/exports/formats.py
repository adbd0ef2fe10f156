"""The export formats: one registry that the page, the download route, the API and the CLI read.

Each format says how it is named, served and written; nothing else in the code knows a
format by its key. Adding a format means adding an :class:`ExportFormat` to
:data:`FORMATS` (and its writer, in a module of its own); the page gets a button, the
web and API routes accept it, the OpenAPI document lists it and ``flask export`` gets a
command.

The registry is read at call time everywhere, never copied at import, so a format put
into it later (a test's, say) appears in all of those places too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from flask_babel import gettext, lazy_gettext
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from factcheck.exports.claimreview import approved_only, claim_reviews, encode_feed
from factcheck.exports.csv_export import (
    SOURCE_COLUMNS,
    count_rows,
    encode_csv,
    publication_csv,
    source_rows,
)
from factcheck.exports.filters import ExportFilters
from factcheck.exports.jsonl import export_lines
from factcheck.users.models import Role, User

#: Who may take internal formats (and every export of unpublished states).
INTERNAL_ROLE = Role.REVIEWER


@dataclass(frozen=True)
class WriteOptions:
    """What a writer may need besides the rows.

    Passed in as plain values so that writers never read the request or the app: the
    web, the API and the command line each work them out in their own way.
    """

    #: Start with the UTF-8 byte-order mark Excel wants (only ever set for CSVs).
    bom: bool = False
    #: Where the platform's public pages are, for links in the output.
    base_url: str = ""
    #: The publishing organisation (``name`` and ``url``), for ClaimReview's author.
    organisation: dict[str, str] = field(default_factory=dict)


#: Writes an export: the bytes, in chunks, from a connection in a read transaction.
Writer = Callable[[Connection, ExportFilters, WriteOptions], Iterator[bytes]]
#: How many data rows a writer will produce with these filters.
Counter = Callable[[Connection, ExportFilters], int]


@dataclass(frozen=True)
class ExportFormat:
    #: The URL segment, the CLI command and the audit event's suffix (``export:<key>``).
    key: str
    #: The label of the page's button (in English: the API's media types name it too).
    title: str
    #: One sentence on what it holds: the CLI's help, the page's and the API's description.
    help: str
    media_type: str
    extension: str
    #: The file is ``factcheck-<stem>-YYYYMMDD-HHMM.<extension>``.
    stem: str
    write: Writer
    #: None for formats whose output has no rows to count (the archive's lines are
    #: records of several kinds); the count feeds the audit event and the progress bar.
    count: Counter | None
    #: A CSV: may start with the byte-order mark Excel needs to read UTF-8.
    csv: bool = False
    #: Holds drafts, reviews and accounts: only reviewers and admins may take it.
    internal: bool = False
    #: The state filter when none is given: "approved" for publication, or "all".
    default_state: str = "approved"
    #: The page's highlighted button.
    primary: bool = False
    #: ``title`` and ``help`` in the reader's language, for the page (``lazy_gettext``);
    #: the OpenAPI document and the CLI keep the English. None: the page shows the English.
    page_title: str | None = None
    page_help: str | None = None

    @property
    def content_type(self) -> str:
        """The Content-Type header: text formats say they are UTF-8."""
        if self.media_type.startswith("text/"):
            return f"{self.media_type}; charset=utf-8"
        return self.media_type

    def filename(self, stamp: str) -> str:
        """The download's file name, given the time stamp of the export."""
        return f"factcheck-{self.stem}-{stamp}.{self.extension}"

    def available_to(self, user: User | None) -> bool:
        """Whether ``user`` may take this format (None is the command line: anyone)."""
        return user is None or not self.internal or user.has_role(INTERNAL_ROLE)


def _publication_csv(
    connection: Connection, filters: ExportFilters, options: WriteOptions
) -> Iterator[bytes]:
    return publication_csv(connection, filters, bom=options.bom)


def _count_annotations(connection: Connection, filters: ExportFilters) -> int:
    return count_rows(connection, filters)


def _sources_csv(
    connection: Connection, filters: ExportFilters, options: WriteOptions
) -> Iterator[bytes]:
    return encode_csv(SOURCE_COLUMNS, source_rows(connection, filters), bom=options.bom)


def _count_sources(connection: Connection, filters: ExportFilters) -> int:
    return count_rows(connection, filters, per_source=True)


def _claimreview_feed(
    connection: Connection, filters: ExportFilters, options: WriteOptions
) -> Iterator[bytes]:
    return encode_feed(
        claim_reviews(
            connection, filters, organisation=options.organisation, base_url=options.base_url
        )
    )


def _count_claimreviews(connection: Connection, filters: ExportFilters) -> int:
    return count_rows(connection, approved_only(filters))


def _jsonl_archive(
    connection: Connection, filters: ExportFilters, options: WriteOptions
) -> Iterator[bytes]:
    # The archive walks relationships (claims, sources, reviews), which needs a session;
    # bound to the export's connection it reads the same snapshot.
    session = Session(bind=connection)
    try:
        for line in export_lines(session, filters):
            yield line.encode("utf-8")
    finally:
        session.close()


#: Every format by key, in the order the page, the API and the CLI list them.
FORMATS: dict[str, ExportFormat] = {
    fmt.key: fmt
    for fmt in (
        ExportFormat(
            key="csv",
            title="Publication CSV",
            help="Publication CSV: one row per published verdict.",
            page_title=lazy_gettext("Publication CSV"),
            page_help=lazy_gettext("Publication CSV: one row per published verdict."),
            media_type="text/csv",
            extension="csv",
            stem="verdicts",
            write=_publication_csv,
            count=_count_annotations,
            csv=True,
            primary=True,
        ),
        ExportFormat(
            key="sources",
            title="Sources CSV",
            help="One row per source of the exported annotations.",
            page_title=lazy_gettext("Sources CSV"),
            page_help=lazy_gettext("One row per source of the exported annotations."),
            media_type="text/csv",
            extension="csv",
            stem="sources",
            write=_sources_csv,
            count=_count_sources,
            csv=True,
        ),
        ExportFormat(
            key="claimreview",
            title="ClaimReview JSON-LD feed",
            help="schema.org ClaimReview JSON-LD feed of published verdicts.",
            page_title=lazy_gettext("ClaimReview JSON-LD feed"),
            page_help=lazy_gettext("schema.org ClaimReview JSON-LD feed of published verdicts."),
            media_type="application/ld+json",
            extension="json",
            stem="claimreview",
            write=_claimreview_feed,
            count=_count_claimreviews,
        ),
        ExportFormat(
            key="jsonl",
            title="Archive (JSON Lines)",
            help="Archive of everything as JSON Lines (re-importable).",
            page_title=lazy_gettext("Archive (JSON Lines)"),
            page_help=lazy_gettext("Archive of everything as JSON Lines (re-importable)."),
            media_type="application/x-ndjson",
            extension="jsonl",
            stem="archive",
            write=_jsonl_archive,
            count=None,
            internal=True,
            default_state="all",
        ),
    )
}


def get_format(key: str) -> ExportFormat | None:
    """The format with this key, or None (the caller answers 404 or its equivalent)."""
    return FORMATS.get(key)


def available_formats(user: User | None) -> list[ExportFormat]:
    """The formats ``user`` may take, in registry order."""
    return [fmt for fmt in FORMATS.values() if fmt.available_to(user)]


def keys_text() -> str:
    """The keys as a sentence fragment, "csv, sources, claimreview or jsonl"."""
    keys = list(FORMATS)
    if len(keys) == 1:
        return keys[0]
    return gettext("%(keys)s or %(last)s", keys=", ".join(keys[:-1]), last=keys[-1])
