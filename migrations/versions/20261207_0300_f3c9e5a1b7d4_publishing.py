"""Publishing: the admin's switch, and the record of every public verdict and correction.

Approved verdicts already in the database are recorded as published when their
approval was made (the latest approving review), so their public pages show the right
dates from the first day publishing is switched on.

Revision ID: f3c9e5a1b7d4
Revises: e2b8d4f0a6c3
Create Date: 2026-12-07 03:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "f3c9e5a1b7d4"
down_revision = "e2b8d4f0a6c3"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "publishing_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("show_names", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publishing_settings")),
    )
    op.create_table(
        "publication_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "published",
                "withdrawn",
                name="publication_kind",
                native_enum=False,
                length=20,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("annotation_id", sa.Integer(), nullable=True),
        sa.Column("verdict_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["annotation_id"],
            ["annotations.id"],
            name=op.f("fk_publication_events_annotation_id_annotations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_publication_events_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["claims.id"],
            name=op.f("fk_publication_events_claim_id_claims"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["verdict_id"],
            ["verdicts.id"],
            name=op.f("fk_publication_events_verdict_id_verdicts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publication_events")),
    )
    op.create_index("ix_publication_events_claim_id", "publication_events", ["claim_id", "id"])
    op.create_index("ix_publication_events_article_id", "publication_events", ["article_id", "id"])
    op.create_index("ix_publication_events_kind", "publication_events", ["kind", "id"])
    op.create_table(
        "published_articles",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("modified_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("verdicts", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_published_articles_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("article_id", name=op.f("pk_published_articles")),
    )
    op.create_index(
        "ix_published_articles_published_at", "published_articles", ["published_at", "article_id"]
    )
    op.create_index(
        "ix_published_articles_modified_at", "published_articles", ["modified_at", "article_id"]
    )
    # Plain SQL, not the application's code: it must mean the same when the models move on.
    op.execute(
        "INSERT INTO publication_events "
        "(claim_id, article_id, kind, annotation_id, verdict_id, created_at) "
        "SELECT a.claim_id, c.article_id, 'published', a.id, a.verdict_id, "
        "COALESCE((SELECT max(r.created_at) FROM reviews r "
        "WHERE r.annotation_id = a.id AND r.decision = 'approve'), a.updated_at) "
        "FROM annotations a JOIN claims c ON c.id = a.claim_id "
        "WHERE a.state = 'approved' ORDER BY 6, a.id"
    )
    op.execute(
        "INSERT INTO published_articles (article_id, published_at, modified_at, verdicts) "
        "SELECT article_id, min(created_at), max(created_at), count(*) "
        "FROM publication_events GROUP BY article_id"
    )


def downgrade() -> None:
    op.drop_index("ix_published_articles_modified_at", table_name="published_articles")
    op.drop_index("ix_published_articles_published_at", table_name="published_articles")
    op.drop_table("published_articles")
    op.drop_index("ix_publication_events_kind", table_name="publication_events")
    op.drop_index("ix_publication_events_article_id", table_name="publication_events")
    op.drop_index("ix_publication_events_claim_id", table_name="publication_events")
    op.drop_table("publication_events")
    op.drop_table("publishing_settings")
