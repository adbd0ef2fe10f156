"""What the public pages show, and the switch that puts them online.

Every reader-facing query starts from the record of publications
(:mod:`factcheck.review.publication`) and reads only approved annotations: a draft,
a submitted, returned, rejected or reopened annotation, a review comment or an email
address has no way onto a public page. Nobody is logged in there, so nothing here
takes a viewer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import gettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from factcheck.annotations.models import Annotation
from factcheck.annotations.states import AnnotationState
from factcheck.articles.models import Article, Claim, ClaimLink
from factcheck.audit.models import AuditEvent
from factcheck.audit.recorder import diff_fields, record
from factcheck.db import continue_after
from factcheck.errors import NotFound, PermissionDenied, StaleVersion
from factcheck.publishing.models import SETTINGS_ID, PublishingSettings
from factcheck.review.models import Decision, Review
from factcheck.review.publication import PublicationEvent, PublicationKind, PublishedArticle
from factcheck.users.models import Role, User
from factcheck.verdicts.models import Verdict

INDEX_PAGE_SIZE = 20
FEED_ENTRIES = 50


@dataclass(frozen=True)
class Settings:
    enabled: bool
    show_names: bool
    version: int
    updated_at: datetime | None


def settings(session: Session) -> Settings:
    """The admin's choice, or the configured default (``FACTCHECK_PUBLISHING``) until an
    admin has made one."""
    row = session.get(PublishingSettings, SETTINGS_ID)
    if row is None:
        return Settings(
            enabled=bool(current_app.config.get("PUBLISHING")),
            show_names=bool(current_app.config.get("PUBLISHING_SHOW_NAMES")),
            version=0,
            updated_at=None,
        )
    return Settings(row.enabled, row.show_names, row.version, row.updated_at)


def update_settings(
    session: Session,
    actor: User,
    *,
    enabled: bool,
    show_names: bool,
    expected_version: int,
) -> Settings:
    """Switch publishing on or off, and names with it (admins; audited).

    :raises PermissionDenied: not an admin.
    :raises StaleVersion: another admin changed the settings since the form was shown.
    """
    if not actor.has_role(Role.ADMIN):
        raise PermissionDenied(gettext("Only an admin can change publishing."))
    before = settings(session)
    if expected_version != before.version:
        raise StaleVersion(
            gettext("Another admin changed the publishing settings meanwhile; here they are now.")
        )
    row = session.get(PublishingSettings, SETTINGS_ID)
    if row is None:
        row = PublishingSettings(
            id=SETTINGS_ID, enabled=before.enabled, show_names=before.show_names
        )
        session.add(row)
    changes = diff_fields(
        {"enabled": before.enabled, "show_names": before.show_names},
        {"enabled": enabled, "show_names": show_names},
    )
    row.enabled, row.show_names = enabled, show_names
    session.flush()
    if changes or before.version == 0:
        record(session, actor, "publishing:update", "publishing", SETTINGS_ID, changes)
    return settings(session)


def require_publishing(session: Session) -> Settings:
    """:raises NotFound: publishing is off (the public pages do not exist then)."""
    current = settings(session)
    if not current.enabled:
        raise NotFound(gettext("This page does not exist."))
    return current


# -- what a reader sees -----------------------------------------------------------------


@dataclass(frozen=True)
class Correction:
    at: datetime
    text: str


@dataclass
class PublicClaim:
    #: The claim (its id, start, end and position).
    claim: Any
    article: Article
    #: The approved annotation, or None when the verdict was withdrawn for review.
    #: An ORM object on a claim page, a row of its shown columns in lists.
    annotation: Any
    verdict: Verdict | None
    first_published: datetime
    #: The last change after the first publication; None if there was none.
    modified: datetime | None
    corrections: list[Correction] = field(default_factory=list)
    #: Who approved it (shown only when the settings say so).
    reviewer: User | None = None
    #: A revision of the article changed, split or merged the claim's sentence: a
    #: withdrawn verdict is under review because the article was updated.
    revised: bool = False

    @property
    def body(self) -> str:
        """The article text the claim's offsets point into."""
        return self.article.body_of(self.revision)

    @property
    def text(self) -> str:
        return self.body[self.claim.start : self.claim.end]

    @property
    def revision(self) -> int:
        """The article revision whose text the claim's offsets point into."""
        removed_in = self.claim.removed_in
        return self.article.revision if removed_in is None else removed_in - 1

    @property
    def in_text(self) -> bool:
        """Whether the claim is part of the article's current text."""
        return self.claim.removed_in is None

    @property
    def last_changed(self) -> datetime:
        return self.modified or self.first_published


def _verdict_name(verdicts: dict[int, Verdict], verdict_id: int | None) -> str:
    verdict = verdicts.get(verdict_id) if verdict_id is not None else None
    return verdict.label if verdict is not None else gettext("a verdict since retired")


def _corrections(events: Sequence[Any], verdicts: dict[int, Verdict]) -> list[Correction]:
    """Every change after the first publication, in words a reader understands."""
    corrections = []
    previous = events[0]
    for event in events[1:]:
        old = _verdict_name(verdicts, previous.verdict_id)
        if event.kind is PublicationKind.WITHDRAWN:
            text = gettext(
                "The verdict “%(old)s” was withdrawn while the fact-check is reviewed again.",
                old=old,
            )
        elif previous.kind is PublicationKind.WITHDRAWN or previous.verdict_id == event.verdict_id:
            new = _verdict_name(verdicts, event.verdict_id)
            if event.verdict_id == previous.verdict_id:
                text = gettext(
                    "After a new review the verdict “%(new)s” was published again.", new=new
                )
            else:
                text = gettext(
                    "After a new review the verdict was changed from “%(old)s” to “%(new)s”.",
                    old=old,
                    new=new,
                )
        else:
            new = _verdict_name(verdicts, event.verdict_id)
            text = gettext("The verdict was changed from “%(old)s” to “%(new)s”.", old=old, new=new)
        corrections.append(Correction(event.created_at, text))
        previous = event
    return corrections


#: What pages read of a publication event (rows: a thousand ORM objects cost more than
#: the query that reads them).
_EVENT_ROWS = select(
    PublicationEvent.id,
    PublicationEvent.claim_id,
    PublicationEvent.article_id,
    PublicationEvent.kind,
    PublicationEvent.verdict_id,
    PublicationEvent.created_at,
)


def _verdicts(session: Session) -> dict[int, Verdict]:
    return {v.id: v for v in session.scalars(select(Verdict))}


def _approved(session: Session, claim_ids: list[int], *, details: bool) -> dict[int, Any]:
    """The approved annotations of the claims: with their sources and author when the
    page shows them (a claim page), else as rows of what a list of verdicts shows (a
    thousand ORM objects with their sources took half the article page's time)."""
    if not claim_ids:
        return {}
    query = select(Annotation).where(
        Annotation.claim_id.in_(claim_ids),
        Annotation.state == AnnotationState.APPROVED,
    )
    if details:
        query = query.options(selectinload(Annotation.sources), selectinload(Annotation.annotator))
        return {a.claim_id: a for a in session.scalars(query)}
    rows = session.execute(
        query.with_only_columns(
            Annotation.id,
            Annotation.claim_id,
            Annotation.verdict_id,
            Annotation.claimant,
            Annotation.claim_summary,
            Annotation.rationale,
        )
    )
    return {row.claim_id: row for row in rows}


def _approvers(session: Session, annotation_ids: list[int]) -> dict[int, User]:
    if not annotation_ids:
        return {}
    latest = (
        select(func.max(Review.id))
        .where(Review.annotation_id.in_(annotation_ids), Review.decision == Decision.APPROVE)
        .group_by(Review.annotation_id)
    )
    return {
        review.annotation_id: review.reviewer
        for review in session.scalars(
            select(Review).where(Review.id.in_(latest)).options(selectinload(Review.reviewer))
        )
    }


def _public_claims(
    session: Session,
    articles: dict[int, Article],
    events: Sequence[Any],
    *,
    names: bool,
    details: bool = False,
) -> list[PublicClaim]:
    """The claims of ``events`` (publication event rows, oldest first, of any articles
    in ``articles``) as readers see them, in a fixed number of queries."""
    by_claim: dict[int, list[Any]] = {}
    for event in events:
        by_claim.setdefault(event.claim_id, []).append(event)
    claims = {
        c.id: c
        for c in session.execute(
            select(Claim.id, Claim.start, Claim.end, Claim.position, Claim.removed_in).where(
                Claim.id.in_(list(by_claim))
            )
        )
    }
    approved = _approved(session, list(by_claim), details=details)
    revised = set(
        session.scalars(
            select(ClaimLink.claim_id).where(
                ClaimLink.claim_id.in_(list(by_claim)),
                ClaimLink.outcome.in_(("changed", "split", "merged")),
            )
        )
    )
    reviewers = _approvers(session, [a.id for a in approved.values()]) if names else {}
    verdicts = _verdicts(session)
    found = []
    for claim_id, claim_events in by_claim.items():
        annotation = approved.get(claim_id)
        found.append(
            PublicClaim(
                claim=claims[claim_id],
                article=articles[claim_events[0].article_id],
                annotation=annotation,
                verdict=verdicts.get(annotation.verdict_id)
                if annotation and annotation.verdict_id
                else None,
                first_published=claim_events[0].created_at,
                modified=claim_events[-1].created_at if len(claim_events) > 1 else None,
                corrections=_corrections(claim_events, verdicts),
                reviewer=reviewers.get(annotation.id) if annotation else None,
                revised=claim_id in revised,
            )
        )
    found.sort(key=lambda public: (public.article.id, public.claim.start))
    return found


def public_claim(session: Session, claim_id: int, *, names: bool) -> PublicClaim:
    """A claim whose verdict was ever published, as readers see it.

    :raises NotFound: it never had a public verdict (or does not exist).
    """
    events = session.execute(
        _EVENT_ROWS.where(PublicationEvent.claim_id == claim_id).order_by(PublicationEvent.id)
    ).all()
    if not events:
        raise NotFound(gettext("There is no published fact-check here."))
    article = session.get(Article, events[0].article_id)
    assert article is not None  # the events go with their article
    return _public_claims(session, {article.id: article}, events, names=names, details=True)[0]


@dataclass
class PublicArticle:
    article: Article
    claims: list[PublicClaim]
    published_at: datetime
    modified_at: datetime

    @property
    def current(self) -> list[PublicClaim]:
        """The claims with a verdict public now."""
        return [c for c in self.claims if c.annotation is not None]

    def pieces(self) -> list[tuple[str, PublicClaim | None]]:
        """The body cut into plain text and published claims, in order."""
        body, cursor, out = self.article.body, 0, []
        for public in self.current:
            # A claim a revision removed points into an earlier text.
            if not public.in_text or public.claim.start < cursor:
                continue
            if public.claim.start > cursor:
                out.append((body[cursor : public.claim.start], None))
            out.append((body[public.claim.start : public.claim.end], public))
            cursor = public.claim.end
        if cursor < len(body):
            out.append((body[cursor:], None))
        return out


def public_article(session: Session, article_id: int, *, names: bool) -> PublicArticle:
    """An article with its published claims (and their corrections).

    :raises NotFound: none of its claims ever had a public verdict.
    """
    row = session.get(PublishedArticle, article_id)
    if row is None:
        raise NotFound(gettext("There is no published fact-check here."))
    article = session.get(Article, article_id)
    assert article is not None
    events = session.execute(
        _EVENT_ROWS.where(PublicationEvent.article_id == article_id).order_by(PublicationEvent.id)
    ).all()
    claims = _public_claims(session, {article.id: article}, events, names=names)
    return PublicArticle(article, claims, row.published_at, row.modified_at)


@dataclass
class IndexPage:
    articles: list[tuple[Article, PublishedArticle]]
    next_after: int | None


def index_page(session: Session, after: int | None = None) -> IndexPage:
    """Published articles, newest first publication first, a keyset page at a time."""
    key = (PublishedArticle.published_at, PublishedArticle.article_id)
    page = select(PublishedArticle).order_by(*(column.desc() for column in key))
    page = continue_after(session, page, key, after, descending=True)
    rows = session.scalars(page.limit(INDEX_PAGE_SIZE + 1)).all()
    more = len(rows) > INDEX_PAGE_SIZE
    rows = rows[:INDEX_PAGE_SIZE]
    articles = {
        a.id: a
        for a in session.scalars(
            select(Article).where(Article.id.in_([row.article_id for row in rows]))
        )
    }
    return IndexPage(
        [(articles[row.article_id], row) for row in rows],
        rows[-1].article_id if more and rows else None,
    )


def latest_change(session: Session) -> datetime | None:
    """When anything public last changed: the index's and the feed's Last-Modified."""
    return session.scalar(select(func.max(PublishedArticle.modified_at)))


def feed_entries(session: Session, *, names: bool) -> list[PublicClaim]:
    """The latest published verdicts (one entry per claim, newest publication first)."""
    recent = session.scalars(
        select(PublicationEvent.claim_id)
        .where(PublicationEvent.kind == PublicationKind.PUBLISHED)
        .order_by(PublicationEvent.id.desc())
        .limit(FEED_ENTRIES * 2)
    ).all()
    wanted = list(dict.fromkeys(recent))
    events = session.execute(
        _EVENT_ROWS.where(PublicationEvent.claim_id.in_(wanted)).order_by(PublicationEvent.id)
    ).all()
    article_ids = {event.article_id for event in events}
    articles = {
        a.id: a for a in session.scalars(select(Article).where(Article.id.in_(article_ids)))
    }
    found = {
        public.claim.id: public for public in _public_claims(session, articles, events, names=names)
    }
    entries = [found[claim_id] for claim_id in wanted if found[claim_id].annotation is not None]
    return entries[:FEED_ENTRIES]


@dataclass(frozen=True)
class Freshness:
    """What a public page's validators are made of, read before the page is built: a
    revalidation that finds nothing changed costs these few queries, not the page."""

    #: The newest publication event the page shows (0: none).
    last_event: int
    #: When anything the page shows last changed: its verdicts, the settings, the
    #: verdict scale or people's names (the last two from the audit history).
    changed: datetime | None


def freshness(session: Session, scope: Any | None = None) -> Freshness:
    """Validators for the pages showing the events that meet ``scope`` (a condition on
    :class:`PublicationEvent`; None: all of them)."""
    events = select(func.max(PublicationEvent.id), func.max(PublicationEvent.created_at))
    if scope is not None:
        events = events.where(scope)
    last_event, last_time = session.execute(events).one()
    staff = session.scalar(
        select(func.max(AuditEvent.created_at)).where(
            AuditEvent.entity_type.in_(("verdict", "user", "publishing"))
        )
    )
    # A new text of an article changes its page (and the claims' contexts) even when no
    # verdict moved.
    revised = select(func.max(Article.revised_at))
    if scope is not None:
        revised = revised.where(
            Article.id.in_(select(PublicationEvent.article_id).where(scope).distinct())
        )
    revised_at = session.scalar(revised)
    moments = [
        m for m in (last_time, staff, settings(session).updated_at, revised_at) if m is not None
    ]
    return Freshness(last_event or 0, max(moments) if moments else None)
