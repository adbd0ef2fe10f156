"""The article workspace and the claim panel: what one viewer sees of an article's claims,
their annotations, reviews and history, gathered in a fixed, small number of queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import case, exists, func, or_, select
from sqlalchemy.orm import Session, joinedload

from factcheck.annotations.models import Annotation
from factcheck.annotations.states import SUBMITTED_OR_LATER, AnnotationState
from factcheck.annotations.visibility import claim_annotations
from factcheck.articles.lineage import removal_of, text_change_since
from factcheck.articles.models import Article, Claim, ClaimLink
from factcheck.articles.revisions import word_diff
from factcheck.audit.models import AuditEvent
from factcheck.db import continue_after
from factcheck.review.models import Review
from factcheck.review.operations import allowed_actions, reviews_of
from factcheck.review.workflow import Action
from factcheck.revisions.operations import waiting_count
from factcheck.users.models import User
from factcheck.verdicts.models import Verdict
from factcheck.verdicts.operations import all_verdicts


@dataclass(frozen=True)
class ArticleProgress:
    article: Article
    claims: int
    annotated: int
    approved: int

    @property
    def percent_approved(self) -> int:
        return round(100 * self.approved / self.claims) if self.claims else 0


#: Articles on one page of the list: a year of a newsroom holds 100,000 of them.
ARTICLES_PER_PAGE = 50
#: The list counts articles up to this many and then says "more than": counting a
#: year's 100,000 articles read the whole table (100 ms on PostgreSQL).
COUNTED_ARTICLES = 10_000


@dataclass(frozen=True)
class ArticlePage:
    """One page of the article list, newest first."""

    rows: list[ArticleProgress]
    #: Every article, counted up to :data:`COUNTED_ARTICLES` (and one more).
    total: int
    #: The id to continue after for older articles; None on the last page.
    next_after: int | None

    @property
    def total_is_a_floor(self) -> bool:
        """Whether there are more articles than were counted."""
        return self.total > COUNTED_ARTICLES


def article_page(
    session: Session, *, after: int | None = None, limit: int | None = None
) -> ArticlePage:
    """A page of articles, newest first, each with its claim counts.

    Pages are keyset pages: the articles imported before the article ``after`` (the
    last one of the previous page), read from the (imported_at, id) index, so a page
    deep in a year's archive costs what the first one does. An ``after`` that names no
    article (deleted since, or made up) starts from the newest."""
    limit = limit or ARTICLES_PER_PAGE
    newest_first = (Article.imported_at.desc(), Article.id.desc())
    page = select(Article).order_by(*newest_first).limit(limit + 1)
    key = (Article.imported_at, Article.id)
    articles = list(session.scalars(continue_after(session, page, key, after, descending=True)))
    more = len(articles) > limit
    articles = articles[:limit]
    ids = [article.id for article in articles]
    # Counted for this page's claims only. "Annotated" means someone has started
    # (drafts count), as in the workspace's bar.
    started = exists().where(Annotation.claim_id == Claim.id)
    approved = exists().where(
        Annotation.claim_id == Claim.id, Annotation.state == AnnotationState.APPROVED
    )
    counts = {
        article_id: (claims, annotated, done)
        for article_id, claims, annotated, done in session.execute(
            select(
                Claim.article_id,
                func.count(),
                func.sum(case((started, 1), else_=0)),
                func.sum(case((approved, 1), else_=0)),
            )
            .where(Claim.article_id.in_(ids), Claim.removed_in.is_(None))
            .group_by(Claim.article_id)
        )
    }
    rows = [ArticleProgress(article, *counts.get(article.id, (0, 0, 0))) for article in articles]
    counted = select(Article.id).limit(COUNTED_ARTICLES + 1).subquery()
    total = session.scalar(select(func.count()).select_from(counted)) or 0
    return ArticlePage(rows=rows, total=total, next_after=ids[-1] if more else None)


@dataclass
class ClaimView:
    """What one viewer may see of a claim's annotations, with their reviews and history."""

    own: Annotation | None
    others: list[Annotation]
    #: Others' submitted annotations still hidden by blind annotation.
    hidden_others: int
    reviews: dict[int, list[Review]]
    history: list[AuditEvent]

    @property
    def shown(self) -> list[Annotation]:
        return ([self.own] if self.own else []) + self.others


def claim_view(session: Session, viewer: User, claim: Claim) -> ClaimView:
    """The viewer's own annotation and the others they may read, in four queries."""
    annotations, hidden_others = claim_annotations(session, viewer, claim.id)
    own = next((a for a in annotations if a.annotator_id == viewer.id), None)
    others = [a for a in annotations if a is not own]
    shown_ids = [a.id for a in annotations]
    history_filter = (AuditEvent.entity_type == "claim") & (AuditEvent.entity_id == claim.id)
    if shown_ids:
        history_filter = or_(
            history_filter,
            (AuditEvent.entity_type == "annotation") & AuditEvent.entity_id.in_(shown_ids),
        )
    history = list(
        session.scalars(
            select(AuditEvent)
            .options(joinedload(AuditEvent.actor))
            .where(history_filter)
            .order_by(AuditEvent.id)
        )
    )
    return ClaimView(
        own=own,
        others=others,
        hidden_others=hidden_others,
        reviews=reviews_of(session, shown_ids),
        history=history,
    )


@dataclass
class ClaimStatus:
    """How one claim looks in the article picture."""

    own_state: AnnotationState | None = None
    own_verdict_id: int | None = None
    published_verdict_id: int | None = None
    annotations: int = 0
    submitted: int = 0

    @property
    def css(self) -> str:
        # Nothing for a claim the viewer has not started: the plain look needs no class,
        # and a 1,000-claim page would repeat one a thousand times.
        classes = [f"state-{self.own_state.value}"] if self.own_state else []
        verdict = self.published_verdict_id or self.own_verdict_id
        if verdict:
            classes.append(f"verdict-{verdict}")
        if self.published_verdict_id:
            classes.append("published")
        return " ".join(classes)


@dataclass
class Progress:
    claims: int
    annotated: int
    submitted: int
    approved: int

    def percent(self, part: int) -> int:
        return round(100 * part / self.claims) if self.claims else 0


@dataclass
class Panel(ClaimView):
    """The selected claim, what the viewer may see of it (``ClaimView``) and do with it."""

    claim: Claim
    actions: list[Action]
    #: Workflow actions the viewer may take on each of the others' annotations.
    other_actions: dict[int, list[Action]]
    previous_id: int | None
    next_id: int | None
    #: Set when a revision took the claim out of the text: what it did, and when.
    removal: ClaimLink | None = None
    #: The viewer's annotation was written on an earlier text of the sentence: the
    #: revision that changed it and the words it changed.
    text_change: TextChange | None = None
    #: Claims a revision split or merged into this one, or mapped onto it: their
    #: annotations stay with them.
    predecessors: list[ClaimLink] = field(default_factory=list)


@dataclass(frozen=True)
class TextChange:
    revision: int
    words: list[tuple[str, str]]


@dataclass
class Workspace:
    article: Article
    claims: list[Claim]
    statuses: dict[int, ClaimStatus]
    progress: Progress
    verdicts: dict[int, Verdict]
    panel: Panel | None = None
    hint: str | None = None
    matching: list[Claim] = field(default_factory=list)
    #: Claims revisions left for a person to map.
    waiting_mappings: int = 0


def build_workspace(
    session: Session, viewer: User, article: Article, selected: Claim | None
) -> Workspace:
    claims = list(article.claims)
    verdicts = {v.id: v for v in all_verdicts(session)}
    rows = session.execute(
        select(
            Annotation.claim_id, Annotation.annotator_id, Annotation.state, Annotation.verdict_id
        )
        .join(Claim, Claim.id == Annotation.claim_id)
        .where(Claim.article_id == article.id)
    ).all()
    statuses: dict[int, ClaimStatus] = defaultdict(ClaimStatus)
    for claim_id, annotator_id, state, verdict_id in rows:
        status = statuses[claim_id]
        status.annotations += 1
        if state in SUBMITTED_OR_LATER:
            status.submitted += 1
        if state is AnnotationState.APPROVED:
            status.published_verdict_id = verdict_id
        if annotator_id == viewer.id:
            status.own_state, status.own_verdict_id = state, verdict_id
    # Claims a revision removed keep their annotations but are no longer part of the
    # article's progress.
    current = [statuses[claim.id] for claim in claims if claim.id in statuses]
    progress = Progress(
        claims=len(claims),
        annotated=sum(1 for s in current if s.annotations),
        submitted=sum(1 for s in current if s.submitted),
        approved=sum(1 for s in current if s.published_verdict_id is not None),
    )
    workspace = Workspace(article, claims, statuses, progress, verdicts)
    if article.revised_at is not None:
        workspace.waiting_mappings = waiting_count(session, article.id)
    if selected is not None:
        workspace.panel = _panel(session, viewer, claims, selected, statuses[selected.id])
    return workspace


def _panel(
    session: Session, viewer: User, claims: list[Claim], claim: Claim, status: ClaimStatus
) -> Panel:
    view = claim_view(session, viewer, claim)
    index = next((i for i, c in enumerate(claims) if c.id == claim.id), None)
    text_change = None
    if view.own is not None and view.own.revision < claim.article.revision:
        link = text_change_since(session, claim, view.own.revision)
        if link is not None:
            earlier = claim.article.body_of(link.revision.number - 1)
            text_change = TextChange(
                link.revision.number,
                word_diff(earlier[link.old_start : link.old_end], claim.text),
            )
    return Panel(
        **vars(view),
        claim=claim,
        actions=allowed_actions(viewer, view.own) if view.own else [],
        other_actions={a.id: allowed_actions(viewer, a) for a in view.others},
        previous_id=claims[index - 1].id if index else None,
        next_id=claims[index + 1].id if index is not None and index + 1 < len(claims) else None,
        removal=removal_of(session, claim),
        text_change=text_change,
        predecessors=list(
            session.scalars(
                select(ClaimLink)
                .options(joinedload(ClaimLink.revision))
                .where(ClaimLink.successor_id == claim.id, ClaimLink.claim_id != claim.id)
                .order_by(ClaimLink.id)
            )
        ),
    )
