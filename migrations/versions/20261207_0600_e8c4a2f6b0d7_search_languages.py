"""Search in each article's language.

- ``search_entries.language``: the article's language by primary subtag ("pt" for
  "pt-BR"), NULL for English; ``heading_stems`` and ``body_stems`` (SQLite only): a
  non-English entry's words cut by its language's Snowball stemmer (the
  ``search_stems`` function every SQLite connection of the application registers).
- An index of the articles' languages: which languages there are is read from it, one
  probe per language.
- SQLite: the FTS5 table indexes the stems and the language beside the words (English
  entries have neither, and are indexed as before); the index of the entries' facts
  has the language too, so that a search in one language reads no entry's row.
- PostgreSQL: ``search_config(language)``, the text search configuration of a language
  (``simple`` for one without its own, or whose configuration this server lacks), and
  the trigger indexes a non-English entry with it: its words stemmed as written and
  unaccented (the stemmer groups "construirá" with "construir" only with the accent;
  without, "construira" still finds it). English entries are indexed as before.
- Every entry is written again (the application's rebuild, as ``flask search reindex``),
  by the latest revision that changes the entries (now c5a9e1d3f7b2).

Revision ID: e8c4a2f6b0d7
Revises: a4d2f6b8c0e1
Create Date: 2026-12-07 06:00:00
"""

from __future__ import annotations

import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "e8c4a2f6b0d7"
down_revision = "a4d2f6b8c0e1"
branch_labels = None
depends_on = None

_TOKENIZER = "porter unicode61 remove_diacritics 2"
_TRIGGERS = ("search_entries_au", "search_entries_ad", "search_entries_ai")
_FACTS = ["id", "kind", "article_id", "claim_id", "annotation_id", "annotator_id", "state"]

#: As factcheck.search.languages.SNOWBALL when this revision was written.
_CONFIGS = {
    "es": "spanish",
    "de": "german",
    "fr": "french",
    "pt": "portuguese",
    "it": "italian",
    "nl": "dutch",
    "ru": "russian",
    "tr": "turkish",
    "ar": "arabic",
    "hi": "hindi",
    "da": "danish",
    "sv": "swedish",
    "no": "norwegian",
    "nb": "norwegian",
    "fi": "finnish",
    "hu": "hungarian",
    "ro": "romanian",
    "el": "greek",
    "ca": "catalan",
    "id": "indonesian",
}

# The statements below are put together from this module's own names and expressions
# (S608 is about user input, of which there is none here).


def _sqlite_index(columns: list[str], facts: list[str]) -> None:
    """The FTS5 table over ``columns`` of the entries, its triggers and the facts index
    (emptied: the caller fills it)."""
    for trigger in _TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS search_fts")
    op.execute("DROP INDEX IF EXISTS ix_search_entries_facts")
    names = ", ".join(columns)
    new = ", ".join(f"new.{column}" for column in columns)
    old = ", ".join(f"old.{column}" for column in columns)
    op.execute(
        f"CREATE VIRTUAL TABLE search_fts USING fts5({names}, "
        f"content='search_entries', content_rowid='id', tokenize='{_TOKENIZER}')"
    )
    op.execute(
        "CREATE TRIGGER search_entries_ai AFTER INSERT ON search_entries BEGIN "  # noqa: S608
        f"INSERT INTO search_fts(rowid, {names}) VALUES (new.id, {new}); END"
    )
    op.execute(
        "CREATE TRIGGER search_entries_ad AFTER DELETE ON search_entries BEGIN "  # noqa: S608
        f"INSERT INTO search_fts(search_fts, rowid, {names}) "
        f"VALUES ('delete', old.id, {old}); END"
    )
    op.execute(
        "CREATE TRIGGER search_entries_au AFTER UPDATE ON search_entries BEGIN "  # noqa: S608
        f"INSERT INTO search_fts(search_fts, rowid, {names}) "
        f"VALUES ('delete', old.id, {old}); "
        f"INSERT INTO search_fts(rowid, {names}) VALUES (new.id, {new}); END"
    )
    op.create_index("ix_search_entries_facts", "search_entries", facts)


def _marks() -> str:
    """The combining marks of the Basic Multilingual Plane as regular-expression ranges
    (as the search box reads words: a vowel sign is part of its word)."""
    ranges: list[tuple[int, int]] = []
    for code in range(0x300, 0x10000):
        if unicodedata.category(chr(code))[0] != "M":
            continue
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1] = (ranges[-1][0], code)
        else:
            ranges.append((code, code))
    return "".join(f"\\u{start:04x}-\\u{end:04x}" for start, end in ranges)


#: English entries, as the search index has always read them.
_ENGLISH = (
    "setweight(to_tsvector('english', unaccent(regexp_replace(NEW.heading, "
    "'[^[:alnum:]]+', ' ', 'g'))), 'A') || "
    "setweight(to_tsvector('english', unaccent(regexp_replace(NEW.body, "
    "'[^[:alnum:]]+', ' ', 'g'))), 'B')"
)


def _words(column: str) -> str:
    """A non-English entry's words: punctuation made space (combining marks kept), then
    stemmed as written and, where accents are, unaccented too."""
    return (
        f"{column} := regexp_replace(NEW.{column}, '[^[:alnum:]{_marks()}]+', ' ', 'g'); "
        f"{column}_plain := unaccent({column}); "
        f"{column}_words := CASE WHEN {column}_plain = {column} "
        f"THEN to_tsvector(config, {column}) "
        f"ELSE to_tsvector(config, {column}) || to_tsvector(config, {column}_plain) END; "
    )


def _postgresql_upgrade() -> None:
    present = {
        name for (name,) in op.get_bind().exec_driver_sql("SELECT cfgname FROM pg_ts_config")
    }
    cases = " ".join(
        f"WHEN '{code}' THEN '{name}'" for code, name in _CONFIGS.items() if name in present
    )
    # IMMUTABLE: the mapping never changes, and inlined into a query it is worked out
    # once. NULL is English.
    op.execute(
        "CREATE FUNCTION search_config(language text) RETURNS regconfig "
        "LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT (CASE "
        f"WHEN language IS NULL THEN 'english' ELSE CASE language {cases} "
        "ELSE 'simple' END END)::regconfig $$"
    )
    op.execute(
        "CREATE OR REPLACE FUNCTION search_entries_document() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ "
        "DECLARE config regconfig; heading text; heading_plain text; heading_words tsvector; "
        "body text; body_plain text; body_words tsvector; "
        f"BEGIN IF NEW.language IS NULL THEN NEW.document := {_ENGLISH}; "
        "ELSE config := search_config(NEW.language); "
        f"{_words('heading')}{_words('body')}"
        "NEW.document := setweight(heading_words, 'A') || setweight(body_words, 'B'); "
        "END IF; RETURN NEW; END $$"
    )


def _postgresql_downgrade() -> None:
    op.execute(
        "CREATE OR REPLACE FUNCTION search_entries_document() RETURNS trigger "
        f"LANGUAGE plpgsql AS $$ BEGIN NEW.document := {_ENGLISH}; RETURN NEW; END $$"
    )
    # The trigger reads the entries of other languages again, the English way.
    op.execute("UPDATE search_entries SET language = NULL WHERE language IS NOT NULL")
    op.execute("DROP FUNCTION IF EXISTS search_config(text)")


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_index("ix_articles_language", "articles", ["language"])
    if dialect == "sqlite":
        # Emptied first: the old full-text table goes, and the new one must not be
        # told to forget entries it never held.
        for trigger in _TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS search_fts")
        op.execute("DELETE FROM search_entries")
    # Plain ADD COLUMN, not a batch copy: SQLite's full-text table and its triggers
    # follow search_entries by name, and a copy would drop the triggers.
    op.add_column("search_entries", sa.Column("language", sa.String(length=16), nullable=True))
    op.add_column("search_entries", sa.Column("heading_stems", sa.Text(), nullable=True))
    op.add_column("search_entries", sa.Column("body_stems", sa.Text(), nullable=True))
    if dialect == "sqlite":
        _sqlite_index(
            ["heading", "body", "heading_stems", "body_stems", "language"], [*_FACTS, "language"]
        )
    elif dialect == "postgresql":
        _postgresql_upgrade()
    # The entries are written again by the latest revision that changes them
    # (c5a9e1d3f7b2, article revisions): the application's rebuild writes the columns
    # of the head, which this revision does not have yet.


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for trigger in _TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS search_fts")
        op.execute("DROP INDEX IF EXISTS ix_search_entries_facts")
    elif dialect == "postgresql":
        _postgresql_downgrade()
    op.drop_column("search_entries", "body_stems")
    op.drop_column("search_entries", "heading_stems")
    op.drop_column("search_entries", "language")
    if dialect == "sqlite":
        _sqlite_index(["heading", "body"], _FACTS)
        op.execute("INSERT INTO search_fts(search_fts) VALUES ('rebuild')")
    op.drop_index("ix_articles_language", table_name="articles")
