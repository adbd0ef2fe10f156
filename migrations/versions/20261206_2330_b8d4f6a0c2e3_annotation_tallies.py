"""Annotation tallies for the dashboard, indexes for its last 30 days and the queue.

``annotation_tallies`` holds how many annotations each annotator has per verdict and
state (kept current by the app in the same transaction as every change), so the
dashboard reads a few thousand rows instead of counting every annotation. Filled here
from the existing annotations.

Revision ID: b8d4f6a0c2e3
Revises: a7c3e5f9b1d2
Create Date: 2026-12-06 23:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "b8d4f6a0c2e3"
down_revision = "a7c3e5f9b1d2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "annotation_tallies",
        sa.Column("annotator_id", sa.Integer(), nullable=False),
        sa.Column("verdict_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("annotations", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["annotator_id"], ["users.id"], name=op.f("fk_annotation_tallies_annotator_id_users")
        ),
        sa.PrimaryKeyConstraint(
            "annotator_id", "verdict_id", "state", name=op.f("pk_annotation_tallies")
        ),
    )
    op.execute(
        "INSERT INTO annotation_tallies (annotator_id, verdict_id, state, annotations) "
        "SELECT annotator_id, coalesce(verdict_id, 0), state, count(*) FROM annotations "
        "GROUP BY annotator_id, coalesce(verdict_id, 0), state"
    )
    op.create_index("ix_annotations_submitted_at", "annotations", ["submitted_at"])
    op.create_index("ix_reviews_decision_created_at", "reviews", ["decision", "created_at"])
    op.create_index(
        "ix_annotations_state_submitted_at", "annotations", ["state", "submitted_at", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_annotations_state_submitted_at", table_name="annotations")
    op.drop_index("ix_reviews_decision_created_at", table_name="reviews")
    op.drop_index("ix_annotations_submitted_at", table_name="annotations")
    op.drop_table("annotation_tallies")
