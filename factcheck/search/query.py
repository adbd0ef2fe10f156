"""The search box's language, read into a small tree both databases can run.

What people know from search engines: words (all must match), ``"a phrase"``,
``-word`` or ``-"a phrase"`` to exclude, ``OR`` between two alternatives, ``word*`` for
a prefix. Anything else is read as words: punctuation separates words, so ``covid-19``
and ``U.K.`` are phrases of their parts, and characters that mean something to a
full-text engine (``^``, ``:``, ``NEAR(``, parentheses) never reach it. Reading never
fails on odd input -- an unbalanced quote closes at the end, a stray ``OR`` or ``-`` is
dropped -- except where no reading would be honest (nothing to search for, or too much),
which is a :class:`SearchQueryError` with a message for the user.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from flask_babel import gettext

from factcheck.errors import ValidationFailed
from factcheck.i18n import local_number

#: Longer queries are refused: nobody types them, and each word costs an index lookup.
MAX_QUERY_CHARS = 500
MAX_TERMS = 24


def _marks() -> str:
    """The combining marks of the Basic Multilingual Plane, as a character class's
    ranges: the vowel signs of Devanagari, Arabic's harakat and the like are part of a
    word (``\\w`` alone would cut "नमस्ते" to pieces)."""
    ranges: list[tuple[int, int]] = []
    for code in range(0x300, 0x10000):
        if unicodedata.category(chr(code))[0] != "M":
            continue
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1] = (ranges[-1][0], code)
        else:
            ranges.append((code, code))
    return "".join(f"{chr(start)}-{chr(end)}" for start, end in ranges)


#: A word of one or more letters or digits (with their combining marks), in any script.
WORD = re.compile(rf"[\w{_marks()}]+", re.UNICODE)
#: A quoted phrase (closing quote optional), an OR, or a run of non-space characters.
_PIECE = re.compile(r'(-?)"([^"]*)"?|(\S+)')


class SearchQueryError(ValidationFailed):
    """The query cannot be read honestly; the message says what to change."""

    def __init__(self, message: str) -> None:
        super().__init__(message, fields={"q": [message]})


@dataclass(frozen=True)
class Term:
    """One word, a phrase (several words in order), or a prefix (``deport*``)."""

    words: tuple[str, ...]
    prefix: bool = False

    @property
    def is_phrase(self) -> bool:
        return len(self.words) > 1

    def __str__(self) -> str:
        text = " ".join(self.words)
        if self.is_phrase:
            return f'"{text}"' + ("*" if self.prefix else "")
        return text + ("*" if self.prefix else "")


@dataclass(frozen=True)
class SearchQuery:
    """All of ``required`` (each a group of alternatives, any one of which may match),
    and none of ``excluded``."""

    required: tuple[tuple[Term, ...], ...] = ()
    excluded: tuple[Term, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not self.required

    def words(self) -> list[str]:
        """Every word people are looking for, for highlighting and relevance tests."""
        return [word for group in self.required for term in group for word in term.words]

    def __str__(self) -> str:
        parts = [" OR ".join(map(str, group)) for group in self.required]
        parts += [f"-{term}" for term in self.excluded]
        return " ".join(parts)


def _clean(text: str) -> str:
    """Letters, digits, punctuation and spaces only: controls (NUL included) and
    format characters (text-direction overrides) become spaces."""
    return "".join(
        " " if unicodedata.category(char)[0] in "CZ" and char != " " else char for char in text
    )


def _term(raw: str, *, phrase: bool) -> Term | None:
    prefix = not phrase and raw.endswith("*")
    words = tuple(word.casefold() for word in WORD.findall(raw))
    if not words:
        return None
    # "covid-19*": the prefix applies to the last word of the phrase.
    return Term(words, prefix=prefix and bool(WORD.search(raw.rstrip("*")[-1:])))


def parse_query(text: str | None) -> SearchQuery:
    """Read the search box.

    :raises SearchQueryError: the query is too long, has too many words, or excludes
        words without asking for any.
    """
    if text is None:
        return SearchQuery()
    if len(text) > MAX_QUERY_CHARS:
        raise SearchQueryError(
            gettext(
                "The search is %(length)s characters long; use at most %(most)s.",
                length=local_number(len(text)),
                most=local_number(MAX_QUERY_CHARS),
            )
        )
    groups: list[list[Term]] = []
    excluded: list[Term] = []
    join_next = False
    for match in _PIECE.finditer(_clean(text)):
        negated, quoted, bare = match.group(1), match.group(2), match.group(3)
        if bare == "OR":
            # Joins the previous term to the next; at the start or twice it means nothing.
            join_next = bool(groups)
            continue
        if quoted is not None:
            term = _term(quoted, phrase=True)
        else:
            negated = "-" if bare.startswith("-") else ""
            term = _term(bare.lstrip("-"), phrase=False)
        if term is None:
            join_next = False
            continue
        if negated:
            excluded.append(term)
            join_next = False
        elif join_next and groups:
            groups[-1].append(term)
            join_next = False
        else:
            groups.append([term])
    if sum(len(g) for g in groups) + len(excluded) > MAX_TERMS:
        raise SearchQueryError(
            gettext("Use at most %(most)s words and phrases in one search.", most=MAX_TERMS)
        )
    if excluded and not groups:
        raise SearchQueryError(
            gettext(
                "Add a word to search for: a search of only excluded words would list "
                "everything else. (Use the filters to list everything.)"
            )
        )
    return SearchQuery(tuple(tuple(g) for g in groups), tuple(excluded))
