"""Inter-annotator agreement: Krippendorff's alpha (nominal) and raw pairwise agreement.

Written out here rather than pulled in from a statistics package: it is thirty lines,
and the nominal case is all a verdict scale needs.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from factcheck.annotations.models import Annotation
from factcheck.annotations.states import SUBMITTED_OR_LATER
from factcheck.annotations.tallies import AgreementTally, ClaimTally
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
    return alpha_from_coincidences(coincidences)


def alpha_from_coincidences(
    coincidences: Mapping[tuple[Hashable, Hashable], float],
) -> float | None:
    """Nominal alpha from its coincidence matrix (ordered value pairs, each pair within a
    unit of m values weighing 1 / (m - 1)); None where alpha is undefined."""
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
    #: The disagreements on this page, newest claims first.
    disagreements: list[Disagreement]
    #: Every disagreement, counted.
    disagreement_count: int = 0
    #: The claim id to continue after for older disagreements; None on the last page.
    next_after: int | None = None


#: Agreement is measured on finished work: the annotator's own verdict, submitted.
_COUNTED = tuple(SUBMITTED_OR_LATER)
#: Disagreements listed on one page.
DISAGREEMENTS_PER_PAGE = 50


def agreement(
    session: Session,
    article: Article | None = None,
    *,
    after: int | None = None,
    limit: int | None = None,
) -> AgreementReport:
    """Agreement over claims with two or more submitted annotations (one article or all).

    An article's figures are worked out from its verdicts. The archive's come from the
    agreement tallies (a few hundred rows whatever its size), and its disagreements are
    listed a page at a time, newest claims first (those before the claim ``after``),
    from the claim tallies' index of disagreeing claims."""
    if article is not None:
        return _article_agreement(session, article)
    limit = limit or DISAGREEMENTS_PER_PAGE
    coincidences: Counter[tuple[int, int]] = Counter()
    compared = agree = pairs = 0.0
    for size, a, b, count in session.execute(
        select(
            AgreementTally.unit_size,
            AgreementTally.verdict_a,
            AgreementTally.verdict_b,
            AgreementTally.pairs,
        ).where(AgreementTally.pairs != 0)
    ):
        coincidences[(a, b)] += count / (size - 1)
        compared += count / (size * (size - 1))
        pairs += count
        agree += count if a == b else 0
    disagreeing = select(ClaimTally.claim_id).where(ClaimTally.disagrees.is_(True))
    disagreement_count = session.scalar(select(func.count()).select_from(disagreeing.subquery()))
    if after is not None:
        disagreeing = disagreeing.where(ClaimTally.claim_id < after)
    page = list(session.scalars(disagreeing.order_by(ClaimTally.claim_id.desc()).limit(limit + 1)))
    more = len(page) > limit
    page = page[:limit]
    by_claim = _finished_verdicts(session, Annotation.claim_id.in_(page))
    return AgreementReport(
        claims_compared=round(compared),
        alpha=alpha_from_coincidences(coincidences),
        percent=agree / pairs if pairs else None,
        disagreements=_disagreements(session, page, by_claim),
        disagreement_count=disagreement_count or 0,
        next_after=page[-1] if more else None,
    )


def _finished_verdicts(session: Session, *where: Any) -> dict[int, list[tuple[int, int]]]:
    """(annotator, verdict) of the finished annotations that match, by claim."""
    by_claim: dict[int, list[tuple[int, int]]] = defaultdict(list)
    rows = session.execute(
        select(Annotation.claim_id, Annotation.annotator_id, Annotation.verdict_id)
        .where(Annotation.state.in_(_COUNTED), Annotation.verdict_id.is_not(None), *where)
        .order_by(Annotation.claim_id)
    )
    for claim_id, annotator_id, verdict_id in rows:
        by_claim[claim_id].append((annotator_id, verdict_id))
    return by_claim


def _disagreements(
    session: Session, claim_ids: list[int], by_claim: dict[int, list[tuple[int, int]]]
) -> list[Disagreement]:
    """The claims ``claim_ids``, in that order, with who gave which verdict."""
    claims = {
        claim.id: claim
        for claim in session.scalars(
            select(Claim).options(joinedload(Claim.article)).where(Claim.id.in_(claim_ids))
        )
    }
    people = {
        user.id: user
        for user in session.scalars(
            select(User).where(User.id.in_({a for cid in claim_ids for a, _ in by_claim[cid]}))
        )
    }
    return [
        Disagreement(
            claims[cid],
            sorted(((people[a], v) for a, v in by_claim[cid]), key=lambda pair: pair[0].name),
        )
        for cid in claim_ids
        if cid in claims
    ]


def _article_agreement(session: Session, article: Article) -> AgreementReport:
    """One article's figures and every disagreement, in the article's order."""
    pairable = (
        select(ClaimTally.claim_id)
        .join(Claim, Claim.id == ClaimTally.claim_id)
        .where(ClaimTally.verdicts >= 2, Claim.article_id == article.id)
    )
    by_claim = _finished_verdicts(session, Annotation.claim_id.in_(pairable))
    units = [[verdict for _, verdict in values] for values in by_claim.values()]
    disagreeing = [cid for cid, values in by_claim.items() if len({v for _, v in values}) > 1]
    disagreements = _disagreements(session, disagreeing, by_claim)
    disagreements.sort(key=lambda disagreement: disagreement.claim.position)
    return AgreementReport(
        claims_compared=len(units),
        alpha=krippendorff_alpha_nominal(units),
        percent=pairwise_agreement(units),
        disagreements=disagreements,
        disagreement_count=len(disagreeing),
    )
