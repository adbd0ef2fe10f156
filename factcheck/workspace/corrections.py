"""Correcting an article's segmentation: splitting a claim and merging two, while
annotations under review keep their claims' boundaries."""

from __future__ import annotations

import re

from flask_babel import gettext
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from factcheck.annotations.models import Annotation
from factcheck.annotations.states import SUBMITTED_OR_LATER
from factcheck.articles.hints import claim_hints
from factcheck.articles.models import Article, Claim, ClaimKind
from factcheck.articles.operations import LANGUAGE_TAG, MAX_LANGUAGE_CHARS
from factcheck.audit.recorder import record
from factcheck.errors import Conflict, ValidationFailed
from factcheck.segmentation import segment
from factcheck.users.models import User

#: Annotation states that freeze a claim's boundaries: a review is under way or done.
_FROZEN_STATES = tuple(SUBMITTED_OR_LATER)


def _lock_article(session: Session, article_id: int) -> None:
    # Serialise corrections of one article: two people splitting the same claim at once
    # must not both succeed. (SQLite writers are serialised already; FOR UPDATE is a no-op.)
    session.execute(select(Article.id).where(Article.id == article_id).with_for_update())


def _check_not_frozen(session: Session, claims: list[Claim]) -> None:
    frozen = session.scalar(
        select(func.count())
        .select_from(Annotation)
        .where(
            Annotation.claim_id.in_([claim.id for claim in claims]),
            Annotation.state.in_(_FROZEN_STATES),
        )
    )
    if frozen:
        raise Conflict(
            gettext(
                "This claim already has an annotation that was submitted for review, so its "
                "boundaries can no longer change."
            )
        )


def frozen_claim_ids(session: Session, article: Article) -> set[int]:
    """Ids of the article's claims whose boundaries can no longer change."""
    return set(
        session.scalars(
            select(Annotation.claim_id)
            .join(Claim, Claim.id == Annotation.claim_id)
            .where(Claim.article_id == article.id, Annotation.state.in_(_FROZEN_STATES))
        )
    )


def _shift_positions(session: Session, article_id: int, after: int, delta: int) -> None:
    """Move the claims after ``after`` by ``delta`` places without breaking uniqueness.

    A single ``position + 1`` UPDATE can collide row by row (PostgreSQL checks unique
    constraints per row), so jump far away first and come back.
    """
    far = 1_000_000
    claims = Claim.__table__
    session.execute(
        update(claims)
        .where(
            claims.c.article_id == article_id,
            claims.c.removed_in.is_(None),
            claims.c.position > after,
        )
        .values(position=claims.c.position + far)
    )
    session.execute(
        update(claims)
        .where(
            claims.c.article_id == article_id,
            claims.c.removed_in.is_(None),
            claims.c.position > after + far,
        )
        .values(position=claims.c.position - far + delta)
    )


def _trim(body: str, start: int, end: int) -> tuple[int, int]:
    while start < end and body[start].isspace():
        start += 1
    while end > start and body[end - 1].isspace():
        end -= 1
    return start, end


def _apply_hints(claim: Claim, body: str, language: str) -> None:
    for name, value in claim_hints(body[claim.start : claim.end], language).items():
        setattr(claim, name, value)


def _check_expected(claim: Claim, expected_start: int | None, expected_end: int | None) -> None:
    if (expected_start is not None and expected_start != claim.start) or (
        expected_end is not None and expected_end != claim.end
    ):
        raise Conflict(
            gettext(
                "Someone changed this claim's boundaries while you were looking at it. "
                "Reload the page to see the current claims."
            )
        )


def split_claim(
    session: Session,
    actor: User,
    claim: Claim,
    *,
    at: int,
    expected_start: int | None = None,
    expected_end: int | None = None,
) -> Claim:
    """Cut ``claim`` in two at body offset ``at``; return the new second claim.

    The first part keeps the claim's id (and any drafts written on it).

    :param at: a Python string index into the article body, inside the claim.
    :raises Conflict: the claim changed meanwhile, or has a submitted annotation.
    :raises ValidationFailed: ``at`` would leave an empty part.
    """
    _lock_article(session, claim.article_id)
    session.refresh(claim)
    _check_expected(claim, expected_start, expected_end)
    _check_not_frozen(session, [claim])
    body = claim.article.body
    if not claim.start < at < claim.end:
        raise ValidationFailed(gettext("Choose a split point inside the claim."))
    left = _trim(body, claim.start, at)
    right = _trim(body, at, claim.end)
    if left[0] >= left[1] or right[0] >= right[1]:
        raise ValidationFailed(gettext("Both parts of a split must contain text."))

    old_end = claim.end
    _shift_positions(session, claim.article_id, claim.position, +1)
    claim.end = left[1]
    _apply_hints(claim, body, claim.article.language)
    second = Claim(
        article_id=claim.article_id,
        position=claim.position + 1,
        start=right[0],
        end=right[1],
        kind=claim.kind,
    )
    _apply_hints(second, body, claim.article.language)
    session.add(second)
    session.flush()
    session.expire(claim.article, ["claims"])
    record(
        session,
        actor,
        "claim:split",
        "claim",
        claim.id,
        {
            "end": [old_end, claim.end],
            "new_claim": [None, {"id": second.id, "start": second.start, "end": second.end}],
        },
    )
    return second


def merge_with_next(
    session: Session,
    actor: User,
    claim: Claim,
    *,
    expected_end: int | None = None,
    expected_next_id: int | None = None,
) -> Claim:
    """Join ``claim`` and the claim after it into one; return the merged claim.

    Drafts on the second claim move to the merged one, unless their author also has a
    draft on the first (one annotation per person per claim).

    :raises Conflict: no next claim, the claims changed meanwhile, a submitted
        annotation, or one annotator has drafts on both.
    """
    _lock_article(session, claim.article_id)
    session.refresh(claim)
    _check_expected(claim, None, expected_end)
    following = session.scalar(
        select(Claim).where(
            Claim.article_id == claim.article_id, Claim.position == claim.position + 1
        )
    )
    if following is None:
        raise Conflict(
            gettext("This is the last claim of the article; there is nothing to merge with.")
        )
    if expected_next_id is not None and following.id != expected_next_id:
        raise Conflict(
            gettext(
                "The claims around this one changed while you were looking. Reload and try again."
            )
        )
    _check_not_frozen(session, [claim, following])
    first_authors = set(
        session.scalars(select(Annotation.annotator_id).where(Annotation.claim_id == claim.id))
    )
    moved = session.scalars(select(Annotation).where(Annotation.claim_id == following.id)).all()
    clash = [a for a in moved if a.annotator_id in first_authors]
    if clash:
        names = ", ".join(sorted(a.annotator.name for a in clash))
        raise Conflict(
            gettext(
                "%(names)s already has a draft on both claims; one of the drafts must be "
                "deleted before the claims can be merged.",
                names=names,
            )
        )
    for annotation in moved:
        annotation.claim_id = claim.id
    removed = {"id": following.id, "start": following.start, "end": following.end}
    old_end = claim.end
    claim.end = following.end
    _apply_hints(claim, claim.article.body, claim.article.language)
    session.delete(following)
    session.flush()
    _shift_positions(session, claim.article_id, claim.position + 1, -1)
    session.flush()
    session.expire(claim.article, ["claims"])
    record(
        session,
        actor,
        "claim:merge",
        "claim",
        claim.id,
        {
            "end": [old_end, claim.end],
            "removed_claim": [removed, None],
            "moved_drafts": [None, [a.id for a in moved]] if moved else [None, []],
        },
    )
    return claim


def has_annotations(session: Session, article: Article) -> bool:
    """Whether anyone has annotated any claim of the article (a draft counts)."""
    return (
        session.scalar(
            select(Annotation.id)
            .join(Claim, Claim.id == Annotation.claim_id)
            .where(Claim.article_id == article.id)
            .limit(1)
        )
        is not None
    )


def change_language(
    session: Session, actor: User, article: Article, *, language: str, expected: str
) -> int:
    """Say which language the article is in, and split it again with that language's
    rules (hints too); allowed until someone annotates any of its claims. Returns how
    many claims it has now.

    :param expected: the language the person saw: another change meanwhile is refused.
    :raises ValidationFailed: not a language tag.
    :raises Conflict: it has annotations already, or its language changed meanwhile.
    """
    language = language.strip()
    if len(language) > MAX_LANGUAGE_CHARS or not re.match(LANGUAGE_TAG, language):
        message = gettext(
            "“%(language)s” is not a language tag such as es or pt-BR.", language=language[:40]
        )
        raise ValidationFailed(message, fields={"language": [message]})
    _lock_article(session, article.id)
    session.refresh(article)
    if article.language != expected:
        raise Conflict(
            gettext(
                "Someone set this article's language to %(language)s meanwhile.",
                language=article.language,
            )
        )
    if language == article.language:
        return len(article.claims)
    # The claims too: an annotation being saved on one of them waits, then finds it gone,
    # instead of being deleted with it unseen.
    session.execute(select(Claim.id).where(Claim.article_id == article.id).with_for_update())
    if has_annotations(session, article):
        raise Conflict(
            gettext(
                "Its claims have annotations already, so the article can no longer be split "
                "again in another language."
            )
        )
    before = len(article.claims)
    for claim in list(article.claims):
        session.delete(claim)
    session.flush()
    body = article.body
    for position, span in enumerate(segment(body, language)):
        claim = Claim(
            article_id=article.id,
            position=position,
            start=span.start,
            end=span.end,
            kind=ClaimKind(span.kind),
        )
        _apply_hints(claim, body, language)
        session.add(claim)
    old = article.language
    article.language = language
    session.flush()
    session.expire(article, ["claims"])
    after = len(article.claims)
    record(
        session,
        actor,
        "article:language",
        "article",
        article.id,
        {"language": [old, language], "claims": [before, after]},
    )
    return after
