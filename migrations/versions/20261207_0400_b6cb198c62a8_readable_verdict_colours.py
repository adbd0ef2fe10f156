"""Readable verdict colours: the default scale's light colours darkened to WCAG 2.1 AA.

Four of the colours the initial migration seeded were too light for a badge: the page
did not contrast 3:1 with the badge (and, for "Mostly false", neither white nor dark
text reached 4.5:1 on it). Each becomes the nearest shade that passes (what the admin
form suggests, ``factcheck.verdicts.contrast``). A colour an admin has changed since is
left alone.

Revision ID: b6cb198c62a8
Revises: f3c9e5a1b7d4
Create Date: 2026-12-07 04:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "b6cb198c62a8"
down_revision = "f3c9e5a1b7d4"
branch_labels = None
depends_on = None

#: key: (the seeded colour, the readable one)
COLOURS = {
    "mixed": ("#c9a227", "#ad8b22"),
    "misleading": ("#d9822b", "#cc7a28"),
    "mostly_false": ("#cf5c36", "#be5532"),
    "not_a_claim": ("#9ca3af", "#898f9a"),
}

_UPDATE = sa.text("UPDATE verdicts SET colour = :new WHERE key = :key AND colour = :old")


def upgrade() -> None:
    for key, (seeded, readable) in COLOURS.items():
        op.get_bind().execute(_UPDATE, {"key": key, "old": seeded, "new": readable})


def downgrade() -> None:
    for key, (seeded, readable) in COLOURS.items():
        op.get_bind().execute(_UPDATE, {"key": key, "old": readable, "new": seeded})
