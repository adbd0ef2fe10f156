"""JSON Lines archive of a whole project, and restoring one from it.

Format (one JSON object per line, ``type`` first):

- ``meta``: ``format`` = ``factcheck-jsonl``, ``version`` = 1 (no time stamp, so two
  exports of the same data are byte-identical);
- ``verdict``: the scale, by ``key``;
- ``user``: everyone referenced, by ``email`` (no password hashes leave the system);
- ``article`` with its ``body`` (the current text, number ``revision``); ``claim`` with
  offsets into it;
- for an article revised after import: ``revision``, every text it had (the current one
  too); ``removed_claim``, a claim a revision took out of the text, with offsets into
  revision ``removed_in - 1``; ``claim_link``, what revision ``revision`` made of each
  claim of the text before it;
- ``annotation`` with its ``sources`` and ``reviews``, people by email, verdict by key.

Ids are the exporting database's; a restore (``factcheck/restore/``) maps them to new
ones and keeps the times. Re-exporting a restored archive therefore differs only in
``id``, ``article_id`` and ``claim_id`` values.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from factcheck.annotations.models import Annotation
from factcheck.articles.models import Article, Claim, ClaimLink
from factcheck.exports.filters import ExportFilters
from factcheck.review.models import Review
from factcheck.users.models import User
from factcheck.verdicts.models import Verdict

FORMAT, VERSION = "factcheck-jsonl", 1


def _line(record_: dict[str, Any]) -> str:
    return json.dumps(record_, ensure_ascii=False, sort_keys=False, separators=(",", ":")) + "\n"


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def export_lines(session: Session, filters: ExportFilters) -> Iterator[str]:
    """Every matching article with its claims and annotations, as JSON lines."""
    yield _line({"type": "meta", "format": FORMAT, "version": VERSION})
    for verdict in session.scalars(select(Verdict).order_by(Verdict.sort_order, Verdict.id)):
        yield _line(
            {
                "type": "verdict",
                "key": verdict.key,
                "label": verdict.label,
                "description": verdict.description,
                "rating": verdict.rating,
                "colour": verdict.colour,
                "sort_order": verdict.sort_order,
                "active": verdict.active,
            }
        )
    for user in session.scalars(select(User).order_by(User.email)):
        yield _line(
            {"type": "user", "email": user.email, "name": user.name, "role": user.role.value}
        )
    articles = select(Article.id).order_by(Article.id)
    if filters.article_id is not None:
        articles = articles.where(Article.id == filters.article_id)
    annotation_filters = replace(filters, article_id=None)  # articles are chosen above
    for article_id in session.scalars(articles).all():
        article = session.get(Article, article_id)
        assert article is not None
        yield _line(
            {
                "type": "article",
                "id": article.id,
                "title": article.title,
                "outlet": article.outlet,
                "url": article.url,
                "byline": article.byline,
                "published_on": _iso(article.published_on),
                "language": article.language,
                "body_sha256": article.body_sha256,
                "imported_by": article.imported_by.email if article.imported_by else None,
                "imported_at": _iso(article.imported_at),
                "revision": article.revision,
                "revised_at": _iso(article.revised_at),
                "body": article.body,
            }
        )
        for claim in article.claims:
            yield _line(
                {
                    "type": "claim",
                    "id": claim.id,
                    "article_id": article.id,
                    "position": claim.position,
                    "start": claim.start,
                    "end": claim.end,
                    "kind": claim.kind.value,
                }
            )
        if article.revisions:
            yield from _revision_lines(session, article)
        annotations = session.scalars(
            select(Annotation)
            .join(Claim, Claim.id == Annotation.claim_id)
            .outerjoin(Verdict, Verdict.id == Annotation.verdict_id)
            .options(
                selectinload(Annotation.sources),
                selectinload(Annotation.annotator),
                selectinload(Annotation.verdict),
            )
            .where(Claim.article_id == article.id, *annotation_filters.conditions())
            .order_by(Claim.position, Annotation.id)
        ).all()
        reviews: dict[int, list[Review]] = {a.id: [] for a in annotations}
        if annotations:
            for review in session.scalars(
                select(Review)
                .options(selectinload(Review.reviewer))
                .where(Review.annotation_id.in_(list(reviews)))
                .order_by(Review.id)
            ):
                reviews[review.annotation_id].append(review)
        for annotation in annotations:
            yield _line(
                {
                    "type": "annotation",
                    "id": annotation.id,
                    "claim_id": annotation.claim_id,
                    "annotator": annotation.annotator.email,
                    "verdict": annotation.verdict.key if annotation.verdict else None,
                    "claimant": annotation.claimant,
                    "claim_summary": annotation.claim_summary,
                    "rationale": annotation.rationale,
                    "state": annotation.state.value,
                    "version": annotation.version,
                    "created_at": _iso(annotation.created_at),
                    "updated_at": _iso(annotation.updated_at),
                    "submitted_at": _iso(annotation.submitted_at),
                    "revision": annotation.revision,
                    "sources": [
                        {
                            "url": s.url,
                            "title": s.title,
                            "publisher": s.publisher,
                            "quote": s.quote,
                            "stance": s.stance.value,
                            "accessed_on": _iso(s.accessed_on),
                            "archive_url": s.archive_url,
                        }
                        for s in annotation.sources
                    ],
                    "reviews": [
                        {
                            "reviewer": r.reviewer.email,
                            "decision": r.decision.value,
                            "comment": r.comment,
                            "annotation_version": r.annotation_version,
                            "created_at": _iso(r.created_at),
                        }
                        for r in reviews[annotation.id]
                    ],
                }
            )
        session.expunge_all()  # memory stays flat however many articles there are


def _revision_lines(session: Session, article: Article) -> Iterator[str]:
    """The texts a revised article had, its removed claims and the revisions' links."""
    numbers = {}
    for revision in article.revisions:
        numbers[revision.id] = revision.number
        yield _line(
            {
                "type": "revision",
                "article_id": article.id,
                "number": revision.number,
                "body_sha256": revision.body_sha256,
                "created_by": revision.created_by.email if revision.created_by else None,
                "created_at": _iso(revision.created_at),
                "origin": revision.origin,
                "summary": revision.summary,
                "body": revision.body,
            }
        )
    for claim in session.scalars(
        select(Claim)
        .where(Claim.article_id == article.id, Claim.removed_in.is_not(None))
        .order_by(Claim.id)
    ):
        yield _line(
            {
                "type": "removed_claim",
                "id": claim.id,
                "article_id": article.id,
                "removed_in": claim.removed_in,
                "start": claim.start,
                "end": claim.end,
                "kind": claim.kind.value,
            }
        )
    for link in session.scalars(
        select(ClaimLink)
        .options(selectinload(ClaimLink.resolved_by))
        .where(ClaimLink.revision_id.in_(list(numbers)))
        .order_by(ClaimLink.id)
    ):
        yield _line(
            {
                "type": "claim_link",
                "article_id": article.id,
                "revision": numbers[link.revision_id],
                "claim_id": link.claim_id,
                "successor_id": link.successor_id,
                "outcome": link.outcome,
                "confidence": link.confidence,
                "old_start": link.old_start,
                "old_end": link.old_end,
                "old_position": link.old_position,
                "candidate_ids": link.candidate_ids,
                "resolved_by": link.resolved_by.email if link.resolved_by else None,
                "resolved_at": _iso(link.resolved_at),
            }
        )
