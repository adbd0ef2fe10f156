"""Articles and the claims (segments) they are cut into."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext
from sqlalchemy import (
    JSON,
    CheckConstraint,
    Enum,
    Float,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    and_,
)
from sqlalchemy.orm import Mapped, foreign, mapped_column, relationship

from factcheck.articles.hints import HINT_NAMES, hint_names
from factcheck.db import Base, enum_values, intpk, str500, utcnow
from factcheck.users.models import User


class ClaimKind(enum.StrEnum):
    """What sort of text a segment is, from the segmenter."""

    SENTENCE = "sentence"
    HEADING = "heading"
    CAPTION = "caption"
    BYLINE = "byline"
    LIST_ITEM = "list_item"

    @property
    def label(self) -> str:
        """What the interface calls it, in the reader's language."""
        return str(_CLAIM_KIND_LABELS[self])


_CLAIM_KIND_LABELS = {
    ClaimKind.SENTENCE: lazy_gettext("sentence"),
    ClaimKind.HEADING: lazy_gettext("heading"),
    ClaimKind.CAPTION: lazy_gettext("caption"),
    ClaimKind.BYLINE: lazy_gettext("byline"),
    ClaimKind.LIST_ITEM: lazy_gettext("list item"),
}


class Article(Base):
    __tablename__ = "articles"
    #: The article list pages newest first through it.
    __table_args__ = (
        Index("ix_articles_imported_at_id", "imported_at", "id"),
        # The public pages' freshness asks for the latest revision.
        Index("ix_articles_revised_at", "revised_at"),
        # An import finds the article a new text may be a version of: by its URL (a
        # hash index on PostgreSQL: a URL can be longer than a B-tree entry may be), or
        # by its title.
        Index("ix_articles_url", "url", postgresql_using="hash"),
        Index("ix_articles_title", "title"),
    )

    id: Mapped[intpk]
    title: Mapped[str500]
    outlet: Mapped[str | None] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(String(2000))
    byline: Mapped[str | None] = mapped_column(String(500))
    published_on: Mapped[date | None]
    #: BCP 47 tag of the body's language, used to pick segmentation rules.
    language: Mapped[str] = mapped_column(String(16), default="en")
    #: The current text: every current claim's offsets point into it. A revision
    #: replaces it; earlier texts are kept in ``revisions``.
    body: Mapped[str] = mapped_column(Text)
    #: Hex SHA-256 of ``body`` (UTF-8); unique, so the same text is not imported twice.
    body_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Number of the current text: 1 as imported, one more per revision.
    revision: Mapped[int] = mapped_column(default=1, server_default="1")
    #: When the current text replaced an earlier one; None if it never was revised.
    revised_at: Mapped[datetime | None]

    imported_by: Mapped[User | None] = relationship()
    #: The claims of the current text, in reading order. Claims a revision removed stay
    #: in the table (with their annotations) but are not among these.
    claims: Mapped[list[Claim]] = relationship(
        primaryjoin=lambda: and_(
            Article.id == foreign(Claim.article_id), Claim.removed_in.is_(None)
        ),
        back_populates="article",
        order_by="Claim.position",
        cascade="all, delete-orphan",
    )
    #: Every text the article had, oldest first (empty until its first revision).
    revisions: Mapped[list[ArticleRevision]] = relationship(
        back_populates="article",
        order_by="ArticleRevision.number",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    def body_of(self, number: int) -> str:
        """The text of revision ``number`` (the current body for the current number)."""
        if number == self.revision:
            return self.body
        for revision in self.revisions:
            if revision.number == number:
                return revision.body
        raise LookupError(f"article {self.id} has no revision {number}")

    def __repr__(self) -> str:
        return f"<Article {self.id} {self.title[:40]!r}>"


class Claim(Base):
    """One segment of an article body: ``article.body[start:end]``.

    A claim a revision removed (``removed_in`` set) keeps its offsets into the text it
    was last part of, revision ``removed_in - 1``, and leaves the article's order: its
    position moves past every current one (``RETIRED_POSITION_BASE`` plus its id), so
    the current claims keep positions 0..n-1 under the same unique constraint. Where it
    stood in that text is in its link (:class:`ClaimLink`).
    """

    __tablename__ = "claims"
    __table_args__ = (
        CheckConstraint('0 <= start AND start < "end"', name="offsets_in_order"),
        CheckConstraint("position >= 0", name="position_not_negative"),
        UniqueConstraint("article_id", "position"),
    )

    id: Mapped[intpk]
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    #: 0-based order within the article.
    position: Mapped[int]
    #: Python string indices (code points) into the article body.
    start: Mapped[int]
    end: Mapped[int]
    kind: Mapped[ClaimKind] = mapped_column(
        Enum(
            ClaimKind,
            name="claim_kind",
            values_callable=enum_values,
            native_enum=False,
            length=20,
            create_constraint=True,
        ),
        default=ClaimKind.SENTENCE,
    )
    #: Check-worthiness hints, computed from the text at import.
    has_number: Mapped[bool] = mapped_column(default=False)
    has_quote: Mapped[bool] = mapped_column(default=False)
    has_attribution: Mapped[bool] = mapped_column(default=False)
    has_comparison: Mapped[bool] = mapped_column(default=False)
    has_date: Mapped[bool] = mapped_column(default=False)
    #: The revision whose text no longer has this claim; None while it is in the current
    #: text. Its offsets then point into revision ``removed_in - 1``.
    removed_in: Mapped[int | None]

    article: Mapped[Article] = relationship(back_populates="claims")

    @property
    def current(self) -> bool:
        """Whether the claim is part of the article's current text."""
        return self.removed_in is None

    @property
    def body(self) -> str:
        """The text the claim's offsets point into."""
        if self.removed_in is None:
            return self.article.body
        return self.article.body_of(self.removed_in - 1)

    @property
    def text(self) -> str:
        return self.body[self.start : self.end]

    @property
    def hints(self) -> list[str]:
        """Names of the hints that apply, in a fixed order for display."""
        return hint_names(getattr(self, f"has_{name}") for name in HINT_NAMES)

    def __repr__(self) -> str:
        return f"<Claim {self.id} article={self.article_id} #{self.position}>"


class Assignment(Base):
    """An article given to an annotator to work on."""

    __tablename__ = "assignments"
    __table_args__ = (UniqueConstraint("article_id", "annotator_id"),)

    id: Mapped[intpk]
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    annotator_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)

    article: Mapped[Article] = relationship()
    annotator: Mapped[User] = relationship(foreign_keys=[annotator_id])
    assigned_by: Mapped[User | None] = relationship(foreign_keys=[assigned_by_id])


#: Where a removed claim's position goes (plus its id): past any current claim's.
RETIRED_POSITION_BASE = 1_000_000_000


class ArticleRevision(Base):
    """One text an article had. Written at its first revision for the imported text
    (number 1) and then for each new one; the current one's body is also ``article.body``."""

    __tablename__ = "article_revisions"
    __table_args__ = (
        UniqueConstraint("article_id", "number"),
        CheckConstraint("number >= 1", name="number_positive"),
    )

    id: Mapped[intpk]
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    number: Mapped[int]
    body: Mapped[str] = mapped_column(Text)
    body_sha256: Mapped[str] = mapped_column(String(64))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: How the text came: "import" (the first), "pasted", "uploaded", "url", "file".
    origin: Mapped[str] = mapped_column(String(20), default="pasted")
    #: What the revision did to the claims: outcome -> count, and "new" -> new claims.
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    article: Mapped[Article] = relationship(back_populates="revisions")
    created_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<ArticleRevision article={self.article_id} #{self.number}>"


class ClaimLink(Base):
    """What revision ``revision`` made of one claim of the text before it.

    ``claim_id`` is the claim as it was; ``successor_id`` the claim that continues it in
    the new text: the same claim for an unchanged or edited sentence (it moved, its
    annotations with it), another claim for each part of a split or for the one sentence
    a merge made, none for a removed claim or one waiting for a person to map it
    (``candidate_ids`` lists the sentences offered, best first).
    """

    __tablename__ = "claim_links"
    __table_args__ = (
        Index("ix_claim_links_claim", "claim_id"),
        Index("ix_claim_links_successor", "successor_id"),
        Index("ix_claim_links_revision_outcome", "revision_id", "outcome"),
    )

    id: Mapped[intpk]
    revision_id: Mapped[int] = mapped_column(ForeignKey("article_revisions.id", ondelete="CASCADE"))
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"))
    successor_id: Mapped[int | None] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"))
    #: factcheck.articles.revisions.Outcome's value.
    outcome: Mapped[str] = mapped_column(String(12))
    confidence: Mapped[float] = mapped_column(Float, default=1.0)
    #: The claim's place in the text before: offsets into that body, and its position.
    old_start: Mapped[int]
    old_end: Mapped[int]
    old_position: Mapped[int]
    candidate_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    #: Who settled an uncertain mapping, and when (None while it waits).
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None]

    revision: Mapped[ArticleRevision] = relationship()
    claim: Mapped[Claim] = relationship(foreign_keys=[claim_id])
    successor: Mapped[Claim | None] = relationship(foreign_keys=[successor_id])
    resolved_by: Mapped[User | None] = relationship()
