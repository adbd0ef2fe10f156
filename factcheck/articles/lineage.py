"""What revisions did to a claim: read by the annotation form, the review and the exports."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from factcheck.articles.models import ArticleRevision, Claim, ClaimLink

#: Outcomes after which a claim's sentence reads differently from what was annotated.
TEXT_CHANGING = ("changed",)


def text_change_since(session: Session, claim: Claim, revision: int) -> ClaimLink | None:
    """The latest link of a revision after ``revision`` that edited ``claim``'s sentence
    in place (its annotations moved with it onto a different text), if any."""
    return session.scalar(
        select(ClaimLink)
        .join(ArticleRevision, ArticleRevision.id == ClaimLink.revision_id)
        .where(
            ClaimLink.claim_id == claim.id,
            ClaimLink.successor_id == claim.id,
            ClaimLink.outcome.in_(TEXT_CHANGING),
            ArticleRevision.number > revision,
        )
        .order_by(ArticleRevision.number.desc())
        .limit(1)
    )


def removal_of(session: Session, claim: Claim) -> ClaimLink | None:
    """The link that took ``claim`` out of the article's text (None while it is in it)."""
    if claim.removed_in is None:
        return None
    return session.scalar(
        select(ClaimLink)
        .join(ArticleRevision, ArticleRevision.id == ClaimLink.revision_id)
        .where(
            ClaimLink.claim_id == claim.id,
            ArticleRevision.article_id == claim.article_id,
            ArticleRevision.number == claim.removed_in,
        )
        .limit(1)
    )
