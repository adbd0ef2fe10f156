"""PostgreSQL: the search entries vacuumed after every 10,000 dead rows, not 20% of them.

A broad search reads the newest entries first, and the newest are where dead rows
gather: an annotation's entry is written again (a new row, at the top) each time it is
saved, submitted or reviewed, and an import that is rolled back leaves all of its
entries dead there. Every dead row a search meets is read and thrown away. With the
default (20% of the table), a million claims' 1.4 million entries waited for 285,000
dead rows: three rolled-back imports of 1,000 articles made searches twice as slow
(46 ms of database time each, 129 ms with them), and so they stayed. Vacuuming the
table then took 1.5 s: it reads only the pages that changed.

SQLite has no vacuum daemon and needs nothing: FTS5 keeps its own index.
"""

from __future__ import annotations

from alembic import op

revision = "6d2f8b4c1a37"
down_revision = "0a1b2c3d4e5f"
branch_labels = None
depends_on = None

#: Dead rows (and, for the pending lists of the words' indexes, new rows) after which
#: autovacuum takes the table, whatever its size.
_ROWS = 10_000


def upgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    op.execute(
        "ALTER TABLE search_entries SET (autovacuum_vacuum_scale_factor = 0, "
        f"autovacuum_vacuum_threshold = {_ROWS}, "
        "autovacuum_vacuum_insert_scale_factor = 0, "
        f"autovacuum_vacuum_insert_threshold = {_ROWS})"
    )


def downgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    op.execute(
        "ALTER TABLE search_entries RESET (autovacuum_vacuum_scale_factor, "
        "autovacuum_vacuum_threshold, autovacuum_vacuum_insert_scale_factor, "
        "autovacuum_vacuum_insert_threshold)"
    )
