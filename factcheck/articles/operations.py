"""Importing articles and reading their claims."""

from __future__ import annotations

import codecs
import hashlib
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from factcheck.annotations.models import Annotation
from factcheck.articles.hints import claim_hints
from factcheck.articles.models import Article, Claim, ClaimKind
from factcheck.audit.recorder import record
from factcheck.errors import DuplicateArticle, NotFound, ValidationFailed
from factcheck.review.workflow import AnnotationState
from factcheck.segmentation import segment
from factcheck.users.models import User

MAX_TITLE_CHARS = 500
#: Control characters that are never legitimate in article text (tab, LF, CR are fine).
_FORBIDDEN_CONTROLS = {chr(c) for c in range(32) if chr(c) not in "\t\n\r\f"} | {"\x7f"}


def normalise_body(body: str) -> str:
    """Unify line endings and drop surrounding whitespace.

    Offsets then mean the same whatever system typed the text, and the same article
    pasted with an extra trailing newline is recognised as the same article.
    """
    return body.replace("\r\n", "\n").replace("\r", "\n").strip()


def body_sha256(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def decode_text_file(data: bytes, *, filename: str = "the file") -> str:
    """Decode an uploaded ``.txt`` file: UTF-8 (with or without BOM) or BOM-marked UTF-16.

    :raises ValidationFailed: binary data or an encoding we would have to guess.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise ValidationFailed(
                f"{filename} claims to be UTF-16 but is not valid UTF-16."
            ) from None
    if b"\x00" in data:
        raise ValidationFailed(f"{filename} looks like a binary file, not plain text.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValidationFailed(
            f"{filename} is not UTF-8 text (invalid byte at position {error.start}). "
            "Save it as UTF-8 and upload it again."
        ) from None


def validate_body(body: str, *, max_chars: int) -> str:
    """Return the normalised body or explain why it cannot be an article.

    :raises ValidationFailed: empty, too long, or containing control characters.
    """
    body = normalise_body(body)
    if not body.strip():
        raise ValidationFailed(
            "The article body is empty.", fields={"body": ["The body is empty."]}
        )
    if len(body) > max_chars:
        message = f"The body is {len(body):,} characters; the limit is {max_chars:,}."
        raise ValidationFailed(message, fields={"body": [message]})
    bad = next((ch for ch in body if ch in _FORBIDDEN_CONTROLS), None)
    if bad is not None:
        message = (
            f"The body contains a control character (U+{ord(bad):04X}) at position "
            f"{body.index(bad)}; it looks like binary data, not text."
        )
        raise ValidationFailed(message, fields={"body": [message]})
    return body


def find_by_body(session: Session, body: str) -> Article | None:
    return session.scalar(select(Article).where(Article.body_sha256 == body_sha256(body)))


def import_article(
    session: Session,
    actor: User | None,
    *,
    title: str,
    body: str,
    max_chars: int,
    outlet: str | None = None,
    url: str | None = None,
    byline: str | None = None,
    published_on: date | None = None,
    language: str = "en",
) -> Article:
    """Store an article and its claims, all or nothing.

    :param actor: the importing user; None for the system (demo loader).
    :raises ValidationFailed: bad title or body.
    :raises DuplicateArticle: the same body was imported before.
    """
    title = " ".join(title.split())
    if not title:
        raise ValidationFailed("The title is empty.", fields={"title": ["A title is required."]})
    if len(title) > MAX_TITLE_CHARS:
        raise ValidationFailed(
            f"The title is longer than {MAX_TITLE_CHARS} characters.",
            fields={"title": [f"At most {MAX_TITLE_CHARS} characters."]},
        )
    body = validate_body(body, max_chars=max_chars)
    existing = find_by_body(session, body)
    if existing is not None:
        raise DuplicateArticle(
            f"This text was already imported as “{existing.title}”.", existing_id=existing.id
        )
    article = Article(
        title=title,
        body=body,
        body_sha256=body_sha256(body),
        outlet=(outlet or "").strip() or None,
        url=(url or "").strip() or None,
        byline=(byline or "").strip() or None,
        published_on=published_on,
        language=language,
        imported_by_id=actor.id if actor else None,
    )
    try:
        # A savepoint, so a concurrent import of the same body becomes a clear message.
        with session.begin_nested():
            session.add(article)
            session.flush()
    except IntegrityError:
        existing = find_by_body(session, body)
        raise DuplicateArticle(
            "This text was imported by someone else a moment ago.",
            existing_id=existing.id if existing else 0,
        ) from None

    claims = [
        Claim(
            article_id=article.id,
            position=position,
            start=span.start,
            end=span.end,
            kind=ClaimKind(span.kind),
            **claim_hints(body[span.start : span.end]),
        )
        for position, span in enumerate(segment(body, language))
    ]
    session.add_all(claims)
    session.flush()
    record(
        session,
        actor,
        "article:import",
        "article",
        article.id,
        {
            "title": [None, title],
            "body_sha256": [None, article.body_sha256],
            "claims": [None, len(claims)],
        },
    )
    return article


def get_article(session: Session, article_id: int) -> Article:
    article = session.get(Article, article_id)
    if article is None:
        raise NotFound("There is no such article.")
    return article


def get_claim(session: Session, claim_id: int) -> Claim:
    claim = session.get(Claim, claim_id)
    if claim is None:
        raise NotFound("There is no such claim.")
    return claim


@dataclass(frozen=True)
class ArticleProgress:
    article: Article
    claims: int
    annotated: int
    approved: int

    @property
    def percent_approved(self) -> int:
        return round(100 * self.approved / self.claims) if self.claims else 0

    @property
    def percent_annotated(self) -> int:
        return round(100 * self.annotated / self.claims) if self.claims else 0


def list_articles_with_progress(session: Session) -> list[ArticleProgress]:
    """Every article, newest first, with claim counts, in one query."""
    annotated = (
        select(Annotation.claim_id)
        .where(Annotation.state != AnnotationState.DRAFT)
        .distinct()
        .subquery()
    )
    approved = (
        select(Annotation.claim_id).where(Annotation.state == AnnotationState.APPROVED).subquery()
    )
    rows = session.execute(
        select(
            Article,
            func.count(Claim.id),
            func.count(annotated.c.claim_id),
            func.count(approved.c.claim_id),
        )
        .outerjoin(Claim, Claim.article_id == Article.id)
        .outerjoin(annotated, annotated.c.claim_id == Claim.id)
        .outerjoin(approved, and_(approved.c.claim_id == Claim.id))
        .group_by(Article.id)
        .order_by(Article.imported_at.desc(), Article.id.desc())
    ).all()
    return [ArticleProgress(article, n, a, p) for article, n, a, p in rows]


def neighbours(session: Session, claim: Claim) -> tuple[Claim | None, Claim | None]:
    """The claims before and after ``claim`` in its article."""
    previous = session.scalar(
        select(Claim)
        .where(Claim.article_id == claim.article_id, Claim.position < claim.position)
        .order_by(Claim.position.desc())
        .limit(1)
    )
    following = session.scalar(
        select(Claim)
        .where(Claim.article_id == claim.article_id, Claim.position > claim.position)
        .order_by(Claim.position)
        .limit(1)
    )
    return previous, following
