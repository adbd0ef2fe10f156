"""Training the reranker on judged queries (``flask factchecks train``).

The rows come from :func:`factcheck.factchecks.matching.rank_candidates`, the code
path every match takes, so what the model learns is what it will be shown. The
shipped ``reranker.json`` was trained on the CheckThat! 2020 training tweets
(``shared/claim-matching/train``) against the 10,375 Snopes fact-checks; ``make
reranker`` does it again from nothing.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np
from flask_babel import gettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from factcheck.factchecks.matching import candidate, rank_candidates
from factcheck.factchecks.models import FactCheck
from factcheck.factchecks.ranking import Candidate, Reranker, features


def read_queries(path: Path) -> list[tuple[str, str]]:
    """A CheckThat! query file: a header row, then ``id<TAB>text``."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle, delimiter="\t"))
    return [(row[0].strip(), row[1]) for row in rows[1:] if len(row) >= 2 and row[0].strip()]


def read_qrels(path: Path) -> dict[str, set[str]]:
    """TREC judgements: ``query_id 0 external_id relevance``; the relevant ones."""
    relevant: dict[str, set[str]] = defaultdict(set)
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 4 and parts[3] != "0":
            relevant[parts[0]].add(parts[2])
    return dict(relevant)


RANDOM_ENTRIES = 10


def _random_entries(
    session: Session, random: np.random.Generator, leave_out: set[str]
) -> list[Candidate]:
    highest = session.scalar(select(func.max(FactCheck.id))) or 0
    if not highest:
        return []
    ids = sorted({int(i) for i in random.integers(1, highest + 1, size=RANDOM_ENTRIES)})
    entries = session.scalars(select(FactCheck).where(FactCheck.id.in_(ids))).all()
    return [candidate(entry) for entry in entries if entry.claim_key not in leave_out]


def training_rows(
    session: Session,
    queries: list[tuple[str, str]],
    relevant: Mapping[str, set[str]],
    progress: Callable[[int], None] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One row per (judged query, candidate), label 1 where the judgements name it;
    then rows of the same queries against libraries without their match (all 0). The
    third array tells the first kind (True) from the second; the fourth numbers the
    candidate sets (one per query and library)."""
    rows: list[np.ndarray] = []
    labels: list[np.ndarray] = []
    judged: list[np.ndarray] = []
    groups: list[np.ndarray] = []
    # Seeded: training twice on the same data gives the same model.
    random = np.random.default_rng(2020)
    for query_id, text in queries:
        if query_id in relevant:
            ranked = rank_candidates(session, text)
            hits = [entry.external_id in relevant[query_id] for entry in ranked.entries]
            if ranked.entries:
                rows.append(ranked.rows)
                labels.append(np.array(hits, dtype=np.float64))
                judged.append(np.ones(len(hits), dtype=bool))
                groups.append(np.full(len(hits), len(groups)))
            if any(hits) and ranked.query is not None:
                # The same query against a library without its fact-check (nor that
                # one's twins): the best candidate left is not a match. Without these
                # the model only learns which candidate is best, and calls the best of
                # a small or unrelated library a strong match.
                keys = {e.claim_key for e, hit in zip(ranked.entries, hits, strict=True) if hit}
                others = [
                    candidate
                    for entry, candidate in zip(ranked.entries, ranked.candidates, strict=True)
                    if entry.claim_key not in keys
                ]
                if others:
                    rows.append(features(ranked.query, others, ranked.library))
                    labels.append(np.zeros(len(others)))
                    judged.append(np.zeros(len(others), dtype=bool))
                    groups.append(np.full(len(others), len(groups)))
                # And against a few entries picked at random: a small library, or one on
                # other subjects, where nothing shares the query's words or meaning.
                picked = _random_entries(session, random, keys)
                if picked:
                    rows.append(features(ranked.query, picked, ranked.library))
                    labels.append(np.zeros(len(picked)))
                    judged.append(np.zeros(len(picked), dtype=bool))
                    groups.append(np.full(len(picked), len(groups)))
        if progress is not None:
            progress(1)
    if not rows:
        raise ValueError(
            gettext("No judged query has a candidate in the library: import it first.")
        )
    return (
        np.vstack(rows),
        np.concatenate(labels),
        np.concatenate(judged),
        np.concatenate(groups),
    )


def train(
    session: Session,
    queries: list[tuple[str, str]],
    relevant: Mapping[str, set[str]],
    progress: Callable[[int], None] | None = None,
) -> Reranker:
    rows, labels, judged, groups = training_rows(session, queries, relevant, progress)
    if labels.min() == labels.max():
        raise ValueError(
            gettext("The judgements name no candidate (or every one): nothing to learn.")
        )
    return Reranker.fit(rows, labels, judged, groups)
