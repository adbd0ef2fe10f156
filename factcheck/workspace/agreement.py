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
from sqlalchemy.orm import Session, joinedload

from factcheck.annotations.models import Annotation
from factcheck.annotations.states import SUBMITTED_OR_LATER
from factcheck.annotations.tallies import ClaimTally
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

    The claims that two or more people gave a finished verdict come from the claim
    tallies' index, so only their verdicts are read, not every annotation of the
    archive; the disagreements are listed a page at a time, newest claims first
    (those before the claim ``after``)."""
    # An article's disagreements are few and read in its order; the archive's are paged.
    limit = limit or (None if article is not None else DISAGREEMENTS_PER_PAGE)
    counted = (Annotation.state.in_(_COUNTED), Annotation.verdict_id.is_not(None))
    # The claims with two or more finished verdicts, from the claim tallies' index.
    pairable = select(ClaimTally.claim_id).where(ClaimTally.verdicts >= 2)
    if article is not None:
        pairable = pairable.join(Claim, Claim.id == ClaimTally.claim_id).where(
            Claim.article_id == article.id
        )
    by_claim: dict[int, list[tuple[int, int]]] = defaultdict(list)
    rows = session.execute(
        select(Annotation.claim_id, Annotation.annotator_id, Annotation.verdict_id)
        .where(*counted, Annotation.claim_id.in_(pairable))
        .order_by(Annotation.claim_id)
    )
    for claim_id, annotator_id, verdict_id in rows:
        by_claim[claim_id].append((annotator_id, verdict_id))
    units = [[verdict for _, verdict in values] for values in by_claim.values()]
    disagreeing = sorted(
        (cid for cid, values in by_claim.items() if len({v for _, v in values}) > 1),
        reverse=True,
    )
    if after is not None:
        disagreeing_page = [cid for cid in disagreeing if cid < after]
    else:
        disagreeing_page = disagreeing
    more = limit is not None and len(disagreeing_page) > limit
    disagreeing_page = disagreeing_page[:limit]
    claims = {
        claim.id: claim
        for claim in session.scalars(
            select(Claim).options(joinedload(Claim.article)).where(Claim.id.in_(disagreeing_page))
        )
    }
    people = {
        user.id: user
        for user in session.scalars(
            select(User).where(
                User.id.in_({a for cid in disagreeing_page for a, _ in by_claim[cid]})
            )
        )
    }
    return AgreementReport(
        claims_compared=len(units),
        alpha=krippendorff_alpha_nominal(units),
        percent=pairwise_agreement(units),
        disagreements=[
            Disagreement(
                claims[cid],
                sorted(((people[a], v) for a, v in by_claim[cid]), key=lambda pair: pair[0].name),
            )
            for cid in (
                sorted(claims, key=lambda cid: claims[cid].position)
                if article is not None
                else [cid for cid in disagreeing_page if cid in claims]
            )
        ],
        disagreement_count=len(disagreeing),
        next_after=disagreeing_page[-1] if more else None,
    )
