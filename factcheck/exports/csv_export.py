"""Publication CSVs: one row per published verdict, and one row per source.

Streamed: rows come from a server-side cursor and leave as encoded chunks, so memory
does not grow with the number of rows. Every text cell is neutralised against
spreadsheet formula injection (OWASP): a cell that starts with = + - @ (or their
full-width forms), tab, CR, LF, NUL -- or with the apostrophe used as the escape, or
with spaces before any of the triggers -- gets a leading apostrophe. Dropping one
leading apostrophe recovers the original. tests/test_csv_spreadsheet.py opens the
exports in LibreOffice to hold this to what a spreadsheet does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from itertools import chain
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Join,
    ScalarSelect,
    Select,
    String,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.compiler import compiles

from factcheck.annotations.models import Annotation, Source
from factcheck.articles.models import Article, ArticleRevision, Claim, ClaimLink
from factcheck.exports.filters import ExportFilters
from factcheck.review.models import Decision, Review
from factcheck.users.models import User
from factcheck.verdicts.models import Verdict

#: First characters that make Excel, LibreOffice or Google Sheets evaluate a cell.
FORMULA_TRIGGERS = frozenset("=+-@\t\r\n\x00＝＋－＠")
ESCAPE = "'"
#: Cells starting with one of these get the escape: the triggers, and the escape itself
#: (so that dropping one leading apostrophe always recovers the original).
_ESCAPED_FIRST = FORMULA_TRIGGERS | {ESCAPE}

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
    # The article revision whose text the annotation was written on, and the revision
    # that took the claim out of the article (empty while it is in the current text).
    "revision",
    "removed_in",
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
    """Make a text cell safe to open in a spreadsheet; reversible with :func:`recover`.

    Spaces before a trigger count too: LibreOffice's "Trim spaces" import option strips
    them from an unquoted cell before it looks for a formula, so " =1+1" becomes one.
    """
    if value and (
        value[0] in _ESCAPED_FIRST
        or (value[0] == " " and value.lstrip(" ")[:1] in FORMULA_TRIGGERS)
    ):
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


def _base(filters: ExportFilters) -> Select[Any]:
    query = select(Annotation.id).select_from(_ClaimsFirst())
    if filters.verdict_key:
        query = query.outerjoin(Verdict, Verdict.id == Annotation.verdict_id)
    return query.where(*filters.conditions())


class _ClaimsFirst(Join):
    """``claims JOIN annotations``, with SQLite told to loop over claims first.

    The exports are ordered by article and claim position, which is the order of the
    claims' (article_id, position) index; walked in that order, SQLite needs no sort.
    Left to itself its planner scans annotations and sorts every wide row in a temporary
    B-tree, which took a third of the export's time. PostgreSQL plans well on its own.
    """

    inherit_cache = True

    def __init__(self) -> None:
        super().__init__(Claim.__table__, Annotation.__table__, Claim.id == Annotation.claim_id)


@compiles(_ClaimsFirst, "sqlite")
def _claims_first_on_sqlite(join: _ClaimsFirst, compiler: Any, **kw: Any) -> str:
    # SQLite documents CROSS JOIN as fixing the join order (the left table is outer).
    return compiler.visit_join(join, **kw).replace(" JOIN ", " CROSS JOIN ", 1)


def approving_review() -> ScalarSelect[Any]:
    """The id of the review that approved the annotation (the latest, if reopened)."""
    return (
        select(func.max(Review.id))
        .where(Review.annotation_id == Annotation.id, Review.decision == Decision.APPROVE)
        .correlate(Annotation)
        .scalar_subquery()
    )


def publication_query(filters: ExportFilters, dialect: str) -> Select[Any]:
    """The annotations' own columns and a summary of their sources.

    Articles, verdicts and names are looked up once each instead of joined to every row.
    """
    return (
        _base(filters)
        .add_columns(
            Claim.article_id,
            Claim.id,
            Claim.position,
            Claim.start,
            Claim.end,
            Annotation.claimant,
            Annotation.claim_summary,
            Annotation.verdict_id,
            Annotation.rationale,
            Annotation.annotator_id,
            Review.reviewer_id,
            # Raw driver values: skipping SQLAlchemy's date parsing doubles the speed; the
            # rows are formatted once below instead.
            type_coerce(Review.created_at, String),
            type_coerce(Annotation.state, String),
            _sources_summary(dialect),
            Annotation.revision,
            Claim.removed_in,
        )
        .outerjoin(Review, Review.id == approving_review())
        .order_by(Claim.article_id, Claim.position, Annotation.id)
    )


def _articles_query(filters: ExportFilters) -> Select[Any]:
    wanted = _base(filters).with_only_columns(Claim.article_id)
    return (
        select(
            Article.id,
            Article.title,
            Article.url,
            Article.outlet,
            type_coerce(Article.published_on, String),
            Article.body,
        )
        .where(Article.id.in_(wanted))
        .order_by(Article.id)
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


def _batches(connection: Connection, query: Select[Any], size: int = BATCH) -> Iterator[list[Any]]:
    """The rows of a query, streamed, as lists of up to ``size`` raw driver rows."""
    # Per statement: Connection.execution_options() would change the connection itself.
    result = connection.execute(query.execution_options(stream_results=True, yield_per=size))
    try:
        # The first batch through SQLAlchemy, which also hands over the row it read ahead;
        # after that the driver's own rows: every column is raw already (type_coerce
        # above), so skipping SQLAlchemy's Row objects changes nothing but the time.
        rows: list[Any] = list(result.fetchmany(size))
        if rows:
            yield rows
        if len(rows) < size:
            return
        cursor = result.cursor
        while rows := cursor.fetchmany(size):
            yield rows
    finally:
        result.close()


def _source_label() -> ColumnElement[str]:
    """ "title — publisher <url>", leaving out what is missing, computed by the database."""
    named = case(
        (and_(Source.title != "", Source.publisher != ""), Source.title + " — " + Source.publisher),
        else_=Source.title + Source.publisher,  # both NOT NULL; at most one is non-empty
    )
    link = case(
        (func.coalesce(Source.url, "") == "", ""),
        (or_(Source.title != "", Source.publisher != ""), " <" + Source.url + ">"),
        else_="<" + Source.url + ">",
    )
    return named + link


def _sources_summary(dialect: str) -> ScalarSelect[Any]:
    """ "count:label; label; ..." of the annotation's sources in their order; NULL if none.

    Aggregated by the database in a correlated subquery: read as rows of their own and
    merged in Python, the sources took half of the export's time. The count travels in
    front, so that a title holding "; " does not change it.
    """
    label = _source_label()
    count = cast(func.count(), String) + ":"
    if dialect == "postgresql":
        labels = func.string_agg(label, aggregate_order_by(literal("; "), Source.position))
        summary = select(count + labels).where(Source.annotation_id == Annotation.id)
    else:
        # SQLite before 3.44 has no ORDER BY inside group_concat: it joins the rows in the
        # order they arrive, which the ordered subquery sets (the index on (annotation_id,
        # position) gives it without a sort). A test with sources stored out of order
        # holds it to that.
        ordered = (
            select(label.label("label"))
            .where(Source.annotation_id == Annotation.id)
            .order_by(Source.position)
            .correlate(Annotation)
            .subquery("ordered_sources")
        )
        summary = select(count + func.group_concat(ordered.c.label, "; "))
    return summary.correlate(Annotation).scalar_subquery()


class _Lazy(dict[Any, Any]):
    """key -> ``build(key)``, computed the first time a row needs it.

    Verdicts and people repeat on every row: looked up (and formatted) once each, they
    stay out of the streamed query, which is then narrower and needs fewer joins.
    """

    def __init__(self, build: Callable[[Any], Any]) -> None:
        super().__init__()
        self._build = build

    def __missing__(self, key: Any) -> Any:
        value = self[key] = self._build(key)
        return value


def _publication_batches(
    connection: Connection, filters: ExportFilters
) -> Iterator[list[tuple[Any, Any]]]:
    """Lists of (article row, publication_query row) in export order.

    Two streamed cursors in the same order -- articles and annotations -- merged in one
    pass; each article's body is read once and sliced for its claims' text. Handed over
    a batch at a time: a generator step per row cost a tenth of the export.
    """
    # Few articles at a time: a body can be megabytes.
    article_batches = _batches(connection, _articles_query(filters), 8)
    row_batches = _batches(connection, publication_query(filters, connection.dialect.name))
    try:
        articles = chain.from_iterable(article_batches)
        article: Any = (None,)
        for rows in row_batches:
            records = []
            for row in rows:
                while article[0] != row[1]:
                    article = next(articles)
                records.append((article, row))
            yield records
    finally:
        # Close the server-side cursors even when the reader stops early.
        row_batches.close()
        article_batches.close()


def _sources_cells(summary: str | None) -> tuple[str, str]:
    """(count, labels) from ``_sources_summary``."""
    if summary is None:
        return "0", ""
    count, _, labels = summary.partition(":")
    return count, labels


def _removed_claims(connection: Connection) -> _Lazy:
    """claim id -> (position, text) of a claim a revision removed, as it was in the text
    it was last part of (its offsets point there, not into the current body)."""
    query = (
        select(ClaimLink.old_position, ArticleRevision.body, Claim.start, Claim.end)
        .join(Claim, Claim.id == ClaimLink.claim_id)
        .join(
            ArticleRevision,
            (ArticleRevision.article_id == Claim.article_id)
            & (ArticleRevision.number == Claim.removed_in - 1),
        )
        .join(
            (successor := ArticleRevision.__table__.alias("removing")),
            (successor.c.id == ClaimLink.revision_id) & (successor.c.number == Claim.removed_in),
        )
        .where(ClaimLink.claim_id == bindparam("id"))
        .limit(1)
    )

    def build(claim_id: int) -> tuple[int | None, str]:
        found = connection.execute(query, {"id": claim_id}).one_or_none()
        if found is None:
            return None, ""
        position, body, start, end = found
        return position, body[start:end]

    return _Lazy(build)


def _lookups(connection: Connection) -> tuple[_Lazy, _Lazy]:
    """(verdict id -> (label, rating), user id -> name), read as rows need them."""
    verdict_query = select(Verdict.label, Verdict.rating).where(Verdict.id == bindparam("id"))
    name_query = select(User.name).where(User.id == bindparam("id"))

    def verdict(verdict_id: int | None) -> tuple[str | None, int | None]:
        found = connection.execute(verdict_query, {"id": verdict_id}).one_or_none()
        return (found[0], found[1]) if found else (None, None)

    def name(user_id: int | None) -> str | None:
        return connection.execute(name_query, {"id": user_id}).scalar_one_or_none()

    return _Lazy(verdict), _Lazy(name)


def publication_rows(connection: Connection, filters: ExportFilters) -> Iterator[tuple[Any, ...]]:
    """One tuple per annotation (per claim, for approved ones) in ``PUBLICATION_COLUMNS``."""
    verdicts, names = _lookups(connection)
    removed = _removed_claims(connection)
    for records in _publication_batches(connection, filters):
        for article, row in records:
            (
                _annotation_id,
                _article_id,
                claim_id,
                position,
                start,
                end,
                claimant,
                summary,
                verdict_id,
                rationale,
                annotator_id,
                reviewer_id,
                approved_at,
                state,
                sources,
                revision,
                removed_in,
            ) = row
            count, labels = _sources_cells(sources)
            text = article[5][start:end]
            if removed_in is not None:
                position, text = removed[claim_id]
            yield (
                article[1],
                article[2],
                article[3],
                iso_date(article[4]),
                claim_id,
                position,
                text,
                start,
                end,
                claimant,
                summary,
                *verdicts[verdict_id],
                rationale,
                labels,
                int(count),
                names[annotator_id],
                names[reviewer_id],
                iso_timestamp(approved_at),
                state,
                revision,
                removed_in,
            )


def publication_csv(
    connection: Connection, filters: ExportFilters, *, bom: bool = False
) -> Iterator[bytes]:
    """The publication CSV; the same bytes as ``encode_csv`` of ``publication_rows``.

    Cells that repeat -- the article's, the verdict's, the people's, the state -- are
    formatted once and reused; only the claim's own cells are formatted on every row.
    """
    verdicts, names = _lookups(connection)
    verdict_cells = _Lazy(lambda key: ",".join(map(csv_field, verdicts[key])))
    name_cells = _Lazy(lambda key: csv_field(names[key]))
    state_cells = _Lazy(csv_field)
    removed = _removed_claims(connection)
    field = csv_field
    yield (("\ufeff" if bom else "") + ",".join(PUBLICATION_COLUMNS) + "\r\n").encode("utf-8")
    body = prefix = ""
    current: Any = None
    for records in _publication_batches(connection, filters):
        lines = []
        append = lines.append
        for article, row in records:
            if article is not current:
                current, body = article, article[5]
                prefix = ",".join(map(field, (*article[1:4], iso_date(article[4]))))
            (
                _annotation_id,
                _article_id,
                claim_id,
                position,
                start,
                end,
                claimant,
                summary,
                verdict_id,
                rationale,
                annotator_id,
                reviewer_id,
                approved_at,
                state,
                sources,
                revision,
                removed_in,
            ) = row
            count, labels = _sources_cells(sources)
            text = body[start:end]
            if removed_in is not None:
                position, text = removed[claim_id]
            # An ISO timestamp starts with a digit and holds no comma: it needs no quoting.
            append(
                f"{prefix},{claim_id},{'' if position is None else position},{field(text)},"
                f"{start},{end},"
                f"{field(claimant)},{field(summary)},{verdict_cells[verdict_id]},"
                f"{field(rationale)},{field(labels)},{count},"
                f"{name_cells[annotator_id]},{name_cells[reviewer_id]},"
                f"{iso_timestamp(approved_at) or ''},{state_cells[state]},"
                f"{revision},{'' if removed_in is None else removed_in}\r\n"
            )
        yield "".join(lines).encode("utf-8")


def source_rows(connection: Connection, filters: ExportFilters) -> Iterator[tuple[Any, ...]]:
    for rows in _batches(connection, sources_query(filters)):
        for annotation_id, claim_id, *rest, accessed_on in rows:
            yield (claim_id, annotation_id, *rest, iso_date(accessed_on))


def csv_field(value: Any) -> str:
    """One RFC 4180 field, neutralised; quoted only when it must be (like QUOTE_MINIMAL).

    "Must" includes a semicolon or a tab: LibreOffice's import splits unquoted fields on
    comma, semicolon and tab by default (and Excel on ";" where that is the list
    separator). Split, "a;=1+1" would shift the row's columns and start a new cell with
    a formula that no apostrophe protects.

    Written out instead of using csv.writer: the checks below run as C substring
    searches, which is what makes the export keep up with the database.
    """
    if value is None:
        return ""
    if value.__class__ is not str:
        return str(value)
    value = neutralise(value)
    if (
        '"' in value
        or "," in value
        or "\n" in value
        or "\r" in value
        or ";" in value
        or "\t" in value
    ):
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


def count_rows(connection: Connection, filters: ExportFilters, *, per_source: bool = False) -> int:
    """Data rows an export will have: one per annotation, or one per source."""
    query = _base(filters)
    if per_source:
        query = query.join(Source, Source.annotation_id == Annotation.id)
    return int(connection.scalar(select(func.count()).select_from(query.subquery())) or 0)
