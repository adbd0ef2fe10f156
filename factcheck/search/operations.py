"""Searching: the query and the filters in, a page of claims (and articles) out.

Each entry of the index -- an article, a claim, an annotation -- must match the whole
query on its own; a claim is found when its text or one of its annotations the viewer
may see matches. Annotation entries are joined to the visibility rule
(:func:`factcheck.annotations.visibility.visible_to`) before anything is ranked,
counted or cut into snippets, so a hidden annotation cannot show up in a result, a
snippet, a total or a filter count. Filters about annotations (verdict, state,
annotator, reviewer, sources, approval date) likewise only look at visible ones.

The database does the matching and the ranking: FTS5 on SQLite, ``tsvector`` on
PostgreSQL; :func:`_matches` is the one place that knows the difference.

Each entry is matched as its article's language reads it (see
:mod:`factcheck.search.languages`): the query's words are stemmed once per language
the articles are in (only English's way, as always, when all of them are English),
and an entry matches the query stemmed its own language's way. A language filter
narrows the matching itself: that language's entries, its stemming alone.
"""

from __future__ import annotations

import enum
import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from flask_babel import gettext, lazy_gettext
from markupsafe import Markup
from sqlalchemy import (
    Boolean,
    Column,
    ColumnElement,
    DateTime,
    Float,
    FromClause,
    Integer,
    MetaData,
    Select,
    String,
    Table,
    and_,
    bindparam,
    case,
    cast,
    column,
    exists,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    table,
    true,
    union_all,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, aliased
from sqlalchemy.schema import CreateTable
from sqlalchemy.sql.selectable import Alias

from factcheck.annotations.models import Annotation, Source
from factcheck.annotations.states import AnnotationState
from factcheck.annotations.visibility import visible_to
from factcheck.articles.hints import HINT_NAMES
from factcheck.articles.models import Article, Claim
from factcheck.db import parse_id, within_days
from factcheck.errors import ValidationFailed
from factcheck.review.models import Decision, Review
from factcheck.search.languages import (
    ENGLISH,
    SNOWBALL,
    language_name,
    parse_language,
    present_languages,
    primary_language,
    stem_words,
    stemmer_name,
)
from factcheck.search.models import (
    ENTRY_FACTS_INDEX,
    SQLITE_TOKENIZER,
    EntryKind,
    SearchEntry,
)
from factcheck.search.query import WORD, SearchQuery, Term, parse_query
from factcheck.users.models import Role, User
from factcheck.verdicts.models import Verdict

PAGE_SIZE = 20
MAX_PAGE_SIZE = 200
#: Far enough to page through anything a person reads; deeper paging is the export's job.
MAX_OFFSET = 10_000
#: A broad search (a common word) is answered from its newest matching entries, this
#: many, unless the whole is asked for: ranking, checking visibility and counting grow
#: with every match, and tens of thousands of them take seconds, not milliseconds. The
#: page says so and offers the whole (``complete=True``).
BROAD_WINDOW = 1_000
#: PostgreSQL: how many consecutive entry ids share a block in the words' indexes (the
#: migration 0a1b2c3d4e5f made them with ``id / 4096``; the two must agree).
ID_BLOCK = 4096
#: What probing one block of a stretch costs, in matches read: a block is one probe of
#: each of the two words' indexes, 0.05–0.1 ms each (more for more words), a match's
#: row read and ranked about 10 µs (see ``_Search._stretches``).
_BLOCK_COST = 10
#: The kind that tells the two partial indexes apart, written into the statement: a
#: bound parameter would not prove a generic plan's rows to be the index's.
_ANNOTATION_KIND = literal_column(f"'{EntryKind.ANNOTATION.value}'", String)
#: How many more entries than it seems to need a stretch reads, lest a next one be
#: needed for the last few matches (a statement more, and the words' index read again).
_STRETCH_MARGIN = 1.25
#: How many times wider than the last a stretch may be.
_WIDEST_STEP = 8
#: The most ids per entry taken for working out where a stretch ends.
_WIDEST_SPACING = 2.0
#: PostgreSQL's memory for one search's sorts and bitmaps (see ``_match_once``).
_SEARCH_WORK_MEM = "64MB"
#: Control characters mark the matched words in a snippet until it is escaped: stored
#: text cannot hold them (the validators refuse C0 controls), so they cannot be forged.
_MARK_START, _MARK_END = "\x02", "\x03"
_MARKS = re.compile("([\x02\x03])")
_SNIPPET_WORDS = 24
#: How the page names each hint of a claim: the word beside its count, and the
#: filter's choice ("Claim has: a number").
HINT_WORDS = {
    "number": lazy_gettext("number"),
    "quote": lazy_gettext("quote"),
    "attribution": lazy_gettext("attribution"),
    "comparison": lazy_gettext("comparison"),
    "date": lazy_gettext("date"),
}
HINT_CHOICES = {
    "number": lazy_gettext("a number"),
    "quote": lazy_gettext("a quote"),
    "attribution": lazy_gettext("an attribution"),
    "comparison": lazy_gettext("a comparison"),
    "date": lazy_gettext("a date"),
}


class Sort(enum.StrEnum):
    RELEVANCE = "relevance"
    NEWEST = "newest"
    OLDEST = "oldest"


@dataclass(frozen=True)
class SearchFilters:
    """What the results are narrowed to; None is "any"."""

    verdict_id: int | None = None
    state: AnnotationState | None = None
    article_id: int | None = None
    outlet: str | None = None
    annotator_id: int | None = None
    reviewer_id: int | None = None
    imported_from: date | None = None
    imported_to: date | None = None
    approved_from: date | None = None
    approved_to: date | None = None
    hint: str | None = None
    has_sources: bool | None = None
    #: The articles' language, by primary subtag ("pt" for "pt-BR"; "en" for English).
    language: str | None = None

    @property
    def annotation_filters(self) -> bool:
        return any(
            value is not None
            for value in (
                self.verdict_id,
                self.state,
                self.annotator_id,
                self.reviewer_id,
                self.approved_from,
                self.approved_to,
                self.has_sources,
            )
        )

    def without(self, name: str) -> SearchFilters:
        return replace(self, **{name: None})

    def is_empty(self) -> bool:
        return all(value is None for value in vars(self).values())


#: Each date filter's message for a value that is not a date.
_NOT_A_DAY = {
    "imported_from": lazy_gettext("Imported from: use a date like 2026-11-29."),
    "imported_to": lazy_gettext("Imported to: use a date like 2026-11-29."),
    "approved_from": lazy_gettext("Approved from: use a date like 2026-11-29."),
    "approved_to": lazy_gettext("Approved to: use a date like 2026-11-29."),
}
#: Each list filter's message for a value that is not an id.
_NOT_AN_ID = {
    "verdict": lazy_gettext("Verdict: choose one from the list."),
    "article": lazy_gettext("Article: choose one from the list."),
    "annotator": lazy_gettext("Annotator: choose one from the list."),
    "reviewer": lazy_gettext("Reviewer: choose one from the list."),
}


def _day(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        message = str(_NOT_A_DAY[name])
        raise ValidationFailed(message, fields={name: [message]}) from None


def _id(value: str | int | None, name: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        return parse_id(value)
    except ValueError:
        message = str(_NOT_AN_ID[name])
        raise ValidationFailed(message, fields={name: [message]}) from None


def _language(value: str) -> str:
    """A language filter's primary subtag ("pt" for "pt-BR")."""
    language = parse_language(value)
    if language is None:
        message = gettext(
            "“%(language)s” is not a language tag such as es or pt-BR.", language=value[:40]
        )
        raise ValidationFailed(message, fields={"language": [message]})
    return language


def parse_filters(args: Any) -> SearchFilters:
    """Filters from a query string (``request.args`` or the API's parameters).

    :raises ValidationFailed: a value that is not one of the choices, or not a date.
    """
    state = args.get("state") or None
    if state is not None and state not in {s.value for s in AnnotationState}:
        raise ValidationFailed(
            gettext("State: choose one from the list."), fields={"state": [gettext("Unknown.")]}
        )
    hint = args.get("hint") or None
    if hint is not None and hint not in HINT_NAMES:
        raise ValidationFailed(
            gettext("Hint: choose one from the list."), fields={"hint": [gettext("Unknown.")]}
        )
    sources = args.get("has_sources") or None
    if sources not in (None, "yes", "no"):
        raise ValidationFailed(
            gettext("Sources: yes or no."), fields={"has_sources": [gettext("Use yes or no.")]}
        )
    outlet = (args.get("outlet") or "").strip()[:200] or None
    language = (args.get("language") or "").strip() or None
    if language is not None:
        language = _language(language)
    filters = SearchFilters(
        verdict_id=_id(args.get("verdict"), "verdict"),
        state=AnnotationState(state) if state else None,
        article_id=_id(args.get("article"), "article"),
        outlet=outlet,
        annotator_id=_id(args.get("annotator"), "annotator"),
        reviewer_id=_id(args.get("reviewer"), "reviewer"),
        imported_from=_day(args.get("imported_from"), "imported_from"),
        imported_to=_day(args.get("imported_to"), "imported_to"),
        approved_from=_day(args.get("approved_from"), "approved_from"),
        approved_to=_day(args.get("approved_to"), "approved_to"),
        hint=hint,
        has_sources=None if sources is None else sources == "yes",
        language=language,
    )
    for start, end, name in (
        (filters.imported_from, filters.imported_to, "imported_to"),
        (filters.approved_from, filters.approved_to, "approved_to"),
    ):
        if start and end and end < start:
            message = gettext("The end date is before the start date.")
            raise ValidationFailed(message, fields={name: [message]})
    return filters


# -- the two databases -----------------------------------------------------------------

_FTS = table("search_fts", column("rowid"), column("heading"), column("body"))


def _fts5_string(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


#: A prefix is also tried as a whole word with up to this many letters cut off...
_PREFIX_TRIMS = 3
#: ...down to this length.
_SHORTEST_STEM = 4


def _fts5_term(term: Term) -> str:
    text = _fts5_string(" ".join(term.words)) + ("*" if term.prefix else "")
    if not term.prefix or term.is_phrase:
        return text
    # The index holds stems and FTS5 stems the prefix as if it were a word, so
    # "negotiat*" looks for stems starting "negotiat" while "negotiate" is stored as
    # "negoti". A word starting with the prefix has a stem that either starts with it
    # or is the prefix cut short; the cut-short forms are tried as whole words.
    trims = [_fts5_string(trimmed) for trimmed in _trims(term.words[0])]
    return f"({' OR '.join([text, *trims])})" if trims else text


def _trims(word: str) -> list[str]:
    return [word[:-cut] for cut in range(1, _PREFIX_TRIMS + 1) if len(word) - cut >= _SHORTEST_STEM]


def fts5_match(query: SearchQuery) -> str:
    """The FTS5 MATCH expression: every word quoted, so nothing a person types is read
    as FTS5 syntax."""
    groups = []
    for group in query.required:
        alternatives = " OR ".join(_fts5_term(term) for term in group)
        groups.append(f"({alternatives})" if len(group) > 1 else alternatives)
    expression = " AND ".join(groups)
    for term in query.excluded:
        expression = f"({expression}) NOT {_fts5_term(term)}"
    return expression


def _stemmed(query: SearchQuery, language: str) -> SearchQuery:
    """``query`` with its words cut by ``language``'s stemmer, as SQLite's stems of that
    language's entries are (a prefix's last word stays as typed)."""

    def term(found: Term) -> Term:
        cut = list(found.words[:-1]) if found.prefix else list(found.words)
        stems = stem_words(language, cut)
        stems = [stem or word for stem, word in zip(stems, cut, strict=True)]
        if found.prefix:
            stems.append(found.words[-1])
        return Term(tuple(stems), prefix=found.prefix)

    return SearchQuery(
        tuple(tuple(term(t) for t in group) for group in query.required),
        tuple(term(t) for t in query.excluded),
    )


def fts5_language_match(query: SearchQuery, languages: Sequence[str]) -> str:
    """The FTS5 MATCH expression when some entries are in ``languages`` (those with a
    stemmer, English not among them): the words as the Porter index reads them, or,
    for an entry in one of those languages, its stems as that language cuts them. An
    entry's language is a word of its own column, so each entry is matched its own
    language's way only; a word excluded either way excludes the entry."""

    def readings(of: SearchQuery, porter: str, stemmed: Callable[[SearchQuery], str]) -> str:
        parts = [f"{{heading body}} : ({porter})"]
        for language in languages:
            parts.append(
                f"(language : {_fts5_string(language)} AND "
                f"{{heading_stems body_stems}} : ({stemmed(_stemmed(of, language))}))"
            )
        return " OR ".join(parts)

    wanted = SearchQuery(query.required)
    expression = readings(wanted, fts5_match(wanted), fts5_match)
    if not query.excluded:
        return expression

    def excluded(of: SearchQuery) -> str:
        return " OR ".join(_fts5_term(term) for term in of.excluded)

    unwanted = SearchQuery(excluded=query.excluded)
    return f"({expression}) NOT ({readings(unwanted, excluded(unwanted), excluded)})"


_CONFIG = literal_column("'english'")


def _tsquery(
    term: Term,
    config: ColumnElement[Any] = _CONFIG,
    spell: Callable[[str], Any] = func.unaccent,
) -> ColumnElement[Any]:
    words = [spell(word) for word in term.words]
    if term.prefix:
        # to_tsquery's syntax never sees what people typed: the words are letters and
        # digits only, and the operators between them are ours.
        text = words[0]
        for word in words[1:]:
            text = text + " <-> " + word
        # The prefix as the words the index holds that begin with it (see the migration
        # 0a1b2c3d4e5f): the index then skips through each word's list like any word's,
        # where a prefix made it gather every entry of every such word first.
        query = func.search_prefixes(func.to_tsquery(config, text + ":*"))
        if not term.is_phrase:
            # As on SQLite: the prefix cut short, as a whole word (see _fts5_term).
            for trimmed in _trims(term.words[0]):
                query = func.tsquery_or(query, func.plainto_tsquery(config, trimmed))
        return query
    if term.is_phrase:
        return func.phraseto_tsquery(config, spell(" ".join(term.words)))
    return func.plainto_tsquery(config, words[0])


def _as_written(word: str) -> Any:
    return literal(word, String)


def _language_tsquery(term: Term, config: ColumnElement[Any]) -> ColumnElement[Any]:
    """A term as a language other than English reads it: its entries hold their words
    stemmed as written and unaccented (see the migration e8c4a2f6b0d7), so the term is
    asked both ways."""
    return func.tsquery_or(
        _tsquery(term, config, _as_written), _tsquery(term, config, func.unaccent)
    )


def pg_tsquery(query: SearchQuery, config: ColumnElement[Any] | None = None) -> ColumnElement[Any]:
    """The query as ``config`` reads it (English's, unless told)."""

    def term_query(term: Term) -> ColumnElement[Any]:
        return _tsquery(term) if config is None else _language_tsquery(term, config)

    combined: ColumnElement[Any] | None = None
    for group in query.required:
        alternatives = term_query(group[0])
        for term in group[1:]:
            alternatives = func.tsquery_or(alternatives, term_query(term))
        combined = alternatives if combined is None else func.tsquery_and(combined, alternatives)
    assert combined is not None
    for term in query.excluded:
        combined = func.tsquery_and(combined, func.tsquery_not(term_query(term)))
    return combined


@dataclass(frozen=True)
class _Reading:
    """One way the query is read on PostgreSQL: a text search configuration, and the
    entries' languages it reads (None: English)."""

    config: ColumnElement[Any] | None
    languages: tuple[str | None, ...]

    def entries(self, entry: Any) -> ColumnElement[bool]:
        named = [language for language in self.languages if language is not None]
        conditions = [entry.c.language.in_(named)] if named else []
        if None in self.languages:
            conditions.append(entry.c.language.is_(None))
        return or_(*conditions)


def _readings(languages: Sequence[str]) -> list[_Reading]:
    """The configurations ``languages`` are read with, English's first; languages that
    share one are read once."""
    by_config: dict[str, list[str]] = {}
    for language in languages:
        by_config.setdefault(SNOWBALL.get(language, "simple"), []).append(language)
    readings = []
    for languages_of_config in by_config.values():
        if ENGLISH in languages_of_config:
            readings.append(_Reading(None, (None,)))
        else:
            # The database's own mapping (its trigger indexed the entries with it).
            config = func.search_config(literal(languages_of_config[0], String))
            readings.append(_Reading(config, tuple(languages_of_config)))
    return sorted(readings, key=lambda reading: reading.config is not None)


def _kind_weight(entry: Any) -> ColumnElement[float]:
    """A claim found by its own words ranks above one found by what someone wrote about
    it (ranks are negative: bigger weights are better)."""
    return case((entry.c.kind == EntryKind.CLAIM, 2.0), else_=1.0)


@dataclass(frozen=True)
class _Matches:
    """How one database finds, ranks and quotes the entries that match."""

    source: FromClause
    #: The entries as ``source`` names them: what results, counts and the visibility
    #: rule read of a matching entry besides its words.
    entries: FromClause
    condition: ColumnElement[bool]
    #: Lower is better.
    rank: ColumnElement[Any]
    #: Entry ids to their snippets: the matched words marked in a short extract.
    snippets: Callable[[Session, list[int]], dict[int, str]] | None = None
    #: PostgreSQL: an entry's snippet as a column of ``entries``, read with the hits.
    headline: ColumnElement[str] | None = None
    #: What orders matches newest first the way this database does it fastest; None:
    #: the matches' ids plus nought (see :meth:`_Search._fill`).
    newest: ColumnElement[Any] | None = None
    #: PostgreSQL: a broad search reads stretches of entry ids, newest first, rather
    #: than all matches in one go (see :meth:`_Search._fill`), each from the words'
    #: indexes, which also hold each entry's block of ids (:data:`ID_BLOCK`), block by
    #: block (see :meth:`_Search._by_blocks`), articles' and claims' apart from
    #: annotations' (see :meth:`_Search.hits`).
    stretched: bool = False


def _language_condition(entry: Any, chosen: str | None) -> ColumnElement[bool]:
    """The entries of the ``chosen`` language (English's are NULL); all without one."""
    if chosen is None:
        return true()
    return entry.c.language.is_(None) if chosen == ENGLISH else entry.c.language == chosen


def _matches(
    session: Session,
    query: SearchQuery,
    languages: Sequence[str] = (ENGLISH,),
    chosen: str | None = None,
) -> _Matches:
    """How ``query`` is matched, in ``languages`` (those the articles are in, or the
    ``chosen`` one alone, whose entries alone then match)."""
    if chosen is not None:
        languages = (chosen,)
    if session.get_bind().dialect.name == "postgresql":
        return _postgresql_matches(query, languages or (ENGLISH,), chosen)
    return _sqlite_matches(query, languages, chosen)


_HEADLINE_OPTIONS = (
    f"StartSel={_MARK_START}, StopSel={_MARK_END}, MaxWords={_SNIPPET_WORDS}, "
    'MinWords=8, MaxFragments=2, FragmentDelimiter=" … "'
)


def _postgresql_matches(
    query: SearchQuery, languages: Sequence[str], chosen: str | None
) -> _Matches:
    entry = SearchEntry.__table__
    readings = _readings(languages)
    # Worked out once, as a subquery: unaccent() is only STABLE, so written inline
    # the query would be built again for every row that is ranked or quoted.
    asked = [select(pg_tsquery(query, reading.config)).scalar_subquery() for reading in readings]
    condition: ColumnElement[bool]
    if len(readings) == 1:
        # One language (English alone: the search as it always was).
        tsquery = asked[0]
        config = readings[0].config if readings[0].config is not None else _CONFIG
        condition = entry.c.document.op("@@")(tsquery)
    else:
        # The index finds the entries that match any language's reading; each must
        # match its own language's.
        combined = asked[0]
        for other in asked[1:]:
            combined = func.tsquery_or(combined, other)
        tsquery = select(combined).scalar_subquery()
        config = func.search_config(entry.c.language)
        condition = and_(
            entry.c.document.op("@@")(tsquery),
            or_(
                *(
                    and_(reading.entries(entry), entry.c.document.op("@@")(own))
                    for reading, own in zip(readings, asked, strict=True)
                )
            ),
        )
    if chosen is not None:
        condition = and_(condition, _language_condition(entry, chosen))
    headline = func.ts_headline(
        config, entry.c.heading + " · " + entry.c.body, tsquery, _HEADLINE_OPTIONS
    )
    return _Matches(
        source=entry,
        entries=entry,
        condition=condition,
        rank=-func.ts_rank_cd(entry.c.document, tsquery) * _kind_weight(entry),
        headline=headline,
        stretched=True,
    )


def _sqlite_matches(query: SearchQuery, languages: Sequence[str], chosen: str | None) -> _Matches:
    entry = SearchEntry.__table__
    fts = _FTS
    facts = _IndexedBy._construct(entry, name="entry_facts")
    stemmed = [language for language in languages if stemmer_name(language) is not None]
    porter = fts5_match(query)
    if stemmed:
        expression = fts5_language_match(query, stemmed)
        # The stems weigh as the words they stand for; the language not at all.
        rank = func.bm25(literal_column("search_fts"), 4.0, 1.0, 4.0, 1.0, 0.0)
    else:
        # English alone (or languages without a stemmer): the search as it always was.
        expression = porter
        rank = func.bm25(literal_column("search_fts"), 4.0, 1.0)
    condition: ColumnElement[bool] = literal_column("search_fts").op("MATCH")(expression)
    if chosen is not None:
        condition = and_(condition, _language_condition(facts, chosen))

    def snippets(session: Session, ids: list[int]) -> dict[int, str]:
        if not stemmed:
            return _fts5_snippets(session, expression, ids)
        return _language_snippets(session, query, porter, ids)

    return _Matches(
        source=fts.join(facts, facts.c.id == fts.c.rowid),
        entries=facts,
        condition=condition,
        # Words in what a thing is (a claim, a title) weigh more than words in notes.
        rank=rank * _kind_weight(facts),
        snippets=snippets,
        # FTS5 hands matches out newest first and stops when told.
        newest=fts.c.rowid,
    )


class _IndexedBy(Alias):
    """The search entries, which SQLite reads through :data:`ENTRY_FACTS_INDEX`: it
    would otherwise read each matching entry's row, words and all, for a few numbers
    (the index holds them in the same order; twice as fast for a common word)."""

    inherit_cache = True


@compiles(_IndexedBy)
def _as_alias(element: _IndexedBy, compiler: Any, **kw: Any) -> str:
    return compiler.visit_alias(element, **kw)


@compiles(_IndexedBy, "sqlite")
def _indexed_by(element: _IndexedBy, compiler: Any, **kw: Any) -> str:
    text = compiler.visit_alias(element, **kw)
    return f"{text} INDEXED BY {ENTRY_FACTS_INDEX}" if kw.get("asfrom") else text


#: Per connection: the few entries shown on a page, indexed alone for their snippets.
_SNIPPET_TABLE = "search_snippets"


def _fts5_snippets(session: Session, expression: str, ids: list[int]) -> dict[int, str]:
    """FTS5's snippets for ``ids``, from a small table of just those entries.

    Asking the index itself for a few rowids costs a full match per rowid (2 ms each
    for a common word); the same words, tokenizer and query over twenty entries cost
    next to nothing and mark exactly what the index matched."""
    if not ids:
        return {}
    connection = session.connection()
    connection.exec_driver_sql(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.{_SNIPPET_TABLE} USING fts5("
        f"heading, body, tokenize='{SQLITE_TOKENIZER}')"
    )
    shown = table(_SNIPPET_TABLE, column("rowid"), column("heading"), column("body"))
    entry = SearchEntry.__table__.c
    connection.execute(shown.delete())
    connection.execute(
        shown.insert().from_select(
            ["rowid", "heading", "body"],
            select(entry.id, entry.heading, entry.body).where(entry.id.in_(ids)),
        )
    )
    snippet = func.snippet(
        literal_column(_SNIPPET_TABLE), -1, _MARK_START, _MARK_END, "…", _SNIPPET_WORDS
    )
    rows = connection.execute(
        select(shown.c.rowid, snippet)
        .select_from(shown)
        .where(literal_column(_SNIPPET_TABLE).op("MATCH")(expression))
    )
    return {entry_id: snippet for entry_id, snippet in rows}


def _language_snippets(
    session: Session, query: SearchQuery, porter: str, ids: list[int]
) -> dict[int, str]:
    """Snippets when some entries are in a language with its own stems: English
    entries' from FTS5 as always; the others' marked here, word by word, as their
    language cuts the words (FTS5 would mark only what the Porter index matched)."""
    entry = SearchEntry.__table__.c
    rows = session.execute(
        select(entry.id, entry.language, entry.heading, entry.body).where(entry.id.in_(ids))
    ).all()
    found = _fts5_snippets(
        session, porter, [row.id for row in rows if stemmer_name(row.language) is None]
    )
    for row in rows:
        if stemmer_name(row.language) is not None:
            snippet = _stemmed_snippet(row.heading, row.body, row.language, query)
            if snippet is not None:
                found[row.id] = snippet
    return found


def _unaccented(word: str) -> str:
    return "".join(
        char for char in unicodedata.normalize("NFKD", word) if not unicodedata.combining(char)
    )


def _stemmed_snippet(heading: str, body: str, language: str, query: SearchQuery) -> str | None:
    """A short extract of the heading or the body (whichever has more of the query's
    words), the words that match marked: same stem in ``language``, same letters
    without accents, or starting with a prefix. None if no word matches."""
    wanted = query.words()
    stems = set(stem_words(language, wanted))
    plain = {_unaccented(word) for word in wanted}
    prefixes = [
        _unaccented(term.words[-1]) for group in query.required for term in group if term.prefix
    ]
    best: tuple[int, str, list[tuple[int, int]], list[bool], int] | None = None
    for written in (heading or "", body or ""):
        spans = [(found.start(), found.end()) for found in WORD.finditer(written)]
        words = [written[start:end].casefold() for start, end in spans]
        hits = [
            stem in stems
            or _unaccented(word) in plain
            or any(_unaccented(word).startswith(prefix) for prefix in prefixes)
            for word, stem in zip(words, stem_words(language, words), strict=True)
        ]
        if not any(hits):
            continue
        size = min(_SNIPPET_WORDS, len(spans))
        # The stretch of words with the most matches, the earliest of equals.
        start = max(range(len(spans) - size + 1), key=lambda at: (sum(hits[at : at + size]), -at))
        score = sum(hits[start : start + size])
        if best is None or score > best[0]:
            best = (score, written, spans, hits, start)
    if best is None:
        return None
    _score, written, spans, hits, start = best
    end = min(start + _SNIPPET_WORDS, len(spans))
    pieces = ["…" if start else ""]
    position = spans[start][0]
    for (word_start, word_end), hit in zip(spans[start:end], hits[start:end], strict=True):
        pieces.append(written[position:word_start])
        word = written[word_start:word_end]
        pieces.append(f"{_MARK_START}{word}{_MARK_END}" if hit else word)
        position = word_end
    pieces.append("…" if end < len(spans) else written[position:])
    return "".join(pieces)


# -- results ---------------------------------------------------------------------------


@dataclass
class SearchHit:
    """One result: a claim (or an article that matched only by its own words)."""

    article: Article
    claim: Claim | None
    snippet: Markup
    #: What the viewer may see of the claim's annotations: the most advanced state and
    #: the published verdict.
    state: AnnotationState | None = None
    published_verdict: Verdict | None = None
    matched_in: str = ""


@dataclass(frozen=True)
class Window:
    """What a broad search was answered from: the newest ``size`` matching entries
    the viewer may see, the oldest of them in an article imported at ``since``."""

    size: int
    since: datetime | None


@dataclass
class SearchResults:
    query: SearchQuery
    filters: SearchFilters
    sort: Sort
    hits: list[SearchHit]
    #: Every result when ``window`` is None; else those among the window's entries.
    total: int
    offset: int
    limit: int
    facets: dict[str, list[tuple[Any, str, int]]] = field(default_factory=dict)
    window: Window | None = None
    #: The languages the articles are in (primary subtags, English first).
    languages: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        return self.window is None

    @property
    def next_offset(self) -> int | None:
        following = self.offset + len(self.hits)
        if following < self.total and self.hits and following <= MAX_OFFSET:
            return following
        return None


#: Per connection, emptied and filled by each search (see ``_Search._match_once``).
_HITS = Table(
    "search_hits",
    MetaData(),
    Column("entry_id", Integer),
    Column("kind", String(20)),
    Column("article_id", Integer),
    Column("claim_id", Integer),
    Column("rank", Float),
    prefixes=["TEMPORARY"],
)
#: What was found, one row per claim (or per article matched by its own words alone),
#: with what the filters and counts ask of it, so that they read no other table.
_FOUND = Table(
    "search_found",
    MetaData(),
    Column("claim_id", Integer),
    Column("article_id", Integer),
    Column("rank", Float),
    Column("position", Integer),
    Column("outlet", String(200)),
    Column("imported_at", DateTime(timezone=True)),
    Column("language", String(16)),
    *(Column(f"has_{hint}", Boolean) for hint in HINT_NAMES),
    prefixes=["TEMPORARY"],
)
_FOUND_COLUMNS = [column.name for column in _FOUND.c]


def _scratch(connection: Any, *scratches: Table, work_mem: str | None = None) -> None:
    """Make empty scratch tables for this connection: each created if it has none (one
    statement, where ``checkfirst`` asks the catalogue first; on PostgreSQL a request's
    rollback takes them away, a commit keeps them), then emptied. ``work_mem``
    (PostgreSQL): the memory for this transaction's sorts and bitmaps.

    PostgreSQL empties a table with TRUNCATE: a temporary table is never vacuumed, so
    rows deleted search after search on one connection (an API client's requests
    commit) stayed as dead tuples that every later search read -- the 21st search at a
    million claims took 500 ms instead of 150. SQLite's DELETE without WHERE truncates."""
    if connection.dialect.name == "postgresql":
        # All in one round trip, the DDL compiled once per process: each statement
        # costs more to send than to run.
        statements = [f"SET LOCAL work_mem = '{work_mem}'"] if work_mem else []
        for scratch in scratches:
            ddl = _SCRATCH_DDL.get(scratch.name)
            if ddl is None:
                create = CreateTable(scratch, if_not_exists=True).compile(
                    dialect=connection.dialect
                )
                ddl = _SCRATCH_DDL[scratch.name] = f"{str(create).strip()}; TRUNCATE {scratch.name}"
            statements.append(ddl)
        connection.exec_driver_sql("; ".join(statements))
        return
    for scratch in scratches:
        connection.execute(CreateTable(scratch, if_not_exists=True))
        connection.execute(scratch.delete())


#: PostgreSQL's CREATE and TRUNCATE of each scratch table, by its name.
_SCRATCH_DDL: dict[str, str] = {}


def _claim_facts() -> list[Any]:
    """What filters, counts and ordering read of a claim besides its id, article and
    rank: ``search_found``'s other columns, in its order."""
    return [
        Claim.position,
        Article.outlet,
        Article.imported_at,
        primary_language(Article.language).label("language"),
        *(getattr(Claim, f"has_{hint}") for hint in HINT_NAMES),
    ]


def _stretch_edges(lower: int, upper: int) -> dict[str, int]:
    """The parameters of a stretch from ``lower`` up to ``upper`` (see
    ``_Search._stretch_insert``): its ids and its first and last blocks."""
    return {
        "lower": lower,
        "upper": upper,
        "first_block": lower // ID_BLOCK,
        "last_block": (upper - 1) // ID_BLOCK,
    }


class _Search:
    """One search, as SQL: which claims match, in which order, with which counts."""

    def __init__(
        self,
        session: Session,
        viewer: User,
        query: SearchQuery,
        *,
        complete: bool = True,
        languages: Sequence[str] = (ENGLISH,),
        chosen: str | None = None,
    ) -> None:
        self.session = session
        self.viewer = viewer
        self.query = query
        self.matches = None if query.is_empty else _matches(session, query, languages, chosen)
        self.complete = complete
        self.window: Window | None = None
        #: Matching entries written to ``search_hits`` so far, as the driver reports them
        #: (SQLAlchemy keeps an INSERT's row count only when asked: preserve_rowcount).
        self._counted = 0
        self.found = None if self.matches is None else self._match_once()

    def _fill(self, connection: Any) -> None:
        """Fill ``search_hits`` with the matching entries the viewer may see; unless the
        whole is asked for, with the newest :data:`BROAD_WINDOW` of them only.

        Entry ids grow with imports and edits, so the newest are the highest. One more
        than the window is kept, to know whether anything was left out; entries the
        viewer may not see are never counted, so another's hidden work cannot move the
        window."""
        assert self.matches is not None
        columns = ["entry_id", "kind", "article_id", "claim_id", "rank"]
        if self.complete:
            connection.execute(_HITS.insert().from_select(columns, self.hits()))
            return
        wanted = BROAD_WINDOW + 1
        # Each way of reading a stretch is built once per search, its edges bound
        # parameters: building one costs more than running it for most stretches.
        built: dict[tuple[bool, bool], Any] = {}
        for lower, upper, blocks in self._stretches():
            key = (lower is None, blocks)
            if key not in built:
                built[key] = self._stretch_insert(columns, everything=lower is None, blocks=blocks)
            edges = {} if lower is None else _stretch_edges(lower, upper)
            # Stretches go down from the newest: everything written so far is newer.
            written = connection.execute(built[key], {**edges, "room": wanted - self._counted})
            self._counted += written.rowcount
            if self._counted >= wanted:
                break
        if self._counted < wanted:
            return
        # Keep the newest; the one past the window only said that there is more.
        floor = (
            select(_HITS.c.entry_id)
            .order_by(_HITS.c.entry_id.desc())
            .offset(BROAD_WINDOW - 1)
            .limit(1)
            .scalar_subquery()
        )
        connection.execute(_HITS.delete().where(_HITS.c.entry_id < floor))
        oldest = select(func.min(_HITS.c.entry_id)).scalar_subquery()
        since = self.session.scalar(
            select(Article.imported_at)
            .join(SearchEntry, SearchEntry.article_id == Article.id)
            .where(SearchEntry.id == oldest)
        )
        self.window = Window(BROAD_WINDOW, since)

    def _stretches(self) -> Iterator[tuple[int, int, bool] | tuple[None, None, bool]]:
        """The entry ids a broad search reads in turn, newest first: from each lowest
        id up to (not including) each upper one, and whether block by block (see
        :meth:`_by_blocks`); (None, None, False) for all of them at once.

        FTS5 hands out matches newest first and stops when the window is full: one
        stretch, everything. PostgreSQL's index says which entries match but not in
        which order, so every matching entry in a stretch has its row read: the first
        stretch is a few windows' worth of the newest ids, and each next one is sized
        by how many visible matches the ids read so far held, to fill the window."""
        assert self.matches is not None
        if not self.matches.stretched:
            yield None, None, False
            return
        entry_id = SearchEntry.__table__.c.id
        first = 8 * BROAD_WINDOW
        # The newest id and the bottom of the first stretch, in one round trip.
        top, lower = self.session.execute(
            select(
                select(func.max(entry_id)).scalar_subquery(),
                select(entry_id)
                .order_by(entry_id.desc())
                .offset(first - 1)
                .limit(1)
                .scalar_subquery(),
            )
        ).one()
        if top is None:
            return
        upper, lower = top + 1, lower or 0
        # Ids per entry among the newest: the later stretches' bottoms are worked out
        # from it, not counted down the ids' index (0.1 ms per thousand entries). Ids
        # have gaps (a rolled-back import leaves thousands, a rewrite one), so this is
        # at least one and at most _WIDEST_SPACING: a stretch reads that many times the
        # entries it meant to at worst, where a gap further back than the first stretch
        # only makes it read fewer.
        spacing = min(max((upper - lower) / first, 1.0), _WIDEST_SPACING)
        read, blocks = first, True
        while True:
            yield lower, upper, blocks
            if lower <= 0:
                return
            # Visible matches per entry so far (one at least, to reach back far enough),
            # and the entries that should hold the rest of the window, with a margin.
            # Matches are not spread evenly (the newest claims are not annotated yet), so
            # a stretch is at most _WIDEST_STEP times the last: a phrase found 15 times
            # among the newest 8,000 entries was read 8,600 times in the next 650,000,
            # where 1,000 were wanted. And it is at least as wide as the first: a word
            # that thinned out further back took twenty stretches of a few dozen ids.
            found = self._counted
            density = max(found, 1) / read
            entries = math.ceil((BROAD_WINDOW + 1 - found) / density * _STRETCH_MARGIN)
            last = math.ceil((upper - lower) / spacing)
            entries = max(first, min(entries, _WIDEST_STEP * last))
            upper, lower = lower, max(0, lower - math.ceil(entries * spacing))
            width = math.ceil((upper - lower) / spacing)
            # Block by block, unless reading every match of the words costs less than
            # probing the stretch's blocks: the words' index cannot be cut to a stretch,
            # so that way every match is read, and this stretch then reaches back to the
            # first id (the rest comes at no extra cost). Reading the matches outside
            # the stretch is the price, so it is paid only when they look few (a rare
            # word's); a density read among the newest entries can undercount them.
            spanned = (upper - 1) // ID_BLOCK - lower // ID_BLOCK + 1
            outside = density * ((top + 1) / spacing - width)
            blocks = spanned * _BLOCK_COST < outside
            if not blocks:
                lower = 0
            read += math.ceil((upper - lower) / spacing)

    def _stretch_insert(self, columns: list[str], *, everything: bool, blocks: bool) -> Any:
        """The INSERT of a stretch's newest matches into ``search_hits``, its edges and
        room left as parameters (see :func:`_stretch_edges`)."""
        assert self.matches is not None
        entry_id = self.matches.entries.c.id
        if blocks:
            hits = self._by_blocks()
        elif everything:
            hits = self.hits()
        else:
            lower, upper = bindparam("lower", type_=Integer), bindparam("upper", type_=Integer)
            hits = self.hits(and_(entry_id >= lower, entry_id < upper))
        # "+ 0" (PostgreSQL): ordered by the primary key itself, it would walk the
        # key backwards testing every entry's words, 0.4 s for a common word; this
        # way it intersects the words' and the stretch's bitmaps and sorts the rest.
        newest = self.matches.newest
        if newest is None:
            newest = hits.selected_columns.entry_id + 0
        room = bindparam("room", type_=Integer)
        return (
            _HITS.insert()
            .from_select(columns, hits.order_by(newest.desc()).limit(room))
            .execution_options(preserve_rowcount=True)
        )

    def _by_blocks(self) -> Select[Any]:
        """PostgreSQL: the visible matching entries with ids from ``lower`` up to
        ``upper``, read from the words' indexes one block of ids at a time (when that
        pays is for :meth:`_stretches` to say); the edges are parameters.

        The words' indexes hold each entry's block beside its words, so a block's
        matches are the intersection of the block's and the words' lists inside the
        index, which skips through a common word's list instead of reading all of it:
        about 0.05 ms a block, where a bitmap of every entry holding "government"
        (60,000 at a million claims) took 12 ms, in every stretch. PostgreSQL's planner
        does not probe an index once per value of a list by itself, so the blocks are
        a series joined laterally."""
        assert self.matches is not None and self.matches.stretched
        entry = self.matches.entries
        first, last = (bindparam(name, type_=Integer) for name in ("first_block", "last_block"))
        lower, upper = bindparam("lower", type_=Integer), bindparam("upper", type_=Integer)
        blocks = select(func.generate_series(last, first, -1).label("block")).subquery("blocks")
        # Written as the index's expression is, with the number in the text: a bound
        # parameter would not match it in a generic plan.
        block_of = literal_column(f"{entry.name}.id / {ID_BLOCK}", Integer)
        # The stretch's own edges cut its first and last blocks, after the index: "+ 0"
        # keeps the planner from adding a bitmap of every id in the stretch.
        edges = and_(entry.c.id + 0 >= lower, entry.c.id + 0 < upper)
        found = self.hits(block_of == blocks.c.block, edges, outer=blocks).lateral("found")
        return select(*found.c).select_from(blocks).join(found, true())

    def _match_once(self) -> Any:
        """Match, rank and apply visibility once per search, into temporary tables that
        the total, the page and every filter count then read: matching and ranking a
        common word is most of a search's time, and each statement would otherwise do
        it again."""
        connection = self.session.connection()
        # PostgreSQL, with room for a common word's bitmap: with the default 4 MB a
        # bitmap of 100,000 matches turns lossy, and every entry on a lossy page has its
        # words tested again: 0.5 s instead of 20 ms.
        roomy = _SEARCH_WORK_MEM if self.matches is not None and self.matches.stretched else None
        _scratch(connection, _HITS, _FOUND, work_mem=roomy)
        self._fill(connection)
        best = (
            select(_HITS.c.claim_id, func.min(_HITS.c.rank).label("rank"))
            .where(_HITS.c.claim_id.is_not(None))
            .group_by(_HITS.c.claim_id)
            .subquery()
        )
        claimed = select(_HITS.c.article_id).where(_HITS.c.claim_id.is_not(None))
        alone = (
            select(_HITS.c.article_id, func.min(_HITS.c.rank).label("rank"))
            .where(_HITS.c.kind == EntryKind.ARTICLE, _HITS.c.article_id.not_in(claimed))
            .group_by(_HITS.c.article_id)
            .subquery()
        )
        claims = (
            select(best.c.claim_id, Claim.article_id, best.c.rank, *_claim_facts())
            .select_from(best)
            .join(Claim, Claim.id == best.c.claim_id)
            .join(Article, Article.id == Claim.article_id)
        )
        articles = (
            select(
                cast(null(), Integer),
                alone.c.article_id,
                alone.c.rank,
                cast(null(), Integer),
                Article.outlet,
                Article.imported_at,
                primary_language(Article.language),
                *(literal(False) for _ in HINT_NAMES),
            )
            .select_from(alone)
            .join(Article, Article.id == alone.c.article_id)
        )
        connection.execute(_FOUND.insert().from_select(_FOUND_COLUMNS, union_all(claims, articles)))
        return _FOUND

    def _columns(self) -> tuple[Any, ...]:
        assert self.matches is not None
        entry = self.matches.entries.c
        return (
            entry.id.label("entry_id"),
            entry.kind,
            entry.article_id,
            entry.claim_id,
            self.matches.rank.label("rank"),
        )

    def hits(
        self, *conditions: ColumnElement[bool], outer: FromClause | None = None
    ) -> Select[Any]:
        """Matching entries the viewer may see (and that meet ``conditions``), as
        (entry id, kind, article, claim, rank). ``outer``: what ``conditions`` name of
        the query around this one (which reads it laterally).

        PostgreSQL indexes articles' and claims' entries and annotations' apart (two
        partial indexes, by kind, so that a claim is indexed once): each is asked for
        its own, in one statement."""
        assert self.matches is not None
        entry = self.matches.entries.c
        if not self.matches.stretched:
            return self.visible_matches(*self._columns()).where(*conditions)
        public = (
            select(*self._columns())
            .select_from(self.matches.source)
            .where(self.matches.condition, entry.kind != _ANNOTATION_KIND, *conditions)
        )
        annotations = (
            select(*self._columns())
            .select_from(self.matches.source)
            .where(
                self.matches.condition,
                entry.kind == _ANNOTATION_KIND,
                self._may_see(entry),
                *conditions,
            )
        )
        if outer is not None:
            public, annotations = public.correlate(outer), annotations.correlate(outer)
        both = union_all(public, annotations).subquery("both")
        return select(*both.c)

    def _may_see(self, entry: Any) -> ColumnElement[bool]:
        """PostgreSQL: the viewer may see the annotation of this entry, read from the
        entry alone. For an annotator, through ``viewers``, which the annotations'
        index holds: most annotations are hidden from an annotator, and finding them
        by their words first and testing each (or every claim the annotator has
        annotated, 10,000 after a year) cost more than the rest of the search."""
        if self.viewer.has_role(Role.REVIEWER):
            return visible_to(self.viewer, entry)
        return and_(
            entry.viewers.op("@>")(literal([self.viewer.id], postgresql.ARRAY(Integer))),
            or_(entry.annotator_id == self.viewer.id, entry.state != AnnotationState.DRAFT),
        )

    def visible_matches(self, *columns: Any) -> Select[Any]:
        """The matching entries the viewer may see: an annotation's entry carries its
        author and state, so the one rule (:func:`visible_to`) reads them there."""
        assert self.matches is not None
        entry = self.matches.entries.c
        return (
            select(*columns)
            .select_from(self.matches.source)
            .where(self.matches.condition)
            .where(or_(entry.annotation_id.is_(None), visible_to(self.viewer, entry)))
        )

    def annotation_terms(
        self, filters: SearchFilters, annotation: Any
    ) -> list[ColumnElement[bool]]:
        """Conditions on one annotation (an alias): the viewer may see it, and it passes
        the filters about annotations."""
        conditions = [visible_to(self.viewer, annotation)]
        if filters.verdict_id is not None:
            conditions.append(annotation.verdict_id == filters.verdict_id)
        if filters.state is not None:
            conditions.append(annotation.state == filters.state)
        if filters.annotator_id is not None:
            conditions.append(annotation.annotator_id == filters.annotator_id)
        if filters.reviewer_id is not None:
            conditions.append(
                exists().where(
                    Review.annotation_id == annotation.id,
                    Review.reviewer_id == filters.reviewer_id,
                )
            )
        if filters.has_sources is not None:
            has = exists().where(Source.annotation_id == annotation.id)
            conditions.append(has if filters.has_sources else ~has)
        if filters.approved_from is not None or filters.approved_to is not None:
            approval = [
                Review.annotation_id == annotation.id,
                Review.decision == Decision.APPROVE,
                annotation.state == AnnotationState.APPROVED,
            ]
            approval += within_days(Review.created_at, filters.approved_from, filters.approved_to)
            conditions.append(exists().where(*approval))
        return conditions

    def base(self) -> Any:
        """What the filters narrow: the found table, or every claim for a listing."""
        if self.found is not None:
            return self.found
        return (
            select(
                Claim.id.label("claim_id"),
                Claim.article_id,
                literal(0.0).label("rank"),
                *_claim_facts(),
            )
            .join(Article, Article.id == Claim.article_id)
            .subquery("listing")
        )

    def annotation_condition(self, base: Any, filters: SearchFilters) -> ColumnElement[bool]:
        """Some annotation of the claim that the viewer may see passes the filters."""
        if not filters.annotation_filters:
            return true()
        annotation = _FILTERED_ANNOTATION
        return exists().where(
            annotation.claim_id == base.c.claim_id, *self.annotation_terms(filters, annotation)
        )

    @staticmethod
    def article_conditions(base: Any, filters: SearchFilters) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if filters.article_id is not None:
            conditions.append(base.c.article_id == filters.article_id)
        if filters.outlet is not None:
            conditions.append(base.c.outlet == filters.outlet)
        if filters.language is not None:
            conditions.append(base.c.language == filters.language)
        conditions += within_days(base.c.imported_at, filters.imported_from, filters.imported_to)
        return conditions

    def claims(self, filters: SearchFilters) -> Select[Any]:
        """Every claim found that passes the filters, one row each, with the base's
        columns (rank, position, outlet, import time, hints)."""
        base = self.base()
        conditions = [
            base.c.claim_id.is_not(None),
            self.annotation_condition(base, filters),
            *self.article_conditions(base, filters),
        ]
        if filters.hint is not None:
            conditions.append(base.c[f"has_{filters.hint}"].is_(True))
        return select(*base.c).where(*conditions)

    def rows(self, filters: SearchFilters) -> Select[Any]:
        """The claims found, and the articles matched by their own words alone (only
        without filters about claims or annotations: an article is not annotated)."""
        claims = self.claims(filters)
        if self.found is None or filters.annotation_filters or filters.hint is not None:
            return claims
        base = self.found
        articles = select(*base.c).where(
            base.c.claim_id.is_(None), *self.article_conditions(base, filters)
        )
        return claims.union_all(articles)  # type: ignore[return-value]


#: The annotation that passes the filters, in ``annotation_condition``'s EXISTS: made
#: once (an alias's columns cost more to set up than the condition built from them).
_FILTERED_ANNOTATION = aliased(Annotation, name="filtered_annotation")

_STATE_ORDER = [
    AnnotationState.APPROVED,
    AnnotationState.SUBMITTED,
    AnnotationState.CHANGES_REQUESTED,
    AnnotationState.REJECTED,
    AnnotationState.DRAFT,
]


def highlight(snippet: str | None) -> Markup:
    """The snippet escaped, with the database's markers turned into ``<mark>``."""
    out = Markup("")
    inside = False
    for piece in _MARKS.split(snippet or ""):
        if piece == _MARK_START and not inside:
            out += Markup("<mark>")
            inside = True
        elif piece == _MARK_END and inside:
            out += Markup("</mark>")
            inside = False
        elif piece not in (_MARK_START, _MARK_END):
            out += piece  # Markup escapes what it is added
    return out + Markup("</mark>") if inside else out


def _plain_snippet(text: str) -> Markup:
    words = text.split()
    short = " ".join(words[:_SNIPPET_WORDS]) + (" …" if len(words) > _SNIPPET_WORDS else "")
    return highlight(short)


def search(
    session: Session,
    viewer: User,
    text: str | None,
    filters: SearchFilters | None = None,
    *,
    sort: Sort = Sort.RELEVANCE,
    offset: int = 0,
    limit: int = PAGE_SIZE,
    with_facets: bool = True,
    complete: bool = False,
    languages: Sequence[str] | None = None,
) -> SearchResults:
    """A page of what ``viewer`` may find for ``text`` within ``filters``.

    A broad search is answered from its newest matching entries (see
    :data:`BROAD_WINDOW`; ``results.window`` says so) unless ``complete`` is asked for.
    ``languages``: those the articles are in, if the caller has read them already.

    :raises SearchQueryError: the query cannot be read (too long, only exclusions).
    :raises ValidationFailed: no article is in the language of the filter.
    """
    query = parse_query(text)
    filters = filters or SearchFilters()
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    offset = max(0, min(offset, MAX_OFFSET))
    if query.is_empty and sort is Sort.RELEVANCE:
        sort = Sort.NEWEST
    present = tuple(languages) if languages is not None else present_languages(session)
    if filters.language is not None and filters.language not in present:
        message = gettext(
            "No article is in “%(language)s”; the articles are in %(languages)s.",
            language=filters.language,
            languages=", ".join(present),
        )
        raise ValidationFailed(message, fields={"language": [message]})
    plan = _Search(
        session,
        viewer,
        query,
        complete=complete,
        languages=present or (ENGLISH,),
        chosen=filters.language,
    )
    rows = plan.rows(filters).subquery()
    ordered = select(rows.c.claim_id, rows.c.article_id)
    if plan.found is not None:
        # A search's rows are the few thousand it found at most: counted with the page,
        # in the same statement. (A listing's total is counted apart, from the index.)
        ordered = ordered.add_columns(func.count().over().label("total"))
    position = func.coalesce(rows.c.position, -1)
    if sort is Sort.RELEVANCE:
        ordered = ordered.order_by(rows.c.rank, rows.c.imported_at.desc(), rows.c.claim_id)
    elif sort is Sort.NEWEST:
        ordered = ordered.order_by(rows.c.imported_at.desc(), rows.c.article_id.desc(), position)
    else:
        ordered = ordered.order_by(rows.c.imported_at, rows.c.article_id, position)
    page = session.execute(ordered.offset(offset).limit(limit)).all()
    if page and plan.found is not None:
        total = page[0].total
    elif plan.found is not None and not offset:
        total = 0
    else:
        total = session.scalar(select(func.count()).select_from(rows)) or 0
    hits = _load_hits(session, viewer, plan, page)
    facets = _facets(session, plan, filters, present) if with_facets else {}
    return SearchResults(
        query, filters, sort, hits, total, offset, limit, facets, plan.window, present
    )


def _load_hits(
    session: Session, viewer: User, plan: _Search, page: Sequence[Any]
) -> list[SearchHit]:
    claim_ids = [row.claim_id for row in page if row.claim_id is not None]
    claims: dict[int, Claim] = {}
    articles: dict[int, Article] = {}
    if claim_ids:
        for claim, article in session.execute(
            select(Claim, Article)
            .join(Article, Article.id == Claim.article_id)
            .where(Claim.id.in_(claim_ids))
        ):
            claims[claim.id], articles[article.id] = claim, article
    alone = {row.article_id for row in page if row.claim_id is None}
    if alone - articles.keys():
        wanted = select(Article).where(Article.id.in_(alone - articles.keys()))
        articles.update((article.id, article) for article in session.scalars(wanted))
    snippets = _snippets(session, plan, claim_ids, alone)
    states: dict[int, AnnotationState] = {}
    # The published verdict is publication: the workspace shows it to everyone too.
    published: dict[int, Verdict] = {}
    if claim_ids:
        approved = and_(
            Verdict.id == Annotation.verdict_id, Annotation.state == AnnotationState.APPROVED
        )
        for claim_id, state, visible, verdict in session.execute(
            select(Annotation.claim_id, Annotation.state, visible_to(viewer), Verdict)
            .outerjoin(Verdict, approved)
            .where(Annotation.claim_id.in_(claim_ids))
        ):
            if verdict is not None:
                published[claim_id] = verdict
            if not visible:
                continue
            known = states.get(claim_id)
            if known is None or _STATE_ORDER.index(state) < _STATE_ORDER.index(known):
                states[claim_id] = state
    hits = []
    for row in page:
        article = articles[row.article_id]
        if row.claim_id is None:
            snippet, where = snippets.get(("article", row.article_id), (None, ""))
            hits.append(
                SearchHit(
                    article, None, snippet or _plain_snippet(article.title), None, None, where
                )
            )
            continue
        claim = claims[row.claim_id]
        snippet, where = snippets.get(("claim", claim.id), (None, ""))
        hits.append(
            SearchHit(
                article,
                claim,
                snippet or _plain_snippet(claim.text),
                states.get(claim.id),
                published.get(claim.id),
                where,
            )
        )
    return hits


def _snippets(
    session: Session, plan: _Search, claim_ids: list[int], article_ids: set[int]
) -> dict[tuple[str, int], tuple[Markup, str]]:
    """The best-ranked matching entry's snippet for each claim (and article) shown."""
    if plan.matches is None or not (claim_ids or article_ids):
        return {}
    columns = [_HITS.c.entry_id, _HITS.c.kind, _HITS.c.article_id, _HITS.c.claim_id]
    headline = plan.matches.headline
    wanted = select(*columns).select_from(_HITS)
    if headline is not None:
        # Quoted as they are read, in the same statement.
        entry = plan.matches.entries
        wanted = wanted.add_columns(headline).join(entry, entry.c.id == _HITS.c.entry_id)
    shown = session.execute(
        wanted.where(
            or_(
                _HITS.c.claim_id.in_(claim_ids),
                and_(_HITS.c.kind == EntryKind.ARTICLE, _HITS.c.article_id.in_(article_ids)),
            )
        ).order_by(_HITS.c.rank)
    ).all()
    # Only the shown entries are quoted: the snippet is worked out for these alone.
    if headline is not None:
        snippets = {row[0]: row[4] for row in shown}
    else:
        assert plan.matches.snippets is not None
        snippets = plan.matches.snippets(session, [row[0] for row in shown])
    found: dict[tuple[str, int], tuple[Markup, str]] = {}
    for entry_id, kind, article_id, claim_id, *_ in shown:
        key = ("claim", claim_id) if claim_id is not None else ("article", article_id)
        if key not in found and entry_id in snippets:
            found[key] = (highlight(snippets[entry_id]), EntryKind(kind).value)
    return found


def _facets(
    session: Session, plan: _Search, filters: SearchFilters, languages: Sequence[str]
) -> dict[str, list[tuple[Any, str, int]]]:
    """Per filter, each value with how many results it would leave, counting the other
    filters but not its own; only annotations the viewer may see are counted.

    Every count comes from one statement: each filter's counts are a branch of one
    UNION ALL, as (filter, number, word, label, count), where a number is an id (a
    verdict's, an annotator's) and a word any other value. At a million claims a
    search's statements, more than their work, were most of its time; the counts took
    ten of them.

    The languages are counted when there are several: a search in one language matches
    that language's entries alone (stemmed its way), so with one chosen only its own
    count is known; a listing counts them all."""
    branches = _annotation_counts(plan, filters)
    with_languages = len(languages) > 1 or filters.language is not None
    if with_languages:
        branches.append(_value_counts(plan.claims(filters.without("language")), "language"))
    branches.append(_value_counts(plan.claims(filters.without("outlet")), "outlet", most=30))
    branches += _hint_counts(plan.claims(filters.without("hint")))
    found: dict[str, list[tuple[Any, str | None, int]]] = defaultdict(list)
    for name, number, word, label, count in session.execute(union_all(*branches)):
        found[name].append((number if number is not None else word, label, count))
    for counted in found.values():
        counted.sort(key=lambda row: (-row[2], row[0]))
    states = {state.value: str(state.label) for state in AnnotationState}
    facets: dict[str, list[tuple[Any, str, int]]] = {
        "verdict": [(v, label or "", n) for v, label, n in found["verdict"]],
        "state": [(AnnotationState(v), states[v], n) for v, _, n in found["state"]],
        "annotator": [(v, label or "", n) for v, label, n in found["annotator"]],
    }
    if with_languages:
        facets["language"] = [(v, language_name(v), n) for v, _, n in found["language"]]
    facets["outlet"] = [(v, v, n) for v, _, n in found["outlet"]]
    sums = {hint: count for hint, _, count in found["hint"]}
    facets["hint"] = [
        (hint, str(HINT_WORDS.get(hint, hint)), sums[hint]) for hint in HINT_NAMES if sums.get(hint)
    ]
    return facets


#: The filters about annotations that have counts: each one's name and column.
_ANNOTATION_FACETS = {"verdict": "verdict_id", "state": "state", "annotator": "annotator_id"}


def _count_row(
    name: str, *, count: Any, number: Any = None, word: Any = None, label: Any = None
) -> list[Any]:
    """A branch's columns: (filter, number, word, label, count), typed alike in every
    branch (a NULL is cast, so that PostgreSQL knows each column's type in each)."""
    return [
        literal_column(f"'{name}'", String).label("name"),
        (number if number is not None else cast(null(), Integer)).label("number"),
        (word if word is not None else cast(null(), String)).label("word"),
        (label if label is not None else cast(null(), String)).label("label"),
        count.label("count"),
    ]


def _annotation_counts(plan: _Search, filters: SearchFilters) -> list[Select[Any]]:
    """The verdict, state and annotator counts, from one read of the visible annotations.

    A claim counts for a value when one annotation the viewer may see has that value
    and passes the other annotation filters (its own facet's filter left out)."""
    loose = filters
    for key in _ANNOTATION_FACETS.values():
        loose = loose.without(key)
    claims = plan.claims(loose).subquery()
    # The found claims' annotations are read first, from ix_annotations_claim_facts
    # alone, and only then held to the rule and the filters: asked in one go, SQLite
    # builds a Bloom filter by reading every annotation's (long) row, 80 ms at 300,000.
    facts = (
        select(
            Annotation.id,
            Annotation.claim_id,
            Annotation.annotator_id,
            Annotation.state,
            Annotation.verdict_id,
            Annotation.submitted_at,
        )
        .join(claims, claims.c.claim_id == Annotation.claim_id)
        .cte("found_annotations")
        .prefix_with("MATERIALIZED")
    )
    annotation = facts.c
    # Held to the rule once for the three counts (kept, not worked out three times).
    seen = (
        select(
            annotation.claim_id,
            annotation.verdict_id,
            annotation.state,
            annotation.annotator_id,
        )
        .where(*plan.annotation_terms(loose, annotation))
        .cte("seen_annotations")
        .prefix_with("MATERIALIZED")
    )
    branches = []
    for name, key in _ANNOTATION_FACETS.items():
        others = [
            seen.c[other] == getattr(filters, other)
            for other in _ANNOTATION_FACETS.values()
            if other != key and getattr(filters, other) is not None
        ]
        claims_counted = func.count(func.distinct(seen.c.claim_id))
        if key == "verdict_id":
            branch = select(
                *_count_row(name, number=Verdict.id, label=Verdict.label, count=claims_counted)
            ).join_from(seen, Verdict, Verdict.id == seen.c.verdict_id)
            grouped: tuple[Any, ...] = (Verdict.id, Verdict.label)
        elif key == "annotator_id":
            branch = select(
                *_count_row(name, number=User.id, label=User.name, count=claims_counted)
            ).join_from(seen, User, User.id == seen.c.annotator_id)
            grouped = (User.id, User.name)
        else:
            branch = (
                select(*_count_row(name, word=seen.c.state, count=claims_counted))
                .select_from(seen)
                .where(seen.c.state.is_not(None))
            )
            grouped = (seen.c.state,)
        branches.append(branch.where(*others).group_by(*grouped))
    return branches


def _value_counts(claims: Select[Any], name: str, *, most: int | None = None) -> Select[Any]:
    """How many of ``claims`` have each value of their column ``name`` (only the ``most``
    frequent values, if given)."""
    rows = claims.subquery()
    value = rows.c[name]
    counted = (
        select(*_count_row(name, word=value, count=func.count()))
        .where(value.is_not(None))
        .group_by(value)
    )
    if most is None:
        return counted
    # A branch of a UNION has its own LIMIT only as a subquery.
    top = counted.order_by(func.count().desc(), value).limit(most).subquery()
    return select(*top.c)


def _hint_counts(claims: Select[Any]) -> list[Select[Any]]:
    """How many of ``claims`` have each hint: summed in one read, a branch each."""
    rows = claims.subquery()
    sums = (
        select(
            *(
                func.coalesce(func.sum(cast(rows.c[f"has_{hint}"], Integer)), 0).label(hint)
                for hint in HINT_NAMES
            )
        )
        .cte("hint_sums")
        .prefix_with("MATERIALIZED")
    )
    return [
        select(*_count_row("hint", word=literal_column(f"'{hint}'", String), count=sums.c[hint]))
        for hint in HINT_NAMES
    ]
