"""Importing articles and reading their claims."""

from __future__ import annotations

import codecs
import hashlib
import re
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from factcheck.articles.hints import claim_hints
from factcheck.articles.language import detect_language
from factcheck.articles.models import Article, ArticleRevision, Claim, ClaimKind
from factcheck.audit.recorder import record
from factcheck.errors import DuplicateArticle, NotFound, ValidationFailed
from factcheck.i18n import local_number
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


def _file_name(filename: str | None) -> str:
    return filename if filename is not None else gettext("the file")


def body_sha256(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def decode_text_file(data: bytes, *, filename: str | None = None) -> str:
    """Decode an uploaded ``.txt`` file: UTF-8 (with or without BOM) or BOM-marked UTF-16.

    :param filename: how messages name the file ("the file" when not given).
    :raises ValidationFailed: binary data or an encoding we would have to guess.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise ValidationFailed(
                gettext(
                    "%(filename)s claims to be UTF-16 but is not valid UTF-16.",
                    filename=_file_name(filename),
                )
            ) from None
    if b"\x00" in data:
        raise ValidationFailed(
            gettext(
                "%(filename)s looks like a binary file, not plain text.",
                filename=_file_name(filename),
            )
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValidationFailed(
            gettext(
                "%(filename)s is not UTF-8 text (invalid byte at position %(position)s). "
                "Save it as UTF-8 and upload it again.",
                filename=_file_name(filename),
                position=error.start,
            )
        ) from None


def validate_body(body: str, *, max_chars: int) -> str:
    """Return the normalised body or explain why it cannot be an article.

    :raises ValidationFailed: empty, too long, or containing control characters.
    """
    body = normalise_body(body)
    if not body.strip():
        raise ValidationFailed(
            gettext("The article body is empty."), fields={"body": [gettext("The body is empty.")]}
        )
    if len(body) > max_chars:
        message = gettext(
            "The body is %(length)s characters; the limit is %(limit)s.",
            length=local_number(len(body)),
            limit=local_number(max_chars),
        )
        raise ValidationFailed(message, fields={"body": [message]})
    bad = first_control(body)
    if bad is not None:
        message = gettext(
            "The body contains a control character (%(character)s) at position "
            "%(position)s; it looks like binary data, not text.",
            character=f"U+{ord(bad):04X}",
            position=body.index(bad),
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
        message = gettext("The URL must start with http:// or https:// and name a site.")
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
            message = gettext(
                "Claim %(number)s cannot be stored: its offsets are outside the article.",
                number=number,
            )
        elif span.start < previous_end:
            message = gettext(
                "Claim %(number)s cannot be stored: it overlaps the claim before it or is "
                "out of order.",
                number=number,
            )
        elif not body[span.start : span.end].strip():
            message = gettext("Claim %(number)s cannot be stored: it holds no text.", number=number)
        else:
            previous_end = span.end
            continue
        raise ValidationFailed(message, fields={"claims": [message]})


def find_by_body(session: Session, body: str) -> Article | None:
    return session.scalar(select(Article).where(Article.body_sha256 == body_sha256(body)))


def find_by_first_text(session: Session, body: str) -> Article | None:
    """The article whose imported text (revision 1) was ``body``, revised since."""
    return session.scalar(
        select(Article)
        .join(ArticleRevision, ArticleRevision.article_id == Article.id)
        .where(ArticleRevision.number == 1, ArticleRevision.body_sha256 == body_sha256(body))
        .limit(1)
    )


def earlier_version(
    session: Session, *, url: str | None, title: str | None, body: str
) -> Article | None:
    """The article a new text looks like a version of: same URL, else same title, but
    not the same text (that is a duplicate, refused by :func:`import_article`)."""
    if find_by_body(session, normalise_body(body)) is not None:
        return None
    url = (url or "").strip()
    # A value no article can have (a NUL, which PostgreSQL refuses even in a query) is
    # left to the import's own checks, which explain it.
    if "\x00" in url:
        url = ""
    if "\x00" in (title or ""):
        title = ""
    if url:
        found = session.scalar(
            select(Article).where(Article.url == url).order_by(Article.id.desc()).limit(1)
        )
        if found is not None:
            return found
    title = " ".join((title or "").split())
    if title:
        return session.scalar(
            select(Article).where(Article.title == title).order_by(Article.id.desc()).limit(1)
        )
    return None


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
    language: str | None = None,
    claims: list[ClaimSpan] | None = None,
    restored_from: str | None = None,
) -> Article:
    """Store an article and its claims, all or nothing.

    :param actor: the importing user; None for the system (demo loader).
    :param language: a language tag; None (or empty) to detect it from the text.
    :param claims: the claims as offsets into the normalised body; None to segment it.
    :param restored_from: the archive the article comes from; the audit event is then
        ``article:restore``.
    :raises ValidationFailed: bad title, body, metadata or claims.
    :raises DuplicateArticle: the same body was imported before.
    """
    title = validate_title(title)
    metadata = validate_metadata(outlet=outlet, url=url, byline=byline)
    if language and (len(language) > MAX_LANGUAGE_CHARS or not re.match(LANGUAGE_TAG, language)):
        message = gettext(
            "“%(language)s” is not a language tag such as en or pt-BR.", language=language[:40]
        )
        raise ValidationFailed(message, fields={"language": [message]})
    body = validate_body(body, max_chars=max_chars)
    language = language or detect_language(title, body)
    if claims is not None:
        validate_spans(body, claims)
    existing = find_by_body(session, body)
    if existing is not None:
        raise DuplicateArticle(
            gettext("This text was already imported as “%(title)s”.", title=existing.title),
            existing_id=existing.id,
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
            gettext("This text was imported by someone else a moment ago."),
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
            **claim_hints(body[span.start : span.end], language),
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
        raise NotFound(gettext("There is no such article."))
    return article


def get_claim(session: Session, claim_id: int) -> Claim:
    # The article (and who imported it) is always needed with the claim: one query.
    claim = session.get(
        Claim, claim_id, options=[joinedload(Claim.article).joinedload(Article.imported_by)]
    )
    if claim is None:
        raise NotFound(gettext("There is no such claim."))
    return claim
