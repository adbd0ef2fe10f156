"""The verdict scale: the ratings an annotation can give a claim."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from factcheck.db import Base, intpk, str80

#: ClaimReview's ``worstRating`` and ``bestRating``: the scale's ratings run between them.
WORST_RATING = 1
BEST_RATING = 5
MAX_VERDICT_KEY_CHARS = 40
#: A grey that white text reads on (4.8:1), for a verdict given no colour.
DEFAULT_VERDICT_COLOUR = "#6b7280"


class Verdict(Base):
    """One step of the rating scale; admins edit it, retired ones stay on old annotations."""

    __tablename__ = "verdicts"
    __table_args__ = (
        CheckConstraint(
            f"rating IS NULL OR (rating BETWEEN {WORST_RATING} AND {BEST_RATING})",
            name="rating_1_to_5",
        ),
        CheckConstraint("length(colour) = 7", name="colour_is_hex"),
    )

    id: Mapped[intpk]
    #: Stable machine name used in exports and the API (``mostly_false``).
    key: Mapped[str] = mapped_column(String(MAX_VERDICT_KEY_CHARS), unique=True)
    label: Mapped[str80]
    description: Mapped[str] = mapped_column(Text, default="")
    #: ClaimReview ``ratingValue``: 1 = worst … 5 = best; none for non-factual claims.
    rating: Mapped[int | None]
    #: ``#rrggbb`` used to colour claims in the workspace.
    colour: Mapped[str] = mapped_column(String(7), default=DEFAULT_VERDICT_COLOUR)
    sort_order: Mapped[int] = mapped_column(default=0)
    #: Retired verdicts cannot be chosen for new annotations.
    active: Mapped[bool] = mapped_column(default=True)

    def __repr__(self) -> str:
        return f"<Verdict {self.key}>"
