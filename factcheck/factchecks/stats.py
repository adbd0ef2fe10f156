"""What BM25 needs to know about the whole library, kept as entries are added.

Matching scores a few dozen candidates with BM25, which needs each query term's
document frequency and the library's average claim and headline length. Counting
those at query time would read the whole library; instead each import (and each of
our approvals) adds its entries' counts in the same transaction, to ``factcheck_terms``
and the one row of ``factcheck_library_stats``.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Iterable, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from factcheck.factchecks.models import LibraryStats, LibraryTerm
from factcheck.factchecks.terms import claim_key, terms

STATS_ID = 1


def describe(values: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """Add to an entry's values what matching reads: its claim key and terms. Its
    vectors are cleared: they are worked out again for the new text."""
    values["claim_key"] = claim_key(values.get("claim") or "")
    values["claim_terms"] = " ".join(terms(values.get("claim") or ""))
    values["headline_terms"] = " ".join(terms(values.get("headline") or ""))
    values["claim_vector"] = None
    values["headline_vector"] = None
    values["vector_seq"] = None
    return values


def stats_row(session: Session, *, for_update: bool = False) -> LibraryStats:
    """The library's one stats row, made on first use."""
    query = select(LibraryStats).where(LibraryStats.id == STATS_ID)
    if for_update:
        query = query.with_for_update()
    row = session.scalars(query).first()
    if row is None:
        with session.begin_nested():
            session.add(
                LibraryStats(
                    id=STATS_ID,
                    entries=0,
                    claim_terms=0,
                    headline_terms=0,
                    vectors_stored=0,
                    token=secrets.token_hex(8),
                )
            )
        row = session.scalars(query).one()
    return row


def count_added(session: Session, entries: Iterable[Mapping[str, Any]]) -> None:
    """Add these new entries' terms to the library's counts (same transaction)."""
    frequencies: Counter[str] = Counter()
    added = claim_total = headline_total = 0
    for values in entries:
        claim_words = (values.get("claim_terms") or "").split()
        headline_words = (values.get("headline_terms") or "").split()
        frequencies.update(set(claim_words) | set(headline_words))
        added += 1
        claim_total += len(claim_words)
        headline_total += len(headline_words)
    if not added:
        return
    stats_row(session, for_update=True)
    session.execute(
        update(LibraryStats)
        .where(LibraryStats.id == STATS_ID)
        .values(
            entries=LibraryStats.entries + added,
            claim_terms=LibraryStats.claim_terms + claim_total,
            headline_terms=LibraryStats.headline_terms + headline_total,
        )
    )
    words = sorted(frequencies)
    for start in range(0, len(words), 500):
        chunk = words[start : start + 500]
        known = set(session.scalars(select(LibraryTerm.term).where(LibraryTerm.term.in_(chunk))))
        fresh = [
            {"term": word, "entries": frequencies[word]} for word in chunk if word not in known
        ]
        if fresh:
            session.execute(insert(LibraryTerm), fresh)
        if known:
            # One statement executed for many rows: a second import touches most terms.
            session.connection().execute(
                _ADD_TO_TERM, [{"word": word, "more": frequencies[word]} for word in known]
            )


_TERMS = LibraryTerm.__table__
_ADD_TO_TERM = (
    _TERMS.update()
    .where(_TERMS.c.term == bindparam("word"))
    .values(entries=_TERMS.c.entries + bindparam("more"))
)


@dataclass(frozen=True)
class Collection:
    """BM25's view of the library for one query."""

    entries: int
    average_claim: float
    average_headline: float
    #: Term -> entries it appears in (terms the library lacks are absent).
    frequency: Mapping[str, int]


def collection(session: Session, query_terms: Iterable[str]) -> Collection:
    row = session.scalars(select(LibraryStats).where(LibraryStats.id == STATS_ID)).first()
    wanted = sorted(set(query_terms))
    frequency = (
        dict(
            session.execute(
                select(LibraryTerm.term, LibraryTerm.entries).where(LibraryTerm.term.in_(wanted))
            ).all()
        )
        if wanted and row is not None
        else {}
    )
    if row is None or not row.entries:
        return Collection(0, 1.0, 1.0, frequency)
    return Collection(
        row.entries,
        max(row.claim_terms / row.entries, 1.0),
        max(row.headline_terms / row.entries, 1.0),
        frequency,
    )
