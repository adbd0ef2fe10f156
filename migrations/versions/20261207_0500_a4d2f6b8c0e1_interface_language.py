"""The interface language each user chose (``users.locale``; NULL follows the browser).

Revision ID: a4d2f6b8c0e1
Revises: b6cb198c62a8
Create Date: 2026-12-07 05:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "a4d2f6b8c0e1"
down_revision = "b6cb198c62a8"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("locale", sa.String(length=16), nullable=True))


def downgrade() -> None:
    # ALTER TABLE ... DROP COLUMN on both backends (SQLite 3.35+): a batch copy of
    # "users" would break the foreign keys every other table holds to it.
    op.drop_column("users", "locale")
