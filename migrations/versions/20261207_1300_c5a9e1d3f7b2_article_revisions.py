"""Articles that change after publication: revisions, and what each made of the claims.

- ``article_revisions``: every text an article had (written from its first revision on,
  the imported text as number 1), who brought it, how, and what it did to the claims.
- ``claim_links``: per revision, each claim of the text before and what continues it.
- ``articles.revision`` (the current text's number) and ``articles.revised_at``; indexes
  by URL and by title, for an import to find the article a new text is a version of.
- ``claims.removed_in``: the revision that took the claim out of the text (NULL while it
  is in the current one).
- ``annotations.revision``: the revision whose text the annotation was written on.
- Every search entry is written again (as ``flask search reindex``): a claim a revision
  removes has no entry of its own any more.

Plain ADD COLUMNs, not batch copies: on SQLite a copy of ``claims`` would drop the
table the annotations refer to, and with foreign keys on that deletes them.

Revision ID: c5a9e1d3f7b2
Revises: e8c4a2f6b0d7
Create Date: 2026-12-07 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "c5a9e1d3f7b2"
down_revision = "e8c4a2f6b0d7"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "article_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("body_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("origin", sa.String(length=20), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.CheckConstraint("number >= 1", name=op.f("ck_article_revisions_number_positive")),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_article_revisions_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_article_revisions_created_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_article_revisions")),
        sa.UniqueConstraint(
            "article_id", "number", name=op.f("uq_article_revisions_article_id_number")
        ),
    )
    op.create_table(
        "claim_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("successor_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=12), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("old_start", sa.Integer(), nullable=False),
        sa.Column("old_end", sa.Integer(), nullable=False),
        sa.Column("old_position", sa.Integer(), nullable=False),
        sa.Column("candidate_ids", sa.JSON(), nullable=False),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["revision_id"],
            ["article_revisions.id"],
            name=op.f("fk_claim_links_revision_id_article_revisions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["claims.id"],
            name=op.f("fk_claim_links_claim_id_claims"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["successor_id"],
            ["claims.id"],
            name=op.f("fk_claim_links_successor_id_claims"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by_id"], ["users.id"], name=op.f("fk_claim_links_resolved_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_links")),
    )
    op.create_index("ix_claim_links_claim", "claim_links", ["claim_id"])
    op.create_index("ix_claim_links_successor", "claim_links", ["successor_id"])
    op.create_index("ix_claim_links_revision_outcome", "claim_links", ["revision_id", "outcome"])
    op.add_column(
        "articles", sa.Column("revision", sa.Integer(), server_default="1", nullable=False)
    )
    op.add_column("articles", sa.Column("revised_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_articles_revised_at", "articles", ["revised_at"])
    op.create_index("ix_articles_url", "articles", ["url"], postgresql_using="hash")
    op.create_index("ix_articles_title", "articles", ["title"])
    op.add_column("claims", sa.Column("removed_in", sa.Integer(), nullable=True))
    op.add_column(
        "annotations", sa.Column("revision", sa.Integer(), server_default="1", nullable=False)
    )
    from factcheck.search.index import rebuild_all

    # This is the latest revision that changes the entries (a removed claim has none):
    # the application's rebuild writes exactly what the head's tables say. A later one
    # that changes them moves this call.
    rebuild_all(op.get_bind(), check_drift=False)


def downgrade() -> None:
    # Refused once any article was revised: the earlier texts and the removed claims'
    # offsets would be lost, and the claims would point into the wrong text.
    bind = op.get_bind()
    revised = bind.scalar(sa.text("SELECT count(*) FROM article_revisions"))
    if revised:
        raise RuntimeError(
            f"{revised} article revisions exist; downgrading would lose them. "
            "Restore a backup taken before the upgrade instead."
        )
    # SQLite drops a column in place (3.35+); a batch copy of claims would delete the
    # annotations with the old table.
    op.drop_column("annotations", "revision")
    op.drop_column("claims", "removed_in")
    op.drop_index("ix_articles_title", table_name="articles")
    op.drop_index("ix_articles_url", table_name="articles")
    op.drop_index("ix_articles_revised_at", table_name="articles")
    op.drop_column("articles", "revised_at")
    op.drop_column("articles", "revision")
    op.drop_index("ix_claim_links_revision_outcome", table_name="claim_links")
    op.drop_index("ix_claim_links_successor", table_name="claim_links")
    op.drop_index("ix_claim_links_claim", table_name="claim_links")
    op.drop_table("claim_links")
    op.drop_table("article_revisions")
