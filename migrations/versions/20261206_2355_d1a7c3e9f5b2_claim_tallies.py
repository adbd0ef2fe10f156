"""Claim tallies: how many finished verdicts each claim has, for the agreement figures.

The agreement page compares the claims that two or more people gave a verdict; this
table (kept current by the app with every change of an annotation) finds them through
an index instead of grouping every annotation of the archive. Filled here.

Revision ID: d1a7c3e9f5b2
Revises: c9e5a7b1d3f4
Create Date: 2026-12-06 23:55:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "d1a7c3e9f5b2"
down_revision = "c9e5a7b1d3f4"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "claim_tallies",
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("verdicts", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["claims.id"],
            name=op.f("fk_claim_tallies_claim_id_claims"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("claim_id", name=op.f("pk_claim_tallies")),
    )
    op.create_index("ix_claim_tallies_verdicts", "claim_tallies", ["verdicts", "claim_id"])
    op.execute(
        "INSERT INTO claim_tallies (claim_id, verdicts) "
        "SELECT claim_id, count(*) FROM annotations "
        "WHERE state <> 'draft' AND verdict_id IS NOT NULL GROUP BY claim_id"
    )


def downgrade() -> None:
    op.drop_index("ix_claim_tallies_verdicts", table_name="claim_tallies")
    op.drop_table("claim_tallies")
