"""Restore a JSON Lines archive (the format is described in ``exports/jsonl.py``).

Every record passes through the operations the web form, the API and the command line
use -- ``import_article``, ``create_user``, ``create_verdict``, the annotation validator
and the workflow's transition table -- one function per record type, so a rule changed
in one place holds here too.

Two scopes:

- :attr:`Scope.EVERYTHING` (admins, and the command line): the verdict scale, accounts,
  articles with their claims, annotations with their sources and reviews. The people
  and times inside the archive stay data of each record (who annotated, who approved,
  when); the audit history records who restored which record from which archive.
- :attr:`Scope.ARTICLES` (anyone who may import articles, on the bulk import page):
  articles and their claims only, imported by the uploader, now. Annotations, reviews,
  verdicts and accounts in the archive are counted and left out: an archive is not a
  way to publish verdicts or create accounts.

A restore is all or nothing: the first record that breaks a rule refuses the file,
naming its line, and nothing is written.
"""

from __future__ import annotations

import codecs
import enum
import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, Any, TypeVar

from flask_babel import gettext, ngettext
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from factcheck.annotations import operations as annotation_ops
from factcheck.annotations.models import Annotation, Stance
from factcheck.annotations.operations import AnnotationInput, SourceInput
from factcheck.annotations.states import AnnotationState
from factcheck.articles import operations as article_ops
from factcheck.articles.hints import claim_hints
from factcheck.articles.models import (
    RETIRED_POSITION_BASE,
    Article,
    ArticleRevision,
    Claim,
    ClaimKind,
    ClaimLink,
)
from factcheck.audit.recorder import record
from factcheck.db import MAX_ID, utcnow
from factcheck.errors import DomainError, PermissionDenied, ValidationFailed
from factcheck.exports.jsonl import FORMAT, VERSION
from factcheck.i18n import local_number
from factcheck.review import operations as review_ops
from factcheck.review.models import Decision, Review
from factcheck.revisions.operations import MatchedArticle, OnMatch, revise_matched
from factcheck.users import operations as user_ops
from factcheck.users.models import Role, User
from factcheck.validators import email_address
from factcheck.verdicts import operations as verdict_ops
from factcheck.verdicts.models import DEFAULT_VERDICT_COLOUR, Verdict

MAX_LINE_CHARS = 5_000_000
MAX_DEPTH = 20
#: More reviews than this on one annotation is not a history, it is a probe.
MAX_REVIEWS = 200
#: More texts than this for one article is not an archive we wrote.
MAX_REVISIONS = 10_000
#: What a claim link may say a revision did (factcheck.articles.revisions.Outcome).
LINK_OUTCOMES = frozenset({"unchanged", "changed", "split", "merged", "removed", "uncertain"})
MAX_ARCHIVE_NAME_CHARS = 200

E = TypeVar("E", bound=enum.Enum)


class Scope(enum.StrEnum):
    #: Articles and their claims, imported by the uploader.
    ARTICLES = "articles"
    #: Everything the archive holds, people and times kept (admins and the CLI).
    EVERYTHING = "everything"


@dataclass
class RestoreReport:
    archive: str
    scope: Scope
    articles: list[tuple[int, str]] = field(default_factory=list)
    claims: int = 0
    annotations: int = 0
    reviews: int = 0
    users_created: list[str] = field(default_factory=list)
    verdicts_created: list[str] = field(default_factory=list)
    #: Record kinds the scope left out, with how many of each.
    left_out: Counter[str] = field(default_factory=Counter)
    #: Articles given a new revision instead (id, title, number), on a bulk import.
    revised: list[tuple[int, str, int]] = field(default_factory=list)
    #: Articles the archive's texts look like versions of, waiting for a choice.
    matched: list[tuple[int, str]] = field(default_factory=list)

    def notes(self) -> list[str]:
        """What a person reads under the file's name, besides the articles' list."""
        articles = len(self.articles)
        counts = {
            "articles": ngettext(
                "%(count)s article", "%(count)s articles", articles, count=local_number(articles)
            ),
            "claims": ngettext(
                "%(count)s claim", "%(count)s claims", self.claims, count=local_number(self.claims)
            ),
        }
        if self.scope is Scope.EVERYTHING:
            notes = [
                gettext(
                    "%(articles)s with %(claims)s, %(annotations)s and %(reviews)s restored.",
                    **counts,
                    annotations=ngettext(
                        "%(count)s annotation",
                        "%(count)s annotations",
                        self.annotations,
                        count=local_number(self.annotations),
                    ),
                    reviews=ngettext(
                        "%(count)s review",
                        "%(count)s reviews",
                        self.reviews,
                        count=local_number(self.reviews),
                    ),
                )
            ]
        else:
            notes = [gettext("%(articles)s with %(claims)s imported.", **counts)]
        if self.verdicts_created:
            notes.append(
                gettext(
                    "Verdicts added to the scale: %(keys)s",
                    keys=", ".join(self.verdicts_created),
                )
            )
        if self.users_created:
            notes.append(
                gettext(
                    "Accounts created deactivated (an admin activates them and sets a "
                    "password): %(emails)s",
                    emails=", ".join(self.users_created),
                )
            )
        if self.left_out:
            kinds = ", ".join(
                _left_out_records(kind, n) for kind, n in sorted(self.left_out.items())
            )
            notes.append(
                gettext(
                    "Left out: %(records)s. Only an admin can restore annotations, reviews, "
                    "verdicts and accounts from an archive, on the Restore page.",
                    records=kinds,
                )
            )
        return notes


def _left_out_records(kind: str, number: int) -> str:
    """How many records of a kind an articles-only import left out ("2 user records")."""
    num = local_number(number)
    if kind == "annotation":
        return ngettext(
            "%(count)s annotation record", "%(count)s annotation records", number, count=num
        )
    if kind == "user":
        return ngettext("%(count)s user record", "%(count)s user records", number, count=num)
    if kind == "verdict":
        return ngettext("%(count)s verdict record", "%(count)s verdict records", number, count=num)
    return f"{num} {kind}"  # not reached: the kinds above are all a scope leaves out


class _LineRefused(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(
            gettext("line %(line)s: %(problem)s", line=line, problem=message.rstrip("."))
        )


# --- reading records ----------------------------------------------------------------------


def archive_lines(stream: IO[bytes], *, filename: str) -> Iterator[str]:
    """The archive's lines as text, read as they are needed: a year's archive need not
    fit in memory.

    :raises ValidationFailed: binary data or text that is not UTF-8 (what the exporter
        writes), naming the line.
    """
    for number, raw in enumerate(stream, start=1):
        if number == 1 and raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8) :]
        if b"\x00" in raw:
            raise ValidationFailed(
                gettext(
                    "%(file)s looks like a binary file, not a JSON Lines archive "
                    "(a NUL byte on line %(line)s).",
                    file=filename,
                    line=number,
                )
            )
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise ValidationFailed(
                gettext(
                    "%(file)s is not UTF-8 text (line %(line)s, byte %(byte)s). "
                    "Archives exported from this platform are UTF-8.",
                    file=filename,
                    line=number,
                    byte=error.start + 1,
                )
            ) from None


def _depth(value: Any, level: int = 0) -> int:
    if level > MAX_DEPTH:
        return level
    if isinstance(value, dict):
        return max((_depth(v, level + 1) for v in value.values()), default=level + 1)
    if isinstance(value, list):
        return max((_depth(v, level + 1) for v in value), default=level + 1)
    return level


def _records(lines: Iterable[str]) -> Iterable[tuple[int, dict[str, Any]]]:
    """(line number, record) after the header, each a JSON object of bounded depth."""
    seen_header = False
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        if len(raw) > MAX_LINE_CHARS:
            raise _LineRefused(number, gettext("the line is too long"))
        try:
            item = json.loads(raw)
        except (ValueError, RecursionError):  # JSONDecodeError, or a 5,000-digit number
            raise _LineRefused(
                number, gettext("this is not valid JSON (or a number is too long)")
            ) from None
        if not isinstance(item, dict) or _depth(item) > MAX_DEPTH:
            raise _LineRefused(
                number, gettext("each line must be a JSON object (not nested too deeply)")
            )
        if not seen_header:
            if item.get("type") != "meta" or item.get("format") != FORMAT:
                raise _LineRefused(
                    number,
                    gettext("the file does not start with a %(format)s header", format=FORMAT),
                )
            if item.get("version") != VERSION:
                raise _LineRefused(
                    number,
                    gettext(
                        "version %(version)s is not supported", version=repr(item.get("version"))
                    ),
                )
            seen_header = True
            continue
        if item.get("type") == "meta":
            raise _LineRefused(number, gettext("a second header"))
        yield number, item
    if not seen_header:
        raise _LineRefused(1, gettext("the file is empty"))


def _text(item: dict, name: str, *, required: bool = False) -> str:
    """A text field; its length and content are checked by the operation it goes to."""
    value = item.get(name)
    if value is None:
        if required:
            raise ValidationFailed(gettext("“%(name)s” is missing", name=name))
        return ""
    if not isinstance(value, str):
        raise ValidationFailed(gettext("“%(name)s” must be text", name=name))
    if "\x00" in value:
        raise ValidationFailed(gettext("“%(name)s” contains a NUL character", name=name))
    return value


def _int(item: dict, name: str, *, default: int | None = None) -> int:
    value = item.get(name, default)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValidationFailed(gettext("“%(name)s” must be a whole number", name=name))
    if not 0 <= value <= MAX_ID:
        raise ValidationFailed(gettext("“%(name)s” is out of range", name=name))
    return value


def _when(item: dict, name: str, kind: type[date] | type[datetime] = datetime) -> Any:
    value = item.get(name)
    if value is None:
        return None
    try:
        parsed = kind.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValidationFailed(gettext("“%(name)s” is not an ISO date", name=name)) from None
    if isinstance(parsed, datetime) and parsed.tzinfo is None:
        raise ValidationFailed(gettext("“%(name)s” has no time zone", name=name))
    return parsed


def _choice(item: dict, name: str, enum_class: type[E], default: str | None = None) -> E:
    """A value of ``enum_class`` named by its value, e.g. "approved" for a state."""
    value = item.get(name, default)
    try:
        return enum_class(value)
    except ValueError:
        raise ValidationFailed(
            gettext("unknown %(name)s %(value)s", name=name, value=repr(str(value)[:40]))
        ) from None


def _list(item: dict, name: str) -> list[dict[str, Any]]:
    value = item.get(name) or []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ValidationFailed(gettext("“%(name)s” must be a list of objects", name=name))
    return value


# --- one function per record type ------------------------------------------------------------


def restore_verdict(
    session: Session, actor: User | None, item: dict[str, Any], *, archive: str
) -> Verdict | None:
    """Add the archive's verdict to the scale unless its key is there already.

    :returns: the new verdict, or None when the scale has the key (it is kept as is).
    """
    key = _text(item, "key", required=True)
    if session.scalar(select(Verdict.id).where(Verdict.key == key)) is not None:
        return None
    return verdict_ops.create_verdict(
        session,
        actor,
        key=key,
        label=_text(item, "label", required=True),
        description=_text(item, "description"),
        rating=item.get("rating"),
        colour=_text(item, "colour") or DEFAULT_VERDICT_COLOUR,
        active=item.get("active", True) is not False,
        restored_from=archive,
    )


def restore_user(
    session: Session,
    actor: User | None,
    *,
    email: str,
    name: str,
    role: Role,
    archive: str,
) -> tuple[User, bool]:
    """The account with this email, or a new deactivated one nobody can log in to yet.

    An existing account is kept as it is: an archive never changes someone's role.

    :returns: the account, and whether it was created.
    """
    existing = user_ops.find_user_by_email(session, email)
    if existing is not None:
        return existing, False
    created = user_ops.create_user(
        session,
        actor,
        email=email,
        name=name or email,
        password=None,
        role=role,
        active=False,
        restored_from=archive,
    )
    return created, True


@dataclass(frozen=True)
class ArchivedReview:
    """One review as the archive records it, its reviewer already an account."""

    past: review_ops.PastReview
    annotation_version: int
    created_at: datetime | None


def restore_annotation(
    session: Session,
    actor: User | None,
    claim_id: int,
    author: User,
    data: AnnotationInput,
    *,
    state: AnnotationState,
    version: int,
    times: dict[str, datetime | None],
    reviews: list[ArchivedReview],
    archive: str,
    revision: int = 1,
) -> Annotation:
    """Store an annotation as the archive has it, if the platform's rules allow it.

    The same validation as a save from the form (lengths, URLs, sources, the verdict),
    and a replay of its reviews through the transition table (four-eyes rule, roles,
    comments, a path to its state); at most one approved annotation per claim.

    :param times: ``created_at``, ``updated_at`` and ``submitted_at`` from the archive.
    :raises ValidationFailed: naming the rule that is broken; nothing is written.
    """
    # A verdict retired since stays on old work, as it does on annotations kept here.
    annotation_ops.validate(session, data, current_verdict_id=data.verdict_id)
    comments = review_ops.check_history(
        author,
        [r.past for r in reviews],
        state,
        has_verdict=data.verdict_id is not None,
    )
    for review in reviews:
        if not 1 <= review.annotation_version <= version:
            raise ValidationFailed(
                gettext(
                    "a review names version %(named)s of an annotation whose version is "
                    "%(version)s",
                    named=review.annotation_version,
                    version=version,
                )
            )
    existing = session.scalar(
        select(Annotation.id).where(
            Annotation.claim_id == claim_id, Annotation.annotator_id == author.id
        )
    )
    if existing is not None:
        raise ValidationFailed(
            gettext("%(email)s has a second annotation of the same claim", email=author.email)
        )
    annotation = Annotation(
        claim_id=claim_id,
        annotator_id=author.id,
        verdict_id=data.verdict_id,
        claimant=data.claimant.strip(),
        claim_summary=data.claim_summary.strip(),
        rationale=data.rationale.strip(),
        state=state,
        submitted_at=times.get("submitted_at"),
        revision=revision,
    )
    if state is AnnotationState.APPROVED:
        review_ops.check_no_other_approved(session, annotation)
    for name in ("created_at", "updated_at"):
        if times.get(name) is not None:
            setattr(annotation, name, times[name])
    annotation.sources = annotation_ops.build_sources([s for s in data.sources if not s.is_blank()])
    session.add(annotation)
    try:
        session.flush()
    except DBAPIError as error:  # a constraint said no that no check above foresaw
        raise ValidationFailed(
            gettext(
                "the annotation breaks a rule of the database (%(error)s)",
                error=error.__class__.__name__,
            )
        ) from None
    for review, comment in zip(reviews, comments, strict=True):
        row = Review(
            annotation_id=annotation.id,
            reviewer_id=review.past.reviewer.id,
            annotator_id=author.id,
            decision=review.past.decision,
            comment=comment,
            annotation_version=review.annotation_version,
        )
        if review.created_at is not None:
            row.created_at = review.created_at
        session.add(row)
    if version > annotation.version:
        # Keep the archive's version, so a re-export matches; the ORM would bump it.
        session.flush()
        table = Annotation.__table__
        session.execute(
            table.update()
            .where(table.c.id == annotation.id)
            .values(version=version, updated_at=annotation.updated_at)
        )
        session.expire(annotation, ["version"])
    verdict = session.get(Verdict, data.verdict_id) if data.verdict_id else None
    record(
        session,
        actor,
        "annotation:restore",
        "annotation",
        annotation.id,
        {
            "restored_from": [None, archive],
            "annotator": [None, author.email],
            "state": [None, state],
            "verdict": [None, verdict.key if verdict else None],
            "created_at": [None, times.get("created_at")],
            "submitted_at": [None, times.get("submitted_at")],
            "sources": [None, len(annotation.sources)],
            "reviews": [
                None,
                [
                    f"{r.past.decision.value} by {r.past.reviewer.email}"
                    + (f" on {r.created_at.isoformat()}" if r.created_at else "")
                    for r in reviews
                ],
            ],
        },
    )
    return annotation


# --- the archive as a whole ------------------------------------------------------------------


def restore_archive(
    session: Session,
    actor: User | None,
    lines: Iterable[str],
    *,
    archive: str,
    scope: Scope,
    max_chars: int,
    on_match: OnMatch = OnMatch.SEPARATE,
) -> RestoreReport:
    """Restore an archive, all or nothing.

    :param actor: who restores; None for the command line. :attr:`Scope.EVERYTHING`
        needs an admin.
    :param archive: the file's name, recorded with every restored record.
    :raises PermissionDenied: a non-admin asked for everything.
    :param on_match: on a bulk import (:attr:`Scope.ARTICLES`), what to do with an
        article whose URL or title is an article's already here.
    :raises ValidationFailed: naming the first offending line; nothing was written.
    """
    if scope is Scope.EVERYTHING and actor is not None and not actor.has_role(Role.ADMIN):
        raise PermissionDenied(
            gettext(
                "Only an admin can restore an archive's annotations, reviews, verdicts and "
                "accounts; the bulk import page imports its articles."
            )
        )
    if actor is not None and not actor.active:
        raise PermissionDenied(gettext("Your account is deactivated."))
    archive = " ".join(archive.split())[:MAX_ARCHIVE_NAME_CHARS] or "archive"
    restorer = _Restorer(session, actor, archive, scope, max_chars)
    if scope is Scope.ARTICLES:
        restorer.on_match = on_match
    try:
        with session.begin_nested():
            restorer.run(lines)
    except _LineRefused as error:
        raise ValidationFailed(gettext("Nothing was restored: %(reason)s.", reason=error)) from None
    return restorer.report


@dataclass
class _PendingArticle:
    line: int
    item: dict[str, Any]
    claims: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    #: A revised article's texts, removed claims and links (line number, record).
    revisions: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    removed_claims: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    links: list[tuple[int, dict[str, Any]]] = field(default_factory=list)


_TIMES = ("created_at", "updated_at", "submitted_at")
#: Records that belong to the article before them, and where they wait for it.
_ARTICLE_PARTS = {
    "claim": "claims",
    "revision": "revisions",
    "removed_claim": "removed_claims",
    "claim_link": "links",
}


class _Restorer:
    """Walks the archive's records in order and hands each to its function."""

    def __init__(
        self, session: Session, actor: User | None, archive: str, scope: Scope, max_chars: int
    ) -> None:
        self.session, self.actor, self.archive = session, actor, archive
        self.scope, self.max_chars = scope, max_chars
        self.report = RestoreReport(archive, scope)
        #: The people the archive describes (email -> name, role), for accounts it names.
        self.people: dict[str, tuple[str, Role]] = {}
        self.accounts: dict[str, User] = {}
        self.verdict_ids: dict[str, int] = {}
        self.verdict_order: dict[str, int] = {}
        self.scale_settled = False
        self.pending: _PendingArticle | None = None
        #: Archive claim id -> this database's claim id.
        self.claim_ids: dict[int, int] = {}
        self.on_match = OnMatch.SEPARATE

    def run(self, lines: Iterable[str]) -> None:
        for number, item in _records(lines):
            kind = item.get("type")
            if kind in _ARTICLE_PARTS:
                if self.pending is None:  # the exporter writes these after their article
                    raise _LineRefused(
                        number, gettext("the claim's article is not earlier in the file")
                    )
                getattr(self.pending, _ARTICLE_PARTS[kind]).append((number, item))
                continue
            self._finish_article()
            if kind != "verdict":
                self._settle_scale()
            if kind == "article":
                # Its claims follow on the next lines; it is stored once they are read.
                self._at(number, _int, item, "id")
                self.pending = _PendingArticle(number, item)
                continue
            handler = {
                "verdict": self._verdict,
                "user": self._user,
                "annotation": self._annotation,
            }.get(kind)
            if handler is None:
                raise _LineRefused(
                    number,
                    gettext("unknown record type %(kind)s", kind=repr(str(kind)[:40])),
                )
            self._at(number, handler, item)
        self._finish_article()
        self._settle_scale()
        self.session.flush()

    def _at(self, number: int, handler: Any, *args: Any) -> Any:
        """Run ``handler``, turning a refusal into one that names the line."""
        try:
            return handler(*args)
        except DomainError as error:
            details = "; ".join(
                gettext("%(field)s: %(message)s", field=name.replace("_", " "), message=message)
                for name, messages in error.fields.items()
                for message in messages
                if message not in error.message
            )
            text = error.message.rstrip(".")
            raise _LineRefused(number, f"{text} ({details})" if details else text) from None

    def _left_out(self, kind: str) -> bool:
        if self.scope is Scope.ARTICLES:
            self.report.left_out[kind] += 1
            return True
        return False

    def _verdict(self, item: dict[str, Any]) -> None:
        if self._left_out("verdict"):
            return
        key = _text(item, "key", required=True)
        self.verdict_order[key] = _int(item, "sort_order", default=len(self.verdict_order))
        verdict = restore_verdict(self.session, self.actor, item, archive=self.archive)
        if verdict is not None:
            self.report.verdicts_created.append(verdict.key)

    def _settle_scale(self) -> None:
        """Once the archive's scale is read, give it the archive's order (if it is whole)."""
        if self.scale_settled or self.scope is Scope.ARTICLES:
            return
        self.scale_settled = True
        if self.verdict_order:
            verdict_ops.set_scale_order(
                self.session, self.actor, self.verdict_order, restored_from=self.archive
            )
        self.verdict_ids = {
            key: id_ for key, id_ in self.session.execute(select(Verdict.key, Verdict.id))
        }

    def _user(self, item: dict[str, Any]) -> None:
        if self._left_out("user"):
            return
        email = email_address(_text(item, "email", required=True))
        role = _choice(item, "role", Role, Role.ANNOTATOR.value)
        self.people[email] = (_text(item, "name") or email, role)
        # The whole team comes back (deactivated), so a restored project is complete.
        self._person(email)

    def _person(self, email: Any) -> User:
        if not isinstance(email, str):
            raise ValidationFailed(
                gettext("%(email)s is not a person's email", email=repr(str(email)[:80]))
            )
        email = email_address(email)
        user = self.accounts.get(email)
        if user is None:
            name, role = self.people.get(email, (email, Role.ANNOTATOR))
            user, created = restore_user(
                self.session, self.actor, email=email, name=name, role=role, archive=self.archive
            )
            if created:
                self.report.users_created.append(email)
            self.accounts[email] = user
        return user

    def _finish_article(self) -> None:
        pending, self.pending = self.pending, None
        if pending is None:
            return
        self._at(pending.line, self._store_article, pending)

    def _store_article(self, pending: _PendingArticle) -> None:
        item = pending.item
        archive_claims: list[tuple[int, int, int, dict[str, Any]]] = []
        for number, claim in pending.claims:
            try:
                if _int(claim, "article_id") != _int(item, "id"):
                    raise ValidationFailed(
                        gettext("the claim does not belong to the article before it")
                    )
                archive_claims.append((_int(claim, "position"), _int(claim, "id"), number, claim))
            except DomainError as error:
                raise _LineRefused(number, error.message) from None
        archive_claims.sort(key=lambda entry: entry[0])
        positions = [entry[0] for entry in archive_claims]
        if len(set(positions)) != len(positions):
            raise ValidationFailed(gettext("two claims of the article have the same position"))
        spans = []
        for _position, _id, number, claim in archive_claims:
            try:
                spans.append(
                    article_ops.ClaimSpan(
                        _int(claim, "start"),
                        _int(claim, "end"),
                        _choice(claim, "kind", ClaimKind, ClaimKind.SENTENCE.value),
                    )
                )
            except DomainError as error:
                raise _LineRefused(number, error.message) from None
        body = _text(item, "body", required=True)
        sha = item.get("body_sha256")
        if sha is not None and sha != article_ops.body_sha256(article_ops.normalise_body(body)):
            raise ValidationFailed(gettext("the body does not match its SHA-256"))
        everything = self.scope is Scope.EVERYTHING
        if self.on_match is not OnMatch.SEPARATE and self._as_revision(item, body):
            return
        article = article_ops.import_article(
            self.session,
            self.actor,
            title=_text(item, "title", required=True),
            body=body,
            max_chars=self.max_chars,
            outlet=_text(item, "outlet"),
            url=_text(item, "url"),
            byline=_text(item, "byline"),
            published_on=_when(item, "published_on", date),
            language=_text(item, "language") or None,
            claims=spans,
            restored_from=self.archive if everything else None,
        )
        if everything:
            # Who imported it and when are data of the article, kept from the archive;
            # the audit event above says who restored it.
            importer = item.get("imported_by")
            article.imported_by_id = self._person(importer).id if importer else None
            imported_at = _when(item, "imported_at")
            if imported_at is not None:
                article.imported_at = imported_at
            self.session.flush()
        new_ids = self.session.scalars(
            select(Claim.id).where(Claim.article_id == article.id).order_by(Claim.position)
        ).all()
        for (_position, old_id, _number, _claim), new_id in zip(
            archive_claims, new_ids, strict=True
        ):
            self.claim_ids[old_id] = new_id
        if pending.revisions or pending.removed_claims or pending.links:
            self._store_revisions(pending, article, everything)
        self.report.articles.append((article.id, article.title))
        self.report.claims += len(new_ids)

    def _as_revision(self, item: dict[str, Any], body: str) -> bool:
        """Whether the archive's article went in as a new revision of one here (its own
        claims then give way to the new text's segmentation).

        :raises MatchedArticle: it matches one and the person has not chosen.
        """
        try:
            revised = revise_matched(
                self.session,
                self.actor,
                on_match=self.on_match,
                filename=self.archive,
                title=_text(item, "title"),
                url=_text(item, "url"),
                body=body,
                max_chars=self.max_chars,
            )
        except MatchedArticle as matched:
            matched.note_in(self.report.matched)
            raise
        if revised is None:
            return False
        article = revised.revision.article
        self.report.revised.append((article.id, article.title, revised.revision.number))
        return True

    def _store_revisions(
        self, pending: _PendingArticle, article: Article, everything: bool
    ) -> None:
        """A revised article's earlier texts, the claims revisions removed and the links."""
        item = pending.item
        numbers = []
        revisions: dict[int, ArticleRevision] = {}
        for number, record_ in pending.revisions:
            try:
                revision_number = _int(record_, "number")
                body = article_ops.normalise_body(_text(record_, "body", required=True))
                if revision_number in revisions or not 1 <= revision_number <= MAX_REVISIONS:
                    raise ValidationFailed(
                        gettext("the article's revisions are not numbered 1, 2, 3…")
                    )
                creator = record_.get("created_by")
                revisions[revision_number] = ArticleRevision(
                    number=revision_number,
                    body=body,
                    body_sha256=article_ops.body_sha256(body),
                    created_by_id=self._person(creator).id if creator and everything else None,
                    created_at=_when(record_, "created_at") or utcnow(),
                    origin=_text(record_, "origin") or "pasted",
                    summary={
                        str(key): value
                        for key, value in (record_.get("summary") or {}).items()
                        if isinstance(value, int)
                    }
                    if isinstance(record_.get("summary"), dict)
                    else {},
                )
                numbers.append(revision_number)
            except DomainError as error:
                raise _LineRefused(number, error.message) from None
        latest = _int(item, "revision", default=max(numbers, default=1))
        if sorted(numbers) != list(range(1, latest + 1)) or (
            latest > 1 and revisions[latest].body != article.body
        ):
            raise ValidationFailed(
                gettext("the article's revisions do not end at its current text")
            )
        for revision_number in sorted(revisions):
            article.revisions.append(revisions[revision_number])
        article.revision = latest
        article.revised_at = _when(item, "revised_at") or revisions[latest].created_at
        self.session.flush()
        for number, record_ in pending.removed_claims:
            try:
                removed_in = _int(record_, "removed_in")
                if not 2 <= removed_in <= latest:
                    raise ValidationFailed(
                        gettext("the claim was removed by a revision the article does not have")
                    )
                body = revisions[removed_in - 1].body
                span = article_ops.ClaimSpan(
                    _int(record_, "start"),
                    _int(record_, "end"),
                    _choice(record_, "kind", ClaimKind, ClaimKind.SENTENCE.value),
                )
                article_ops.validate_spans(body, [span])
                claim = Claim(
                    article_id=article.id,
                    # Unique and past every current claim until its id is known.
                    position=RETIRED_POSITION_BASE - 1 - len(self.claim_ids),
                    start=span.start,
                    end=span.end,
                    kind=span.kind,
                    removed_in=removed_in,
                    **claim_hints(body[span.start : span.end], article.language),
                )
                self.session.add(claim)
                self.session.flush()
                claim.position = RETIRED_POSITION_BASE + claim.id
                self.claim_ids[_int(record_, "id")] = claim.id
            except DomainError as error:
                raise _LineRefused(number, error.message) from None
        ids = {revision.number: revision.id for revision in revisions.values()}
        for number, record_ in pending.links:
            try:
                revision_number = _int(record_, "revision")
                claim_id = self.claim_ids.get(_int(record_, "claim_id"))
                successor = record_.get("successor_id")
                successor_id = (
                    self.claim_ids.get(_int(record_, "successor_id"))
                    if successor is not None
                    else None
                )
                outcome = _text(record_, "outcome")
                if (
                    revision_number not in ids
                    or revision_number < 2
                    or claim_id is None
                    or (successor is not None and successor_id is None)
                    or outcome not in LINK_OUTCOMES
                ):
                    raise ValidationFailed(
                        gettext(
                            "the claim link names a claim or revision the article does not have"
                        )
                    )
                resolver = record_.get("resolved_by")
                candidates = record_.get("candidate_ids") or []
                self.session.add(
                    ClaimLink(
                        revision_id=ids[revision_number],
                        claim_id=claim_id,
                        successor_id=successor_id,
                        outcome=outcome,
                        confidence=float(record_.get("confidence") or 0.0),
                        old_start=_int(record_, "old_start"),
                        old_end=_int(record_, "old_end"),
                        old_position=_int(record_, "old_position"),
                        candidate_ids=[
                            self.claim_ids[c]
                            for c in candidates
                            if isinstance(c, int) and c in self.claim_ids
                        ]
                        if isinstance(candidates, list)
                        else [],
                        resolved_by_id=self._person(resolver).id
                        if resolver and everything
                        else None,
                        resolved_at=_when(record_, "resolved_at"),
                    )
                )
            except (DomainError, TypeError, ValueError) as error:
                message = error.message if isinstance(error, DomainError) else str(error)
                raise _LineRefused(number, message) from None
        self.session.flush()

    def _annotation(self, item: dict[str, Any]) -> None:
        if self._left_out("annotation"):
            return
        claim_id = self.claim_ids.get(_int(item, "claim_id"))
        if claim_id is None:
            raise ValidationFailed(gettext("the annotation's claim is not earlier in the file"))
        verdict_key = item.get("verdict")
        verdict_id = None
        if verdict_key is not None:
            verdict_id = self.verdict_ids.get(verdict_key) if isinstance(verdict_key, str) else None
            if verdict_id is None:
                raise ValidationFailed(
                    gettext("unknown verdict %(key)s", key=repr(str(verdict_key)[:40]))
                )
        sources = [
            SourceInput(
                url=_text(source, "url"),
                title=_text(source, "title"),
                publisher=_text(source, "publisher"),
                quote=_text(source, "quote"),
                stance=_choice(source, "stance", Stance, Stance.CONTEXT.value),
                accessed_on=_when(source, "accessed_on", date),
                archive_url=_text(source, "archive_url"),
            )
            for source in _list(item, "sources")
        ]
        data = AnnotationInput(
            verdict_id=verdict_id,
            claimant=_text(item, "claimant"),
            claim_summary=_text(item, "claim_summary"),
            rationale=_text(item, "rationale"),
            sources=sources,
        )
        archived_reviews = _list(item, "reviews")
        if len(archived_reviews) > MAX_REVIEWS:
            raise ValidationFailed(
                gettext("more than %(count)s reviews on one annotation", count=MAX_REVIEWS)
            )
        reviews = [
            ArchivedReview(
                review_ops.PastReview(
                    reviewer=self._person(entry.get("reviewer")),
                    decision=_choice(entry, "decision", Decision),
                    comment=_text(entry, "comment"),
                ),
                annotation_version=_int(entry, "annotation_version", default=1),
                created_at=_when(entry, "created_at"),
            )
            for entry in archived_reviews
        ]
        version = _int(item, "version", default=1)
        if version < 1:
            raise ValidationFailed(gettext("“version” must be 1 or more"))
        revision = _int(item, "revision", default=1)
        if revision < 1:
            raise ValidationFailed(gettext("“revision” must be 1 or more"))
        restore_annotation(
            self.session,
            self.actor,
            claim_id,
            self._person(item.get("annotator")),
            data,
            state=_choice(item, "state", AnnotationState, AnnotationState.DRAFT.value),
            version=version,
            times={name: _when(item, name) for name in _TIMES},
            reviews=reviews,
            archive=self.archive,
            revision=revision,
        )
        self.report.annotations += 1
        self.report.reviews += len(reviews)
