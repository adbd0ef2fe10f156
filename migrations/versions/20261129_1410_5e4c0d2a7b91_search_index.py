"""The search index: entries per article, claim and annotation, and the full-text index.

SQLite: an FTS5 table with external content (``search_fts``) over ``search_entries``,
kept in step by triggers; Porter stemming over unicode61 with diacritics removed, so
"deported" finds "deportation" and "cafe" finds "café". PostgreSQL: a ``tsvector``
column filled by a trigger (English configuration, accents removed by ``unaccent``)
and a GIN index on it.

The entries for the data already in the database are written by the latest migration
that changes them (b8f2d61c4a07), with the application's own rebuild: it writes the
columns the models have at the head of the history, which this revision lacks.

Revision ID: 5e4c0d2a7b91
Revises: 7b3e1c52a9d4
Create Date: 2026-11-29 14:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "5e4c0d2a7b91"
down_revision = "7b3e1c52a9d4"
branch_labels = None
depends_on = None


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    document_type = sa.Text()
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import TSVECTOR

        document_type = TSVECTOR()
    op.create_table(
        "search_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "article",
                "claim",
                "annotation",
                name="search_entry_kind",
                native_enum=False,
                length=20,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=True),
        sa.Column("annotation_id", sa.Integer(), nullable=True),
        sa.Column("heading", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("document", document_type, nullable=True),
        sa.ForeignKeyConstraint(
            ["annotation_id"],
            ["annotations.id"],
            name=op.f("fk_search_entries_annotation_id_annotations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_search_entries_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["claims.id"],
            name=op.f("fk_search_entries_claim_id_claims"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_entries")),
        sa.UniqueConstraint("annotation_id", name=op.f("uq_search_entries_annotation_id")),
    )
    op.create_index("ix_search_entries_claim_id", "search_entries", ["claim_id"])
    op.create_index("ix_search_entries_article_id", "search_entries", ["article_id"])
    if dialect == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE search_fts USING fts5(heading, body, "
            "content='search_entries', content_rowid='id', "
            "tokenize='porter unicode61 remove_diacritics 2')"
        )
        op.execute(
            "CREATE TRIGGER search_entries_ai AFTER INSERT ON search_entries BEGIN "
            "INSERT INTO search_fts(rowid, heading, body) "
            "VALUES (new.id, new.heading, new.body); END"
        )
        op.execute(
            "CREATE TRIGGER search_entries_ad AFTER DELETE ON search_entries BEGIN "
            "INSERT INTO search_fts(search_fts, rowid, heading, body) "
            "VALUES ('delete', old.id, old.heading, old.body); END"
        )
        op.execute(
            "CREATE TRIGGER search_entries_au AFTER UPDATE ON search_entries BEGIN "
            "INSERT INTO search_fts(search_fts, rowid, heading, body) "
            "VALUES ('delete', old.id, old.heading, old.body); "
            "INSERT INTO search_fts(rowid, heading, body) "
            "VALUES (new.id, new.heading, new.body); END"
        )
    elif dialect == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
        # unaccent() is only STABLE (its dictionary could change), so it cannot sit in
        # an index expression; a trigger computes the document when an entry is written.
        # Punctuation becomes space before parsing, as FTS5's tokenizer and the query
        # reader both do: PostgreSQL's parser would otherwise keep "example.org" or
        # "uk-eu" as one token that the words "example" or "eu" never match.
        op.execute(
            "CREATE FUNCTION search_entries_document() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN NEW.document := "
            "setweight(to_tsvector('english', unaccent(regexp_replace(NEW.heading, "
            "'[^[:alnum:]]+', ' ', 'g'))), 'A') || "
            "setweight(to_tsvector('english', unaccent(regexp_replace(NEW.body, "
            "'[^[:alnum:]]+', ' ', 'g'))), 'B'); "
            "RETURN NEW; END $$"
        )
        op.execute(
            "CREATE TRIGGER search_entries_document BEFORE INSERT OR UPDATE ON search_entries "
            "FOR EACH ROW EXECUTE FUNCTION search_entries_document()"
        )
        op.execute("CREATE INDEX ix_search_entries_document ON search_entries USING gin (document)")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS search_entries_au")
        op.execute("DROP TRIGGER IF EXISTS search_entries_ad")
        op.execute("DROP TRIGGER IF EXISTS search_entries_ai")
        op.execute("DROP TABLE IF EXISTS search_fts")
    elif dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_search_entries_document")
        op.execute("DROP TRIGGER IF EXISTS search_entries_document ON search_entries")
        op.execute("DROP FUNCTION IF EXISTS search_entries_document()")
    op.drop_index("ix_search_entries_article_id", table_name="search_entries")
    op.drop_index("ix_search_entries_claim_id", table_name="search_entries")
    op.drop_table("search_entries")
