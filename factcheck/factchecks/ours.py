"""Our own verdicts in the library: an approved annotation is a published fact-check.

The library follows approvals in the same transaction, the way the search index
follows every write (see ``factcheck/search/index.py``): a listener notes which
annotations changed state in each flush, and just before the outermost transaction
commits, their entries are written again from the tables. An annotation that is
approved gets (or gets back) its entry; one that leaves "approved" (reopened) keeps its
entry, marked withdrawn, so matching leaves it out and the record stays.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import flask
from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session

from factcheck.annotations.models import Annotation
from factcheck.annotations.states import AnnotationState
from factcheck.articles.models import Article, Claim
from factcheck.commit_hooks import CommitHook
from factcheck.factchecks.models import FactCheck, Origin
from factcheck.factchecks.stats import count_added, describe
from factcheck.review.models import Decision, Review
from factcheck.verdicts.models import BEST_RATING, WORST_RATING, Verdict

DEFAULT_PUBLISHER = "Factcheck newsroom"


def _publisher() -> str:
    if flask.has_app_context():
        return str(flask.current_app.config.get("ORGANISATION_NAME") or DEFAULT_PUBLISHER)
    return DEFAULT_PUBLISHER


def sync_annotations(session: Session, annotation_ids: Iterable[int]) -> None:
    """Write the library entries of these annotations from the tables."""
    ids = sorted(set(annotation_ids))
    if not ids:
        return
    existing = {
        entry.annotation_id: entry
        for entry in session.scalars(select(FactCheck).where(FactCheck.annotation_id.in_(ids)))
    }
    rows = session.execute(
        select(Annotation, Claim, Article, Verdict)
        .join(Claim, Claim.id == Annotation.claim_id)
        .join(Article, Article.id == Claim.article_id)
        .outerjoin(Verdict, Verdict.id == Annotation.verdict_id)
        .where(Annotation.id.in_(ids))
    ).all()
    approved_at = {
        annotation_id: when
        for annotation_id, when in session.execute(
            select(Review.annotation_id, func.max(Review.created_at))
            .where(Review.annotation_id.in_(ids), Review.decision == Decision.APPROVE)
            .group_by(Review.annotation_id)
        )
    }
    added: list[dict[str, Any]] = []
    for annotation, claim, article, verdict in rows:
        entry = existing.get(annotation.id)
        if annotation.state is not AnnotationState.APPROVED:
            if entry is not None:
                entry.withdrawn = True
            continue
        approved = approved_at.get(annotation.id)
        values: dict[str, Any] = {
            "origin": Origin.OURS,
            "claim": claim.text,
            "headline": annotation.claim_summary or "",
            "rating_text": verdict.label if verdict is not None else "",
            "rating_value": verdict.rating if verdict is not None else None,
            "rating_worst": WORST_RATING if verdict is not None and verdict.rating else None,
            "rating_best": BEST_RATING if verdict is not None and verdict.rating else None,
            "publisher": _publisher(),
            "published_on": approved.date() if approved is not None else None,
            "language": article.language or "",
            "external_id": f"annotation-{annotation.id}",
            "withdrawn": False,
        }
        if entry is None:
            describe(values)
            added.append(values)
            session.add(FactCheck(annotation_id=annotation.id, **values))
            continue
        if (entry.claim, entry.headline) != (values["claim"], values["headline"]):
            # New words and new vectors; the counts keep the old text's terms, which
            # shifts BM25's statistics by one entry in a library of thousands.
            describe(values)
        for name, value in values.items():
            setattr(entry, name, value)
    count_added(session, added)
    session.flush()


# -- the listener ------------------------------------------------------------------------


def _note(session: Session, marked: set[int]) -> None:
    """The annotations whose state a flush changed."""
    for thing in (*session.new, *session.dirty):
        if isinstance(thing, Annotation) and inspect(thing).attrs["state"].history.has_changes():
            marked.add(thing.id)


#: Writes the library entries of approvals and reopenings, just before they commit.
HOOK = CommitHook("factcheck.factchecks.approvals", set, _note, sync_annotations)
LISTENERS = HOOK.listeners


def keep_library_current(session_class: type[Session] | Any = Session) -> None:
    """Listen to every session (idempotent): called once by the app factory."""
    HOOK.install(session_class)
