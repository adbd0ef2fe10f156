"""What is asked of annotations, from indexes: a covering index, and visibility in the
search entries.

- Replaces the index on annotations.claim_id with one on (claim_id, annotator_id, state,
  verdict_id, submitted_at), and the one on annotator_id with (annotator_id, claim_id):
  blind annotation, progress and search's counts read exactly these, and an
  annotation's row is long (its rationale), so reading the index alone is many times
  faster at a million claims.
- An annotation's search entry carries its annotator and state, so that search applies
  blind annotation to the entries it matched without reading the annotations; on
  SQLite, an index of the entries' columns but their words serves those checks
  without reading the entries' text; on PostgreSQL, a full-text index of articles'
  and claims' entries alone serves annotators, from whom most annotations are hidden.
- The entries (for data from before the search index, and the new columns) are
  written again by the latest revision that changes them (now c5a9e1d3f7b2), with the
  application's rebuild. It used to be called here, but the rebuild is the head's code
  and reads the head's columns (``claims.removed_in``): called at this revision, it
  failed on any database with claims.

Revision ID: b8f2d61c4a07
Revises: 5e4c0d2a7b91
Create Date: 2026-11-29 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "b8f2d61c4a07"
down_revision = "5e4c0d2a7b91"
branch_labels = None
depends_on = None

_COLUMNS = ["claim_id", "annotator_id", "state", "verdict_id", "submitted_at"]


def upgrade() -> None:
    with op.batch_alter_table("annotations") as batch_op:
        batch_op.create_index("ix_annotations_claim_facts", _COLUMNS, unique=False)
        batch_op.drop_index("ix_annotations_claim_id")
        batch_op.create_index(
            "ix_annotations_annotator_claim", ["annotator_id", "claim_id"], unique=False
        )
        batch_op.drop_index("ix_annotations_annotator_id")
    # Plain ADD COLUMN, not a batch copy: SQLite's full-text table and its triggers
    # follow search_entries by name, and a copy would drop the triggers.
    op.add_column("search_entries", sa.Column("annotator_id", sa.Integer(), nullable=True))
    op.add_column(
        "search_entries",
        sa.Column(
            "state",
            sa.Enum(
                "draft",
                "submitted",
                "changes_requested",
                "approved",
                "rejected",
                name="search_entry_state",
                native_enum=False,
                length=20,
                create_constraint=False,
            ),
            nullable=True,
        ),
    )
    if op.get_bind().dialect.name == "sqlite":
        op.create_index(
            "ix_search_entries_facts",
            "search_entries",
            ["id", "kind", "article_id", "claim_id", "annotation_id", "annotator_id", "state"],
        )
    if op.get_bind().dialect.name == "postgresql":
        # The words of articles and claims alone, for annotators: most annotations
        # are hidden from them, and PostgreSQL reads the row of every entry it matches.
        op.execute(
            "CREATE INDEX ix_search_entries_document_public ON search_entries "
            "USING gin (document) WHERE annotation_id IS NULL"
        )
    # No rebuild here: c5a9e1d3f7b2, the latest revision that changes the entries,
    # writes them all (the rebuild reads the head's tables, which this revision lacks).


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_search_entries_document_public")
    if op.get_bind().dialect.name == "sqlite":
        op.drop_index("ix_search_entries_facts", table_name="search_entries")
    op.drop_column("search_entries", "state")
    op.drop_column("search_entries", "annotator_id")
    with op.batch_alter_table("annotations") as batch_op:
        batch_op.create_index("ix_annotations_annotator_id", ["annotator_id"], unique=False)
        batch_op.drop_index("ix_annotations_annotator_claim")
        batch_op.create_index("ix_annotations_claim_id", ["claim_id"], unique=False)
        batch_op.drop_index("ix_annotations_claim_facts")
