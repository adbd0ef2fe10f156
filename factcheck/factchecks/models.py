"""A library entry: one published fact-check of one claim."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from factcheck.db import Base, FullTextDocument, enum_values, intpk, utcnow

MAX_CLAIM_CHARS = 5_000
MAX_HEADLINE_CHARS = 1_000
MAX_RATING_CHARS = 200
MAX_PUBLISHER_CHARS = 200
MAX_URL_CHARS = 2_000
MAX_EXTERNAL_ID_CHARS = 200
MAX_LANGUAGE_CHARS = 35


class Origin(enum.StrEnum):
    #: Imported from a file (another newsroom's ClaimReview feed, a benchmark, a CSV).
    IMPORTED = "imported"
    #: One of our own approved verdicts, added when it was approved.
    OURS = "ours"


class FactCheck(Base):
    """The claim as it was checked, the fact-check's headline and verdict, who published
    it where and when. Our own approved verdicts are entries too (``annotation_id``);
    reopening one withdraws its entry, which matching then leaves out."""

    __tablename__ = "factchecks"
    __table_args__ = (
        # The same source's id names one fact-check: importing a file twice, or two
        # files of one feed, does not duplicate it.
        UniqueConstraint("publisher", "external_id"),
        Index("ix_factchecks_published_on", "published_on"),
        Index("ix_factchecks_claim_key", "claim_key"),
        # The vectors stored since a process last looked: its vector index catches up.
        Index("ix_factchecks_vector_seq", "vector_seq"),
        # The library's pages, newest first.
        Index("ix_factchecks_created_at_id", "created_at", "id"),
    )

    id: Mapped[intpk]
    origin: Mapped[Origin] = mapped_column(
        Enum(
            Origin,
            name="factcheck_origin",
            values_callable=enum_values,
            native_enum=False,
            length=20,
            create_constraint=True,
        ),
        default=Origin.IMPORTED,
    )
    #: The source's own id (a feed's identifier, a benchmark's row id).
    external_id: Mapped[str | None] = mapped_column(String(MAX_EXTERNAL_ID_CHARS))
    #: The claim as the fact-check states it (ClaimReview ``claimReviewed``).
    claim: Mapped[str] = mapped_column(Text)
    #: The fact-check's headline (ClaimReview ``name`` or ``headline``).
    headline: Mapped[str] = mapped_column(Text, default="")
    #: The rating as published: "Mostly false", "Pants on fire" (``alternateName``).
    rating_text: Mapped[str] = mapped_column(String(MAX_RATING_CHARS), default="")
    #: The numeric rating and its scale, where the publisher gives them.
    rating_value: Mapped[float | None] = mapped_column(Float)
    rating_worst: Mapped[float | None] = mapped_column(Float)
    rating_best: Mapped[float | None] = mapped_column(Float)
    publisher: Mapped[str] = mapped_column(String(MAX_PUBLISHER_CHARS), default="")
    url: Mapped[str | None] = mapped_column(String(MAX_URL_CHARS))
    published_on: Mapped[date | None]
    language: Mapped[str] = mapped_column(String(MAX_LANGUAGE_CHARS), default="")
    #: Ours: the approved annotation this entry publishes.
    annotation_id: Mapped[int | None] = mapped_column(
        ForeignKey("annotations.id", ondelete="SET NULL"), unique=True
    )
    #: Ours, reopened after approval: kept for the record, no longer matched.
    withdrawn: Mapped[bool] = mapped_column(default=False)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: PostgreSQL only: the claim (weight A) and headline (weight B) as a ``tsvector``,
    #: set by a trigger; SQLite's index is the FTS5 table ``factcheck_fts``.
    document: Mapped[str | None] = mapped_column(FullTextDocument)
    #: :func:`factcheck.factchecks.terms.claim_key` of the claim: twins share it.
    claim_key: Mapped[str] = mapped_column(String(40), default="")
    #: The stems of the claim's and the headline's words, space-separated
    #: (:func:`factcheck.factchecks.terms.terms`), for BM25 over a few candidates.
    claim_terms: Mapped[str] = mapped_column(Text, default="")
    headline_terms: Mapped[str] = mapped_column(Text, default="")
    #: The sentence vectors of the claim and the headline (float16, L2-normalised),
    #: written after the entry by :mod:`factcheck.factchecks.vectors`; NULL until then.
    claim_vector: Mapped[bytes | None] = mapped_column(LargeBinary)
    headline_vector: Mapped[bytes | None] = mapped_column(LargeBinary)
    #: When the vectors were stored, in the library's own count (see LibraryStats).
    vector_seq: Mapped[int | None] = mapped_column(BigInteger)

    def __repr__(self) -> str:
        return f"<FactCheck {self.id} {self.publisher!r} {self.external_id!r}>"


def normal_rating(text: str) -> str:
    """A rating text as the mapping keys it: lower case, single spaces."""
    return " ".join(text.split()).lower()


class RatingMapping(Base):
    """Which of our verdicts another newsroom's rating text means ("Pants on fire" is
    our False): the admin keeps the list; "Use this fact-check" reads it."""

    __tablename__ = "rating_mappings"

    id: Mapped[intpk]
    #: As :func:`normal_rating` gives it.
    rating_text: Mapped[str] = mapped_column(String(MAX_RATING_CHARS), unique=True)
    verdict_id: Mapped[int] = mapped_column(ForeignKey("verdicts.id", ondelete="CASCADE"))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class LibraryTerm(Base):
    """In how many entries (claim or headline) a term appears: BM25's document
    frequency, kept as entries are added (a withdrawn entry still counts)."""

    __tablename__ = "factcheck_terms"

    term: Mapped[str] = mapped_column(String(200), primary_key=True)
    entries: Mapped[int] = mapped_column(Integer, default=0)


class LibraryStats(Base):
    """One row: the library's size and term counts (BM25's averages), and the count
    that orders stored vectors, so a process's vector index knows what it lacks."""

    __tablename__ = "factcheck_library_stats"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entries: Mapped[int] = mapped_column(BigInteger, default=0)
    claim_terms: Mapped[int] = mapped_column(BigInteger, default=0)
    headline_terms: Mapped[int] = mapped_column(BigInteger, default=0)
    vectors_stored: Mapped[int] = mapped_column(BigInteger, default=0)
    #: Names this database's library: a vector index cached on disk belongs to it.
    token: Mapped[str] = mapped_column(String(40), default="")


class ClaimMatch(Base):
    """A library entry that checked the same claim as one of ours, as matching found it
    (at least at the suggestion level): the workspace's "checked before" badge and
    filter read these; the claim panel matches afresh."""

    __tablename__ = "claim_matches"

    claim_id: Mapped[int] = mapped_column(
        ForeignKey("claims.id", ondelete="CASCADE"), primary_key=True
    )
    factcheck_id: Mapped[int] = mapped_column(
        ForeignKey("factchecks.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    score: Mapped[float] = mapped_column(Float)
    matched_at: Mapped[datetime] = mapped_column(default=utcnow)


class ClaimVector(Base):
    """A claim's sentence vector (float16), kept when it is matched: when the library
    grows, only the recent claims near a new entry are matched again."""

    __tablename__ = "claim_vectors"

    claim_id: Mapped[int] = mapped_column(
        ForeignKey("claims.id", ondelete="CASCADE"), primary_key=True
    )
    vector: Mapped[bytes] = mapped_column(LargeBinary)
