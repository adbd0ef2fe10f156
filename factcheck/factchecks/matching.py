"""Matching a claim against the library: "has this been checked before?"

Two first stages find the candidates: the database's full-text index (the entries
sharing the claim's rarest telling words: BM25 on SQLite, ``ts_rank`` on PostgreSQL)
and the sentence vectors' nearest neighbours (the entries that say the same thing in
other words; see ``vectors.py``). A trained reranker (``ranking.py``) orders their
union by the probability that an entry checks the same claim. Twins -- entries whose
claims differ only in case and punctuation -- collapse onto the earliest. Every way
in -- the claim panel, the API, ``flask factchecks match`` and the training -- calls
:func:`rank_candidates`.
"""

from __future__ import annotations

import enum
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from threading import Lock

import flask
import numpy as np
from sqlalchemy import ColumnElement, column, exists, func, literal_column, or_, select, table, true
from sqlalchemy.orm import Session, aliased

from factcheck.annotations.models import Annotation
from factcheck.annotations.visibility import visible_to
from factcheck.articles.models import Claim
from factcheck.factchecks.models import FactCheck
from factcheck.factchecks.ranking import Candidate, Query, features, shipped_reranker
from factcheck.factchecks.stats import Collection, collection
from factcheck.factchecks.terms import clean, names, numbers, terms
from factcheck.factchecks.vectors import encode_texts, from_bytes, vector_index
from factcheck.users.models import User

#: Candidates each first stage reads before the reranker orders them.
CANDIDATES = 50
#: At most this many of the query's stems are considered ...
MAX_QUERY_WORDS = 32
#: ... and the rarest this many looked up in the full-text index,
LEXICAL_WORDS = 10
#: ... as long as the entries holding them add up to at most this many. The index ranks
#: every entry that holds any of the words (about 0.75 µs each on SQLite), so in a
#: library of a million a few common words would cost hundreds of milliseconds; the
#: entries they would add are found by rarer words or by meaning.
LEXICAL_POSTINGS = 5_000


class Strength(enum.StrEnum):
    #: Very likely the same claim: shown first and prominently.
    STRONG = "strong"
    #: Perhaps the same claim: offered as a suggestion.
    SUGGESTION = "suggestion"


#: Probabilities from which a match is strong, or at least a suggestion; nothing below
#: the suggestion level is shown. See the README's claim-matching section for how
#: often each level is right on the benchmark's tweets.
STRONG_SCORE = 0.5
SUGGESTION_SCORE = 0.2


@dataclass(frozen=True)
class Match:
    factcheck: FactCheck
    #: The reranker's probability (0 to 1) that the entry checks the same claim.
    score: float
    #: What the matches are ordered by (higher first): the ranking model's score.
    order: float = 0.0

    @property
    def strength(self) -> Strength | None:
        if self.score >= STRONG_SCORE:
            return Strength.STRONG
        if self.score >= SUGGESTION_SCORE:
            return Strength.SUGGESTION
        return None


_VECTOR_CACHE: OrderedDict[str, np.ndarray] = OrderedDict()
_VECTOR_CACHE_SIZE = 4_096
_VECTOR_CACHE_LOCK = Lock()


def text_vector(text: str) -> np.ndarray:
    """The sentence vector of a (cleaned) text; recent ones are remembered, since a
    claim panel asks again for the same claim."""
    with _VECTOR_CACHE_LOCK:
        found = _VECTOR_CACHE.get(text)
        if found is not None:
            _VECTOR_CACHE.move_to_end(text)
            return found
    vector = encode_texts([text])[0]
    remember_vectors([text], vector[None, :])
    return vector


def remember_vectors(texts: list[str], vectors: np.ndarray) -> None:
    """Put vectors encoded in a batch where :func:`text_vector` finds them."""
    with _VECTOR_CACHE_LOCK:
        for text, vector in zip(texts, vectors, strict=True):
            _VECTOR_CACHE[text] = vector
            _VECTOR_CACHE.move_to_end(text)
        while len(_VECTOR_CACHE) > _VECTOR_CACHE_SIZE:
            _VECTOR_CACHE.popitem(last=False)


def _index_directory() -> Path | None:
    if not flask.has_app_context():
        return None
    configured = flask.current_app.config.get("VECTOR_INDEX_DIR")
    return Path(configured) if configured else None


_FTS = table("factcheck_fts", column("rowid"))


def _candidates(session: Session, stems: list[str], limit: int) -> list[tuple[int, float]]:
    """(entry id, score: higher is better) of the entries sharing the most telling
    stems. The index holds the entries' own terms (``claim_terms``, ``headline_terms``:
    the stems the library's counts are made of), so it matches exactly the entries
    those counts promise."""
    if session.get_bind().dialect.name == "postgresql":
        alternatives = " | ".join("'" + stem.replace("'", "''") + "'" for stem in stems)
        # Worked out once, as a subquery, not again for every row ts_rank scores.
        query = select(func.to_tsquery(literal_column("'simple'"), alternatives)).scalar_subquery()
        score = func.ts_rank(FactCheck.document, query).label("score")
        rows = session.execute(
            select(FactCheck.id, score)
            .where(FactCheck.document.op("@@")(query), FactCheck.withdrawn.is_(False))
            .order_by(score.desc(), FactCheck.id)
            .limit(limit)
        )
        return [(entry_id, float(value)) for entry_id, value in rows]
    expression = " OR ".join('"' + stem.replace('"', '""') + '"' for stem in stems)
    # The claim as checked weighs more than the headline's wording.
    rank = (-func.bm25(literal_column("factcheck_fts"), 1.0, 0.6)).label("score")
    rows = session.execute(
        select(_FTS.c.rowid, rank)
        .select_from(_FTS)
        .where(literal_column("factcheck_fts").op("MATCH")(expression))
        .order_by(rank.desc())
        .limit(limit)
    )
    return [(entry_id, float(value)) for entry_id, value in rows]


def shown_to(viewer: User | None) -> ColumnElement[bool]:
    """The entries ``viewer`` may read: our own verdicts obey blind annotation like the
    annotations they publish (an annotator sees the verdict on a claim once they have
    submitted their own annotation of it); other newsrooms' entries, everyone. None:
    the system (background work, commands)."""
    if viewer is None:
        return true()
    published = aliased(Annotation)
    return or_(
        FactCheck.annotation_id.is_(None),
        exists().where(published.id == FactCheck.annotation_id, visible_to(viewer, published)),
    )


def _eligible(exclude_article_id: int | None, viewer: User | None) -> list[ColumnElement[bool]]:
    """What the entries a match may show meet: not withdrawn, not our own verdicts on
    claims of the article being matched, and readable by ``viewer``. (Conditions, not a
    subquery of ids: that would list the whole library for every match.)"""
    conditions: list[ColumnElement[bool]] = [FactCheck.withdrawn.is_(False), shown_to(viewer)]
    if exclude_article_id is not None:
        same_article = (
            select(Annotation.id)
            .join(Claim, Claim.id == Annotation.claim_id)
            .where(Claim.article_id == exclude_article_id)
        )
        conditions.append(
            or_(FactCheck.annotation_id.is_(None), FactCheck.annotation_id.not_in(same_article))
        )
    return conditions


@dataclass
class Ranked:
    """The candidates of one query, with their features and the library's view."""

    entries: list[FactCheck]
    rows: np.ndarray
    library: Collection
    query: Query | None = None
    candidates: list[Candidate] = field(default_factory=list)


def candidate(entry: FactCheck) -> Candidate:
    return Candidate(
        entry_id=entry.id,
        claim_terms=entry.claim_terms.split(),
        headline_terms=entry.headline_terms.split(),
        numbers=numbers(entry.claim),
        names=names(entry.claim) | names(entry.headline),
        claim_vector=from_bytes(entry.claim_vector),
        headline_vector=from_bytes(entry.headline_vector),
    )


def _rarest(query_terms: list[str], library: Collection) -> list[str]:
    """The query's stems the library has, rarest first, at most :data:`LEXICAL_WORDS`
    and :data:`LEXICAL_POSTINGS`: a common stem would make the full-text index rank a
    large share of a big library, and the candidates it adds are found by their rarer
    stems or their meaning."""
    frequency = {
        stem: library.frequency[stem]
        for stem in dict.fromkeys(query_terms[:MAX_QUERY_WORDS])
        if library.frequency.get(stem)
    }
    chosen: list[str] = []
    postings = 0
    for stem in sorted(frequency, key=lambda stem: (frequency[stem], stem))[:LEXICAL_WORDS]:
        postings += frequency[stem]
        if postings > LEXICAL_POSTINGS:
            break
        chosen.append(stem)
    return chosen


def rank_candidates(
    session: Session,
    text: str,
    *,
    exclude_article_id: int | None = None,
    viewer: User | None = None,
) -> Ranked:
    """The candidates for ``text`` and their features, in a stable order (by id)."""
    cleaned = clean(text)
    query_terms = terms(cleaned)
    if not query_terms:
        # Nothing but stop words, punctuation or web addresses: nothing to match on.
        return Ranked([], np.zeros((0, 0)), Collection(0, 1.0, 1.0, {}))
    library = collection(session, query_terms)
    if not library.entries:
        # An empty library: nothing to find, and no sentence to encode.
        return Ranked([], np.zeros((0, 0)), library)
    vector = text_vector(cleaned)
    stems = _rarest(query_terms, library)
    found = (
        {entry_id for entry_id, _ in _candidates(session, stems, CANDIDATES)} if stems else set()
    )
    found.update(
        entry_id
        for entry_id, _ in vector_index(session, _index_directory()).nearest(vector, CANDIDATES)
    )
    entries = list(
        session.scalars(
            select(FactCheck)
            .where(FactCheck.id.in_(sorted(found)), *_eligible(exclude_article_id, viewer))
            .order_by(FactCheck.id)
        )
    )
    query = Query(query_terms, numbers(cleaned), names(cleaned), vector)
    candidates = [candidate(entry) for entry in entries]
    return Ranked(entries, features(query, candidates, library), library, query, candidates)


def match_text(
    session: Session,
    text: str,
    *,
    limit: int = 5,
    exclude_article_id: int | None = None,
    shown_only: bool = False,
    viewer: User | None = None,
) -> list[Match]:
    """The library entries that best match ``text``, best first; withdrawn ones, and our
    own verdicts on claims of ``exclude_article_id``, left out.

    :param shown_only: only matches at least at the suggestion level.
    :param viewer: who reads them (:func:`shown_to`); None for the system.
    """
    ranked = rank_candidates(session, text, exclude_article_id=exclude_article_id, viewer=viewer)
    if not ranked.entries:
        return []
    model = shipped_reranker()
    order_scores = model.order_scores(ranked.rows)
    scores = model.probabilities(ranked.rows)
    order = sorted(
        range(len(ranked.entries)), key=lambda i: (-order_scores[i], ranked.entries[i].id)
    )
    # Twins collapse onto the earliest entry (it may not be among the candidates).
    keys = {entry.claim_key for entry in ranked.entries}
    earliest = dict(
        session.execute(
            select(FactCheck.claim_key, func.min(FactCheck.id))
            .where(FactCheck.claim_key.in_(sorted(keys)), *_eligible(exclude_article_id, viewer))
            .group_by(FactCheck.claim_key)
        ).all()
    )
    matches: list[Match] = []
    shown: set[int] = set()
    for i in order:
        entry = ranked.entries[i]
        first = earliest.get(entry.claim_key, entry.id)
        if first in shown:
            continue
        shown.add(first)
        if first != entry.id:
            entry = session.get(FactCheck, first) or entry
        match = Match(entry, float(scores[i]), float(order_scores[i]))
        if shown_only and match.strength is None:
            continue
        matches.append(match)
        if len(matches) >= limit:
            break
    return matches
