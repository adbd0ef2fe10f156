"""Declarative base, constraint naming convention and column types shared by every model."""

from __future__ import annotations

import enum
import re
import sqlite3
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

from sqlalchemy import (
    ColumnElement,
    DateTime,
    Integer,
    MetaData,
    Select,
    String,
    Text,
    TypeDecorator,
    event,
    select,
    tuple_,
)
from sqlalchemy.dialects.postgresql import ARRAY, TSVECTOR
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Session, mapped_column
from sqlalchemy.pool import Pool
from sqlalchemy.types import TypeEngine

#: Named constraints make migrations reproducible and errors readable on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every backend.

    SQLite has no time zones and hands back naive values; normalising here keeps
    comparisons and ISO output identical on SQLite and PostgreSQL.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}  # noqa: RUF012 - SQLAlchemy reads it once


def within_days(column: Any, first: date | None, last: date | None) -> list[ColumnElement[bool]]:
    """Conditions for a timestamp column on the UTC days ``first`` to ``last``, inclusive.

    Either end may be missing. "To 9999-12-31" is no bound at all: the day after it
    cannot be written as a date.
    """
    conditions: list[ColumnElement[bool]] = []
    if first:
        conditions.append(column >= datetime.combine(first, time.min, UTC))
    if last and last < date.max:
        conditions.append(column < datetime.combine(last + timedelta(days=1), time.min, UTC))
    return conditions


def continue_after(
    session: Session, page: Select[Any], key: Sequence[Any], after: int | None, *, descending: bool
) -> Select[Any]:
    """``page`` (ordered by the columns ``key``, the last of them the row's id) from the
    row after the one whose id is ``after``: a keyset page, read from the index on
    ``key``, so a deep page costs what the first one does. An ``after`` that names no
    row (deleted since, or made up), or one without a place in the order, starts from
    the beginning."""
    if after is None:
        return page
    anchor = session.execute(select(*key).where(key[-1] == after)).first()
    if anchor is None or any(value is None for value in anchor):
        return page
    row, place = tuple_(*key), tuple_(*anchor)
    return page.where(row < place if descending else row > place)


def enum_values(enum_class: type[enum.Enum]) -> list[str]:
    """Store enum values (``"annotator"``), not member names, so SQL reads naturally."""
    return [member.value for member in enum_class]


intpk = Annotated[int, mapped_column(Integer, primary_key=True)]
str80 = Annotated[str, mapped_column(String(80))]
str200 = Annotated[str, mapped_column(String(200))]
str500 = Annotated[str, mapped_column(String(500))]


#: Ids are 32-bit in every table; anything larger can only be a probe or a typo.
MAX_ID = 2**31 - 1
#: The most digits a number from a form, URL or query string may have (MAX_ID has 10).
MAX_DIGITS = len(str(MAX_ID))
#: ASCII digits only: ``int()`` also takes "١" or "３" (other scripts), "+1", "0_1" and,
#: until it raises, thousands of digits.
DIGITS = rf"[0-9]{{1,{MAX_DIGITS}}}"
_DIGITS = re.compile(DIGITS)


def parse_number(value: object, *, minimum: int = 0, maximum: int = MAX_ID) -> int:
    """A whole number from user input: 1 to ``MAX_DIGITS`` ASCII digits, within bounds.

    Surrounding ASCII white space is ignored. Raises ValueError otherwise (also when
    the text is longer than any number it could hold, before converting it).
    """
    text = str(value).strip(" \t\r\n")
    if not _DIGITS.fullmatch(text):
        raise ValueError(f"not a whole number in ASCII digits: {text[:20]!r}")
    number = int(text)
    if not minimum <= number <= maximum:
        raise ValueError(f"out of range: {number}")
    return number


def parse_id(value: object) -> int:
    """A database id from user input: ASCII digits, 1 to ``MAX_ID``.

    Raises ValueError otherwise, so it also works as Flask's ``request.args.get(type=)``
    (which then falls back to the default). ``"²".isdigit()`` is true, hence ASCII only.
    """
    return parse_number(value, minimum=1)


class FullTextDocument(TypeDecorator[str]):
    """PostgreSQL's ``tsvector``, filled by a trigger; elsewhere an unused text column
    (SQLite's full-text indexes are FTS5 tables), so that one table definition serves
    both databases."""

    impl = Text
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[str]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(TSVECTOR())
        return dialect.type_descriptor(Text())


class PostgresIntegers(TypeDecorator[list[int]]):
    """PostgreSQL's ``integer[]``; elsewhere an unused text column (written NULL), so
    that one table definition serves both databases (see ``SearchEntry.viewers``)."""

    impl = Text
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(ARRAY(Integer()))
        return dialect.type_descriptor(Text())


#: Made by migrations for one database only, and not described by the models: FTS5
#: tables, their shadow tables and SQLite's narrow index of search entries; the GIN
#: indexes of PostgreSQL and its list of the words they hold (for prefixes).
FULL_TEXT_NAMES = (
    "search_fts",
    "search_words",
    "ix_search_words",
    "ix_search_entries_document",
    "ix_search_entries_facts",
    "factcheck_fts",
    "ix_factchecks_document",
)


def is_full_text_structure(name: str | None, type_: str, *_: object) -> bool:
    """For Alembic's ``include_name``: whether ``name`` is a full-text structure that the
    comparison of models and database must leave out."""
    return bool(name) and type_ in ("table", "index") and name.startswith(FULL_TEXT_NAMES)


#: Functions every SQLite connection knows, by name: (number of arguments, function),
#: each deterministic. Added by the package that writes with one (search's stems) when
#: it is imported, which the app factory does before any connection opens.
SQLITE_FUNCTIONS: dict[str, tuple[int, Callable[..., Any]]] = {}


@event.listens_for(Pool, "connect")
def _sqlite_functions(dbapi_connection: Any, _connection_record: Any) -> None:
    """Every SQLite connection, whichever engine made it (the app's, a migration's, a
    test's), learns :data:`SQLITE_FUNCTIONS`."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        for name, (arguments, function) in SQLITE_FUNCTIONS.items():
            dbapi_connection.create_function(name, arguments, function, deterministic=True)
