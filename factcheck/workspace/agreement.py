"""Inter-annotator agreement: Krippendorff's alpha (nominal) and raw pairwise agreement.

Written out here rather than pulled in from a statistics package: it is thirty lines,
and the nominal case is all a verdict scale needs.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations

from sqlalchemy import select
from sqlalchemy.orm import Session

from factcheck.annotations.models import Annotation
from factcheck.annotations.states import SUBMITTED_OR_LATER
from factcheck.articles.models import Article, Claim
from factcheck.users.models import User


def krippendorff_alpha_nominal(units: Iterable[Sequence[Hashable]]) -> float | None:
    """Alpha for nominal data; each unit lists the values its coders gave.

    Units with fewer than two values are not pairable and are ignored. Returns None when
    alpha is undefined (no pairable unit, or every value identical so no disagreement
    could be expected).
    """
    coincidences: Counter[tuple[Hashable, Hashable]] = Counter()
    for values in units:
        m = len(values)
        if m < 2:
            continue
        for i, j in combinations(range(m), 2):
            # Each ordered pair counts 1 / (m - 1) in the coincidence matrix.
            coincidences[(values[i], values[j])] += 1 / (m - 1)
            coincidences[(values[j], values[i])] += 1 / (m - 1)
    totals: Counter[Hashable] = Counter()
    for (c, _k), weight in coincidences.items():
        totals[c] += weight
    n = sum(totals.values())
    if n <= 1:
        return None
    observed = sum(w for (c, k), w in coincidences.items() if c != k)
    expected = sum(totals[c] * totals[k] for c in totals for k in totals if c != k)
    if expected == 0:
        return None
    return 1 - (n - 1) * observed / expected


def pairwise_agreement(units: Iterable[Sequence[Hashable]]) -> float | None:
    """Share of coder pairs, over all units, that gave the same value."""
    agree = total = 0
    for values in units:
        for a, b in combinations(values, 2):
            total += 1
            agree += a == b
    return agree / total if total else None


@dataclass(frozen=True)
class Disagreement:
    claim: Claim
    verdicts: list[tuple[User, int]]


@dataclass(frozen=True)
class AgreementReport:
    claims_compared: int
    alpha: float | None
    percent: float | None
    disagreements: list[Disagreement]


#: Agreement is measured on finished work: the annotator's own verdict, submitted.
_COUNTED = tuple(SUBMITTED_OR_LATER)


def agreement(session: Session, article: Article | None = None) -> AgreementReport:
    """Agreement over claims with two or more submitted annotations (one article or all)."""
    query = (
        select(Annotation.claim_id, Annotation.verdict_id, User)
        .join(User, User.id == Annotation.annotator_id)
        .where(Annotation.state.in_(_COUNTED), Annotation.verdict_id.is_not(None))
        .order_by(Annotation.claim_id, User.name)
    )
    if article is not None:
        query = query.join(Claim, Claim.id == Annotation.claim_id).where(
            Claim.article_id == article.id
        )
    by_claim: dict[int, list[tuple[User, int]]] = defaultdict(list)
    for claim_id, verdict_id, user in session.execute(query):
        by_claim[claim_id].append((user, verdict_id))
    pairable = {claim_id: v for claim_id, v in by_claim.items() if len(v) >= 2}
    units = [[verdict for _, verdict in values] for values in pairable.values()]
    disagreeing = [cid for cid, values in pairable.items() if len({v for _, v in values}) > 1]
    claims = (
        {
            c.id: c
            for c in session.scalars(
                select(Claim)
                .where(Claim.id.in_(disagreeing))
                .order_by(Claim.article_id, Claim.position)
            )
        }
        if disagreeing
        else {}
    )
    return AgreementReport(
        claims_compared=len(units),
        alpha=krippendorff_alpha_nominal(units),
        percent=pairwise_agreement(units),
        disagreements=[Disagreement(claims[cid], pairable[cid]) for cid in claims],
    )
