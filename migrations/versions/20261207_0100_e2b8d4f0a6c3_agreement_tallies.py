"""Agreement tallies: the verdict pairs behind the archive's agreement figures.

Krippendorff's alpha and the pairwise agreement need only the pairs of verdicts given to
each claim, counted by the claim's number of verdicts; ``agreement_tallies`` keeps those
counts and ``claim_tallies.disagrees`` marks the claims whose verdicts differ (for the
page of disagreements), so the agreement page no longer reads every double-annotated
claim's verdicts. The app keeps both current with every change of an annotation; filled
here as ``factcheck.annotations.tallies.recount_agreement`` fills them (in SQL of its
own, so that this migration does not change when the app's code does).

Revision ID: e2b8d4f0a6c3
Revises: d1a7c3e9f5b2
Create Date: 2026-12-07 01:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "e2b8d4f0a6c3"
down_revision = "d1a7c3e9f5b2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agreement_tallies",
        sa.Column("unit_size", sa.Integer(), nullable=False),
        sa.Column("verdict_a", sa.Integer(), nullable=False),
        sa.Column("verdict_b", sa.Integer(), nullable=False),
        sa.Column("pairs", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "unit_size", "verdict_a", "verdict_b", name=op.f("pk_agreement_tallies")
        ),
    )
    with op.batch_alter_table("claim_tallies") as batch:
        batch.add_column(
            sa.Column("disagrees", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_index("ix_claim_tallies_disagrees", "claim_tallies", ["disagrees", "claim_id"])
    op.execute(
        "INSERT INTO agreement_tallies (unit_size, verdict_a, verdict_b, pairs) "
        "SELECT t.verdicts, a.verdict_id, b.verdict_id, count(*) "
        "FROM claim_tallies t "
        "JOIN annotations a ON a.claim_id = t.claim_id "
        "JOIN annotations b ON b.claim_id = t.claim_id AND b.id <> a.id "
        "WHERE t.verdicts >= 2 "
        "AND a.state <> 'draft' AND a.verdict_id IS NOT NULL "
        "AND b.state <> 'draft' AND b.verdict_id IS NOT NULL "
        "GROUP BY t.verdicts, a.verdict_id, b.verdict_id"
    )
    op.execute(
        "UPDATE claim_tallies SET disagrees = ("
        "SELECT count(DISTINCT a.verdict_id) > 1 FROM annotations a "
        "WHERE a.claim_id = claim_tallies.claim_id "
        "AND a.state <> 'draft' AND a.verdict_id IS NOT NULL) "
        "WHERE verdicts >= 2"
    )


def downgrade() -> None:
    op.drop_index("ix_claim_tallies_disagrees", table_name="claim_tallies")
    with op.batch_alter_table("claim_tallies") as batch:
        batch.drop_column("disagrees")
    op.drop_table("agreement_tallies")
