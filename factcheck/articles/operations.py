"""Importing articles and reading their claims."""

from __future__ import annotations

import codecs
import hashlib
import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from factcheck.annotations.models import Annotation
from factcheck.annotations.states import SUBMITTED_OR_LATER, AnnotationState
from factcheck.articles.hints import claim_hints
from factcheck.articles.models import Article, Claim, ClaimKind
from factcheck.audit.recorder import record
from factcheck.errors import Conflict, DuplicateArticle, NotFound, ValidationFailed
from factcheck.segmentation import segment
from factcheck.users.models import User
from factcheck.validators import first_control, is_web_url, short_text

MAX_TITLE_CHARS = 500
#: A BCP 47 language tag as the segmenter takes it ("en", "pt-BR"), and the longest
#: one the articles table holds.
LANGUAGE_TAG = r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$"
MAX_LANGUAGE_CHARS = 16


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
    bad = first_control(body)
    if bad is not None:
        message = (
            f"The body contains a control character (U+{ord(bad):04X}) at position "
            f"{body.index(bad)}; it looks like binary data, not text."
        )
        raise ValidationFailed(message, fields={"body": [message]})
    return body


def validate_title(title: str) -> str:
    """Return the title with its whitespace tidied, or explain why it cannot be one.

    :raises ValidationFailed: empty, too long, or with control or text-direction characters.
    """
    return short_text("title", title, MAX_TITLE_CHARS, required=True)


#: The longest outlet, URL and byline an article holds (the columns' sizes).
METADATA_LIMITS = {"outlet": 200, "url": 2000, "byline": 500}


def validate_metadata(**values: str | None) -> dict[str, str | None]:
    """Outlet, URL and byline tidied (empty becomes None), or why one cannot be stored.

    Every way in -- form, API, CSV, HTML, JSONL -- passes through here, so a value the
    database would refuse (too long, a ``javascript:`` link) is a message, never a 500.

    :raises ValidationFailed: naming the field.
    """
    tidied: dict[str, str | None] = {}
    for name, value in values.items():
        label = "URL" if name == "url" else name
        tidied[name] = short_text(name, value, METADATA_LIMITS[name], label=label) or None
    url = tidied.get("url")
    if url and not is_web_url(url):
        message = "The URL must start with http:// or https:// and name a site."
        raise ValidationFailed(message, fields={"url": [message]})
    return tidied


@dataclass(frozen=True)
class ClaimSpan:
    """A claim given by offsets (an archive, an API client) instead of by the segmenter."""

    start: int
    end: int
    kind: ClaimKind = ClaimKind.SENTENCE


def validate_spans(body: str, spans: list[ClaimSpan]) -> None:
    """Claims must lie inside the body, in order, without overlapping, each with text.

    :raises ValidationFailed: naming the first claim that breaks a rule (1-based).
    """
    previous_end = 0
    for number, span in enumerate(spans, start=1):
        if not 0 <= span.start < span.end <= len(body):
            problem = "its offsets are outside the article"
        elif span.start < previous_end:
            problem = "it overlaps the claim before it or is out of order"
        elif not body[span.start : span.end].strip():
            problem = "it holds no text"
        else:
            previous_end = span.end
            continue
        message = f"Claim {number} cannot be stored: {problem}."
        raise ValidationFailed(message, fields={"claims": [message]})


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
    claims: list[ClaimSpan] | None = None,
    restored_from: str | None = None,
) -> Article:
    """Store an article and its claims, all or nothing.

    :param actor: the importing user; None for the system (demo loader).
    :param claims: the claims as offsets into the normalised body; None to segment it.
    :param restored_from: the archive the article comes from; the audit event is then
        ``article:restore``.
    :raises ValidationFailed: bad title, body, metadata or claims.
    :raises DuplicateArticle: the same body was imported before.
    """
    title = validate_title(title)
    metadata = validate_metadata(outlet=outlet, url=url, byline=byline)
    if len(language) > MAX_LANGUAGE_CHARS or not re.match(LANGUAGE_TAG, language):
        message = f"“{language[:40]}” is not a language tag such as en or pt-BR."
        raise ValidationFailed(message, fields={"language": [message]})
    body = validate_body(body, max_chars=max_chars)
    if claims is not None:
        validate_spans(body, claims)
    existing = find_by_body(session, body)
    if existing is not None:
        raise DuplicateArticle(
            f"This text was already imported as “{existing.title}”.", existing_id=existing.id
        )
    article = Article(
        title=title,
        body=body,
        body_sha256=body_sha256(body),
        **metadata,
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

    spans = claims if claims is not None else segment(body, language)
    rows = [
        {
            "article_id": article.id,
            "position": position,
            "start": span.start,
            "end": span.end,
            "kind": ClaimKind(span.kind),
            **claim_hints(body[span.start : span.end]),
        }
        for position, span in enumerate(spans)
    ]
    # One multi-row INSERT instead of an ORM object per claim: the unit of work took
    # half of a bulk import's time. Nothing here needs the claims as objects;
    # article.claims loads them when it is first read.
    if rows:
        session.execute(insert(Claim), rows)
    details: dict[str, list[object]] = {
        "title": [None, title],
        "body_sha256": [None, article.body_sha256],
        "claims": [None, len(rows)],
    }
    action = "article:import"
    if restored_from is not None:
        action = "article:restore"
        details["restored_from"] = [None, restored_from]
    record(session, actor, action, "article", article.id, details)
    return article


def get_article(session: Session, article_id: int) -> Article:
    article = session.get(Article, article_id, options=[joinedload(Article.imported_by)])
    if article is None:
        raise NotFound("There is no such article.")
    return article


def get_claim(session: Session, claim_id: int) -> Claim:
    # The article (and who imported it) is always needed with the claim: one query.
    claim = session.get(
        Claim, claim_id, options=[joinedload(Claim.article).joinedload(Article.imported_by)]
    )
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


def list_articles_with_progress(session: Session) -> list[ArticleProgress]:
    """Every article, newest first, with claim counts, in one query."""
    # "Annotated" means someone has started (drafts count), as in the workspace's bar.
    annotated = select(Annotation.claim_id).distinct().subquery()
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
        .outerjoin(approved, approved.c.claim_id == Claim.id)
        .group_by(Article.id)
        .order_by(Article.imported_at.desc(), Article.id.desc())
    ).all()
    return [ArticleProgress(article, n, a, p) for article, n, a, p in rows]


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
            "This claim already has an annotation that was submitted for review, so its "
            "boundaries can no longer change."
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
        .where(claims.c.article_id == article_id, claims.c.position > after)
        .values(position=claims.c.position + far)
    )
    session.execute(
        update(claims)
        .where(claims.c.article_id == article_id, claims.c.position > after + far)
        .values(position=claims.c.position - far + delta)
    )


def _trim(body: str, start: int, end: int) -> tuple[int, int]:
    while start < end and body[start].isspace():
        start += 1
    while end > start and body[end - 1].isspace():
        end -= 1
    return start, end


def _apply_hints(claim: Claim, body: str) -> None:
    for name, value in claim_hints(body[claim.start : claim.end]).items():
        setattr(claim, name, value)


def _check_expected(claim: Claim, expected_start: int | None, expected_end: int | None) -> None:
    if (expected_start is not None and expected_start != claim.start) or (
        expected_end is not None and expected_end != claim.end
    ):
        raise Conflict(
            "Someone changed this claim's boundaries while you were looking at it. "
            "Reload the page to see the current claims."
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
        raise ValidationFailed("Choose a split point inside the claim.")
    left = _trim(body, claim.start, at)
    right = _trim(body, at, claim.end)
    if left[0] >= left[1] or right[0] >= right[1]:
        raise ValidationFailed("Both parts of a split must contain text.")

    old_end = claim.end
    _shift_positions(session, claim.article_id, claim.position, +1)
    claim.end = left[1]
    _apply_hints(claim, body)
    second = Claim(
        article_id=claim.article_id,
        position=claim.position + 1,
        start=right[0],
        end=right[1],
        kind=claim.kind,
    )
    _apply_hints(second, body)
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
        raise Conflict("This is the last claim of the article; there is nothing to merge with.")
    if expected_next_id is not None and following.id != expected_next_id:
        raise Conflict(
            "The claims around this one changed while you were looking. Reload and try again."
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
            f"{names} already has a draft on both claims; one of the drafts must be deleted "
            "before the claims can be merged."
        )
    for annotation in moved:
        annotation.claim_id = claim.id
    removed = {"id": following.id, "start": following.start, "end": following.end}
    old_end = claim.end
    claim.end = following.end
    _apply_hints(claim, claim.article.body)
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
