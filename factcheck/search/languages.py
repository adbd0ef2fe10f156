"""Search in the article's language: which one an entry is, how its words are cut.

An entry is searched in its article's language, by the language's *primary subtag*
("pt" for "pt-BR"). English, the default, is written as NULL in ``search_entries``:
English entries carry no language, no stems and no marker, and cost what they did.

- PostgreSQL indexes an entry with the text search configuration of its language
  (``search_config()``, made by the migration from :data:`SNOWBALL`; a language
  without one is read with ``simple``, words as they are), and a search asks, per
  entry, the query as that configuration reads it.
- SQLite's index stems every entry the Porter way; a non-English entry's words are
  also written in ``heading_stems`` and ``body_stems`` as :func:`stems` cuts them
  (the SQLite function ``search_stems``, which every connection learns from
  :data:`factcheck.db.SQLITE_FUNCTIONS`), and its language as a word of its own, so
  that a query's words cut the same way find it, and only it.

Which languages there are is read from the articles' language index, one probe per
language (:func:`present_languages`): a search stems its words only the ways it needs.
"""

from __future__ import annotations

import re
import threading
from typing import Any

import Stemmer
from sqlalchemy import ColumnElement, String, func, literal_column, text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from factcheck.db import SQLITE_FUNCTIONS
from factcheck.search.query import WORD

ENGLISH = "en"

#: The Snowball stemmer (and, under the same name, PostgreSQL's text search
#: configuration) of each language, by primary subtag; other languages are searched by
#: their words as they are.
SNOWBALL: dict[str, str] = {
    "en": "english",
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

#: A language filter as people and programs write it: a BCP 47 tag, of which the
#: primary subtag counts ("pt-BR" is "pt").
_TAG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*")
MAX_TAG_CHARS = 16


def primary_subtag(tag: str | None) -> str:
    """``"pt"`` for ``"pt-BR"``; English for nothing."""
    return (tag or "").split("-", 1)[0].strip().lower() or ENGLISH


def parse_language(value: str) -> str | None:
    """The primary subtag of a language tag people gave, or None if it is not one."""
    value = value.strip()
    if len(value) > MAX_TAG_CHARS or not _TAG.fullmatch(value):
        return None
    return primary_subtag(value)


def stemmer_name(language: str | None) -> str | None:
    """The Snowball stemmer SQLite's stems of ``language`` are cut with: None for
    English (the Porter index serves it) and for languages without one."""
    if language is None or language == ENGLISH:
        return None
    return SNOWBALL.get(language)


# -- cutting words ---------------------------------------------------------------------

#: PyStemmer's stemmers are not to be shared between threads (a web server's workers
#: share SQLite's registered function): one set per thread.
_LOCAL = threading.local()


def _stemmer(name: str) -> Any:
    stemmers: dict[str, Any] = _LOCAL.__dict__.setdefault("stemmers", {})
    stemmer = stemmers.get(name)
    if stemmer is None:
        stemmer = stemmers[name] = Stemmer.Stemmer(name)
    return stemmer


def words(text: str) -> list[str]:
    """The words of ``text`` as the search box reads them (see :mod:`.query`)."""
    return [word.casefold() for word in WORD.findall(text)]


def stem_words(language: str | None, found: list[str]) -> list[str]:
    """``found`` (words as :func:`words` gives them) cut by ``language``'s stemmer,
    or as they are without one."""
    name = stemmer_name(language)
    if name is None or not found:
        return list(found)
    return list(_stemmer(name).stemWords(found))


def stems(language: str | None, text: str | None) -> str | None:
    """SQLite's ``search_stems(language, text)``: the words of ``text`` cut by the
    language's stemmer, space-separated; NULL when it has none (English among them)
    or nothing to cut. Deterministic: the same words always give the same stems."""
    name = stemmer_name(language)
    if name is None or not text:
        return None
    found = words(text)
    if not found:
        return None
    return " ".join(_stemmer(name).stemWords(found))


#: Every SQLite connection knows ``search_stems`` (see :data:`factcheck.db.SQLITE_FUNCTIONS`).
SQLITE_FUNCTIONS["search_stems"] = (2, stems)


# -- in SQL ----------------------------------------------------------------------------


class primary_language(FunctionElement[str]):
    """The primary subtag of a language tag column, lower-case."""

    type = String()
    name = "primary_language"
    inherit_cache = True


@compiles(primary_language)
def _primary_language(element: primary_language, compiler: Any, **kw: Any) -> str:
    tag = compiler.process(element.clauses, **kw)
    return f"lower(split_part({tag}, '-', 1))"


@compiles(primary_language, "sqlite")
def _primary_language_sqlite(element: primary_language, compiler: Any, **kw: Any) -> str:
    tag = compiler.process(element.clauses, **kw)
    return f"lower(substr({tag}, 1, instr({tag} || '-', '-') - 1))"


def entry_language(tag: Any) -> ColumnElement[str]:
    """What ``search_entries.language`` holds for an article's language tag: its
    primary subtag, NULL for English."""
    return func.nullif(primary_language(tag), literal_column(f"'{ENGLISH}'"))


# -- which languages there are ---------------------------------------------------------

#: Each distinct language tag of the articles, one probe of ``ix_articles_language``
#: apiece (a skip scan: a million English articles cost two probes, not a million reads).
_TAGS = text(
    "WITH RECURSIVE tags(tag) AS ("
    "SELECT min(language) FROM articles "
    "UNION ALL "
    "SELECT (SELECT min(language) FROM articles WHERE language > tags.tag) "
    "FROM tags WHERE tags.tag IS NOT NULL) "
    "SELECT tag FROM tags WHERE tag IS NOT NULL"
)


def present_languages(session: Session) -> tuple[str, ...]:
    """The languages of the articles, by primary subtag, English first."""
    found = {primary_subtag(tag) for tag in session.scalars(_TAGS)}
    return tuple(sorted(found, key=lambda language: (language != ENGLISH, language)))


def language_name(code: str) -> str:
    """The language's name in the reader's language ("Spanish", "español"), or its
    code when Babel does not know it."""
    from babel import Locale
    from flask import has_app_context
    from flask_babel import get_locale

    locale = (get_locale() if has_app_context() else None) or Locale.parse(ENGLISH)
    name = locale.languages.get(code)
    return name[:1].upper() + name[1:] if name else code
