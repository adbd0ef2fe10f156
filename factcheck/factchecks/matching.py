"""Matching a claim against the library: "has this been checked before?"

The database's full-text index finds the candidates: the library entries sharing the
claim's telling words (stop words, web addresses, @handles and a tweet's signature left
out), ranked by BM25 on SQLite and ``ts_rank`` on PostgreSQL. Every way in -- the claim
panel, the API, ``flask factchecks match`` -- calls :func:`match_text`.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import column, func, literal_column, or_, select, table
from sqlalchemy.orm import Session

from factcheck.annotations.models import Annotation
from factcheck.articles.models import Claim
from factcheck.factchecks.models import FactCheck

#: Candidates read from the index before the best are kept.
CANDIDATES = 50
#: At most this many of the query's words are looked up (the rarest carry the match).
MAX_QUERY_WORDS = 32

#: Words that say nothing about what a claim is about.
_STOP_WORDS_TEXT = """a about above after again against all am an and any are aren't as at be
because been before being below between both but by can cannot could did do does doing
down during each few for from further had has have having he her here hers herself him
himself his how i if in into is it its itself just let me more most my myself no nor not
now of off on once only or other ought our ours ourselves out over own same she should so
some such than that the their theirs them themselves then there these they this those
through to too under until up very was we were what when where which while who whom why
will with would you your yours yourself yourselves rt via amp says said say s t"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())
_URL = re.compile(r"https?://\S+|www\.\S+|pic\.twitter\.com/\S+", re.IGNORECASE)
_HANDLE_OR_TAG = re.compile(r"[@#](\w+)")
#: Where a handle or hashtag splits into words: "IlhanMN" -> "Ilhan MN", "covid_19".
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Za-z])(?=[0-9])|(?<=[0-9])(?=[A-Za-z])|_")
_WORD = re.compile(r"\w+", re.UNICODE)


def _split_handle(found: re.Match[str]) -> str:
    return " " + _CAMEL.sub(" ", found.group(1)) + " "


def query_words(text: str) -> list[str]:
    """The words of ``text`` that say what it is about, lower-cased, each once."""
    text = unicodedata.normalize("NFKC", text or "")
    # Handles and hashtags are words too, and a quoted tweet's signature ("— Ilhan
    # Omar (@IlhanMN) January 6, 2020") names who the claim is often about: kept,
    # split into words (on the benchmark's training tweets, dropping them cost 0.05).
    text = _HANDLE_OR_TAG.sub(
        lambda m: " " + _CAMEL.sub(" ", m.group(1)) + " ", _URL.sub(" ", text)
    )
    seen: dict[str, None] = {}
    for word in _WORD.findall(text.lower()):
        word = word.strip("_")
        # A lone digit counts ("4,500" is indexed as 4 and 500); a lone letter does not.
        if (len(word) < 2 and not word.isdigit()) or word in STOP_WORDS or word in seen:
            continue
        seen[word] = None
        if len(seen) >= MAX_QUERY_WORDS:
            break
    return list(seen)


class Strength(enum.StrEnum):
    #: Very likely the same claim: shown first and prominently.
    STRONG = "strong"
    #: Perhaps the same claim: offered as a suggestion.
    SUGGESTION = "suggestion"


#: Scores (0 to 1) from which a match is strong, or at least a suggestion; nothing
#: below the suggestion level is shown. On the benchmark's training tweets, 64% of the
#: top-5 matches at the suggestion level and 75% of strong ones are the right claim.
STRONG_SCORE = 0.45
SUGGESTION_SCORE = 0.3


@dataclass(frozen=True)
class Match:
    factcheck: FactCheck
    #: How alike the two claims are, from 0 (nothing shared) to 1 (the same words).
    score: float
    #: What the matches are ordered by (higher first): the index's relevance.
    relevance: float

    @property
    def strength(self) -> Strength | None:
        if self.score >= STRONG_SCORE:
            return Strength.STRONG
        if self.score >= SUGGESTION_SCORE:
            return Strength.SUGGESTION
        return None


_SUFFIXES = ("ing", "ed", "es", "s", "ly")


def _stem(word: str) -> str:
    """A light stem, so that "deported" and "deport" count as one word in the score."""
    for suffix in _SUFFIXES:
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def similarity(query: list[str], entry: FactCheck) -> float:
    """Dice's coefficient of the query's and the checked claim's telling words (light
    stems): 1 when they say the same words, whatever the order."""
    mine = {_stem(word) for word in query}
    theirs = {_stem(word) for word in query_words(entry.claim)}
    if not mine or not theirs:
        return 0.0
    return 2 * len(mine & theirs) / (len(mine) + len(theirs))


_FTS = table("factcheck_fts", column("rowid"))


def _candidates(session: Session, words: list[str], limit: int) -> list[tuple[int, float]]:
    """(entry id, score: higher is better) of the entries sharing the most telling words."""
    if session.get_bind().dialect.name == "postgresql":
        alternatives = " | ".join(words)
        # Worked out once, as a subquery: unaccent() is only STABLE, so written inline
        # the query would be parsed again for every row ts_rank scores (30 µs each).
        query = select(
            func.to_tsquery(literal_column("'english'"), func.unaccent(alternatives))
        ).scalar_subquery()
        score = func.ts_rank(FactCheck.document, query).label("score")
        rows = session.execute(
            select(FactCheck.id, score)
            .where(FactCheck.document.op("@@")(query), FactCheck.withdrawn.is_(False))
            .order_by(score.desc(), FactCheck.id)
            .limit(limit)
        )
        return [(entry_id, float(value)) for entry_id, value in rows]
    expression = " OR ".join('"' + word.replace('"', '""') + '"' for word in words)
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


def match_text(
    session: Session,
    text: str,
    *,
    limit: int = 5,
    exclude_article_id: int | None = None,
    shown_only: bool = False,
) -> list[Match]:
    """The library entries that best match ``text``, best first; withdrawn ones, and our
    own verdicts on claims of ``exclude_article_id``, left out.

    :param shown_only: only matches at least at the suggestion level.
    """
    words = query_words(text)
    if not words:
        return []
    found = _candidates(session, words, max(limit, CANDIDATES))
    query = select(FactCheck).where(
        FactCheck.id.in_([entry_id for entry_id, _ in found]), FactCheck.withdrawn.is_(False)
    )
    if exclude_article_id is not None:
        same_article = (
            select(Annotation.id)
            .join(Claim, Claim.id == Annotation.claim_id)
            .where(Claim.article_id == exclude_article_id)
        )
        query = query.where(
            or_(FactCheck.annotation_id.is_(None), FactCheck.annotation_id.not_in(same_article))
        )
    entries = {entry.id: entry for entry in session.scalars(query)}
    # The index's order stands; the score says how alike the claims are, for the levels.
    matches = [
        Match(entries[entry_id], similarity(words, entries[entry_id]), relevance)
        for entry_id, relevance in found
        if entry_id in entries
    ]
    if shown_only:
        matches = [match for match in matches if match.strength is not None]
    return matches[:limit]
