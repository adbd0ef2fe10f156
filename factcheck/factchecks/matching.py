"""Matching a claim against the library: "has this been checked before?"

Two first stages find the candidates: the database's full-text index (the entries
sharing the claim's rarest telling words: BM25 on SQLite, ``ts_rank`` on PostgreSQL)
and the sentence vectors' nearest neighbours (the entries that say the same thing in
other words; see ``vectors.py``). A trained reranker (``ranking.py``) orders their
union by the probability that an entry checks the same claim. Twins -- entries whose
claims differ only in case and punctuation -- collapse onto the earliest. Every way
in -- the claim panel, the API, ``flask factchecks match`` and the training -- calls
:func:`rank_candidates`.

The reranker was trained on English claims against an English library, and its
probability is far too low for a claim in another language than the entry (the
translation of an entry scores 0.002 to 0.7). Such a match is shown by a rule of its
own: see :data:`CROSS_LANGUAGE_GAP`.
"""

from __future__ import annotations

import enum
import re
from collections import Counter, OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from itertools import chain, islice
from pathlib import Path
from threading import Lock

import flask
import numpy as np
from sqlalchemy import ColumnElement, column, exists, func, literal_column, or_, select, table, true
from sqlalchemy.orm import Session, aliased

from factcheck.annotations.models import Annotation
from factcheck.annotations.visibility import visible_to
from factcheck.articles.language import detect_language
from factcheck.articles.models import Claim
from factcheck.factchecks.models import FactCheck, LibraryStats
from factcheck.factchecks.ranking import Candidate, Query, features, shipped_reranker
from factcheck.factchecks.stats import STATS_ID, Collection, collection
from factcheck.factchecks.terms import (
    arabic_name_keys,
    arabic_words,
    clean,
    latin_name_keys,
    names,
    numbers,
    sentence_starts,
    spelling_fit,
    terms,
)
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
#: A claim in another language than the entry that ranks first is shown as a suggestion
#: (whatever its probability) when the ranking model puts it at least this far (in
#: log-odds) above the next entry. The sameness probability reads how much the two texts
#: share -- words, names, sentence vectors of an English-only encoder -- and a
#: translation shares little of that, so it stays low even when right; what does mark a
#: right translation is that one entry stands clearly apart from all the others (the
#: names, numbers and cognates it shares are shared by no other entry). On
#: ``bench/claim_matching_crosslingual.py`` (60 news claims in es/de/fr/ar) the panel
#: then shows the right entry for 29 of the 60 (7 without the rule), and something for
#: 4 of the 60 once their entry is withdrawn (1 without); ``claim_matching_study.md``
#: has the other gaps tried. One parameter, chosen where the false shows stop falling
#: faster than the right ones. Never applied to a claim in the entry's own language:
#: those keep the reranker's levels, English claims against the English library too.
CROSS_LANGUAGE_GAP = 3.0


@dataclass(frozen=True)
class Match:
    factcheck: FactCheck
    #: The reranker's probability (0 to 1) that the entry checks the same claim.
    score: float
    #: What the matches are ordered by (higher first): the ranking model's score.
    order: float = 0.0
    #: In another language than the claim, and shown as a suggestion by the
    #: cross-language rule (:data:`CROSS_LANGUAGE_GAP`), not by its probability, which
    #: is too low to say how likely such a match is.
    across_languages: bool = False

    @property
    def strength(self) -> Strength | None:
        if self.score >= STRONG_SCORE:
            return Strength.STRONG
        if self.score >= SUGGESTION_SCORE or self.across_languages:
            return Strength.SUGGESTION
        return None


_VECTOR_CACHE: OrderedDict[str, np.ndarray] = OrderedDict()
_VECTOR_CACHE_SIZE = 4_096
_VECTOR_CACHE_LOCK = Lock()


def text_vector(text: str) -> np.ndarray:
    """The sentence vector of a (cleaned) text; recent ones are remembered, since a
    claim panel asks again for the same claim."""
    return vectors_of([text])[0]


def remember_vectors(texts: list[str], vectors: np.ndarray) -> None:
    """Put vectors encoded in a batch where :func:`text_vector` finds them."""
    with _VECTOR_CACHE_LOCK:
        for text, vector in zip(texts, vectors, strict=True):
            _VECTOR_CACHE[text] = vector
            _VECTOR_CACHE.move_to_end(text)
        while len(_VECTOR_CACHE) > _VECTOR_CACHE_SIZE:
            _VECTOR_CACHE.popitem(last=False)


def vectors_of(texts: Sequence[str]) -> np.ndarray:
    """The sentence vectors of these (cleaned) texts, one row each: those remembered
    from the cache, the rest encoded in one batch and remembered. The worker matches
    the same recent claims again each time the library grows."""
    with _VECTOR_CACHE_LOCK:
        found = {text: _VECTOR_CACHE[text] for text in texts if text in _VECTOR_CACHE}
        for text in found:
            _VECTOR_CACHE.move_to_end(text)
    missing = [text for text in dict.fromkeys(texts) if text not in found]
    if missing:
        encoded = encode_texts(missing)
        remember_vectors(missing, encoded)
        found.update(zip(missing, encoded, strict=True))
    return np.stack([found[text] for text in texts])


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


#: An Arabic word is taken for the library's names it spells best (at most this many,
#: within :data:`SPELLING_MARGIN` of the best and :data:`SPELLING_DISTANCE` of the word:
#: see ``terms.spelling_fit``); further ones are common words that happen to share
#: a name's consonants.
SPELLINGS_PER_WORD = 3
SPELLING_MARGIN = 0.1
SPELLING_DISTANCE = 0.21


class NameKeys:
    """The names of one database's library (capitalised words inside its claims and
    headlines), by their transliteration keys: how a name written in Arabic script is
    found in an English library ("ترامب" -> "trump"). Held by each process and caught
    up with the entries added (or encoded again) since it last looked, as the vector
    index is; it only proposes spellings, which the full-text index then looks up."""

    def __init__(self) -> None:
        self._lock = Lock()
        self._by_key: dict[str, set[str]] = {}
        #: How often each word is capitalised inside a claim, and how often it is not:
        #: a name is a word more often capitalised ("Obama", "Apple"); a word of a
        #: headline in title case, or the first of a quotation, is not.
        self._capitalised: Counter[str] = Counter()
        self._lower: Counter[str] = Counter()
        self._first: Counter[str] = Counter()
        self._seen_id = 0
        self._seen_seq = 0

    def catch_up(self, session: Session) -> None:
        highest_id, highest_seq = session.execute(
            select(func.max(FactCheck.id), func.max(FactCheck.vector_seq))
        ).one()
        highest_id, highest_seq = highest_id or 0, highest_seq or 0
        if highest_id == self._seen_id and highest_seq == self._seen_seq:
            return
        with self._lock:
            if highest_id < self._seen_id or highest_seq < self._seen_seq:
                # The library lost entries (a database restored or emptied): start again.
                self._by_key.clear()
                self._capitalised.clear()
                self._lower.clear()
                self._first.clear()
                self._seen_id = self._seen_seq = 0
            rows = session.scalars(
                select(FactCheck.claim).where(
                    or_(FactCheck.id > self._seen_id, FactCheck.vector_seq > self._seen_seq)
                )
            )
            # Uncached: a scan of the library would push out the entries a match reads.
            inside = names.__wrapped__
            for claim in rows:
                found = inside(claim)
                first = sentence_starts(claim) - found
                self._capitalised.update(found)
                self._first.update(first)
                self._lower.update(_LOWER_WORD.findall(claim))
                for name in found | first:
                    for key in latin_name_keys(name):
                        self._by_key.setdefault(key, set()).add(name)
            self._seen_id, self._seen_seq = highest_id, highest_seq

    def _is_name(self, word: str) -> bool:
        # A capital at a sentence's start says less: "Video", "Photograph" start many
        # claims and are written in lower case in others.
        return self._capitalised[word] + self._first[word] / 4 > 2 * self._lower[word]

    def spellings(self, word: str) -> list[str]:
        """The library's names that the Arabic word may render, the likeliest first."""
        found: set[str] = set()
        for key in arabic_name_keys(word):
            found |= self._by_key.get(key, set())
        scored = sorted((spelling_fit(word, name), name) for name in found if self._is_name(name))
        if not scored:
            return []
        best = scored[0][0][0]
        return [
            name
            for (score, distance), name in scored[:SPELLINGS_PER_WORD]
            if score <= best + SPELLING_MARGIN and distance <= SPELLING_DISTANCE
        ]


_LOWER_WORD = re.compile(r"\b[a-z]+\b")
_NAME_KEYS: dict[tuple[str, str], NameKeys] = {}
_NAME_KEYS_LOCK = Lock()


def transliterated_names(session: Session, text: str) -> dict[str, list[str]]:
    """The library's Latin-script names that each Arabic-script word of ``text`` may
    render ("أوباما" -> ["obama"]), for the words that may render one; empty for a text
    without Arabic script (at no cost)."""
    words = arabic_words(text)
    if not words:
        return {}
    # Per database and library, as the vector index: a library emptied and filled again
    # (a test rolled back, a database restored) has a new token.
    stats = session.scalars(select(LibraryStats).where(LibraryStats.id == STATS_ID)).first()
    where = (str(session.get_bind().engine.url), stats.token if stats is not None else "")
    with _NAME_KEYS_LOCK:
        index = _NAME_KEYS.setdefault(where, NameKeys())
    index.catch_up(session)
    return {word: spelled for word in words if (spelled := index.spellings(word))}


_TEXT_WORD = re.compile(r"[^\W_]+")


def _in_latin_script(text: str, spelled: dict[str, list[str]]) -> str:
    """``text`` with its Arabic-script words replaced by the names they may render and
    dropped where they render none: what the English-only sentence encoder can read
    of an Arabic text ("... في هاواي ... أوباما." -> "... Hawaii ... Obama.")."""

    def replace(found: re.Match[str]) -> str:
        word = found.group(0)
        if word in spelled:
            return " ".join(name.capitalize() for name in spelled[word])
        return "" if arabic_words(word) else word

    return " ".join(_TEXT_WORD.sub(replace, text).split())


def forget_name_keys() -> None:
    """Drop every process-held name index (tests that recreate a database)."""
    with _NAME_KEYS_LOCK:
        _NAME_KEYS.clear()


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
    # A claim in Arabic script shares no word with an English library, but often names
    # its people and places: their Latin spellings join the query's terms and names.
    # (Not for a text mostly in other scripts: an English tweet quoting a few Arabic
    # words is matched as English.)
    written = len(query_terms)
    mostly_arabic = 2 * len(arabic_words(cleaned)) > written
    spelled = transliterated_names(session, cleaned) if mostly_arabic else {}
    spelled_names = {name for names_of_word in spelled.values() for name in names_of_word}
    if spelled:
        query_terms = query_terms + terms(" ".join(sorted(spelled_names)))
    library = collection(session, query_terms)
    if not library.entries:
        # An empty library: nothing to find, and no sentence to encode.
        return Ranked([], np.zeros((0, 0)), library)
    # The encoder reads English only: of a text mostly in Arabic script it reads the
    # names found in it (and its numbers and Latin-script words).
    readable = _in_latin_script(cleaned, spelled) if spelled else ""
    vector = text_vector(readable or cleaned)
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
    query = Query(query_terms, numbers(cleaned), names(cleaned) | spelled_names, vector)
    candidates = [candidate(entry) for entry in entries]
    return Ranked(entries, features(query, candidates, library), library, query, candidates)


def _language_of(entry: FactCheck) -> str:
    """The entry's language as its importer stated it ("es", "en-GB" -> "en"), else as
    detected from its claim (the shared library states none)."""
    stated = entry.language.strip().lower().replace("_", "-").split("-")[0]
    if 2 <= len(stated) <= 3 and stated.isalpha():
        return stated
    return detect_language(entry.claim, entry.headline)


def _shown_across_languages(text: str, first: Match, runner_up: Match | None) -> bool:
    """Whether ``first``, the best match of ``text``, is shown by the cross-language
    rule: not shown on its own probability, at least :data:`CROSS_LANGUAGE_GAP` above
    the next entry, and in another language than ``text``. (Languages are detected
    last, and only then: most claims fail the cheaper tests first.)"""
    if first.strength is not None or runner_up is None:
        # No runner-up, no contrast to read (a library of a single entry).
        return False
    if first.order - runner_up.order < CROSS_LANGUAGE_GAP:
        return False
    return detect_language(clean(text), "") != _language_of(first.factcheck)


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

    def distinct() -> Iterator[Match]:
        """The matches in order, each claim once (lazily: a twin's earliest entry is
        read only when reached)."""
        shown: set[int] = set()
        for i in order:
            entry = ranked.entries[i]
            first = earliest.get(entry.claim_key, entry.id)
            if first in shown:
                continue
            shown.add(first)
            if first != entry.id:
                entry = session.get(FactCheck, first) or entry
            yield Match(entry, float(scores[i]), float(order_scores[i]))

    found = distinct()
    # The first match and its runner-up: what the cross-language rule compares.
    head = list(islice(found, 2))
    if _shown_across_languages(text, head[0], head[1] if len(head) > 1 else None):
        head[0] = replace(head[0], across_languages=True)
    matches: list[Match] = []
    for match in chain(head, found):
        if shown_only and match.strength is None:
            continue
        matches.append(match)
        if len(matches) >= limit:
            break
    return matches
