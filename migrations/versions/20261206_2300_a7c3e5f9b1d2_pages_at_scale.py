"""Indexes for the pages of a year's archive: the article list pages newest first.

Revision ID: a7c3e5f9b1d2
Revises: f6b2c4d8e0a1
Create Date: 2026-12-06 23:00:00
"""

from __future__ import annotations

from alembic import op

revision = "a7c3e5f9b1d2"
down_revision = "f6b2c4d8e0a1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_articles_imported_at_id", "articles", ["imported_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_articles_imported_at_id", table_name="articles")
