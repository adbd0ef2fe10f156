"""Sources indexed in their order within an annotation.

Replaces the index on sources.annotation_id with one on (annotation_id, position): every
reader wants an annotation's sources in order, and the publication export aggregates
them in that order without sorting.

Revision ID: 7b3e1c52a9d4
Revises: d126db60885a
Create Date: 2026-11-26 09:00:00
"""

from __future__ import annotations

from alembic import op

revision = "7b3e1c52a9d4"
down_revision = "d126db60885a"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sources") as batch_op:
        batch_op.create_index(
            "ix_sources_annotation_id_position", ["annotation_id", "position"], unique=False
        )
        batch_op.drop_index("ix_sources_annotation_id")


def downgrade() -> None:
    with op.batch_alter_table("sources") as batch_op:
        batch_op.create_index("ix_sources_annotation_id", ["annotation_id"], unique=False)
        batch_op.drop_index("ix_sources_annotation_id_position")
