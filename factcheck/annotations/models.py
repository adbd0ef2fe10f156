"""Annotations and their sources."""

from __future__ import annotations

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext
from sqlalchemy import (
    CheckConstraint,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from factcheck.annotations.states import AnnotationState
from factcheck.articles.models import Claim
from factcheck.db import Base, enum_values, intpk, str200, utcnow
from factcheck.users.models import User
from factcheck.verdicts.models import Verdict


class Annotation(Base):
    """One annotator's finding on one claim."""

    __tablename__ = "annotations"
    __table_args__ = (
        UniqueConstraint("claim_id", "annotator_id"),
        # At most one approved annotation per claim: it is the published verdict.
        Index(
            "uq_annotations_one_approved_per_claim",
            "claim_id",
            unique=True,
            sqlite_where=text("state = 'approved'"),
            postgresql_where=text("state = 'approved'"),
        ),
        Index("ix_annotations_state", "state"),
        # What lists, counts and search ask of a claim's annotations -- whose, in which
        # state, with which verdict, submitted or not -- from the index alone: the rows
        # themselves are long (rationales) and reading them costs ten times as much.
        # Someone's annotations and their claims (my work, blind annotation, search),
        # from the index alone.
        Index("ix_annotations_annotator_claim", "annotator_id", "claim_id"),
        # The review queue: submitted annotations, oldest first, read in order.
        Index("ix_annotations_state_submitted_at", "state", "submitted_at", "id"),
        Index(
            "ix_annotations_claim_facts",
            "claim_id",
            "annotator_id",
            "state",
            "verdict_id",
            "submitted_at",
        ),
    )

    id: Mapped[intpk]
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"))
    annotator_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    verdict_id: Mapped[int | None] = mapped_column(ForeignKey("verdicts.id"))
    #: Who made the claim (a person, an organisation, "social media posts").
    claimant: Mapped[str] = mapped_column(String(300), default="")
    #: Short normalised wording of the claim, optional.
    claim_summary: Mapped[str] = mapped_column(Text, default="")
    rationale: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[AnnotationState] = mapped_column(
        Enum(
            AnnotationState,
            name="annotation_state",
            values_callable=enum_values,
            native_enum=False,
            length=20,
            create_constraint=True,
        ),
        default=AnnotationState.DRAFT,
    )
    #: Optimistic lock: every UPDATE checks and bumps it, so a stale save fails.
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None]
    #: The article revision whose text the annotation was last written or submitted
    #: on: a later revision that edited the claim's sentence shows "text changed since".
    revision: Mapped[int] = mapped_column(default=1, server_default="1")

    claim: Mapped[Claim] = relationship()
    annotator: Mapped[User] = relationship()
    verdict: Mapped[Verdict | None] = relationship()
    sources: Mapped[list[Source]] = relationship(
        back_populates="annotation", order_by="Source.position", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads it once

    def __repr__(self) -> str:
        return f"<Annotation {self.id} claim={self.claim_id} {self.state.value} v{self.version}>"


class Stance(enum.StrEnum):
    """How a source bears on the claim."""

    SUPPORTS = "supports"
    REFUTES = "refutes"
    DISPUTES = "disputes"
    CONTEXT = "context"

    @property
    def label(self) -> str:
        """What the interface calls the stance, in the reader's language."""
        return str(STANCE_LABELS[self])


#: The stances' names as the interface shows them (lazy: a form's choices are made
#: once, at import).
STANCE_LABELS = {
    Stance.SUPPORTS: lazy_gettext("Supports"),
    Stance.REFUTES: lazy_gettext("Refutes"),
    Stance.DISPUTES: lazy_gettext("Disputes"),
    Stance.CONTEXT: lazy_gettext("Context"),
}


class Source(Base):
    __tablename__ = "sources"
    __table_args__ = (
        # A phone call has no URL, but then the quote is the evidence.
        CheckConstraint("url IS NOT NULL OR quote <> ''", name="url_or_quote"),
        # An annotation's sources are always read in their order (the workspace, the
        # API, the exports), which this index hands over without a sort.
        Index("ix_sources_annotation_id_position", "annotation_id", "position"),
    )

    id: Mapped[intpk]
    annotation_id: Mapped[int] = mapped_column(ForeignKey("annotations.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    url: Mapped[str | None] = mapped_column(String(2000))
    title: Mapped[str] = mapped_column(String(500), default="")
    publisher: Mapped[str200] = mapped_column(default="")
    quote: Mapped[str] = mapped_column(Text, default="")
    stance: Mapped[Stance] = mapped_column(
        Enum(
            Stance,
            name="stance",
            values_callable=enum_values,
            native_enum=False,
            length=20,
            create_constraint=True,
        ),
        default=Stance.CONTEXT,
    )
    accessed_on: Mapped[date | None]
    archive_url: Mapped[str | None] = mapped_column(String(2000))

    annotation: Mapped[Annotation] = relationship(back_populates="sources")
