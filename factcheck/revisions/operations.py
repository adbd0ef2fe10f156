"""A new text for an article: its claims carried over, and nothing attached by a guess.

The new body is segmented and every current claim is mapped to the new sentences
(:func:`factcheck.articles.revisions.map_revision`); then, in the same transaction as
the audit events:

- an unchanged or edited sentence keeps its claim row: the claim moves to its new
  offsets and position, so its annotations, reviews and published verdict move with it.
  An edited one is linked as ``changed``; its annotations are marked "text changed since
  annotation" (they were written on an earlier revision), their versions move on (an
  editor or reviewer holding the old version gets the 409 page with the new text), and
  a published verdict on it goes back to review;
- a split, merged or removed claim, and one the mapping was not sure of, leaves the
  current text but keeps its annotations, pointing into the revision it was last part
  of; split and merged ones are linked to every successor and their published verdicts
  go back to review; an uncertain one waits for a person to choose its sentence
  (:func:`resolve_mapping`), and nothing is attached until they do;
- every new sentence no claim continues becomes a new claim (matched against the
  fact-check library by the usual commit hook).
"""

from __future__ import annotations

import enum
import hashlib
from collections import Counter
from dataclasses import dataclass

from flask_babel import gettext, ngettext
from sqlalchemy import ColumnElement, and_, bindparam, func, or_, select, update
from sqlalchemy.orm import Session

from factcheck.annotations.models import Annotation
from factcheck.annotations.states import AnnotationState
from factcheck.annotations.visibility import visible_to
from factcheck.articles.hints import claim_hints
from factcheck.articles.models import (
    RETIRED_POSITION_BASE,
    Article,
    ArticleRevision,
    Claim,
    ClaimKind,
    ClaimLink,
)
from factcheck.articles.operations import earlier_version, find_by_body, validate_body
from factcheck.articles.revisions import Outcome, map_revision
from factcheck.audit.recorder import record, record_many
from factcheck.db import utcnow
from factcheck.errors import (
    Conflict,
    DuplicateArticle,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from factcheck.i18n import local_number, local_percent
from factcheck.observability import count_work
from factcheck.segmentation import Span, segment
from factcheck.users.models import Role, User

#: Below this share of the current sentences found again, the new text looks like a
#: different article and the person is asked to confirm.
MIN_SHARED_SHARE = 0.3
#: How the new text came (``ArticleRevision.origin``).
ORIGINS = ("pasted", "uploaded", "url", "file")
#: Outcomes whose claim leaves the current text.
_RETIRING = frozenset({Outcome.SPLIT, Outcome.MERGED, Outcome.REMOVED, Outcome.UNCERTAIN})
#: Outcomes after which a published verdict must be looked at again.
_REOPENING = frozenset({Outcome.CHANGED, Outcome.SPLIT, Outcome.MERGED})
#: Where the current claims wait while their new positions are written: past any
#: current position, below every removed claim's.
_FAR = 1_000_000


class OnMatch(enum.StrEnum):
    """What an import does with a text whose URL or title is an article's already here."""

    #: Import nothing of it, and say which article it matches: the person chooses.
    ASK = "ask"
    #: Add it as a new revision of that article (reviewers and admins).
    REVISE = "revise"
    #: Import it as a separate article.
    SEPARATE = "separate"


def matched_message(filename: str, existing: Article) -> str:
    """Why an import waits for the person's choice."""
    return gettext(
        "%(file)s looks like a new version of “%(title)s” (the same URL or title). "
        "Choose below whether to add it as a new revision of that article or as a separate "
        "article, and import it again.",
        file=filename,
        title=existing.title,
    )


class MatchedArticle(ValidationFailed):
    """An imported text looks like a new version of an article here, and the person has
    not chosen what to do with it."""

    status_code = 409

    def __init__(self, message: str, existing: Article) -> None:
        super().__init__(message)
        self.existing = existing

    def note_in(self, matched: list[tuple[int, str]]) -> None:
        """Add the article found to a report's ``matched`` (id, title), once."""
        found = (self.existing.id, self.existing.title)
        if found not in matched:
            matched.append(found)


def revise_matched(
    session: Session,
    actor: User | None,
    *,
    on_match: OnMatch,
    filename: str,
    title: str | None,
    url: str | None,
    body: str,
    max_chars: int,
    origin: str = "file",
) -> RevisionResult | None:
    """What every import does with a text whose URL or title is an article's already:
    None when there is none (or the person chose a separate article): import it; the
    revision it became when the person chose that.

    :raises MatchedArticle: there is one and the person has not chosen (or no person,
        the command line, can be its reviser).
    :raises PermissionDenied: the person chose a revision but may not make one.
    """
    if on_match is OnMatch.SEPARATE:
        return None
    existing = earlier_version(session, url=url, title=title, body=body)
    if existing is None:
        return None
    if on_match is OnMatch.ASK or actor is None:
        raise MatchedArticle(matched_message(filename, existing), existing)
    return revise_article(
        session,
        actor,
        existing,
        body,
        expected_revision=None,
        origin=origin,
        max_chars=max_chars,
    )


class DifferentText(ValidationFailed):
    """The new text shares too little with the current one: confirm it is this article."""


@dataclass(frozen=True)
class RevisionResult:
    revision: ArticleRevision
    #: Outcome value -> claims, and "new" -> new claims.
    counts: dict[str, int]
    #: Published verdicts sent back to review.
    reopened: int


def may_revise(user: User) -> bool:
    """Reviewers and admins bring new texts: a revision moves everyone's work."""
    return user.active and user.role.rank >= Role.REVIEWER.rank


def _check_may_revise(user: User) -> None:
    if not may_revise(user):
        raise PermissionDenied(
            gettext("Only reviewers and admins can add a new revision of an article.")
        )


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _lock_article(session: Session, article: Article) -> None:
    # Serialise revisions and segmentation corrections of one article; on SQLite the
    # writer's lock does it already.
    session.execute(select(Article.id).where(Article.id == article.id).with_for_update())
    session.refresh(article)


def revise_article(
    session: Session,
    actor: User,
    article: Article,
    body: str,
    *,
    expected_revision: int | None,
    origin: str,
    max_chars: int,
    confirmed_different: bool = False,
) -> RevisionResult:
    """Make ``body`` the article's current text, carrying its claims over.

    :param expected_revision: the revision the person saw; another one meanwhile is a
        conflict (None: no check, for the command line).
    :param confirmed_different: the person confirmed a text that shares little with
        the current one is still this article.
    :raises PermissionDenied: not a reviewer or admin.
    :raises Conflict: a revision was added meanwhile.
    :raises ValidationFailed: empty, binary, too long, or identical to the current text.
    :raises DuplicateArticle: the text is another article's.
    :raises DifferentText: little in common and not confirmed.
    """
    _check_may_revise(actor)
    if origin not in ORIGINS:
        raise ValueError(f"unknown origin {origin!r}")
    _lock_article(session, article)
    if expected_revision is not None and article.revision != expected_revision:
        raise Conflict(
            gettext(
                "Someone added revision %(number)s of this article while you were preparing "
                "yours. Look at it, then add yours again if it is still needed.",
                number=article.revision,
            )
        )
    body = validate_body(body, max_chars=max_chars)
    if body == article.body:
        message = gettext("This text is identical to the current revision: nothing to add.")
        raise ValidationFailed(message, fields={"body": [message]})
    other = find_by_body(session, body)
    if other is not None and other.id != article.id:
        raise DuplicateArticle(
            gettext("This text is already another article, “%(title)s”.", title=other.title),
            existing_id=other.id,
        )

    old_claims = list(
        session.scalars(
            select(Claim)
            .where(Claim.article_id == article.id, Claim.removed_in.is_(None))
            .order_by(Claim.position)
        )
    )
    new_spans = segment(body, article.language)
    mapping = map_revision(
        article.body,
        [(claim.start, claim.end) for claim in old_claims],
        body,
        [(span.start, span.end) for span in new_spans],
    )
    if old_claims and mapping.shared_share < MIN_SHARED_SHARE and not confirmed_different:
        message = gettext(
            "Only %(share)s of the current sentences are in the new text: it looks like a "
            "different article. Confirm that it is a new version of this one to go on.",
            share=local_percent(mapping.shared_share),
        )
        raise DifferentText(message, fields={"confirm_different": [message]})

    old_body, old_number, number = article.body, article.revision, article.revision + 1
    now = utcnow()
    if old_number == 1 and not article.revisions:
        # Appended to the collection, not only added to the session: the pages that
        # follow in this request read the earlier texts through it.
        article.revisions.append(
            ArticleRevision(
                article_id=article.id,
                number=1,
                body=old_body,
                body_sha256=article.body_sha256,
                created_by_id=article.imported_by_id,
                created_at=article.imported_at,
                origin="import",
                summary={"claims": len(old_claims)},
            )
        )
    revision = ArticleRevision(
        article_id=article.id,
        number=number,
        body=body,
        body_sha256=_sha256(body),
        created_by_id=actor.id,
        created_at=now,
        origin=origin,
        summary={},
    )
    article.revisions.append(revision)
    session.flush()

    # Every current claim steps aside first, so that no new position collides with an
    # old one while the rows are written (PostgreSQL checks uniqueness row by row).
    old_places = {claim.id: (claim.start, claim.end, claim.position) for claim in old_claims}
    session.execute(
        update(Claim)
        .where(Claim.article_id == article.id, Claim.removed_in.is_(None))
        .values(position=Claim.position + _FAR)
        .execution_options(synchronize_session=False)
    )
    for claim in old_claims:
        session.expire(claim, ["position"])

    article.body = body
    article.body_sha256 = revision.body_sha256
    article.revision = number
    article.revised_at = now

    counts: Counter[str] = Counter()
    continued: dict[int, Claim] = {}
    moved: list[dict[str, object]] = []
    links: list[ClaimLink] = []
    for claim, claim_mapping in zip(old_claims, mapping.claims, strict=True):
        outcome = claim_mapping.outcome
        counts[outcome.value] += 1
        start, end, position = old_places[claim.id]
        link = ClaimLink(
            revision_id=revision.id,
            claim_id=claim.id,
            outcome=outcome.value,
            confidence=claim_mapping.confidence,
            old_start=start,
            old_end=end,
            old_position=position,
            candidate_ids=[],
        )
        links.append(link)
        if outcome is Outcome.UNCHANGED:
            # The same text: only where it stands changes. Written in bulk below, past
            # the session's notice, so that the search index does not rewrite entries
            # whose words did not change.
            (index,) = claim_mapping.successors
            continued[index] = claim
            span = new_spans[index]
            moved.append(
                {
                    "b_id": claim.id,
                    "b_position": index,
                    "b_start": span.start,
                    "b_end": span.end,
                    "b_kind": ClaimKind(span.kind).value,
                }
            )
            link.successor_id = claim.id
        elif outcome is Outcome.CHANGED:
            (index,) = claim_mapping.successors
            continued[index] = claim
            _place(claim, new_spans[index], index, body, article.language)
            link.successor_id = claim.id
        else:
            claim.removed_in = number
            claim.position = RETIRED_POSITION_BASE + claim.id

    if moved:
        table = Claim.__table__
        session.execute(
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values(
                position=bindparam("b_position"),
                start=bindparam("b_start"),
                end=bindparam("b_end"),
                kind=bindparam("b_kind"),
            ),
            moved,
        )
        unchanged = {row["b_id"] for row in moved}
        for claim in old_claims:
            if claim.id in unchanged:
                session.expire(claim, ["position", "start", "end", "kind"])
    new_claims: dict[int, Claim] = {}
    for index, span in enumerate(new_spans):
        if index in continued:
            continue
        claim = Claim(article_id=article.id, position=index, start=span.start, end=span.end)
        claim.kind = ClaimKind(span.kind)
        for name, value in claim_hints(body[span.start : span.end], article.language).items():
            setattr(claim, name, value)
        session.add(claim)
        new_claims[index] = claim
    session.flush()
    counts["new"] = len(mapping.new_only)

    # Links name the claims that continue the retired ones (and the candidates a person
    # is offered for an uncertain one).
    claim_at = {
        **{i: c.id for i, c in continued.items()},
        **{i: c.id for i, c in new_claims.items()},
    }
    expanded: list[ClaimLink] = []
    for link, claim_mapping in zip(links, mapping.claims, strict=True):
        outcome = claim_mapping.outcome
        if outcome in (Outcome.SPLIT, Outcome.MERGED):
            first, *others = claim_mapping.successors
            link.successor_id = claim_at[first]
            for index in others:
                expanded.append(
                    ClaimLink(
                        revision_id=revision.id,
                        claim_id=link.claim_id,
                        successor_id=claim_at[index],
                        outcome=outcome.value,
                        confidence=link.confidence,
                        old_start=link.old_start,
                        old_end=link.old_end,
                        old_position=link.old_position,
                        candidate_ids=[],
                    )
                )
        elif outcome is Outcome.UNCERTAIN:
            link.candidate_ids = [claim_at[i] for i in claim_mapping.candidates if i in claim_at]
    session.add_all(links + expanded)

    reopened = _after_text_changes(
        session,
        actor,
        number,
        {
            claim.id: claim_mapping.outcome
            for claim, claim_mapping in zip(old_claims, mapping.claims, strict=True)
            if claim_mapping.outcome is not Outcome.UNCHANGED
        },
    )
    revision.summary = dict(counts)
    session.flush()
    record(
        session,
        actor,
        "article:revise",
        "article",
        article.id,
        {
            "revision": [old_number, number],
            "body_sha256": [_sha256(old_body), revision.body_sha256],
            "origin": [None, origin],
            "claims": [len(old_claims), len(new_spans)],
            "outcomes": [None, dict(counts)],
            "reopened": [None, reopened],
        },
    )
    record_many(
        session,
        actor,
        [
            (
                "claim:revise",
                "claim",
                link.claim_id,
                {
                    "revision": [old_number, number],
                    "outcome": [None, link.outcome],
                    "text": [old_body[link.old_start : link.old_end], _text_now(link, body)],
                },
            )
            for link in links
            if link.outcome != Outcome.UNCHANGED.value
        ],
    )
    count_work("revision")
    return RevisionResult(revision, dict(counts), reopened)


def _text_now(link: ClaimLink, body: str) -> str | None:
    if link.outcome in (Outcome.UNCHANGED.value, Outcome.CHANGED.value):
        claim = link.claim
        return body[claim.start : claim.end]
    return None


def _place(claim: Claim, span: Span, index: int, body: str, language: str) -> None:
    """Move an edited sentence's claim to its new place, with the new text's hints."""
    start, end = span.start, span.end
    claim.position = index
    if (claim.start, claim.end) != (start, end):
        claim.start, claim.end = start, end
    text = body[start:end]
    for name, value in claim_hints(text, language).items():
        if getattr(claim, name) != value:
            setattr(claim, name, value)


def _after_text_changes(
    session: Session,
    actor: User,
    number: int,
    outcome_of: dict[int, Outcome],
) -> int:
    """Move the affected annotations' versions on and send published verdicts on
    edited, split and merged sentences back to review; return how many went back.

    :param outcome_of: claim id -> what the revision did to it, for every claim but the
        unchanged ones.
    """
    if not outcome_of:
        return 0
    annotations = list(
        session.scalars(
            select(Annotation)
            .where(Annotation.claim_id.in_(list(outcome_of)))
            .order_by(Annotation.id)
        )
    )
    events: list[tuple[str, str, int | None, dict[str, object]]] = []
    untouched: list[int] = []
    for annotation in annotations:
        outcome = outcome_of[annotation.claim_id]
        if annotation.state is AnnotationState.APPROVED and outcome in _REOPENING:
            annotation.state = AnnotationState.SUBMITTED
            events.append(
                (
                    "annotation:reopen",
                    "annotation",
                    annotation.id,
                    {
                        "state": [AnnotationState.APPROVED, AnnotationState.SUBMITTED],
                        "comment": [
                            None,
                            f"Revision {number} of the article changed this sentence "
                            f"({outcome.value}).",
                        ],
                    },
                )
            )
        else:
            untouched.append(annotation.id)
            events.append(
                (
                    "annotation:article_revised",
                    "annotation",
                    annotation.id,
                    {"revision": [annotation.revision, number], "outcome": [None, outcome.value]},
                )
            )
    session.flush()
    if untouched:
        # Nothing of these annotations changes, but whoever holds an old version (an
        # editor, a reviewer) must see the new text before saving or deciding.
        table = Annotation.__table__
        session.execute(
            update(table).where(table.c.id.in_(untouched)).values(version=table.c.version + 1)
        )
        waiting = set(untouched)
        for annotation in annotations:
            if annotation.id in waiting:
                session.expire(annotation, ["version"])
    record_many(session, actor, events)
    return len(annotations) - len(untouched)


def article_revision(session: Session, article: Article, number: int) -> ArticleRevision:
    revision = session.scalar(
        select(ArticleRevision).where(
            ArticleRevision.article_id == article.id, ArticleRevision.number == number
        )
    )
    if revision is None:
        raise NotFound(gettext("This article has no such revision."))
    return revision


def _waiting(article_id: int) -> ColumnElement[bool]:
    """Links of the article's revisions still waiting for a person (join the revision)."""
    return and_(
        ArticleRevision.article_id == article_id,
        ClaimLink.outcome == Outcome.UNCERTAIN.value,
        ClaimLink.resolved_at.is_(None),
    )


def waiting_links(session: Session, article: Article) -> list[ClaimLink]:
    """Claims the latest revisions could not map with confidence, still waiting for a
    person, oldest revision first."""
    return list(
        session.scalars(
            select(ClaimLink)
            .join(ArticleRevision, ArticleRevision.id == ClaimLink.revision_id)
            .where(_waiting(article.id))
            .order_by(ArticleRevision.number, ClaimLink.old_position)
        )
    )


def waiting_count(session: Session, article_id: int) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(ClaimLink)
            .join(ArticleRevision, ArticleRevision.id == ClaimLink.revision_id)
            .where(_waiting(article_id))
        )
        or 0
    )


def resolve_mapping(
    session: Session, actor: User, link: ClaimLink, successor_id: int | None
) -> ClaimLink:
    """Settle a claim the revision could not map: ``successor_id`` is the sentence it is
    now (a current claim of the article), None that it was removed.

    The claim takes the chosen sentence's place when that sentence is new and nobody has
    worked on it: its annotations then continue on the new text, marked as changed, and
    a published verdict goes back to review. A sentence someone already annotated keeps
    its own claim; the old one is linked to it instead.

    :raises PermissionDenied: not a reviewer or admin.
    :raises Conflict: someone settled it meanwhile, or a later revision came.
    :raises ValidationFailed: the choice is not a current sentence of the article.
    """
    _check_may_revise(actor)
    revision = link.revision
    article = session.get(Article, revision.article_id)
    assert article is not None
    _lock_article(session, article)
    session.refresh(link)
    if link.resolved_at is not None or link.outcome != Outcome.UNCERTAIN.value:
        raise Conflict(gettext("Someone already mapped this claim. Reload to see what they chose."))
    if revision.number != article.revision:
        raise Conflict(
            gettext(
                "A later revision of the article came since; this claim now stays as it was "
                "in revision %(number)s.",
                number=revision.number - 1,
            )
        )
    claim = link.claim
    now = utcnow()
    link.resolved_by_id = actor.id
    link.resolved_at = now
    if successor_id is None:
        link.outcome = Outcome.REMOVED.value
        session.flush()
        record(
            session,
            actor,
            "claim:map",
            "claim",
            claim.id,
            {"outcome": [Outcome.UNCERTAIN.value, Outcome.REMOVED.value]},
        )
        return link
    successor = session.get(Claim, successor_id)
    if successor is None or successor.article_id != article.id or not successor.current:
        message = gettext("Choose one of the sentences of the current text.")
        raise ValidationFailed(message, fields={"choice": [message]})
    busy = session.scalar(
        select(func.count()).select_from(Annotation).where(Annotation.claim_id == successor.id)
    ) or session.scalar(
        # A claim carried over from an earlier text, or one continuing another claim,
        # is someone's history: only a sentence the revision made new gives way.
        select(func.count())
        .select_from(ClaimLink)
        .where(or_(ClaimLink.successor_id == successor.id, ClaimLink.claim_id == successor.id))
    )
    new_text = successor.text
    if busy:
        # The chosen sentence has its own work (or continues another claim): keep both
        # claims and say which continues which.
        link.outcome = Outcome.MERGED.value
        link.successor_id = successor.id
        outcome = Outcome.MERGED
    else:
        start, end, kind, position = (
            successor.start,
            successor.end,
            successor.kind,
            successor.position,
        )
        session.delete(successor)
        session.flush()
        claim.removed_in = None
        claim.start, claim.end, claim.kind, claim.position = start, end, kind, position
        for name, value in claim_hints(article.body[start:end], article.language).items():
            setattr(claim, name, value)
        link.outcome = Outcome.CHANGED.value
        link.successor_id = claim.id
        outcome = Outcome.CHANGED
    session.flush()
    record(
        session,
        actor,
        "claim:map",
        "claim",
        claim.id,
        {
            "outcome": [Outcome.UNCERTAIN.value, outcome.value],
            "successor": [None, link.successor_id],
            "text": [
                article.body_of(revision.number - 1)[link.old_start : link.old_end],
                new_text,
            ],
        },
    )
    _after_text_changes(session, actor, revision.number, {claim.id: outcome})
    return link


@dataclass(frozen=True)
class RevisionRow:
    number: int
    created_at: object
    created_by: User | None
    origin: str
    summary: dict[str, int]
    current: bool


def revision_list(session: Session, article: Article) -> list[RevisionRow]:
    """Every text the article had, newest first (one row, the import, if never revised)."""
    if not article.revisions:
        return [
            RevisionRow(1, article.imported_at, article.imported_by, "import", {}, current=True)
        ]
    return [
        RevisionRow(
            revision.number,
            revision.created_at,
            revision.created_by,
            revision.origin,
            {k: v for k, v in (revision.summary or {}).items() if isinstance(v, int)},
            current=revision.number == article.revision,
        )
        for revision in reversed(article.revisions)
    ]


def text_and_spans(
    session: Session, article: Article, number: int
) -> tuple[str, list[tuple[int, int]]]:
    """Revision ``number``'s text and its claims' offsets as they were in it.

    The current text's claims are the current claims; an earlier text's are the claims
    the next revision mapped, where it read them.
    """
    if number == article.revision:
        return article.body, [(claim.start, claim.end) for claim in article.claims]
    successor = article_revision(session, article, number + 1)
    places = session.execute(
        select(ClaimLink.claim_id, ClaimLink.old_start, ClaimLink.old_end)
        .where(ClaimLink.revision_id == successor.id)
        .order_by(ClaimLink.old_position, ClaimLink.id)
    ).all()
    spans: list[tuple[int, int]] = []
    seen: set[int] = set()
    for claim_id, start, end in places:
        if claim_id not in seen:  # a split claim has a link per part
            seen.add(claim_id)
            spans.append((start, end))
    return article.body_of(number), spans


@dataclass(frozen=True)
class WaitingMapping:
    link: ClaimLink
    #: Revision the claim was last part of, and its text there.
    number: int
    text: str
    #: Sentences of the current text offered, best first: (claim, its text).
    candidates: list[tuple[Claim, str]]


def waiting_mappings(session: Session, article: Article) -> list[WaitingMapping]:
    """Claims a revision could not map with confidence, each with its candidates."""
    waiting = []
    for link in waiting_links(session, article):
        revision = link.revision
        offered = [session.get(Claim, claim_id) for claim_id in link.candidate_ids]
        candidates = [
            (claim, claim.text)
            for claim in offered
            if claim is not None and claim.article_id == article.id and claim.current
        ]
        waiting.append(
            WaitingMapping(
                link,
                revision.number - 1,
                article.body_of(revision.number - 1)[link.old_start : link.old_end],
                candidates,
            )
        )
    return waiting


@dataclass(frozen=True)
class RemovedClaim:
    claim: Claim
    text: str
    #: The revision that removed it, and how ("removed", "split", "merged", "uncertain").
    removed_in: int
    outcome: str
    successors: list[Claim]
    annotations: int


def removed_claims(session: Session, article: Article, viewer: User) -> list[RemovedClaim]:
    """Claims revisions took out of the text, with what continues them, newest first.

    Each claim's count of annotations is of those ``viewer`` may see: another's draft,
    or work on a claim the viewer has not finished, is not counted (blind annotation).
    """
    claims = list(
        session.scalars(
            select(Claim)
            .where(Claim.article_id == article.id, Claim.removed_in.is_not(None))
            .order_by(Claim.removed_in.desc(), Claim.id)
        )
    )
    if not claims:
        return []
    counts = dict(
        session.execute(
            select(Annotation.claim_id, func.count())
            .where(Annotation.claim_id.in_([claim.id for claim in claims]), visible_to(viewer))
            .group_by(Annotation.claim_id)
        ).all()
    )
    # The links of the revisions that removed them, in one query for all of them.
    links_of: dict[int, list[ClaimLink]] = {claim.id: [] for claim in claims}
    removed_in = {claim.id: claim.removed_in for claim in claims}
    for link, number in session.execute(
        select(ClaimLink, ArticleRevision.number)
        .join(ArticleRevision, ArticleRevision.id == ClaimLink.revision_id)
        .where(ClaimLink.claim_id.in_(list(links_of)))
        .order_by(ClaimLink.id)
    ):
        if number == removed_in[link.claim_id]:
            links_of[link.claim_id].append(link)
    rows = []
    for claim in claims:
        links = links_of[claim.id]
        successors = [
            link.successor
            for link in links
            if link.successor is not None and link.successor.current
        ]
        rows.append(
            RemovedClaim(
                claim,
                claim.text,
                claim.removed_in or 0,
                links[0].outcome if links else Outcome.REMOVED.value,
                successors,
                counts.get(claim.id, 0),
            )
        )
    return rows


def summary_sentence(result: RevisionResult) -> str:
    """What a revision did, for the person who added it."""
    counts = result.counts
    sentence = gettext(
        "Revision %(number)s added: %(unchanged)s claims unchanged, %(changed)s edited, "
        "%(split)s split or merged, %(removed)s removed, %(new)s new.",
        number=result.revision.number,
        unchanged=local_number(counts.get("unchanged", 0)),
        changed=local_number(counts.get("changed", 0)),
        split=local_number(counts.get("split", 0) + counts.get("merged", 0)),
        removed=local_number(counts.get("removed", 0)),
        new=local_number(counts.get("new", 0)),
    )
    waiting = counts.get("uncertain", 0)
    if waiting:
        sentence += " " + ngettext(
            "%(num)s claim waits for a person to say which sentence it is now.",
            "%(num)s claims wait for a person to say which sentence they are now.",
            waiting,
        )
    if result.reopened:
        sentence += " " + ngettext(
            "%(num)s published verdict went back to review.",
            "%(num)s published verdicts went back to review.",
            result.reopened,
        )
    return sentence
