"""Agreement and daily tallies: the verdict pairs behind the archive's agreement figures,
and the submissions and approvals of each day for the dashboard.

Krippendorff's alpha and the pairwise agreement need only the pairs of verdicts given to
each claim, counted by the claim's number of verdicts; ``agreement_tallies`` keeps those
counts and ``claim_tallies.disagrees`` marks the claims whose verdicts differ (for the
page of disagreements), so the agreement page no longer reads every double-annotated
claim's verdicts. The app keeps both current with every change of an annotation; filled
here as ``factcheck.annotations.tallies.recount_agreement`` fills them (in SQL of its
own, so that this migration does not change when the app's code does).

``daily_tallies`` counts the annotations (last) submitted and the approvals given on
each UTC day; the dashboard's thirty days read thirty rows instead of a month of work.
The fact-check library's pages are read newest first from an index on (created_at, id).

Revision ID: e2b8d4f0a6c3
Revises: d1a7c3e9f5b2
Create Date: 2026-12-07 01:00:00
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime

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

    op.create_table(
        "daily_tallies",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "kind", name=op.f("pk_daily_tallies")),
    )
    _fill_daily_tallies()
    op.create_index("ix_factchecks_created_at_id", "factchecks", ["created_at", "id"])
    # The dashboard's days were read through it; nothing else asks for submissions by
    # time alone (the review queue has its (state, submitted_at, id) index).
    op.drop_index("ix_annotations_submitted_at", table_name="annotations")


def _utc_day(moment: datetime | str) -> date:
    """The UTC day of a stored timestamp: SQLite hands out text, PostgreSQL datetimes."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.date()


def _fill_daily_tallies() -> None:
    connection = op.get_bind()
    days: Counter[tuple[date, str]] = Counter()
    for (moment,) in connection.execute(
        sa.text("SELECT submitted_at FROM annotations WHERE submitted_at IS NOT NULL")
    ):
        days[(_utc_day(moment), "submitted")] += 1
    for (moment,) in connection.execute(
        sa.text("SELECT created_at FROM reviews WHERE decision = 'approve'")
    ):
        days[(_utc_day(moment), "approved")] += 1
    table = sa.table(
        "daily_tallies",
        sa.column("day", sa.Date()),
        sa.column("kind", sa.String()),
        sa.column("events", sa.Integer()),
    )
    rows = [{"day": day, "kind": kind, "events": n} for (day, kind), n in sorted(days.items())]
    if rows:
        op.bulk_insert(table, rows)


def downgrade() -> None:
    op.create_index("ix_annotations_submitted_at", "annotations", ["submitted_at"])
    op.drop_index("ix_factchecks_created_at_id", table_name="factchecks")
    op.drop_table("daily_tallies")
    op.drop_index("ix_claim_tallies_disagrees", table_name="claim_tallies")
    with op.batch_alter_table("claim_tallies") as batch:
        batch.drop_column("disagrees")
    op.drop_table("agreement_tallies")
