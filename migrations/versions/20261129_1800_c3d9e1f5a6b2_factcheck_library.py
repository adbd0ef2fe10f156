"""The fact-check library: published fact-checks to match claims against.

SQLite: an FTS5 table (``factcheck_fts``, external content) over the claim and the
headline, kept in step by triggers, with the search index's tokenizer. PostgreSQL: a
``tsvector`` column filled by a trigger (English, accents removed) and a GIN index.

Revision ID: c3d9e1f5a6b2
Revises: b8f2d61c4a07
Create Date: 2026-11-29 18:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "c3d9e1f5a6b2"
down_revision = "b8f2d61c4a07"
branch_labels = None
depends_on = None


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    document_type = sa.Text()
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import TSVECTOR

        document_type = TSVECTOR()
    op.create_table(
        "factchecks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "origin",
            sa.Enum(
                "imported",
                "ours",
                name="factcheck_origin",
                native_enum=False,
                length=20,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.Column("claim", sa.Text(), nullable=False),
        sa.Column("headline", sa.Text(), nullable=False),
        sa.Column("rating_text", sa.String(length=200), nullable=False),
        sa.Column("rating_value", sa.Float(), nullable=True),
        sa.Column("rating_worst", sa.Float(), nullable=True),
        sa.Column("rating_best", sa.Float(), nullable=True),
        sa.Column("publisher", sa.String(length=200), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=True),
        sa.Column("published_on", sa.Date(), nullable=True),
        sa.Column("language", sa.String(length=35), nullable=False),
        sa.Column("annotation_id", sa.Integer(), nullable=True),
        sa.Column("withdrawn", sa.Boolean(), nullable=False),
        sa.Column("imported_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("document", document_type, nullable=True),
        sa.ForeignKeyConstraint(
            ["annotation_id"],
            ["annotations.id"],
            name=op.f("fk_factchecks_annotation_id_annotations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["imported_by_id"], ["users.id"], name=op.f("fk_factchecks_imported_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_factchecks")),
        sa.UniqueConstraint("annotation_id", name=op.f("uq_factchecks_annotation_id")),
        sa.UniqueConstraint(
            "publisher", "external_id", name=op.f("uq_factchecks_publisher_external_id")
        ),
    )
    op.create_index("ix_factchecks_published_on", "factchecks", ["published_on"])
    if dialect == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE factcheck_fts USING fts5(claim, headline, "
            "content='factchecks', content_rowid='id', "
            "tokenize='porter unicode61 remove_diacritics 2')"
        )
        op.execute(
            "CREATE TRIGGER factchecks_ai AFTER INSERT ON factchecks BEGIN "
            "INSERT INTO factcheck_fts(rowid, claim, headline) "
            "VALUES (new.id, new.claim, new.headline); END"
        )
        op.execute(
            "CREATE TRIGGER factchecks_ad AFTER DELETE ON factchecks BEGIN "
            "INSERT INTO factcheck_fts(factcheck_fts, rowid, claim, headline) "
            "VALUES ('delete', old.id, old.claim, old.headline); END"
        )
        op.execute(
            "CREATE TRIGGER factchecks_au AFTER UPDATE OF claim, headline ON factchecks BEGIN "
            "INSERT INTO factcheck_fts(factcheck_fts, rowid, claim, headline) "
            "VALUES ('delete', old.id, old.claim, old.headline); "
            "INSERT INTO factcheck_fts(rowid, claim, headline) "
            "VALUES (new.id, new.claim, new.headline); END"
        )
    elif dialect == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
        op.execute(
            "CREATE FUNCTION factchecks_document() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN NEW.document := "
            "setweight(to_tsvector('english', unaccent(regexp_replace(NEW.claim, "
            "'[^[:alnum:]]+', ' ', 'g'))), 'A') || "
            "setweight(to_tsvector('english', unaccent(regexp_replace(NEW.headline, "
            "'[^[:alnum:]]+', ' ', 'g'))), 'B'); "
            "RETURN NEW; END $$"
        )
        op.execute(
            "CREATE TRIGGER factchecks_document BEFORE INSERT OR UPDATE OF claim, headline "
            "ON factchecks FOR EACH ROW EXECUTE FUNCTION factchecks_document()"
        )
        op.execute("CREATE INDEX ix_factchecks_document ON factchecks USING gin (document)")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for trigger in ("factchecks_au", "factchecks_ad", "factchecks_ai"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS factcheck_fts")
    elif dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_factchecks_document")
        op.execute("DROP TRIGGER IF EXISTS factchecks_document ON factchecks")
        op.execute("DROP FUNCTION IF EXISTS factchecks_document()")
    op.drop_index("ix_factchecks_published_on", table_name="factchecks")
    op.drop_table("factchecks")
