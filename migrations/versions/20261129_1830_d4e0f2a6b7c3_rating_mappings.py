"""Rating mappings: which of our verdicts another newsroom's rating text means.

Revision ID: d4e0f2a6b7c3
Revises: c3d9e1f5a6b2
Create Date: 2026-11-29 18:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "d4e0f2a6b7c3"
down_revision = "c3d9e1f5a6b2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rating_mappings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rating_text", sa.String(length=200), nullable=False),
        sa.Column("verdict_id", sa.Integer(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_rating_mappings_updated_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["verdict_id"],
            ["verdicts.id"],
            name=op.f("fk_rating_mappings_verdict_id_verdicts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rating_mappings")),
        sa.UniqueConstraint("rating_text", name=op.f("uq_rating_mappings_rating_text")),
    )


def downgrade() -> None:
    op.drop_table("rating_mappings")
