"""Ordering a claim's candidate matches: 29 features and a logistic regression.

The candidates (the library entries sharing the query's rarest words, and those
nearest in meaning) are described by what each first stage saw -- BM25 over the
claim, the headline and both, the sentence vectors' cosines -- each as a value, its
gap to the best candidate's and its rank among the candidates, plus the words,
numbers and names the two share. A logistic regression trained on the CheckThat!
2020 training tweets (``flask factchecks train``, shipped as ``reranker.json``) turns
them into the probability that the entry checks the same claim: that probability
orders the matches and says how strong each is.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np

from factcheck.factchecks.stats import Collection

MODEL_PATH = Path(__file__).with_name("reranker.json")
#: Matches a reader is shown at most: the sameness model learns from these.
SHOWN = 5
#: BM25's usual constants; the model was trained with them.
K1 = 1.2
B = 0.75

FEATURES = (
    *(
        f"bm25_{field_name}_{kind}"
        for field_name in ("joint", "claim", "headline")
        for kind in ("rel", "gap", "lrank")
    ),
    *(
        f"cos_{field_name}_{kind}"
        for field_name in ("claim", "headline", "max")
        for kind in ("raw", "gap", "lrank")
    ),
    "share_of_query",
    "share_of_entry",
    "idf_coverage",
    "jaccard",
    "numbers_shared",
    "numbers_missing",
    "names_shared",
    "names_found",
    "query_length",
    "claim_length",
    "query_has_number",
)


@dataclass
class Query:
    """What matching knows of the text it matches."""

    terms: list[str]
    numbers: frozenset[str]
    names: frozenset[str]
    #: The sentence vector (unit length), or None where the text has none yet.
    vector: np.ndarray | None


@dataclass
class Candidate:
    """A library entry as the features read it."""

    entry_id: int
    claim_terms: list[str]
    headline_terms: list[str]
    numbers: frozenset[str]
    names: frozenset[str]
    claim_vector: np.ndarray | None
    headline_vector: np.ndarray | None
    #: Filled by :func:`features`.
    values: list[float] = field(default_factory=list)


def _bm25(query: set[str], document: list[str], average: float, library: Collection) -> float:
    if not document or not query:
        return 0.0
    counts = Counter(document)
    length_norm = K1 * (1 - B + B * len(document) / average)
    score = 0.0
    for term in query:
        frequency = counts.get(term)
        if not frequency:
            continue
        df = library.frequency.get(term, 0)
        idf = math.log(1 + (library.entries - df + 0.5) / (df + 0.5))
        score += idf * frequency * (K1 + 1) / (frequency + length_norm)
    return score


def _relative(values: Sequence[float]) -> list[tuple[float, float, float]]:
    """(value / best, value - best, log(1 + rank)) for each value (rank 0 is best)."""
    best = max(values, default=0.0)
    order = sorted(range(len(values)), key=lambda i: -values[i])
    ranks = [0] * len(values)
    for rank, i in enumerate(order):
        ranks[i] = rank
    return [
        (value / best if best > 0 else 0.0, value - best, math.log1p(rank))
        for value, rank in zip(values, ranks, strict=True)
    ]


def features(query: Query, candidates: list[Candidate], library: Collection) -> np.ndarray:
    """One row of :data:`FEATURES` per candidate."""
    if not candidates:
        return np.zeros((0, len(FEATURES)), dtype=np.float64)
    wanted = set(query.terms)
    idf = {
        term: math.log(
            1
            + (library.entries - library.frequency.get(term, 0) + 0.5)
            / (library.frequency.get(term, 0) + 0.5)
        )
        for term in wanted
    }
    columns: list[list[tuple[float, float, float]]] = []
    bm25_joint, bm25_claim, bm25_headline = [], [], []
    for candidate in candidates:
        headline = candidate.headline_terms or candidate.claim_terms
        bm25_joint.append(
            _bm25(
                wanted,
                candidate.claim_terms + candidate.headline_terms,
                library.average_claim + library.average_headline,
                library,
            )
        )
        bm25_claim.append(_bm25(wanted, candidate.claim_terms, library.average_claim, library))
        bm25_headline.append(_bm25(wanted, headline, library.average_headline, library))
    columns += [_relative(bm25_joint), _relative(bm25_claim), _relative(bm25_headline)]
    cos_claim, cos_headline = [], []
    for candidate in candidates:
        if query.vector is None or candidate.claim_vector is None:
            cos_claim.append(0.0)
            cos_headline.append(0.0)
            continue
        claim_cos = float(query.vector @ candidate.claim_vector)
        cos_claim.append(claim_cos)
        cos_headline.append(
            float(query.vector @ candidate.headline_vector)
            if candidate.headline_vector is not None
            else claim_cos
        )
    cos_max = [max(a, b) for a, b in zip(cos_claim, cos_headline, strict=True)]
    for values in (cos_claim, cos_headline, cos_max):
        best = max(values)
        ranked = _relative(values)
        columns.append(
            [
                (value, value - best, lrank)
                for value, (_, _, lrank) in zip(values, ranked, strict=True)
            ]
        )
    all_idf = sum(idf.values()) or 1.0
    rows = []
    for index, candidate in enumerate(candidates):
        row: list[float] = []
        for column in columns:
            row.extend(column[index])
        entry_terms = set(candidate.claim_terms) | set(candidate.headline_terms)
        shared = wanted & entry_terms
        row += [
            len(shared) / len(wanted) if wanted else 0.0,
            len(shared) / len(entry_terms) if entry_terms else 0.0,
            sum(idf[term] for term in shared) / all_idf,
            len(shared) / len(wanted | entry_terms) if wanted | entry_terms else 0.0,
            float(len(query.numbers & candidate.numbers)),
            len(candidate.numbers - query.numbers) / len(candidate.numbers)
            if candidate.numbers
            else 0.0,
            float(len(query.names & candidate.names)),
            len(candidate.names & query.names) / len(candidate.names) if candidate.names else 0.0,
            math.log1p(len(query.terms)),
            math.log1p(len(candidate.claim_terms)),
            1.0 if query.numbers else 0.0,
        ]
        rows.append(row)
    return np.asarray(rows, dtype=np.float64)


#: The features that describe the pair alone, not its place among the candidates: what
#: says how likely an entry checks the same claim whatever else the library holds.
ABSOLUTE = tuple(
    i
    for i, name in enumerate(FEATURES)
    if not name.startswith("bm25_") and not name.endswith(("_gap", "_lrank"))
)


def _logistic(x: np.ndarray, y: np.ndarray, c: float) -> np.ndarray:
    """L2-regularised logistic regression (last column the unpenalised intercept), by
    Newton's method: a few dozen features and 100,000 rows converge in a few steps,
    deterministically."""
    penalty = np.full(x.shape[1], 1.0 / c)
    penalty[-1] = 0.0
    beta = np.zeros(x.shape[1])
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-(x @ beta)))
        gradient = x.T @ (p - y) + penalty * beta
        hessian = (x * (p * (1 - p))[:, None]).T @ x + np.diag(penalty)
        step = np.linalg.solve(hessian + 1e-9 * np.eye(len(beta)), gradient)
        beta -= step
        if np.abs(step).max() < 1e-10:
            break
    return beta


@dataclass(frozen=True)
class Reranker:
    """Two logistic regressions over standardised features.

    The *ranking* one reads every feature and orders a query's candidates (trained on
    queries whose fact-check is in the library: which candidate is it?). The
    *sameness* one reads only the :data:`ABSOLUTE` features and gives the probability
    that an entry checks the same claim (trained also on the same queries against
    libraries without their fact-check): it sets the match's level, so that a second
    publisher's check of the same claim is strong too, and the best entry of a library
    on other subjects is not.
    """

    means: np.ndarray
    scales: np.ndarray
    weights: np.ndarray
    intercept: float
    same_weights: np.ndarray
    same_intercept: float

    def _standard(self, rows: np.ndarray) -> np.ndarray:
        return (rows - self.means) / self.scales

    def order_scores(self, rows: np.ndarray) -> np.ndarray:
        """Higher first: the order of a query's candidates."""
        if not len(rows):
            return np.zeros(0)
        return self._standard(rows) @ self.weights + self.intercept

    def probabilities(self, rows: np.ndarray) -> np.ndarray:
        """The probability that each candidate checks the same claim."""
        if not len(rows):
            return np.zeros(0)
        z = self._standard(rows) @ self.same_weights + self.same_intercept
        return 1.0 / (1.0 + np.exp(-z))

    def to_json(self) -> str:
        return json.dumps(
            {
                "features": list(FEATURES),
                "means": self.means.round(8).tolist(),
                "scales": self.scales.round(8).tolist(),
                "weights": self.weights.round(8).tolist(),
                "intercept": round(self.intercept, 8),
                "same_weights": self.same_weights.round(8).tolist(),
                "same_intercept": round(self.same_intercept, 8),
            },
            indent=1,
        )

    @classmethod
    def from_json(cls, text: str) -> Reranker:
        data = json.loads(text)
        if list(data["features"]) != list(FEATURES):
            raise ValueError("The reranker was trained on other features: train it again.")
        return cls(
            np.asarray(data["means"], dtype=np.float64),
            np.asarray(data["scales"], dtype=np.float64),
            np.asarray(data["weights"], dtype=np.float64),
            float(data["intercept"]),
            np.asarray(data["same_weights"], dtype=np.float64),
            float(data["same_intercept"]),
        )

    @classmethod
    def fit(
        cls,
        rows: np.ndarray,
        labels: np.ndarray,
        judged: np.ndarray,
        groups: np.ndarray,
        *,
        c: float = 0.1,
    ) -> Reranker:
        """:param judged: True for the rows of queries as judged (the ranking model's);
            False for the rows of the same queries against libraries without their match.
        :param groups: which candidate set each row belongs to.

        The sameness model learns from what a reader is shown: the top
        :data:`SHOWN` candidates of each set by the ranking model.
        """
        means = rows.mean(axis=0)
        scales = rows.std(axis=0)
        scales[scales == 0] = 1.0
        x = np.hstack([(rows - means) / scales, np.ones((len(rows), 1))])
        y = labels.astype(np.float64)
        ranking = _logistic(x[judged], y[judged], c)
        order = x @ ranking
        shown = np.zeros(len(rows), dtype=bool)
        for group in np.unique(groups):
            members = np.flatnonzero(groups == group)
            shown[members[np.argsort(-order[members], kind="stable")[:SHOWN]]] = True
        columns = [*ABSOLUTE, x.shape[1] - 1]
        same = np.zeros(x.shape[1])
        same[columns] = _logistic(x[shown][:, columns], y[shown], c)
        return cls(means, scales, ranking[:-1], float(ranking[-1]), same[:-1], float(same[-1]))


@cache
def shipped_reranker() -> Reranker:
    """The model in the repository (``flask factchecks train`` writes it)."""
    return Reranker.from_json(MODEL_PATH.read_text(encoding="utf-8"))
