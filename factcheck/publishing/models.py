"""What readers are shown: the switch, and the record of every publication and correction.

A claim's published verdict is its approved annotation; the record here remembers every
time that changed (a verdict published, withdrawn for review, published again or
replaced), so that the public page can show corrections with their dates, as the
IFCN's code of principles asks, after the annotation itself has moved on.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, Integer
from sqlalchemy.orm import Mapped, mapped_column

from factcheck.db import Base, enum_values, intpk, utcnow

#: The one row of settings (an admin's switch overrides the configured default).
SETTINGS_ID = 1


class PublishingSettings(Base):
    """Whether approved verdicts are on public pages, and whether they name people."""

    __tablename__ = "publishing_settings"

    id: Mapped[intpk]
    enabled: Mapped[bool] = mapped_column(default=False)
    #: The annotator's and the approving reviewer's names on public pages.
    show_names: Mapped[bool] = mapped_column(default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads it once


class PublicationKind(enum.StrEnum):
    #: The claim's verdict became public (first, again, or in place of another).
    PUBLISHED = "published"
    #: The public verdict was taken back for review (reopened).
    WITHDRAWN = "withdrawn"


class PublicationEvent(Base):
    """One change of a claim's public verdict, written in the transaction that made it."""

    __tablename__ = "publication_events"
    __table_args__ = (
        Index("ix_publication_events_claim_id", "claim_id", "id"),
        Index("ix_publication_events_article_id", "article_id", "id"),
        Index("ix_publication_events_kind", "kind", "id"),
    )

    id: Mapped[intpk]
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"))
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    kind: Mapped[PublicationKind] = mapped_column(
        Enum(
            PublicationKind,
            name="publication_kind",
            values_callable=enum_values,
            native_enum=False,
            length=20,
            create_constraint=True,
        )
    )
    #: The approved annotation (None for a withdrawal).
    annotation_id: Mapped[int | None] = mapped_column(
        ForeignKey("annotations.id", ondelete="SET NULL")
    )
    #: The verdict published, or the one withdrawn.
    verdict_id: Mapped[int | None] = mapped_column(ForeignKey("verdicts.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PublishedArticle(Base):
    """An article with (or once with) a public verdict: the public index pages these."""

    __tablename__ = "published_articles"
    __table_args__ = (
        Index("ix_published_articles_published_at", "published_at", "article_id"),
        Index("ix_published_articles_modified_at", "modified_at", "article_id"),
    )

    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    #: When its first verdict was published.
    published_at: Mapped[datetime]
    #: When a verdict of it was last published, withdrawn or replaced.
    modified_at: Mapped[datetime]
    #: How many of its claims have a public verdict now.
    verdicts: Mapped[int] = mapped_column(default=0)
