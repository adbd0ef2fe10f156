"""The search index: one entry per article, claim and annotation, with its words.

The entries are a plain table in both databases; the full-text index over it is the
database's own. On SQLite an FTS5 table (``search_fts``, external content) follows the
entries through triggers; on PostgreSQL a trigger fills ``document`` (a ``tsvector``)
and a GIN index serves the matches. Both are made by the migration: the application
writes and deletes entries and never touches the full-text structures itself.

Each entry is searched in its article's language (see :mod:`factcheck.search.languages`):
PostgreSQL's trigger reads ``language`` to choose the text search configuration; on
SQLite, a non-English entry's words are also written as its language's stems, which
the FTS5 table indexes beside the Porter-stemmed words, with the language as a word.
"""

from __future__ import annotations

import enum

from sqlalchemy import Enum, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from factcheck.annotations.states import AnnotationState
from factcheck.articles.models import Article
from factcheck.db import Base, FullTextDocument, PostgresIntegers, enum_values, intpk

# Imported with the models, before any connection opens: registers ``search_stems``,
# which fills ``heading_stems`` and ``body_stems`` (see factcheck.db.SQLITE_FUNCTIONS).
from factcheck.search import languages  # noqa: F401

#: How SQLite's full-text index splits and stems words (the migration made the index
#: with it; search's snippet table must read words the same way).
SQLITE_TOKENIZER = "porter unicode61 remove_diacritics 2"


class EntryKind(enum.StrEnum):
    ARTICLE = "article"
    CLAIM = "claim"
    ANNOTATION = "annotation"


class SearchEntry(Base):
    """The searchable words of one article (title; outlet and byline), one claim (its
    text) or one annotation (claimant and summary; rationale, sources, review comments
    and the annotator's name)."""

    __tablename__ = "search_entries"
    __table_args__ = (
        Index("ix_search_entries_claim_id", "claim_id"),
        Index("ix_search_entries_article_id", "article_id"),
    )

    id: Mapped[intpk]
    kind: Mapped[EntryKind] = mapped_column(
        Enum(
            EntryKind,
            name="search_entry_kind",
            values_callable=enum_values,
            native_enum=False,
            length=20,
            create_constraint=True,
        )
    )
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"))
    annotation_id: Mapped[int | None] = mapped_column(
        ForeignKey("annotations.id", ondelete="CASCADE"), unique=True
    )
    #: An annotation's author and state, so that search holds its matches to blind
    #: annotation without reading the annotations (rewritten with every change).
    annotator_id: Mapped[int | None] = mapped_column(Integer)
    state: Mapped[AnnotationState | None] = mapped_column(
        Enum(
            AnnotationState,
            name="search_entry_state",
            values_callable=enum_values,
            native_enum=False,
            length=20,
            create_constraint=False,
        )
    )
    #: PostgreSQL only, an annotation's: who may see it besides reviewers -- its author
    #: and every annotator who has submitted their own annotation of the claim (blind
    #: annotation), so that the words' index finds an annotator's matches among the
    #: annotations they may see without reading the others. Rewritten whenever someone
    #: submits on the claim. Elsewhere NULL (SQLite reads the rule from the annotations).
    viewers: Mapped[list[int] | None] = mapped_column(PostgresIntegers)
    #: Words that say what the thing is: a title, a claim, who claimed it and what.
    heading: Mapped[str] = mapped_column(Text, default="")
    #: The rest: an article's outlet and byline; an annotation's reasoning and sources.
    body: Mapped[str] = mapped_column(Text, default="")
    #: The article's language, by primary subtag ("pt" for "pt-BR"); NULL for English,
    #: so that English entries carry nothing more than they did.
    language: Mapped[str | None] = mapped_column(String(16))
    #: PostgreSQL only: ``heading`` (weight A) and ``body`` (weight B), set by a trigger.
    document: Mapped[str | None] = mapped_column(FullTextDocument)
    #: SQLite only: ``heading`` and ``body`` cut by the language's Snowball stemmer, for
    #: the entries of a language other than English that has one (else NULL).
    heading_stems: Mapped[str | None] = mapped_column(Text)
    body_stems: Mapped[str | None] = mapped_column(Text)


#: Which languages the articles are in, read one probe per language (see
#: :func:`factcheck.search.languages.present_languages`): search's, kept with its models.
ARTICLES_LANGUAGE_INDEX = Index("ix_articles_language", Article.__table__.c.language)


#: SQLite only: every column of an entry but its words, by id, so that search checks
#: its matches without reading their text.
ENTRY_FACTS_INDEX = "ix_search_entries_facts"
