"""Filling the library: files of other newsrooms' fact-checks, one entry at a time.

Two kinds of file:

- schema.org ClaimReview as JSON-LD (``.json``, ``.jsonld``): one object, an array,
  an ``@graph``, or a Data Commons style feed whose ``dataFeedElement`` items hold
  ClaimReviews;
- a table with a header row (``.csv``, ``.tsv``) whose columns are named on the command
  line or found by their usual names.

Each file is all or nothing: every entry is checked first, and one bad entry refuses
the file with a message per entry, naming its line or position. An entry already in
the library (the same publisher and id, or the same publisher and address or claim) is
left as it is and counted, so importing a feed again adds only what is new.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import PurePath
from typing import Any

from flask_babel import gettext, lazy_gettext
from sqlalchemy import insert, select, tuple_
from sqlalchemy.orm import Session

from factcheck.articles.operations import decode_text_file
from factcheck.audit.recorder import record
from factcheck.db import continue_after, utcnow
from factcheck.errors import PermissionDenied, ValidationFailed
from factcheck.factchecks.matching import match_text
from factcheck.factchecks.models import (
    MAX_CLAIM_CHARS,
    MAX_EXTERNAL_ID_CHARS,
    MAX_HEADLINE_CHARS,
    MAX_LANGUAGE_CHARS,
    MAX_PUBLISHER_CHARS,
    MAX_RATING_CHARS,
    MAX_URL_CHARS,
    FactCheck,
    LibraryStats,
    Origin,
)
from factcheck.factchecks.stats import STATS_ID, count_added, describe
from factcheck.users.models import Role, User
from factcheck.validators import is_web_url, long_text, short_text

TABLE_SUFFIXES = {".csv": ",", ".tsv": "\t"}
JSON_SUFFIXES = (".json", ".jsonld")
#: A feed larger than this is refused before it is read (the benchmark is 2 MB).
MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_LISTED_PROBLEMS = 20
#: Usual names of each column, lower-cased, for tables whose columns are not named.
COLUMN_NAMES: dict[str, tuple[str, ...]] = {
    "external_id": ("id", "external_id", "identifier"),
    "claim": ("claim", "claimreviewed", "claim_reviewed", "vclaim", "text"),
    "headline": ("title", "headline", "name"),
    "rating_text": ("rating", "verdict", "alternatename", "rating_text", "textual_rating"),
    "rating_value": ("rating_value", "ratingvalue"),
    "rating_worst": ("rating_worst", "worstrating"),
    "rating_best": ("rating_best", "bestrating"),
    "publisher": ("publisher", "author", "organisation", "organization"),
    "url": ("url", "link", "review_url"),
    "published_on": ("date", "published", "published_on", "datepublished", "review_date"),
    "language": ("language", "lang", "inlanguage"),
}


#: The ``--<name>-column`` options of the command line and the import form's
#: ``<name>_column`` fields, and the entry field each names a column for.
COLUMN_OPTIONS = {
    "id": "external_id",
    "claim": "claim",
    "title": "headline",
    "rating": "rating_text",
    "url": "url",
    "date": "published_on",
    "publisher": "publisher",
    "language": "language",
}


@dataclass
class TableOptions:
    """How to read a table: a column is named by its header or its number from 0."""

    columns: dict[str, str] = field(default_factory=dict)
    #: The publisher of every entry, when the file has no such column.
    publisher: str | None = None
    language: str | None = None

    @classmethod
    def from_options(
        cls,
        named: Mapping[str, str | None],
        *,
        publisher: str | None = None,
        language: str | None = None,
    ) -> TableOptions:
        """From ``<name>_column`` values (the command line's options, a form's fields);
        blank ones are left out."""
        columns = {
            entry_field: value.strip()[:100]
            for option, entry_field in COLUMN_OPTIONS.items()
            if (value := named.get(f"{option}_column")) and value.strip()
        }
        return cls(
            columns=columns,
            publisher=(publisher or "").strip()[:200] or None,
            language=(language or "").strip()[:35] or None,
        )


@dataclass(frozen=True)
class LibraryPage:
    entries: list[FactCheck]
    #: Entries in the library.
    total: int
    #: Entries the page is part of: all of them, or those matching the search.
    found: int
    #: The entry to continue after for older ones; None on the last page (and for q).
    next_after: int | None = None


def browse(
    session: Session, *, q: str = "", after: int | None = None, limit: int = 50
) -> LibraryPage:
    """A page of the library: newest first, or the best matches for ``q``.

    Newest-first pages are keyset pages: the entries added before the entry ``after``
    (the last one of the previous page), read from the (created_at, id) index, so a
    page deep in a network's library costs what the first one does. An ``after`` that
    names no entry starts from the newest."""
    # From the library's counts (every entry is added through them, none is deleted):
    # counting a network's library row by row read all of it on every page.
    total = session.scalar(select(LibraryStats.entries).where(LibraryStats.id == STATS_ID)) or 0
    if q:
        entries = [m.factcheck for m in match_text(session, q, limit=limit, shown_only=True)]
        return LibraryPage(entries, total, len(entries))
    page = (
        select(FactCheck)
        .order_by(FactCheck.created_at.desc(), FactCheck.id.desc())
        .limit(limit + 1)
    )
    key = (FactCheck.created_at, FactCheck.id)
    entries = list(session.scalars(continue_after(session, page, key, after, descending=True)))
    more = len(entries) > limit
    entries = entries[:limit]
    return LibraryPage(entries, total, total, entries[-1].id if more else None)


@dataclass
class LibraryReport:
    filename: str
    added: int = 0
    #: Entries the library already had.
    already: int = 0
    problems: list[str] = field(default_factory=list)
    more_problems: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def refuse(self, problem: str) -> None:
        if len(self.problems) < MAX_LISTED_PROBLEMS:
            self.problems.append(problem)
        else:
            self.more_problems += 1


# -- one entry ---------------------------------------------------------------------------

#: How the messages about an entry name each of its fields.
_FIELD_NAMES = {
    "claim": lazy_gettext("The claim"),
    "headline": lazy_gettext("The headline"),
    "rating_text": lazy_gettext("The rating"),
    "rating_value": lazy_gettext("The rating value"),
    "rating_worst": lazy_gettext("The worst rating"),
    "rating_best": lazy_gettext("The best rating"),
    "publisher": lazy_gettext("The publisher"),
    "url": lazy_gettext("The address"),
    "published_on": lazy_gettext("The date"),
    "language": lazy_gettext("The language"),
    "external_id": lazy_gettext("The id"),
}


def _text(value: Any, name: str) -> str:
    """:param name: the entry's field (a key of :data:`_FIELD_NAMES`)."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValidationFailed(
            gettext(
                "%(field)s must be text, not %(kind)s.",
                field=_FIELD_NAMES[name],
                kind=type(value).__name__,
            )
        )
    return str(value)


def _number(value: Any, name: str) -> float | None:
    if value in (None, ""):
        return None
    field = _FIELD_NAMES[name]
    if isinstance(value, bool):
        raise ValidationFailed(gettext("%(field)s must be a number.", field=field))
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValidationFailed(
            gettext(
                "%(field)s must be a number, not “%(value)s”.", field=field, value=str(value)[:40]
            )
        ) from None
    if not math.isfinite(number):
        raise ValidationFailed(gettext("%(field)s must be a finite number.", field=field))
    return number


def _day(value: Any) -> date | None:
    text = _text(value, "published_on").strip()
    if not text:
        return None
    try:
        day = (
            datetime.fromisoformat(text.replace("Z", "+00:00")).date()
            if "T" in text or " " in text
            else date.fromisoformat(text[:10])
        )
    except ValueError:
        raise ValidationFailed(
            gettext("The date “%(text)s” is not a date like 2026-11-29.", text=text[:40])
        ) from None
    # A day's grace: the publisher's time zone may be ahead of ours.
    if day > utcnow().date() + timedelta(days=1):
        raise ValidationFailed(gettext("The date %(date)s is in the future.", date=day.isoformat()))
    return day


def clean_entry(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The columns of one library entry from raw values, or why it cannot be one.

    :raises ValidationFailed: with a message naming the field.
    """
    claim = long_text("claim", _text(raw.get("claim"), "claim"), MAX_CLAIM_CHARS)
    if not claim:
        raise ValidationFailed(gettext("The claim is empty: an entry needs the claim it checked."))
    url = short_text("url", _text(raw.get("url"), "url"), MAX_URL_CHARS) or None
    if url is not None and not is_web_url(url):
        raise ValidationFailed(
            gettext("The address “%(url)s” is not an http(s) web address.", url=url[:80])
        )
    values = {
        "claim": claim,
        "headline": short_text(
            "headline", _text(raw.get("headline"), "headline"), MAX_HEADLINE_CHARS
        ),
        "rating_text": short_text(
            "rating", _text(raw.get("rating_text"), "rating_text"), MAX_RATING_CHARS
        ),
        "rating_value": _number(raw.get("rating_value"), "rating_value"),
        "rating_worst": _number(raw.get("rating_worst"), "rating_worst"),
        "rating_best": _number(raw.get("rating_best"), "rating_best"),
        "publisher": short_text(
            "publisher", _text(raw.get("publisher"), "publisher"), MAX_PUBLISHER_CHARS
        ),
        "url": url,
        "published_on": _day(raw.get("published_on")),
        "language": short_text(
            "language", _text(raw.get("language"), "language"), MAX_LANGUAGE_CHARS
        ),
        "external_id": short_text(
            "external_id", _text(raw.get("external_id"), "external_id"), MAX_EXTERNAL_ID_CHARS
        )
        or None,
    }
    if not values["rating_text"] and values["rating_value"] is not None:
        # ClaimReview allows a numeric rating alone; say it in words the page can show.
        scale = ""
        if values["rating_worst"] is not None and values["rating_best"] is not None:
            scale = f" on a scale of {values['rating_worst']:g} to {values['rating_best']:g}"
        values["rating_text"] = f"Rated {values['rating_value']:g}{scale}"
    return values


def _identity(values: Mapping[str, Any]) -> tuple[str, str]:
    """What makes two entries the same fact-check: the publisher's id for it, else its
    address, else the claim itself."""
    key = values["external_id"] or values["url"] or values["claim"]
    kind = "id" if values["external_id"] else "url" if values["url"] else "claim"
    return values["publisher"], f"{kind}:{key}"


# -- reading files -----------------------------------------------------------------------


def _column_index(header: list[str], wanted: str, option: str) -> int:
    if wanted.isdigit():
        index = int(wanted)
        if index >= len(header):
            raise ValidationFailed(
                gettext(
                    "--%(option)s %(wanted)s: the file has only %(count)s columns (from 0).",
                    option=option,
                    wanted=wanted,
                    count=len(header),
                )
            )
        return index
    lowered = [name.strip().lower() for name in header]
    if wanted.strip().lower() not in lowered:
        raise ValidationFailed(
            gettext(
                "--%(option)s “%(wanted)s”: no such column; the header has %(columns)s.",
                option=option,
                wanted=wanted,
                columns=", ".join(f"“{name}”" for name in header[:12]),
            )
        )
    return lowered.index(wanted.strip().lower())


def read_table(text: str, delimiter: str, options: TableOptions) -> Iterator[tuple[str, dict]]:
    """(“line N”, raw entry) for each row of a table with a header row.

    :raises ValidationFailed: the header lacks a named column, or no claim column.
    """
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next(rows, None)
    if not header:
        raise ValidationFailed(
            gettext("The file is empty: a header row naming the columns comes first.")
        )
    positions: dict[str, int] = {}
    for name, wanted in options.columns.items():
        positions[name] = _column_index(header, wanted, f"{name.replace('_', '-')}-column")
    lowered = [column.strip().lower() for column in header]
    for name, usual in COLUMN_NAMES.items():
        if name not in positions:
            found = next((lowered.index(u) for u in usual if u in lowered), None)
            if found is not None:
                positions[name] = found
    if "claim" not in positions:
        raise ValidationFailed(
            gettext(
                "No claim column: name it with --claim-column, or call it “claim” or "
                "“claimReviewed” in the header."
            )
        )
    for number, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        where = gettext("row %(number)s", number=number)
        if len(row) > len(header):
            problem = gettext(
                "%(cells)s cells, the header has %(columns)s", cells=len(row), columns=len(header)
            )
            yield where, {"_error": problem}
            continue
        raw: dict[str, Any] = {
            name: row[index] if index < len(row) else "" for name, index in positions.items()
        }
        if options.publisher is not None and not raw.get("publisher"):
            raw["publisher"] = options.publisher
        if options.language is not None and not raw.get("language"):
            raw["language"] = options.language
        yield where, raw


def _claimreviews(document: Any) -> Iterator[Any]:
    """Every ClaimReview in a JSON-LD document, in order."""
    if isinstance(document, list):
        for item in document:
            yield from _claimreviews(item)
        return
    if not isinstance(document, dict):
        yield document  # reported as not an object
        return
    if "@graph" in document:
        yield from _claimreviews(document["@graph"])
        return
    if "dataFeedElement" in document:
        for element in _as_list(document["dataFeedElement"]):
            if isinstance(element, dict) and "item" in element:
                yield from _claimreviews(element["item"])
            else:
                yield from _claimreviews(element)
        return
    yield document


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _name(value: Any) -> Any:
    """An organisation or thing's name: schema.org allows the object or its name."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        return value.get("name") or value.get("alternateName")
    return value


def claimreview_entry(review: Any) -> dict[str, Any]:
    """The raw entry of one ClaimReview object.

    :raises ValidationFailed: not a ClaimReview.
    """
    if not isinstance(review, dict):
        raise ValidationFailed(
            gettext("Not a ClaimReview object but %(kind)s.", kind=type(review).__name__)
        )
    kinds = {str(kind) for kind in _as_list(review.get("@type", "ClaimReview"))}
    if "ClaimReview" not in kinds:
        raise ValidationFailed(
            gettext("A %(kinds)s, not a ClaimReview.", kinds=", ".join(sorted(kinds)))
        )
    rating = review.get("reviewRating") or {}
    if isinstance(rating, list):
        rating = rating[0] if rating else {}
    if not isinstance(rating, dict):
        raise ValidationFailed(gettext("reviewRating must be a Rating object."))
    item = review.get("itemReviewed") or {}
    item = item[0] if isinstance(item, list) and item else item
    language = review.get("inLanguage")
    return {
        "claim": review.get("claimReviewed"),
        "headline": review.get("headline") or review.get("name"),
        "rating_text": rating.get("alternateName"),
        "rating_value": rating.get("ratingValue"),
        "rating_worst": rating.get("worstRating"),
        "rating_best": rating.get("bestRating"),
        "publisher": _name(review.get("author")) or _name(review.get("publisher")),
        "url": review.get("url"),
        "published_on": review.get("datePublished")
        or (item.get("datePublished") if isinstance(item, dict) else None),
        "language": _name(language) if isinstance(language, dict | list) else language,
        "external_id": review.get("identifier") or review.get("@id"),
    }


def read_claimreview(text: str) -> Iterator[tuple[str, dict]]:
    """(“item N”, raw entry) for each ClaimReview in a JSON-LD document.

    :raises ValidationFailed: not JSON.
    """
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValidationFailed(
            gettext(
                "Not JSON (line %(line)s, column %(column)s: %(problem)s).",
                line=error.lineno,
                column=error.colno,
                problem=error.msg,
            )
        ) from None
    for number, review in enumerate(_claimreviews(document), start=1):
        where = gettext("item %(number)s", number=number)
        try:
            yield where, claimreview_entry(review)
        except ValidationFailed as error:
            yield where, {"_error": error.message}


# -- importing ---------------------------------------------------------------------------


def check_may_manage(actor: User | None) -> None:
    """:raises PermissionDenied: only reviewers and admins fill the library (commands,
    with no actor, may)."""
    if actor is not None and not actor.has_role(Role.REVIEWER):
        raise PermissionDenied(gettext("The fact-check library is kept by reviewers and admins."))


def import_library_file(
    session: Session,
    actor: User | None,
    filename: str,
    data: bytes,
    options: TableOptions | None = None,
) -> LibraryReport:
    """Add the fact-checks of one file to the library, all or none; never raises for
    what the file holds (the report says what was wrong).

    :raises PermissionDenied: ``actor`` is an annotator.
    """
    check_may_manage(actor)
    report = LibraryReport(PurePath(filename).name or "upload")
    suffix = PurePath(filename).suffix.lower()
    if suffix not in TABLE_SUFFIXES and suffix not in JSON_SUFFIXES:
        known = ", ".join([*TABLE_SUFFIXES, *JSON_SUFFIXES])
        report.refuse(
            gettext(
                "%(file)s: only %(suffixes)s files can be imported.",
                file=report.filename,
                suffixes=known,
            )
        )
        return report
    if len(data) > MAX_FILE_BYTES:
        report.refuse(
            gettext(
                "%(file)s is larger than %(size)s MB.",
                file=report.filename,
                size=MAX_FILE_BYTES // 2**20,
            )
        )
        return report
    try:
        text = decode_text_file(data, filename=report.filename)
        entries = (
            read_table(text, TABLE_SUFFIXES[suffix], options or TableOptions())
            if suffix in TABLE_SUFFIXES
            else read_claimreview(text)
        )
        rows = _checked(entries, report)
    except ValidationFailed as error:
        report.refuse(gettext("%(file)s: %(problem)s", file=report.filename, problem=error.message))
        return report
    if not report.ok:
        return report
    if not rows:
        report.refuse(gettext("%(file)s: no fact-checks in the file.", file=report.filename))
        return report
    new = _not_yet_in_library(session, rows)
    report.already = len(rows) - len(new)
    now = utcnow()
    imported_by = actor.id if actor is not None else None
    for values in new:
        describe(values)
    with session.begin_nested():
        count_added(session, new)
        for start in range(0, len(new), 1_000):
            session.execute(
                insert(FactCheck),
                [
                    {
                        **values,
                        "origin": Origin.IMPORTED,
                        "withdrawn": False,
                        "imported_by_id": imported_by,
                        "created_at": now,
                    }
                    for values in new[start : start + 1_000]
                ],
            )
        record(
            session,
            actor,
            "factchecks:import",
            "factcheck_file",
            None,
            {"file": report.filename, "added": len(new), "already": report.already},
        )
        if new:
            # Imported within the package; the commit hook cannot see Core inserts.
            from factcheck.factchecks.work import library_changed

            library_changed(session)
    report.added = len(new)
    return report


def _checked(entries: Iterator[tuple[str, dict]], report: LibraryReport) -> list[dict[str, Any]]:
    """Every entry cleaned; a problem for each that cannot be one or repeats another."""
    rows: list[dict[str, Any]] = []
    seen: dict[tuple[str, str], str] = {}
    for where, raw in entries:
        if "_error" in raw:
            report.refuse(_problem(report, where, raw["_error"]))
            continue
        try:
            values = clean_entry(raw)
        except ValidationFailed as error:
            report.refuse(_problem(report, where, error.message))
            continue
        identity = _identity(values)
        if identity in seen:
            kind, key = identity[1].split(":", 1)
            report.refuse(
                gettext(
                    "%(file)s, %(where)s: the same fact-check as %(other)s (%(kind)s “%(key)s”).",
                    file=report.filename,
                    where=where,
                    other=seen[identity],
                    kind=kind,
                    key=key[:60],
                )
            )
            continue
        seen[identity] = where
        rows.append(values)
    return rows


def _problem(report: LibraryReport, where: str, problem: str) -> str:
    return gettext(
        "%(file)s, %(where)s: %(problem)s", file=report.filename, where=where, problem=problem
    )


def _not_yet_in_library(session: Session, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows whose fact-check the library does not have yet."""
    with_id = [row for row in rows if row["external_id"]]
    known: set[tuple[str, str]] = set()
    for start in range(0, len(with_id), 500):
        chunk = with_id[start : start + 500]
        known.update(
            (publisher, f"id:{external_id}")
            for publisher, external_id in session.execute(
                select(FactCheck.publisher, FactCheck.external_id).where(
                    tuple_(FactCheck.publisher, FactCheck.external_id).in_(
                        [(row["publisher"], row["external_id"]) for row in chunk]
                    )
                )
            )
        )
    others = [row for row in rows if not row["external_id"]]
    for start in range(0, len(others), 500):
        chunk = others[start : start + 500]
        urls = [row["url"] for row in chunk if row["url"]]
        claims = [row["claim"] for row in chunk if not row["url"]]
        if urls:
            known.update(
                (publisher, f"url:{url}")
                for publisher, url in session.execute(
                    select(FactCheck.publisher, FactCheck.url).where(FactCheck.url.in_(urls))
                )
            )
        if claims:
            known.update(
                (publisher, f"claim:{claim}")
                for publisher, claim in session.execute(
                    select(FactCheck.publisher, FactCheck.claim).where(FactCheck.claim.in_(claims))
                )
            )
    return [row for row in rows if _identity(row) not in known]
