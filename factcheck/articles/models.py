"""Articles and the claims (segments) they are cut into."""

from __future__ import annotations

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext
from sqlalchemy import CheckConstraint, Enum, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

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
    __table_args__ = (Index("ix_articles_imported_at_id", "imported_at", "id"),)

    id: Mapped[intpk]
    title: Mapped[str500]
    outlet: Mapped[str | None] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(String(2000))
    byline: Mapped[str | None] = mapped_column(String(500))
    published_on: Mapped[date | None]
    #: BCP 47 tag of the body's language, used to pick segmentation rules.
    language: Mapped[str] = mapped_column(String(16), default="en")
    #: Never changes after import: every claim offset points into it.
    body: Mapped[str] = mapped_column(Text)
    #: Hex SHA-256 of ``body`` (UTF-8); unique, so the same text is not imported twice.
    body_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)

    imported_by: Mapped[User | None] = relationship()
    claims: Mapped[list[Claim]] = relationship(
        back_populates="article", order_by="Claim.position", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Article {self.id} {self.title[:40]!r}>"


class Claim(Base):
    """One segment of an article body: ``article.body[start:end]``."""

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

    article: Mapped[Article] = relationship(back_populates="claims")

    @property
    def text(self) -> str:
        return self.article.body[self.start : self.end]

    @property
    def hints(self) -> list[str]:
        """Names of the hints that apply, in a fixed order for display."""
        names = ("number", "quote", "attribution", "comparison", "date")
        return [name for name in names if getattr(self, f"has_{name}")]

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
