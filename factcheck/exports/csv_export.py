"""Publication CSVs: one row per published verdict, and one row per source.

Streamed: rows come from a server-side cursor and leave as encoded chunks, so memory
does not grow with the number of rows. Every text cell is neutralised against
spreadsheet formula injection (OWASP): a cell that starts with = + - @ (or their
full-width forms), tab, CR, LF, NUL -- or with the apostrophe used as the escape --
gets a leading apostrophe. Dropping one leading apostrophe recovers the original.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import Connection, Select, String, func, select, type_coerce
from sqlalchemy.orm import aliased

from factcheck.annotations.models import Annotation, Source, Verdict
from factcheck.articles.models import Article, Claim
from factcheck.exports.filters import ExportFilters
from factcheck.review.models import Decision, Review
from factcheck.users.models import User

#: First characters that make Excel, LibreOffice or Google Sheets evaluate a cell.
FORMULA_TRIGGERS = frozenset("=+-@\t\r\n\x00＝＋－＠")
ESCAPE = "'"

PUBLICATION_COLUMNS = (
    "article_title",
    "article_url",
    "outlet",
    "published_on",
    "claim_id",
    "claim_position",
    "claim_text",
    "start",
    "end",
    "claimant",
    "claim_summary",
    "verdict",
    "rating",
    "rationale",
    "sources",
    "source_count",
    "annotator",
    "reviewer",
    "approved_at",
    "state",
)

SOURCE_COLUMNS = (
    "claim_id",
    "annotation_id",
    "position",
    "url",
    "title",
    "publisher",
    "quote",
    "stance",
    "accessed_on",
)

#: Rows fetched from the database at a time.
BATCH = 2000
#: Rows per chunk handed to the web server or file.
CHUNK_ROWS = 500


def neutralise(value: str) -> str:
    """Make a text cell safe to open in a spreadsheet; reversible with :func:`recover`."""
    if value and (value[0] in FORMULA_TRIGGERS or value[0] == ESCAPE):
        return ESCAPE + value
    return value


def recover(cell: str) -> str:
    """The original text of a neutralised cell."""
    return cell[1:] if cell.startswith(ESCAPE) else cell


def iso_timestamp(value: Any) -> str | None:
    """ISO 8601 in UTC whatever the driver returned (SQLite: text, PostgreSQL: datetime)."""
    if value is None:
        return None
    if isinstance(value, str):  # SQLite stores naive UTC as "YYYY-MM-DD HH:MM:SS.ffffff"
        return value.replace(" ", "T", 1) + ("+00:00" if len(value) > 10 else "")
    return value.isoformat()


def iso_date(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return value.isoformat()


def _base(filters: ExportFilters, *, with_article: bool = True) -> Select[Any]:
    query = select(Annotation.id).join(Claim, Claim.id == Annotation.claim_id)
    if with_article:
        query = query.join(Article, Article.id == Claim.article_id)
    if with_article or filters.verdict_key:
        # The verdict filter needs the join; the publication rows need the label.
        query = query.outerjoin(Verdict, Verdict.id == Annotation.verdict_id)
    return query.where(*filters.conditions())


def publication_query(filters: ExportFilters) -> Select[Any]:
    annotator = aliased(User, name="annotator")
    reviewer = aliased(User, name="reviewer")
    approval = (
        select(Review.annotation_id, func.max(Review.id).label("review_id"))
        .where(Review.decision == Decision.APPROVE)
        .group_by(Review.annotation_id)
        .subquery("approval")
    )
    return (
        _base(filters)
        .add_columns(
            Article.title,
            Article.url,
            Article.outlet,
            # Raw driver values: skipping SQLAlchemy's date parsing doubles the speed; the
            # rows are formatted once below instead.
            type_coerce(Article.published_on, String),
            Claim.id,
            Claim.position,
            # SQL substr counts characters on SQLite and PostgreSQL, like Python indices.
            func.substr(Article.body, Claim.start + 1, Claim.end - Claim.start),
            Claim.start,
            Claim.end,
            Annotation.claimant,
            Annotation.claim_summary,
            Verdict.label,
            Verdict.rating,
            Annotation.rationale,
            annotator.name,
            reviewer.name,
            type_coerce(Review.created_at, String),
            type_coerce(Annotation.state, String),
        )
        .join(annotator, annotator.id == Annotation.annotator_id)
        .outerjoin(approval, approval.c.annotation_id == Annotation.id)
        .outerjoin(Review, Review.id == approval.c.review_id)
        .outerjoin(reviewer, reviewer.id == Review.reviewer_id)
        .order_by(Claim.article_id, Claim.position, Annotation.id)
    )


def sources_query(filters: ExportFilters) -> Select[Any]:
    return (
        _base(filters)
        .add_columns(
            Claim.id,
            Source.position,
            Source.url,
            Source.title,
            Source.publisher,
            Source.quote,
            type_coerce(Source.stance, String),
            type_coerce(Source.accessed_on, String),
        )
        .join(Source, Source.annotation_id == Annotation.id)
        .order_by(Claim.article_id, Claim.position, Annotation.id, Source.position)
    )


def _stream(connection: Connection, query: Select[Any]) -> Iterator[Any]:
    # Per statement: Connection.execution_options() would change the connection itself.
    result = connection.execute(query.execution_options(stream_results=True, yield_per=BATCH))
    try:
        # The first batch through SQLAlchemy, which also hands over the row it read ahead;
        # after that the driver's own rows: every column is raw already (type_coerce
        # above), so skipping SQLAlchemy's Row objects changes nothing but the time.
        first = result.fetchmany(BATCH)
        yield from first
        if len(first) < BATCH:
            return
        cursor = result.cursor
        while rows := cursor.fetchmany(BATCH):
            yield from rows
    finally:
        result.close()


def _flatten(title: str, publisher: str, url: str | None) -> str:
    """ "title — publisher <url>", leaving out what is missing."""
    text = " — ".join(part for part in (title, publisher) if part)
    if url:
        text = f"{text} <{url}>" if text else f"<{url}>"
    return text


def _source_labels_query(filters: ExportFilters) -> Select[Any]:
    return (
        _base(filters, with_article=False)
        .add_columns(Source.title, Source.publisher, Source.url)
        .join(Source, Source.annotation_id == Annotation.id)
        .order_by(Claim.article_id, Claim.position, Annotation.id, Source.position)
    )


def publication_rows(connection: Connection, filters: ExportFilters) -> Iterator[tuple[Any, ...]]:
    """One tuple per annotation (per claim, for approved ones), sources flattened."""
    sources = _stream(connection, _source_labels_query(filters))
    rows = _stream(connection, publication_query(filters))
    try:
        pending = next(sources, None)
        for row in rows:
            annotation_id = row[0]
            flat: list[str] = []
            # Both cursors run in the same order, so sources are merged in one pass.
            while pending is not None and pending[0] == annotation_id:
                flat.append(_flatten(pending[1], pending[2], pending[3]))
                pending = next(sources, None)
            yield (
                *row[1:4],
                iso_date(row[4]),
                *row[5:15],
                "; ".join(flat),
                len(flat),
                row[15],
                row[16],
                iso_timestamp(row[17]),
                row[18],
            )
    finally:
        # Close both server-side cursors even when the reader stops early.
        rows.close()
        sources.close()


def source_rows(connection: Connection, filters: ExportFilters) -> Iterator[tuple[Any, ...]]:
    for annotation_id, claim_id, *rest, accessed_on in _stream(connection, sources_query(filters)):
        yield (claim_id, annotation_id, *rest, iso_date(accessed_on))


def csv_field(value: Any) -> str:
    """One RFC 4180 field, neutralised; quoted only when it must be (like QUOTE_MINIMAL).

    Written out instead of using csv.writer: the checks below run as C substring
    searches, which is what makes the export keep up with the database.
    """
    if value is None:
        return ""
    if value.__class__ is not str:
        return str(value)
    if value and (value[0] in FORMULA_TRIGGERS or value[0] == ESCAPE):
        value = ESCAPE + value
    if '"' in value or "," in value or "\n" in value or "\r" in value:
        return '"' + value.replace('"', '""') + '"'
    return value


def encode_csv(
    header: Iterable[str], rows: Iterable[tuple[Any, ...]], *, bom: bool = False
) -> Iterator[bytes]:
    """RFC 4180 CSV (CRLF line ends, minimal quoting) as UTF-8 chunks."""
    lines = ["\ufeff" if bom else "", ",".join(map(csv_field, header)), "\r\n"]
    for count, row in enumerate(rows, start=1):
        lines.append(",".join(map(csv_field, row)))
        lines.append("\r\n")
        if count % CHUNK_ROWS == 0:
            yield "".join(lines).encode("utf-8")
            lines.clear()
    if lines:
        yield "".join(lines).encode("utf-8")


def count_rows(connection: Connection, filters: ExportFilters) -> int:
    return int(connection.scalar(select(func.count()).select_from(_base(filters).subquery())) or 0)
