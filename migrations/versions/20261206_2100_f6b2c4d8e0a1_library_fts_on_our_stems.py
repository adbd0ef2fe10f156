"""The library's full-text index reads the terms matching counts, not its own stems.

Matching asks the full-text index only for the query's rarest words, by the counts in
``factcheck_terms`` (Snowball stems). The index stemmed the claim and headline itself
(SQLite: Porter; PostgreSQL: its own Snowball), and the stemmers disagree: "added" is
``add`` in the counts but ``ad`` in PostgreSQL's index, so a word the counts called rare
("ad", 52 entries) matched 57,000 entries of a million and a match took half a second.
The index is now built from the entries' ``claim_terms`` and ``headline_terms``, the
same stems the counts are made of, so the two agree exactly.

Revision ID: f6b2c4d8e0a1
Revises: e5f1a3b7c8d4
Create Date: 2026-12-06 21:00:00
"""

from __future__ import annotations

from alembic import op

revision = "f6b2c4d8e0a1"
down_revision = "e5f1a3b7c8d4"
branch_labels = None
depends_on = None

_SQLITE_TRIGGERS = ("factchecks_au", "factchecks_ad", "factchecks_ai")
# The statements below are put together from this module's own column names and
# expressions (S608 is about user input, of which there is none here).


def _sqlite_index(claim: str, headline: str, tokenize: str) -> None:
    for trigger in _SQLITE_TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS factcheck_fts")
    op.execute(
        f"CREATE VIRTUAL TABLE factcheck_fts USING fts5({claim}, {headline}, "
        f"content='factchecks', content_rowid='id', tokenize='{tokenize}')"
    )
    op.execute(
        "CREATE TRIGGER factchecks_ai AFTER INSERT ON factchecks BEGIN "  # noqa: S608
        f"INSERT INTO factcheck_fts(rowid, {claim}, {headline}) "
        f"VALUES (new.id, new.{claim}, new.{headline}); END"
    )
    op.execute(
        "CREATE TRIGGER factchecks_ad AFTER DELETE ON factchecks BEGIN "  # noqa: S608
        f"INSERT INTO factcheck_fts(factcheck_fts, rowid, {claim}, {headline}) "
        f"VALUES ('delete', old.id, old.{claim}, old.{headline}); END"
    )
    op.execute(
        f"CREATE TRIGGER factchecks_au AFTER UPDATE OF {claim}, {headline} ON factchecks "  # noqa: S608
        f"BEGIN INSERT INTO factcheck_fts(factcheck_fts, rowid, {claim}, {headline}) "
        f"VALUES ('delete', old.id, old.{claim}, old.{headline}); "
        f"INSERT INTO factcheck_fts(rowid, {claim}, {headline}) "
        f"VALUES (new.id, new.{claim}, new.{headline}); END"
    )
    op.execute("INSERT INTO factcheck_fts(factcheck_fts) VALUES ('rebuild')")


def _postgresql_index(document: str, columns: str) -> None:
    op.execute("DROP TRIGGER IF EXISTS factchecks_document ON factchecks")
    op.execute(
        "CREATE OR REPLACE FUNCTION factchecks_document() RETURNS trigger "
        f"LANGUAGE plpgsql AS $$ BEGIN NEW.document := {document}; RETURN NEW; END $$"
    )
    op.execute(
        f"CREATE TRIGGER factchecks_document BEFORE INSERT OR UPDATE OF {columns} "
        "ON factchecks FOR EACH ROW EXECUTE FUNCTION factchecks_document()"
    )
    # Runs the trigger on every row (the index is rebuilt along with them).
    op.execute(f"UPDATE factchecks SET document = {document.replace('NEW.', '')}")  # noqa: S608


# The stems are words already (lower-case, no accents, no stop words): the 'simple'
# configuration keeps them as they are.
_OUR_STEMS = (
    "setweight(to_tsvector('simple', NEW.claim_terms), 'A') || "
    "setweight(to_tsvector('simple', NEW.headline_terms), 'B')"
)
_ITS_STEMS = (
    "setweight(to_tsvector('english', unaccent(regexp_replace(NEW.claim, "
    "'[^[:alnum:]]+', ' ', 'g'))), 'A') || "
    "setweight(to_tsvector('english', unaccent(regexp_replace(NEW.headline, "
    "'[^[:alnum:]]+', ' ', 'g'))), 'B')"
)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _sqlite_index("claim_terms", "headline_terms", "unicode61 remove_diacritics 0")
    elif dialect == "postgresql":
        _postgresql_index(_OUR_STEMS, "claim_terms, headline_terms")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _sqlite_index("claim", "headline", "porter unicode61 remove_diacritics 2")
    elif dialect == "postgresql":
        _postgresql_index(_ITS_STEMS, "claim, headline")
