"""The library's matching data: claim keys, terms, sentence vectors and BM25 counts.

Existing entries get their claim keys and terms here, and the counts are made from
them; their vectors are left empty for ``flask factchecks encode`` (encoding is some
10 ms a text, too slow for a migration of a large library).

Revision ID: e5f1a3b7c8d4
Revises: d4e0f2a6b7c3
Create Date: 2026-12-06 09:30:00
"""

from __future__ import annotations

import secrets
from collections import Counter

import sqlalchemy as sa
from alembic import op

from factcheck.factchecks.terms import claim_key, terms

revision = "e5f1a3b7c8d4"
down_revision = "d4e0f2a6b7c3"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("factchecks") as batch:
        batch.add_column(
            sa.Column("claim_key", sa.String(length=40), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("claim_terms", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("headline_terms", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("claim_vector", sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("headline_vector", sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("vector_seq", sa.BigInteger(), nullable=True))
    op.create_index("ix_factchecks_claim_key", "factchecks", ["claim_key"])
    op.create_index("ix_factchecks_vector_seq", "factchecks", ["vector_seq"])
    op.create_table(
        "factcheck_terms",
        sa.Column("term", sa.String(length=200), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("term", name=op.f("pk_factcheck_terms")),
    )
    stats = op.create_table(
        "factcheck_library_stats",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entries", sa.BigInteger(), nullable=False),
        sa.Column("claim_terms", sa.BigInteger(), nullable=False),
        sa.Column("headline_terms", sa.BigInteger(), nullable=False),
        sa.Column("vectors_stored", sa.BigInteger(), nullable=False),
        sa.Column("token", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_factcheck_library_stats")),
    )
    op.create_table(
        "claim_matches",
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("factcheck_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("matched_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["claims.id"],
            name=op.f("fk_claim_matches_claim_id_claims"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["factcheck_id"],
            ["factchecks.id"],
            name=op.f("fk_claim_matches_factcheck_id_factchecks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("claim_id", "factcheck_id", name=op.f("pk_claim_matches")),
    )
    op.create_index(op.f("ix_claim_matches_factcheck_id"), "claim_matches", ["factcheck_id"])
    op.create_table(
        "claim_vectors",
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["claims.id"],
            name=op.f("fk_claim_vectors_claim_id_claims"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("claim_id", name=op.f("pk_claim_vectors")),
    )
    op.create_table(
        "background_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("function", sa.String(length=200), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("subject", sa.String(length=100), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "queued",
                "running",
                "done",
                "failed",
                name="background_job_state",
                native_enum=False,
                length=20,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_background_jobs")),
    )
    op.create_index("ix_background_jobs_subject_state", "background_jobs", ["subject", "state"])
    connection = op.get_bind()
    entries = sa.table(
        "factchecks",
        sa.column("id", sa.Integer),
        sa.column("claim", sa.Text),
        sa.column("headline", sa.Text),
        sa.column("claim_key", sa.String),
        sa.column("claim_terms", sa.Text),
        sa.column("headline_terms", sa.Text),
    )
    frequency: Counter[str] = Counter()
    count = claim_total = headline_total = 0
    last = 0
    while True:
        rows = connection.execute(
            sa.select(entries.c.id, entries.c.claim, entries.c.headline)
            .where(entries.c.id > last)
            .order_by(entries.c.id)
            .limit(1_000)
        ).all()
        if not rows:
            break
        values = []
        for entry_id, claim, headline in rows:
            claim_words, headline_words = terms(claim or ""), terms(headline or "")
            frequency.update(set(claim_words) | set(headline_words))
            count += 1
            claim_total += len(claim_words)
            headline_total += len(headline_words)
            values.append(
                {
                    "entry": entry_id,
                    "key": claim_key(claim or ""),
                    "claim_words": " ".join(claim_words),
                    "headline_words": " ".join(headline_words),
                }
            )
        connection.execute(
            entries.update()
            .where(entries.c.id == sa.bindparam("entry"))
            .values(
                claim_key=sa.bindparam("key"),
                claim_terms=sa.bindparam("claim_words"),
                headline_terms=sa.bindparam("headline_words"),
            ),
            values,
        )
        last = rows[-1][0]
    op.bulk_insert(
        stats,
        [
            {
                "id": 1,
                "entries": count,
                "claim_terms": claim_total,
                "headline_terms": headline_total,
                "vectors_stored": 0,
                "token": secrets.token_hex(8),
            }
        ],
    )
    term_table = sa.table("factcheck_terms", sa.column("term"), sa.column("entries"))
    words = sorted(frequency)
    for start in range(0, len(words), 1_000):
        op.bulk_insert(
            term_table,
            [{"term": word, "entries": frequency[word]} for word in words[start : start + 1_000]],
        )


def downgrade() -> None:
    op.drop_index("ix_background_jobs_subject_state", table_name="background_jobs")
    op.drop_table("background_jobs")
    op.drop_index(op.f("ix_claim_matches_factcheck_id"), table_name="claim_matches")
    op.drop_table("claim_matches")
    op.drop_table("claim_vectors")
    op.drop_table("factcheck_library_stats")
    op.drop_table("factcheck_terms")
    op.drop_index("ix_factchecks_vector_seq", table_name="factchecks")
    op.drop_index("ix_factchecks_claim_key", table_name="factchecks")
    # Column by column in place (SQLite 3.35+), not a batch copy: the copy dropped the
    # library's full-text triggers, and with foreign keys on, dropping the old table
    # deletes the rows that refer to it.
    for name in (
        "vector_seq",
        "headline_vector",
        "claim_vector",
        "headline_terms",
        "claim_terms",
        "claim_key",
    ):
        op.drop_column("factchecks", name)
