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


def _text(value: Any, name: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValidationFailed(f"{name} must be text, not {type(value).__name__}.")
    return str(value)


def _number(value: Any, name: str) -> float | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        raise ValidationFailed(f"{name} must be a number.")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValidationFailed(f"{name} must be a number, not “{str(value)[:40]}”.") from None
    if not math.isfinite(number):
        raise ValidationFailed(f"{name} must be a finite number.")
    return number


def _day(value: Any) -> date | None:
    text = _text(value, "The date").strip()
    if not text:
        return None
    try:
        day = (
            datetime.fromisoformat(text.replace("Z", "+00:00")).date()
            if "T" in text or " " in text
            else date.fromisoformat(text[:10])
        )
    except ValueError:
        raise ValidationFailed(f"The date “{text[:40]}” is not a date like 2026-11-29.") from None
    # A day's grace: the publisher's time zone may be ahead of ours.
    if day > utcnow().date() + timedelta(days=1):
        raise ValidationFailed(f"The date {day.isoformat()} is in the future.")
    return day


def clean_entry(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The columns of one library entry from raw values, or why it cannot be one.

    :raises ValidationFailed: with a message naming the field.
    """
    claim = long_text("claim", _text(raw.get("claim"), "The claim"), MAX_CLAIM_CHARS)
    if not claim:
        raise ValidationFailed("The claim is empty: an entry needs the claim it checked.")
    url = short_text("url", _text(raw.get("url"), "The address"), MAX_URL_CHARS) or None
    if url is not None and not is_web_url(url):
        raise ValidationFailed(f"The address “{url[:80]}” is not an http(s) web address.")
    values = {
        "claim": claim,
        "headline": short_text(
            "headline", _text(raw.get("headline"), "The headline"), MAX_HEADLINE_CHARS
        ),
        "rating_text": short_text(
            "rating", _text(raw.get("rating_text"), "The rating"), MAX_RATING_CHARS
        ),
        "rating_value": _number(raw.get("rating_value"), "The rating value"),
        "rating_worst": _number(raw.get("rating_worst"), "The worst rating"),
        "rating_best": _number(raw.get("rating_best"), "The best rating"),
        "publisher": short_text(
            "publisher", _text(raw.get("publisher"), "The publisher"), MAX_PUBLISHER_CHARS
        ),
        "url": url,
        "published_on": _day(raw.get("published_on")),
        "language": short_text(
            "language", _text(raw.get("language"), "The language"), MAX_LANGUAGE_CHARS
        ),
        "external_id": short_text(
            "external_id", _text(raw.get("external_id"), "The id"), MAX_EXTERNAL_ID_CHARS
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
                f"--{option} {wanted}: the file has only {len(header)} columns (from 0)."
            )
        return index
    lowered = [name.strip().lower() for name in header]
    if wanted.strip().lower() not in lowered:
        raise ValidationFailed(
            f"--{option} “{wanted}”: no such column; the header has "
            + ", ".join(f"“{name}”" for name in header[:12])
            + "."
        )
    return lowered.index(wanted.strip().lower())


def read_table(text: str, delimiter: str, options: TableOptions) -> Iterator[tuple[str, dict]]:
    """(“line N”, raw entry) for each row of a table with a header row.

    :raises ValidationFailed: the header lacks a named column, or no claim column.
    """
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next(rows, None)
    if not header:
        raise ValidationFailed("The file is empty: a header row naming the columns comes first.")
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
            "No claim column: name it with --claim-column, or call it “claim” or "
            "“claimReviewed” in the header."
        )
    for number, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(header):
            yield f"row {number}", {"_error": f"{len(row)} cells, the header has {len(header)}"}
            continue
        raw: dict[str, Any] = {
            name: row[index] if index < len(row) else "" for name, index in positions.items()
        }
        if options.publisher is not None and not raw.get("publisher"):
            raw["publisher"] = options.publisher
        if options.language is not None and not raw.get("language"):
            raw["language"] = options.language
        yield f"row {number}", raw


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
        raise ValidationFailed(f"Not a ClaimReview object but {type(review).__name__}.")
    kinds = {str(kind) for kind in _as_list(review.get("@type", "ClaimReview"))}
    if "ClaimReview" not in kinds:
        raise ValidationFailed(f"A {', '.join(sorted(kinds))}, not a ClaimReview.")
    rating = review.get("reviewRating") or {}
    if isinstance(rating, list):
        rating = rating[0] if rating else {}
    if not isinstance(rating, dict):
        raise ValidationFailed("reviewRating must be a Rating object.")
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
            f"Not JSON (line {error.lineno}, column {error.colno}: {error.msg})."
        ) from None
    for number, review in enumerate(_claimreviews(document), start=1):
        try:
            yield f"item {number}", claimreview_entry(review)
        except ValidationFailed as error:
            yield f"item {number}", {"_error": error.message}


# -- importing ---------------------------------------------------------------------------


def check_may_manage(actor: User | None) -> None:
    """:raises PermissionDenied: only reviewers and admins fill the library (commands,
    with no actor, may)."""
    if actor is not None and not actor.has_role(Role.REVIEWER):
        raise PermissionDenied("The fact-check library is kept by reviewers and admins.")


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
        report.refuse(f"{report.filename}: only {known} files can be imported.")
        return report
    if len(data) > MAX_FILE_BYTES:
        report.refuse(f"{report.filename} is larger than {MAX_FILE_BYTES // 2**20} MB.")
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
        report.refuse(f"{report.filename}: {error.message}")
        return report
    if not report.ok:
        return report
    if not rows:
        report.refuse(f"{report.filename}: no fact-checks in the file.")
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
            report.refuse(f"{report.filename}, {where}: {raw['_error']}")
            continue
        try:
            values = clean_entry(raw)
        except ValidationFailed as error:
            report.refuse(f"{report.filename}, {where}: {error.message}")
            continue
        identity = _identity(values)
        if identity in seen:
            report.refuse(
                f"{report.filename}, {where}: the same fact-check as {seen[identity]} "
                f"({identity[1].split(':', 1)[0]} “{identity[1].split(':', 1)[1][:60]}”)."
            )
            continue
        seen[identity] = where
        rows.append(values)
    return rows


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
