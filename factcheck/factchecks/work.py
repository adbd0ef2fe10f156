"""Keeping the workspace's "checked before" marks current.

A claim's stored matches (:class:`ClaimMatch`) are worked out

- when its article is imported (every format, and restores) or split anew;
- again, for claims of recent articles with no approved verdict yet, when the library
  grows: a file of fact-checks is imported, or one of our verdicts is approved.

The work is asked for in the transaction of the change (a commit hook notes new
articles, claims and library entries) and done by :mod:`factcheck.jobs`: in the same
transaction where no Redis is configured, otherwise by the background worker, with
its progress on the page.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import numpy as np
from sqlalchemy import delete, exists, insert, select
from sqlalchemy.orm import Session

from factcheck.annotations.models import Annotation
from factcheck.annotations.states import AnnotationState
from factcheck.articles.models import Article, Claim
from factcheck.commit_hooks import CommitHook, changed
from factcheck.db import utcnow
from factcheck.factchecks.matching import match_text, shown_to, vectors_of
from factcheck.factchecks.models import ClaimMatch, ClaimVector, FactCheck, LibraryStats
from factcheck.factchecks.stats import STATS_ID
from factcheck.factchecks.terms import clean
from factcheck.factchecks.vectors import (
    encode_pending,
    from_bytes,
    pending,
    to_bytes,
)
from factcheck.i18n import N_
from factcheck.jobs import Progress, schedule
from factcheck.observability import count_work
from factcheck.users.models import User

#: The workspace's name for the badge and filter of claims with a stored match.
CHECKED_BEFORE = "checked before"
#: Matches kept per claim (the badge needs one; the filter's list shows the best).
KEPT = 3
#: When the library grows, claims of articles imported this recently are matched again.
RECENT = timedelta(days=30)
#: ... at most this many of them, newest first ...
MAX_REMATCHED = 5_000
#: ... those whose sentence vector is at least this near a new entry's (a true match
#: is rarely below 0.5; the reranker decides) ...
NEAR = 0.4
#: ... and among those the nearest this many to each new entry's claim and headline:
#: on the benchmark's tweets 0.5% of unrelated claims are that near, but a run of
#: similar stories can put thousands there, and every approval (which adds an entry)
#: would match them all again.
NEAREST_PER_ENTRY = 100
_BATCH = 32


def _library_size(session: Session) -> int:
    return session.scalar(select(LibraryStats.entries).where(LibraryStats.id == STATS_ID)) or 0


def match_claims(session: Session, claim_ids: Iterable[int], progress: Progress) -> int:
    """Work out and store the matches of these claims; how many have one."""
    ids = sorted(set(claim_ids))
    matched = 0
    for start in range(0, len(ids), _BATCH):
        chunk = ids[start : start + _BATCH]
        # Locked (FOR NO KEY UPDATE: annotations may still be written) so that two
        # jobs matching the same claims take turns; the second then replaces the
        # first's vectors and matches instead of colliding with them.
        rows = session.execute(
            select(Claim.id, Claim.start, Claim.end, Article.id, Article.body)
            .join(Article, Article.id == Claim.article_id)
            # A claim a revision removed points into an earlier text, and is not matched.
            .where(Claim.id.in_(chunk), Claim.removed_in.is_(None))
            .order_by(Claim.id)
            .with_for_update(of=Claim, key_share=True)
        ).all()
        texts = {claim_id: body[begin:end] for claim_id, begin, end, _, body in rows}
        # One batch through the encoder is several times cheaper than a text at a time;
        # the matcher then finds each vector in its cache.
        cleaned = {claim_id: clean(text) for claim_id, text in texts.items()}
        cleaned = {claim_id: text for claim_id, text in cleaned.items() if text.strip()}
        session.execute(delete(ClaimVector).where(ClaimVector.claim_id.in_(chunk)))
        if cleaned:
            vectors = vectors_of(list(cleaned.values()))
            session.execute(
                insert(ClaimVector),
                [
                    {"claim_id": claim_id, "vector": to_bytes(vector)}
                    for claim_id, vector in zip(cleaned, vectors, strict=True)
                ],
            )
        session.execute(delete(ClaimMatch).where(ClaimMatch.claim_id.in_(chunk)))
        now = utcnow()
        found: list[dict[str, Any]] = []
        for claim_id, _, _, article_id, _ in rows:
            matches = match_text(
                session,
                texts[claim_id],
                limit=KEPT,
                exclude_article_id=article_id,
                shown_only=True,
            )
            matched += bool(matches)
            found += [
                {
                    "claim_id": claim_id,
                    "factcheck_id": match.factcheck.id,
                    "score": match.score,
                    "matched_at": now,
                }
                for match in matches
            ]
        if found:
            session.execute(insert(ClaimMatch), found)
        progress(min(start + _BATCH, len(ids)), len(ids))
    count_work("matching:claims", len(ids))
    return matched


def match_article(session: Session, payload: dict[str, Any], progress: Progress) -> None:
    """Job: match every claim of one article."""
    claim_ids = session.scalars(
        select(Claim.id).where(
            Claim.article_id == int(payload["article_id"]), Claim.removed_in.is_(None)
        )
    ).all()
    match_claims(session, claim_ids, progress)


def refresh_library(session: Session, payload: dict[str, Any], progress: Progress) -> None:
    """Job: give new library entries their vectors, then match again the claims of
    recent articles that have no approved verdict yet."""
    waiting = pending(session)
    encoded = 0

    def encoding(count: int) -> None:
        nonlocal encoded
        encoded += count
        progress(encoded, waiting)

    new_entries = encode_pending(session, progress=encoding)
    rematch_recent(session, progress, new_entries)


_DEFERRED: ContextVar[bool] = ContextVar("factcheck_library_work_deferred", default=False)


@contextmanager
def library_work_deferred() -> Iterator[None]:
    """Within this block, library changes ask for no work: the caller does it after
    (the command line, to show its progress)."""
    token = _DEFERRED.set(True)
    try:
        yield
    finally:
        _DEFERRED.reset(token)


def rematch_recent(
    session: Session, progress: Progress, new_entries: Sequence[int] | None = None
) -> int:
    """Match again the claims of recent articles with no approved verdict yet: those
    never matched, and those whose vector is near a new entry's (all of them when
    ``new_entries`` is None)."""
    since = utcnow() - RECENT
    approved = exists().where(
        Annotation.claim_id == Claim.id, Annotation.state == AnnotationState.APPROVED
    )
    recent = session.execute(
        select(Claim.id, ClaimVector.vector)
        .join(Article, Article.id == Claim.article_id)
        .outerjoin(ClaimVector, ClaimVector.claim_id == Claim.id)
        .where(Article.imported_at >= since, ~approved)
        .order_by(Claim.id.desc())
        .limit(MAX_REMATCHED)
    ).all()
    if new_entries is None:
        return match_claims(session, [claim_id for claim_id, _ in recent], progress)
    chosen = [claim_id for claim_id, vector in recent if vector is None]
    known = [(claim_id, vector) for claim_id, vector in recent if vector is not None]
    entry_vectors = [
        from_bytes(vector)
        for ids in _chunks(list(new_entries))
        for pair in session.execute(
            select(FactCheck.claim_vector, FactCheck.headline_vector).where(
                FactCheck.id.in_(ids), FactCheck.claim_vector.is_not(None)
            )
        )
        for vector in pair
    ]
    if known and entry_vectors:
        claims = np.stack([from_bytes(vector) for _, vector in known])
        nearness = claims @ np.stack(entry_vectors).T  # (claims, entry vectors)
        near: set[int] = set()
        for column in nearness.T:
            nearest = np.argsort(-column)[:NEAREST_PER_ENTRY]
            near.update(int(row) for row in nearest if column[row] >= NEAR)
        chosen += [known[row][0] for row in sorted(near)]
    return match_claims(session, chosen, progress)


def _chunks(ids: list[int], size: int = 500) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def library_changed(session: Session) -> None:
    """Ask for the library's new entries to be encoded and claims matched again."""
    if _DEFERRED.get():
        return
    schedule(
        session,
        "factcheck.factchecks.work:refresh_library",
        {},
        label=N_("Reading new fact-checks and matching recent claims against them"),
        subject="library",
    )


@dataclass
class _Marks:
    """What a transaction brought: new articles (or claims of them), new library entries."""

    articles: set[int] = field(default_factory=set)
    library: set[int] = field(default_factory=set)

    def __bool__(self) -> bool:
        # Empty marks ask for nothing (the hook then does not act): most commits, every
        # annotation saved among them, bring neither.
        return bool(self.articles or self.library)


def _note(session: Session, marks: _Marks) -> None:
    for thing in session.new:
        if isinstance(thing, Article):
            marks.articles.add(thing.id)
        elif isinstance(thing, Claim):
            marks.articles.add(thing.article_id)
        elif isinstance(thing, FactCheck):
            marks.library.add(thing.id)
    # A claim whose text changed in place (a merge, a split's first half, a revision's
    # edited sentence) and an article whose text changed: their stored vectors and
    # matches were worked out from the old text, so the article is matched again.
    for thing in session.dirty:
        if isinstance(thing, Claim) and changed(thing, "start", "end"):
            marks.articles.add(thing.article_id)
        elif isinstance(thing, Article) and changed(thing, "body"):
            marks.articles.add(thing.id)


def _act(session: Session, marks: _Marks) -> None:
    if marks.library:
        library_changed(session)
        # The library job matches recent claims anyway (a transaction that brings
        # library entries changes no article's text).
        return
    if not _library_size(session):
        return
    for article_id in sorted(marks.articles):
        schedule(
            session,
            "factcheck.factchecks.work:match_article",
            {"article_id": article_id},
            label=N_("Looking for earlier fact-checks of this article's claims"),
            subject=f"article:{article_id}",
        )


HOOK = CommitHook("factcheck.factchecks.work", _Marks, _note, _act)


def keep_matches_current(session_class: type[Session] | Any = Session) -> None:
    """Listen to every session (idempotent): called once by the app factory."""
    HOOK.install(session_class)


def checked_before(
    session: Session, claim_ids: Iterable[int], viewer: User | None = None
) -> dict[int, float]:
    """claim id -> best stored match score, for the claims with a match ``viewer`` may
    read (:func:`~factcheck.factchecks.matching.shown_to`)."""
    best: dict[int, float] = {}
    for ids in _chunks(list(claim_ids)):
        for claim_id, score in session.execute(
            select(ClaimMatch.claim_id, ClaimMatch.score)
            .join(FactCheck, FactCheck.id == ClaimMatch.factcheck_id)
            .where(ClaimMatch.claim_id.in_(ids), FactCheck.withdrawn.is_(False), shown_to(viewer))
        ):
            best[claim_id] = max(score, best.get(claim_id, 0.0))
    return best
