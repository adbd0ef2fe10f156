"""Reviewers' decisions on annotations."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext
from sqlalchemy import CheckConstraint, Enum, ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from factcheck.annotations.models import Annotation
from factcheck.db import Base, enum_values, intpk, utcnow
from factcheck.users.models import User


class Decision(enum.StrEnum):
    APPROVE = "approve"
    REQUEST_CHANGES = "request_changes"
    REJECT = "reject"

    @property
    def label(self) -> str:
        """The decision as a review round shows it: "Request changes"."""
        return str(_DECISION_LABELS[self])


_DECISION_LABELS = {
    Decision.APPROVE: lazy_gettext("Approve"),
    Decision.REQUEST_CHANGES: lazy_gettext("Request changes"),
    Decision.REJECT: lazy_gettext("Reject"),
}


class Review(Base):
    __tablename__ = "reviews"
    __table_args__ = (
        # The four-eyes rule, enforced by the database as well as by the operation.
        CheckConstraint("reviewer_id <> annotator_id", name="four_eyes"),
        CheckConstraint(
            "decision = 'approve' OR length(trim(comment)) > 0", name="comment_unless_approved"
        ),
        # Approvals within dates (search's "approved between" over a listing).
        Index("ix_reviews_decision_created_at", "decision", "created_at"),
    )

    id: Mapped[intpk]
    annotation_id: Mapped[int] = mapped_column(
        ForeignKey("annotations.id", ondelete="CASCADE"), index=True
    )
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: Copied from the annotation so the four-eyes CHECK can see both people.
    annotator_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decision: Mapped[Decision] = mapped_column(
        Enum(
            Decision,
            name="decision",
            values_callable=enum_values,
            native_enum=False,
            length=20,
            create_constraint=True,
        )
    )
    comment: Mapped[str] = mapped_column(Text, default="")
    #: The annotation version the reviewer saw and decided on.
    annotation_version: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    annotation: Mapped[Annotation] = relationship()
    reviewer: Mapped[User] = relationship(foreign_keys=[reviewer_id])
