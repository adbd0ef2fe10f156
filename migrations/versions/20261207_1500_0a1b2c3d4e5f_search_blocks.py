"""PostgreSQL search at a million claims: words indexed by block of ids, prefixes as words.

PostgreSQL only (SQLite's FTS5 already hands out matches newest first):

- The full-text (GIN) indexes of the search entries hold each entry's block of ids
  (``id / 4096``, through ``btree_gin``, which ships with PostgreSQL) beside its words.
  A broad search reads the newest entries first, a stretch of ids at a time; with the
  block in the index, a stretch's matches are the intersection of the block's and the
  words' lists inside the index, which skips through a common word's list instead of
  gathering all of it (12 ms for "government" at a million claims, for every stretch).
- The two indexes are disjoint: articles' and claims' entries, and annotations'
  (before: one of every entry and one of articles' and claims', so that every claim was
  indexed twice, which an import paid for). They are told apart by kind: by
  ``annotation_id``, the planner may take the unique index of annotation ids for a
  bitmap of every annotation's (or every other) entry.
- ``search_entries.viewers`` (PostgreSQL: ``integer[]``; SQLite: an unused text column):
  an annotation's author and every annotator who has submitted on its claim, the people
  blind annotation lets see it besides reviewers. The annotations' index holds it too,
  so an annotator's search finds the annotations they may see inside the index; it read
  every matching annotation's row to learn that (most are hidden from an annotator), or
  looked up every claim the annotator had annotated (10,000 of them: 17 ms).
- ``search_words``: every word the entries hold, as their documents spell it, kept by a
  statement trigger (new words only; a word no entry holds any more stays, and matches
  nothing). ``search_prefixes(tsquery)`` rewrites a prefix (``depar:*``) as the words
  that begin with it, up to 256 of them, so that the index looks them up like any word;
  a prefix gathered every entry of every such word first, in every statement.

Revision ID: 0a1b2c3d4e5f
Revises: c5a9e1d3f7b2
Create Date: 2026-12-07 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0a1b2c3d4e5f"
down_revision = "c5a9e1d3f7b2"
branch_labels = None
depends_on = None

#: Entry ids per block: factcheck.search.operations.ID_BLOCK must say the same (a test
#: reads the index's definition), or searches stop using the indexes.
_BLOCK = 4096
#: GIN keeps new entries in a pending list until it holds this many kB, and every
#: scan of the index reads the whole list: a search reads the index once per block, so
#: the default 4 MB (500 pages after a busy hour) would be read dozens of times a search.
_PENDING_KB = 64
#: A prefix that begins more words than this is left a prefix (as slow as before).
_MOST_WORDS = 256

_WORDS_TRIGGER_FUNCTION = (
    "CREATE FUNCTION search_entries_words() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN "
    # Only the words not known yet, without a unique index: two writers that bring the
    # same new word at once both add it (a duplicate is harmless, the reader takes
    # DISTINCT), where ON CONFLICT would make the second wait for the first to commit,
    # and two such writers could deadlock.
    "INSERT INTO search_words (word) "
    "SELECT DISTINCT added_word FROM added, unnest(tsvector_to_array(added.document)) "
    "AS added_word "
    "WHERE NOT EXISTS (SELECT 1 FROM search_words WHERE search_words.word = added_word); "
    "RETURN NULL; END $$"
)

# The query's text form quotes each word ('...'), doubling a quote or a backslash in
# it, and marks a prefix with :*. Each prefix is replaced by its words, quoted the same
# way, OR-ed in brackets; a prefix that begins no word or too many is left as it is.
# Constants only, no input: the numbers are this module's.
_PREFIXES_FUNCTION = (
    "CREATE FUNCTION search_prefixes(query tsquery) RETURNS tsquery "  # noqa: S608
    "LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$ "
    "DECLARE rendered text := query::text; found text[]; prefix text; words text; "
    "counted integer; "
    "BEGIN "
    "FOR found IN SELECT regexp_matches(rendered, '''((?:[^''\\\\]|''''|\\\\\\\\)*)'':\\*', 'g') "
    "LOOP "
    "prefix := replace(replace(found[1], '''''', ''''), '\\\\', '\\'); "
    "SELECT count(*), string_agg('''' || replace(replace(word, '\\', '\\\\'), '''', '''''') "
    "|| '''', ' | ') INTO counted, words FROM (SELECT DISTINCT word FROM search_words "
    "WHERE word >= prefix AND word < prefix || chr(1114111) "
    f"ORDER BY word LIMIT {_MOST_WORDS + 1}) AS begun; "
    f"IF counted BETWEEN 1 AND {_MOST_WORDS} THEN "
    "rendered := replace(rendered, '''' || found[1] || ''':*', '( ' || words || ' )'); "
    "END IF; END LOOP; "
    "RETURN rendered::tsquery; END $$"
)


#: Who may see an annotation besides reviewers (as factcheck.search.index writes it).
_VIEWERS = (
    "SELECT array_agg(sibling.annotator_id ORDER BY sibling.annotator_id) "
    "FROM annotations AS sibling WHERE sibling.claim_id = annotations.claim_id "
    "AND (sibling.submitted_at IS NOT NULL OR sibling.id = annotations.id)"
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        op.add_column("search_entries", sa.Column("viewers", sa.Text(), nullable=True))
        return
    op.add_column(
        "search_entries", sa.Column("viewers", postgresql.ARRAY(sa.Integer()), nullable=True)
    )
    # The document trigger would make every annotation's words again: off for this
    # statement only (the words do not change).
    op.execute("ALTER TABLE search_entries DISABLE TRIGGER search_entries_document")
    op.execute(
        f"UPDATE search_entries SET viewers = ({_VIEWERS}) FROM annotations "  # noqa: S608
        "WHERE annotations.id = search_entries.annotation_id"
    )
    op.execute("ALTER TABLE search_entries ENABLE TRIGGER search_entries_document")
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
    op.execute('CREATE TABLE search_words (word text COLLATE "C" NOT NULL)')
    op.execute(
        "INSERT INTO search_words (word) SELECT DISTINCT entry_word FROM search_entries, "
        "unnest(tsvector_to_array(search_entries.document)) AS entry_word"
    )
    op.execute("CREATE INDEX ix_search_words_word ON search_words (word)")
    op.execute(_WORDS_TRIGGER_FUNCTION)
    op.execute(
        "CREATE TRIGGER search_entries_words AFTER INSERT ON search_entries "
        "REFERENCING NEW TABLE AS added FOR EACH STATEMENT "
        "EXECUTE FUNCTION search_entries_words()"
    )
    op.execute(_PREFIXES_FUNCTION)
    op.execute("DROP INDEX ix_search_entries_document_public")
    op.execute("DROP INDEX ix_search_entries_document")
    op.execute(
        "CREATE INDEX ix_search_entries_document_blocks ON search_entries "
        f"USING gin ((id / {_BLOCK}), document) WITH (gin_pending_list_limit = {_PENDING_KB}) "
        "WHERE kind <> 'annotation'"
    )
    op.execute(
        "CREATE INDEX ix_search_entries_document_annotations ON search_entries "
        f"USING gin ((id / {_BLOCK}), viewers, document) "
        f"WITH (gin_pending_list_limit = {_PENDING_KB}) WHERE kind = 'annotation'"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        # In place (SQLite 3.35 and later): a batch copy would drop the full-text
        # index's triggers on the table.
        op.drop_column("search_entries", "viewers")
        return
    op.execute("DROP INDEX ix_search_entries_document_annotations")
    op.execute("DROP INDEX ix_search_entries_document_blocks")
    op.execute("CREATE INDEX ix_search_entries_document ON search_entries USING gin (document)")
    op.execute(
        "CREATE INDEX ix_search_entries_document_public ON search_entries "
        "USING gin (document) WHERE annotation_id IS NULL"
    )
    op.execute("DROP FUNCTION search_prefixes(tsquery)")
    op.execute("DROP TRIGGER search_entries_words ON search_entries")
    op.execute("DROP FUNCTION search_entries_words()")
    op.execute("DROP TABLE search_words")
    op.execute("DROP EXTENSION IF EXISTS btree_gin")
    op.drop_column("search_entries", "viewers")
