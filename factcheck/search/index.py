"""Keeping the search index current: in the same transaction as every write.

Every way in -- the web, the API, commands, bulk imports, restores, the demo -- writes
through operations on one session. A listener notes what each flush touched (articles,
claims, annotations, their sources and reviews, people's names), and just before the
transaction commits the entries of those things are rewritten from the tables, with SQL
that reads the committed-to-be rows. So no write path can miss the index, an import
whose savepoint was rolled back leaves nothing behind (its rows are gone, so their
entries are too), and the index changes in the same commit as the data.

The entries are written by ``INSERT ... SELECT``: the database builds the text (a
claim's text is a slice of its article's body), so a rebuild of a million claims never
passes them through Python. Each entry carries its article's language (NULL for
English); on SQLite a non-English entry's stems are cut by ``search_stems`` (Python,
but only for those entries: for English ones the ``CASE`` never calls it). An article
whose language changes has every entry of its own rewritten.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Integer,
    Select,
    String,
    bindparam,
    case,
    cast,
    delete,
    except_,
    func,
    insert,
    inspect,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import Session, aliased

from factcheck.annotations.models import Annotation, Source
from factcheck.articles.models import Article, Claim
from factcheck.commit_hooks import CommitHook, changed
from factcheck.db import PostgresIntegers
from factcheck.review.models import Review
from factcheck.search.languages import entry_language
from factcheck.search.models import EntryKind, SearchEntry
from factcheck.users.models import User

#: Ids per statement when many things changed at once (a restore, a rebuild).
_BATCH = 500
#: The columns an entry is written with, in order.
Columns = tuple[str, ...]


def _text(*parts: ColumnElement[Any]) -> ColumnElement[str]:
    """The parts joined by spaces, a missing part as empty text."""
    joined: ColumnElement[str] = func.coalesce(parts[0], "")
    for part in parts[1:]:
        joined = joined + " " + func.coalesce(part, "")
    return joined


def _stems(language: ColumnElement[Any], text: ColumnElement[Any]) -> ColumnElement[Any]:
    """SQLite: a non-English entry's words cut by its language's stemmer. English
    entries never call the function (``CASE`` reads no further)."""
    return case((language.is_(None), null()), else_=func.search_stems(language, text))


def _entry(columns: Columns, values: dict[str, Any]) -> list[Any]:
    """An entry's ``columns`` from its kind's ``values`` and its article's language."""
    language = entry_language(Article.language)
    values = {
        # Typed: in a UNION, PostgreSQL would take a bare NULL for text.
        "viewers": cast(null(), PostgresIntegers()),
        **values,
        "language": language,
        "heading_stems": _stems(language, values["heading"]),
        "body_stems": _stems(language, values["body"]),
    }
    return [values[name] for name in columns]


def _article_rows(columns: Columns) -> Select[Any]:
    return select(
        *_entry(
            columns,
            {
                "kind": literal(EntryKind.ARTICLE.value),
                "article_id": Article.id,
                "claim_id": literal(None, Integer),
                "annotation_id": literal(None, Integer),
                "annotator_id": literal(None, Integer),
                "state": literal(None, String),
                "heading": func.coalesce(Article.title, ""),
                "body": _text(Article.outlet, Article.byline),
            },
        )
    )


def _claim_rows(columns: Columns) -> Select[Any]:
    # SQL counts characters from 1; the offsets are Python string indices from 0. Both
    # count code points, so the slice is the claim's text exactly.
    text = func.substr(Article.body, Claim.start + 1, Claim.end - Claim.start)
    return select(
        *_entry(
            columns,
            {
                "kind": literal(EntryKind.CLAIM.value),
                "article_id": Claim.article_id,
                "claim_id": Claim.id,
                "annotation_id": literal(None, Integer),
                "annotator_id": literal(None, Integer),
                "state": literal(None, String),
                "heading": text,
                "body": literal(""),
            },
        )
    ).join(
        # A claim a revision removed is no longer in the article's text: it is found
        # through its annotations, not as a sentence of the article.
        Article,
        (Article.id == Claim.article_id) & Claim.removed_in.is_(None),
    )


def _annotation_rows(columns: Columns) -> Select[Any]:
    sources = (
        select(
            func.aggregate_strings(
                _text(Source.title, Source.publisher, Source.quote, Source.url), " "
            )
        )
        .where(Source.annotation_id == Annotation.id)
        .scalar_subquery()
    )
    comments = (
        select(func.aggregate_strings(Review.comment, " "))
        .where(Review.annotation_id == Annotation.id)
        .scalar_subquery()
    )
    # Its author, and whoever has submitted on the claim (see SearchEntry.viewers).
    sibling = aliased(Annotation)
    viewers = (
        select(func.array_agg(aggregate_order_by(sibling.annotator_id, sibling.annotator_id)))
        .where(
            sibling.claim_id == Annotation.claim_id,
            or_(sibling.submitted_at.is_not(None), sibling.id == Annotation.id),
        )
        .scalar_subquery()
    )
    return (
        select(
            *_entry(
                columns,
                {
                    "kind": literal(EntryKind.ANNOTATION.value),
                    "article_id": Claim.article_id,
                    "claim_id": Annotation.claim_id,
                    "annotation_id": Annotation.id,
                    "annotator_id": Annotation.annotator_id,
                    "state": Annotation.state,
                    "heading": _text(Annotation.claimant, Annotation.claim_summary),
                    "body": _text(Annotation.rationale, sources, comments, User.name),
                    "viewers": viewers,
                },
            )
        )
        .join(Claim, Claim.id == Annotation.claim_id)
        .join(Article, Article.id == Claim.article_id)
        .join(User, User.id == Annotation.annotator_id)
    )


#: Every database's: what the entry is, its words, and its language.
_COLUMNS: Columns = (
    "kind",
    "article_id",
    "claim_id",
    "annotation_id",
    "annotator_id",
    "state",
    "heading",
    "body",
    "language",
)
#: SQLite's, beyond those: the stems of a non-English entry's words.
_SQLITE_COLUMNS: Columns = ("heading_stems", "body_stems")
#: PostgreSQL's: who may see an annotation (its index reads it).
_POSTGRESQL_COLUMNS: Columns = ("viewers",)


def columns_for(dialect: str) -> Columns:
    """The columns an entry is written with on ``dialect`` (PostgreSQL's trigger reads
    the language itself; SQLite's stems are written with the entry)."""
    return _COLUMNS + (_SQLITE_COLUMNS if dialect == "sqlite" else _POSTGRESQL_COLUMNS)


def _in_order(rows: Any) -> Select[Any]:
    """Entries in the order an import and later annotation give them ids: by article,
    its own entry first, then its claims', then annotations'. A broad search reads the
    highest ids as the newest, so the order must not be left to the query plan (which
    may read the claims of several new articles in any order)."""
    table = rows.subquery()
    return select(*table.c).order_by(table.c[1], table.c[2].nulls_first(), table.c[3].nulls_first())


def _write(connection: Connection, columns: Columns, rows: Select[Any]) -> None:
    connection.execute(insert(SearchEntry).from_select(list(columns), rows))


def _chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), _BATCH):
        yield ordered[start : start + _BATCH]


@dataclass
class Marks:
    """What changed in this transaction, by id, waiting for the commit."""

    articles: set[int] = field(default_factory=set)
    #: Articles new in this transaction: no entries yet, and their claims need theirs
    #: too (a new article's claims are inserted in bulk, past the ORM's notice).
    new_articles: set[int] = field(default_factory=set)
    claims: set[int] = field(default_factory=set)
    annotations: set[int] = field(default_factory=set)
    annotators: set[int] = field(default_factory=set)
    #: Articles whose language changed: every entry of theirs is searched anew.
    languages: set[int] = field(default_factory=set)
    #: Claims where someone's annotation came, went, moved or was submitted or taken
    #: back: on PostgreSQL who may see each of their annotations changed.
    viewed_claims: set[int] = field(default_factory=set)

    def __bool__(self) -> bool:
        return any(vars(self).values())


def _ids() -> Any:
    return bindparam("ids", expanding=True)


class _Statements:
    """Each rewrite as one statement built once: a bulk import commits per file, and
    building and compiling the statements anew cost as much as running them."""

    def __init__(self, columns: Columns) -> None:
        self.columns = columns
        entry = SearchEntry.__table__.c
        insert_columns = list(columns)
        self.steps: dict[str, list[Any]] = {
            "articles": [
                delete(SearchEntry).where(
                    entry.kind == EntryKind.ARTICLE, entry.article_id.in_(_ids())
                ),
                insert(SearchEntry).from_select(
                    insert_columns, _article_rows(columns).where(Article.id.in_(_ids()))
                ),
            ],
            # A new article has no entries yet: its own and its claims' are written in
            # one statement (an import commits per file; each statement costs).
            "new_articles": [
                insert(SearchEntry).from_select(
                    insert_columns,
                    _in_order(
                        union_all(
                            _article_rows(columns).where(Article.id.in_(_ids())),
                            _claim_rows(columns).where(Claim.article_id.in_(_ids())),
                        )
                    ),
                ),
            ],
            "claims": [
                delete(SearchEntry).where(
                    entry.kind == EntryKind.CLAIM, entry.claim_id.in_(_ids())
                ),
                insert(SearchEntry).from_select(
                    insert_columns,
                    _claim_rows(columns).where(Claim.id.in_(_ids())).order_by(Claim.id),
                ),
            ],
            "annotations": [
                delete(SearchEntry).where(entry.annotation_id.in_(_ids())),
                insert(SearchEntry).from_select(
                    insert_columns,
                    _annotation_rows(columns)
                    .where(Annotation.id.in_(_ids()))
                    .order_by(Annotation.id),
                ),
            ],
        }
        self.of_annotators = select(Annotation.id).where(Annotation.annotator_id.in_(_ids()))
        self.claims_of_articles = select(Claim.id).where(Claim.article_id.in_(_ids()))
        self.annotations_of_articles = (
            select(Annotation.id)
            .join(Claim, Claim.id == Annotation.claim_id)
            .where(Claim.article_id.in_(_ids()))
        )
        self.annotations_of_claims = select(Annotation.id).where(Annotation.claim_id.in_(_ids()))


@cache
def _statements(columns: Columns) -> _Statements:
    return _Statements(columns)


def refresh(connection: Connection, marks: Marks) -> None:
    """Rewrite the entries of what ``marks`` names from the tables. Things that no
    longer exist lose their entries."""
    statements = _statements(columns_for(connection.dialect.name))
    annotation_ids = set(marks.annotations)
    claim_ids = set(marks.claims)
    for ids in _chunks(marks.annotators):
        annotation_ids.update(connection.scalars(statements.of_annotators, {"ids": ids}))
    # An article in another language: its claims' and annotations' entries are too.
    for ids in _chunks(marks.languages - marks.new_articles):
        claim_ids.update(connection.scalars(statements.claims_of_articles, {"ids": ids}))
        annotation_ids.update(connection.scalars(statements.annotations_of_articles, {"ids": ids}))
    if "viewers" in statements.columns:
        for ids in _chunks(marks.viewed_claims):
            annotation_ids.update(
                connection.scalars(statements.annotations_of_claims, {"ids": ids})
            )
    for name, marked in (
        ("articles", marks.articles - marks.new_articles),
        ("new_articles", marks.new_articles),
        ("claims", claim_ids),
        ("annotations", annotation_ids),
    ):
        for ids in _chunks(marked):
            for statement in statements.steps[name]:
                connection.execute(statement, {"ids": ids})


@dataclass(frozen=True)
class RebuildReport:
    entries: int
    #: Entries that were missing, stale or left over before the rebuild.
    fixed: int


def _expected(columns: Columns) -> Select[Any]:
    return union_all(  # type: ignore[return-value]
        _article_rows(columns), _claim_rows(columns), _annotation_rows(columns)
    )


def drift(connection: Connection) -> int:
    """How many entries differ from what the tables say: missing, stale or left over
    (their words, their language, and on SQLite their stems)."""
    entry = SearchEntry.__table__.c
    columns = columns_for(connection.dialect.name)
    current = select(*(entry[name] for name in columns))
    # SQLite takes a compound SELECT as an operand only from a subquery.
    everything = _expected(columns).subquery()
    expected = select(*everything.c)
    count = 0
    for difference in (except_(current, expected), except_(expected, current)):
        count += connection.scalar(select(func.count()).select_from(difference.subquery())) or 0
    return count


def rebuild_all(
    connection: Connection,
    *,
    progress: Callable[[int, int], None] | None = None,
    check_drift: bool = True,
) -> RebuildReport:
    """Rebuild every entry from the tables, reporting how many had drifted (unless
    ``check_drift`` is off: comparing a million entries costs as much as a rebuild).

    ``progress(done, total)`` hears of the articles as their entries are written."""
    with _large_cache(connection):
        fixed = drift(connection) if check_drift else 0
        total = _rebuild(connection, progress)
    # Every entry is new: without fresh statistics PostgreSQL plans searches as if the
    # table were empty (and reads every entry's words instead of using the index).
    connection.exec_driver_sql(f"ANALYZE {SearchEntry.__tablename__}")
    return RebuildReport(entries=total, fixed=fixed)


@contextmanager
def _large_cache(connection: Connection) -> Iterator[None]:
    """A rebuild reads every claim's article and writes the whole full-text index in
    one pass; with SQLite's default 2 MB page cache a million claims took 5 minutes."""
    if connection.dialect.name != "sqlite":
        yield
        return
    cache = connection.exec_driver_sql("PRAGMA cache_size").scalar()
    connection.exec_driver_sql("PRAGMA cache_size=-262144")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size={int(cache or -2000)}")


#: Articles per step of a rebuild.
_REBUILD_ARTICLES = 1_000


def _rebuild(connection: Connection, progress: Callable[[int, int], None] | None) -> int:
    """Every entry again, article by article: an article's entry, then its claims',
    then their annotations', as an import and later annotation give them ids, so that
    the highest ids are the newest articles' (a broad search reads the newest matches)
    and each stretch of ids holds a newsroom's usual mix."""
    columns = _existing_columns(connection)
    connection.execute(delete(SearchEntry))
    last = connection.scalar(select(func.max(Article.id))) or 0
    for start in range(1, last + 1, _REBUILD_ARTICLES):
        end = start + _REBUILD_ARTICLES - 1
        rows = union_all(
            _article_rows(columns).where(Article.id.between(start, end)),
            _claim_rows(columns).where(Claim.article_id.between(start, end)),
            _annotation_rows(columns).where(Claim.article_id.between(start, end)),
        )
        _write(connection, columns, _in_order(rows))
        if progress is not None:
            progress(min(end, last), last)
    return _count(connection)


def _existing_columns(connection: Connection) -> Columns:
    """The columns this database's entries have of those the models write: all of them
    at the head of the migrations; fewer when an older migration rebuilds the index
    (``b8f2d61c4a07`` does, before the language was added)."""
    present = {column["name"] for column in inspect(connection).get_columns("search_entries")}
    return tuple(name for name in columns_for(connection.dialect.name) if name in present)


def _count(connection: Connection) -> int:
    return connection.scalar(select(func.count()).select_from(SearchEntry)) or 0


# -- the listener ---------------------------------------------------------------------


def _note(session: Session, marks: Marks) -> None:
    """What a flush touched: new, changed and deleted rows (a new article's claims are
    covered by the article)."""
    for objects, deleted in ((session.new, False), (session.dirty, False), (session.deleted, True)):
        for thing in objects:
            if isinstance(thing, Article):
                marks.articles.add(thing.id)
                if thing in session.new:
                    marks.new_articles.add(thing.id)
                elif not deleted and changed(thing, "language"):
                    marks.languages.add(thing.id)
            elif isinstance(thing, Claim):
                marks.claims.add(thing.id)
            elif isinstance(thing, Annotation):
                marks.annotations.add(thing.id)
                if thing in session.new or deleted or changed(thing, "submitted_at"):
                    marks.viewed_claims.add(thing.claim_id)
                elif changed(thing, "claim_id"):
                    history = inspect(thing).attrs["claim_id"].history
                    marks.viewed_claims.update(
                        claim for claim in (*history.added, *history.deleted) if claim
                    )
            elif isinstance(thing, Source | Review):
                marks.annotations.add(thing.annotation_id)
            elif isinstance(thing, User) and not deleted and changed(thing, "name"):
                # Only a new name: a login touches the account too, and must not rewrite
                # every entry of a prolific annotator.
                marks.annotators.add(thing.id)


#: Rewrites the entries of what each transaction touched, just before it commits.
HOOK = CommitHook(
    "factcheck.search.marks",
    Marks,
    _note,
    lambda session, marks: refresh(session.connection(), marks),
)
#: The session events that keep the index current, and their listeners.
LISTENERS = HOOK.listeners


def keep_index_current(session_class: type[Session] | Any = Session) -> None:
    """Listen to every session (idempotent): called once by the app factory."""
    HOOK.install(session_class)
