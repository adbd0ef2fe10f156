"""JSON Lines archive of a whole project, and restoring one from it.

Format (one JSON object per line, ``type`` first):

- ``meta``: ``format`` = ``factcheck-jsonl``, ``version`` = 1 (no time stamp, so two
  exports of the same data are byte-identical);
- ``verdict``: the scale, by ``key``;
- ``user``: everyone referenced, by ``email`` (no password hashes leave the system);
- ``article`` with its ``body``; ``claim`` with offsets into it;
- ``annotation`` with its ``sources`` and ``reviews``, people by email, verdict by key.

Ids are the exporting database's; on import they are mapped to new ones. Times are
kept. Re-exporting an imported archive therefore differs only in ``id``,
``article_id`` and ``claim_id`` values.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import Enum
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, selectinload
from werkzeug.security import generate_password_hash

from factcheck.annotations.models import Annotation, Source, Stance, Verdict
from factcheck.annotations.operations import is_web_url
from factcheck.articles.hints import claim_hints
from factcheck.articles.models import Article, Claim, ClaimKind
from factcheck.articles.operations import validate_body, validate_title
from factcheck.audit.recorder import record
from factcheck.db import MAX_ID
from factcheck.errors import ValidationFailed
from factcheck.exports.filters import ExportFilters
from factcheck.review.models import Decision, Review
from factcheck.review.workflow import AnnotationState
from factcheck.users.models import Role, User

FORMAT, VERSION = "factcheck-jsonl", 1
MAX_LINE_CHARS = 5_000_000
MAX_DEPTH = 20

E = TypeVar("E", bound=Enum)


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


@dataclass
class ImportReport:
    articles: int = 0
    claims: int = 0
    annotations: int = 0
    users_created: list[str] = field(default_factory=list)
    verdicts_created: list[str] = field(default_factory=list)
    imported: list[tuple[int, str]] = field(default_factory=list)


class _Refused(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")


def _depth(value: Any, level: int = 0) -> int:
    if level > MAX_DEPTH:
        return level
    if isinstance(value, dict):
        return max((_depth(v, level + 1) for v in value.values()), default=level + 1)
    if isinstance(value, list):
        return max((_depth(v, level + 1) for v in value), default=level + 1)
    return level


def _text(record_: dict, name: str, line: int, *, required: bool = False, limit: int = 20_000):
    value = record_.get(name)
    if value is None:
        if required:
            raise _Refused(line, f"“{name}” is missing")
        return None
    if not isinstance(value, str):
        raise _Refused(line, f"“{name}” must be text")
    if len(value) > limit:
        raise _Refused(line, f"“{name}” is longer than {limit:,} characters")
    if "\x00" in value:
        raise _Refused(line, f"“{name}” contains a NUL character")
    return value


def _int(record_: dict, name: str, line: int, *, default: int | None = None) -> int:
    value = record_.get(name, default)
    if not isinstance(value, int) or isinstance(value, bool):
        raise _Refused(line, f"“{name}” must be a whole number")
    if not 0 <= value <= MAX_ID:
        raise _Refused(line, f"“{name}” is out of range")
    return value


def _url(record_: dict, name: str, line: int) -> str | None:
    value = _text(record_, name, line, limit=2000)
    if value and not is_web_url(value):
        raise _Refused(line, f"“{name}” must be an http:// or https:// address")
    return value or None


def _when(record_: dict, name: str, line: int, kind: type = datetime):
    value = record_.get(name)
    if value is None:
        return None
    try:
        return kind.fromisoformat(value)
    except (TypeError, ValueError):
        raise _Refused(line, f"“{name}” is not an ISO date") from None


def _choice(record_: dict, name: str, line: int, enum: type[E], default: str | None = None) -> E:
    """A value of ``enum`` named by its value, e.g. "approved" for a state."""
    value = record_.get(name, default)
    try:
        return enum(value)
    except ValueError:
        raise _Refused(line, f"unknown {name} {value!r}") from None


def import_lines(
    session: Session, actor: User | None, lines: Iterable[str], *, max_chars: int
) -> ImportReport:
    """Restore an archive, all or nothing.

    :raises ValidationFailed: naming the first offending line; nothing was written.
    """
    report = ImportReport()
    try:
        with session.begin_nested():
            _import(session, actor, lines, report, max_chars=max_chars)
    except _Refused as error:
        raise ValidationFailed(f"Nothing was imported: {error}.") from None
    return report


def _import(
    session: Session,
    actor: User | None,
    lines: Iterable[str],
    report: ImportReport,
    *,
    max_chars: int,
) -> None:
    verdicts = {v.key: v for v in session.scalars(select(Verdict))}
    users = {u.email: u for u in session.scalars(select(User))}
    names: dict[str, tuple[str, str]] = {}
    articles: dict[int, Article] = {}
    claims: dict[int, Claim] = {}
    seen_meta = False
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        if len(raw) > MAX_LINE_CHARS:
            raise _Refused(number, "the line is too long")
        try:
            item = json.loads(raw)
        except (ValueError, RecursionError):  # JSONDecodeError, or a 5,000-digit number
            raise _Refused(number, "this is not valid JSON (or a number is too long)") from None
        if not isinstance(item, dict) or _depth(item) > MAX_DEPTH:
            raise _Refused(number, "each line must be a JSON object (not nested too deeply)")
        kind = item.get("type")
        if not seen_meta:
            if kind != "meta" or item.get("format") != FORMAT:
                raise _Refused(number, f"the file does not start with a {FORMAT} header")
            if item.get("version") != VERSION:
                raise _Refused(number, f"version {item.get('version')!r} is not supported")
            seen_meta = True
            continue
        if kind == "verdict":
            key = _text(item, "key", number, required=True, limit=40)
            if key not in verdicts:
                colour = _text(item, "colour", number, limit=7) or "#777777"
                rating = item.get("rating")
                if rating is not None and (
                    not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5
                ):
                    raise _Refused(number, "“rating” must be 1 to 5 or null")
                verdict = Verdict(
                    key=key,
                    label=_text(item, "label", number, required=True, limit=80),
                    description=_text(item, "description", number) or "",
                    rating=rating,
                    colour=colour if len(colour) == 7 else "#777777",
                    sort_order=_int(item, "sort_order", number, default=len(verdicts)),
                    active=bool(item.get("active", True)),
                )
                session.add(verdict)
                verdicts[key] = verdict
                report.verdicts_created.append(key)
        elif kind == "user":
            email = (_text(item, "email", number, required=True, limit=254) or "").lower()
            names[email] = (
                _text(item, "name", number, limit=200) or email,
                str(item.get("role") or "annotator"),
            )
            # The whole team comes back, deactivated, so a restored project is complete.
            _person(session, users, names, email, report, number)
        elif kind == "article":
            old_id = _int(item, "id", number)
            try:
                body = validate_body(
                    _text(item, "body", number, required=True, limit=max_chars) or "",
                    max_chars=max_chars,
                )
                title = validate_title(_text(item, "title", number, required=True, limit=500) or "")
            except ValidationFailed as error:
                raise _Refused(number, error.message.rstrip(".")) from None
            sha = hashlib.sha256(body.encode("utf-8")).hexdigest()
            if item.get("body_sha256") not in (None, sha):
                raise _Refused(number, "the body does not match its SHA-256")
            if session.scalar(select(Article.id).where(Article.body_sha256 == sha)) is not None:
                raise _Refused(number, "this article's text is already in the database")
            importer = item.get("imported_by")
            article = Article(
                title=title,
                outlet=_text(item, "outlet", number, limit=200),
                url=_url(item, "url", number),
                byline=_text(item, "byline", number, limit=500),
                published_on=_when(item, "published_on", number, date),
                language=_text(item, "language", number, limit=16) or "en",
                body=body,
                body_sha256=sha,
                imported_by=_person(session, users, names, importer, report, number)
                if importer
                else None,
            )
            imported_at = _when(item, "imported_at", number)
            if imported_at is not None:
                article.imported_at = imported_at
            session.add(article)
            session.flush()
            articles[old_id] = article
            report.articles += 1
            report.imported.append((article.id, article.title))
            record(
                session,
                actor,
                "article:import",
                "article",
                article.id,
                {"title": [None, article.title], "source": [None, "jsonl"]},
            )
        elif kind == "claim":
            article = articles.get(_int(item, "article_id", number))
            if article is None:
                raise _Refused(number, "the claim's article is not earlier in the file")
            start, end = _int(item, "start", number), _int(item, "end", number)
            if not 0 <= start < end <= len(article.body):
                raise _Refused(number, "the claim's offsets are outside its article")
            claim_kind = _choice(item, "kind", number, ClaimKind, "sentence")
            claim = Claim(
                article_id=article.id,
                position=_int(item, "position", number),
                start=start,
                end=end,
                kind=claim_kind,
                **claim_hints(article.body[start:end]),
            )
            session.add(claim)
            claims[_int(item, "id", number)] = claim
            report.claims += 1
        elif kind == "annotation":
            claim = claims.get(_int(item, "claim_id", number))
            if claim is None:
                raise _Refused(number, "the annotation's claim is not earlier in the file")
            session.flush()
            verdict_key = item.get("verdict")
            if verdict_key is not None and verdict_key not in verdicts:
                raise _Refused(number, f"unknown verdict {verdict_key!r}")
            state = _choice(item, "state", number, AnnotationState, "draft")
            annotation = Annotation(
                claim_id=claim.id,
                annotator=_person(session, users, names, item.get("annotator"), report, number),
                verdict=verdicts[verdict_key] if verdict_key else None,
                claimant=_text(item, "claimant", number, limit=300) or "",
                claim_summary=_text(item, "claim_summary", number, limit=1000) or "",
                rationale=_text(item, "rationale", number) or "",
                state=state,
                submitted_at=_when(item, "submitted_at", number),
            )
            for name in ("created_at", "updated_at"):
                value = _when(item, name, number)
                if value is not None:
                    setattr(annotation, name, value)
            sources = item.get("sources") or []
            if not isinstance(sources, list) or len(sources) > 100:
                raise _Refused(number, "“sources” must be a list of at most 100")
            for position, source in enumerate(sources):
                if not isinstance(source, dict):
                    raise _Refused(number, "each source must be an object")
                stance = _choice(source, "stance", number, Stance, "context")
                url = _url(source, "url", number)
                quote = _text(source, "quote", number, limit=5000) or ""
                if not url and not quote:
                    raise _Refused(number, "a source needs a URL or a quote")
                annotation.sources.append(
                    Source(
                        position=position,
                        url=url,
                        quote=quote,
                        stance=stance,
                        title=_text(source, "title", number, limit=500) or "",
                        publisher=_text(source, "publisher", number, limit=200) or "",
                        accessed_on=_when(source, "accessed_on", number, date),
                        archive_url=_url(source, "archive_url", number),
                    )
                )
            session.add(annotation)
            try:
                session.flush()
            except DBAPIError as error:  # a constraint (one approved per claim, ...) said no
                raise _Refused(
                    number, f"the annotation breaks a rule: {error.__class__.__name__}"
                ) from None
            version = _int(item, "version", number, default=1)
            reviews = item.get("reviews") or []
            if not isinstance(reviews, list):
                raise _Refused(number, "“reviews” must be a list")
            for entry in reviews:
                if not isinstance(entry, dict):
                    raise _Refused(number, "each review must be an object")
                reviewer = _person(session, users, names, entry.get("reviewer"), report, number)
                if reviewer.id == annotation.annotator_id:
                    raise _Refused(number, "a review by the annotation's own author")
                decision = _choice(entry, "decision", number, Decision)
                comment = _text(entry, "comment", number, limit=10_000) or ""
                if decision is not Decision.APPROVE and not comment.strip():
                    raise _Refused(number, "a review without a comment")
                review = Review(
                    annotation_id=annotation.id,
                    reviewer_id=reviewer.id,
                    annotator_id=annotation.annotator_id,
                    decision=decision,
                    comment=comment,
                    annotation_version=_int(entry, "annotation_version", number, default=1),
                )
                created = _when(entry, "created_at", number)
                if created is not None:
                    review.created_at = created
                session.add(review)
            if version > annotation.version:
                # Keep the archive's version so a re-export matches; no ORM version bump.
                session.flush()
                session.execute(
                    Annotation.__table__.update()
                    .where(Annotation.__table__.c.id == annotation.id)
                    .values(version=version, updated_at=annotation.updated_at)
                )
                session.expire(annotation, ["version"])
            report.annotations += 1
        elif kind == "meta":
            raise _Refused(number, "a second header")
        else:
            raise _Refused(number, f"unknown record type {kind!r}")
    if not seen_meta:
        raise _Refused(1, "the file is empty")
    session.flush()


def _person(
    session: Session,
    users: dict[str, User],
    names: dict[str, tuple[str, str]],
    email: Any,
    report: ImportReport,
    line: int,
) -> User:
    """The user with this email, created deactivated (no usable password) if new."""
    if not isinstance(email, str) or "@" not in email or len(email) > 254:
        raise _Refused(line, f"{str(email)[:80]!r} is not a person's email")
    email = email.lower()
    user = users.get(email)
    if user is None:
        name, role = names.get(email, (email, "annotator"))
        user = User(
            email=email,
            name=name[:200],
            role=Role(role) if role in {r.value for r in Role} else Role.ANNOTATOR,
            # Nobody knows this password: an admin activates the account and resets it.
            password_hash=generate_password_hash(secrets.token_urlsafe(32)),
            active=False,
        )
        session.add(user)
        session.flush()
        users[email] = user
        report.users_created.append(email)
    return user
