"""The words of a claim, as matching compares them.

A query (a tweet, a news sentence, a claim of ours) is first *cleaned*: web addresses
go, @handles and #hashtags become their words. Then its *terms* are its words,
lower-cased, with stop words left out, cut to their Snowball stems ("deported" and
"deportation" are one term). The library entries' terms are worked out the same way
when they are stored, so that BM25 can be computed for a handful of candidates
without asking the database's full-text index, whose stemmer differs by backend.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

import Stemmer

#: Words that say nothing about what a claim is about.
_STOP_WORDS_TEXT = """a about above after again against all am an and any are aren't as at be
because been before being below between both but by can cannot could did do does doing
down during each few for from further had has have having he her here hers herself him
himself his how i if in into is it its itself just let me more most my myself no nor not
now of off on once only or other ought our ours ourselves out over own same she should so
some such than that the their theirs them themselves then there these they this those
through to too under until up very was we were what when where which while who whom why
will with would you your yours yourself yourselves rt via amp says said say s t"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())

_URL = re.compile(r"https?://\S+|www\.\S+|pic\.twitter\.com/\S+", re.IGNORECASE)
_HANDLE_OR_TAG = re.compile(r"[@#](\w+)")
#: Where a handle or hashtag splits into words: "IlhanMN" -> "Ilhan MN", "covid_19".
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Za-z])(?=[0-9])|(?<=[0-9])(?=[A-Za-z])|_")
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")
#: Thousands and decimal separators inside a number: ".", ",", the (narrow) no-break and
#: thin spaces of French ("53 000"), Arabic's "٬" and "٫".
_NUMBER = re.compile(r"\d+(?:[.,\u00a0\u202f\u2009\u066b\u066c]\d+)*")
_ANY_DIGIT = re.compile(r"\d")
#: After these a capital letter starts a sentence (or a quotation), not a name.
_SENTENCE_ENDS = frozenset('.!?:;"“”')
_NOT_WORD = re.compile(r"[\W_]+")
_STEMMER = Stemmer.Stemmer("english")


def ascii_digits(text: str) -> str:
    """``text`` with every script's decimal digits written as ASCII ones: "٢٠١٦" (Arabic),
    "२०१६" (Devanagari) and "2016" are one number to match on."""
    if text.isascii():
        return text
    return _ANY_DIGIT.sub(lambda digit: str(unicodedata.digit(digit.group())), text)


def _folded(word: str) -> str:
    """A word without its accents: "Taïwan" and "Taiwan", "Perú" and "Peru" are one name."""
    if word.isascii():
        return word
    decomposed = unicodedata.normalize("NFKD", word)
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
    )


def clean(text: str) -> str:
    """``text`` without web addresses, its handles and hashtags split into words.

    A quoted tweet's signature ("— Ilhan Omar (@IlhanMN) January 6, 2020") stays: it
    names who the claim is often about (on the benchmark's training tweets, dropping it
    cost 0.05 MAP). On ordinary prose this changes nothing.
    """
    text = unicodedata.normalize("NFKC", text or "").replace("\x00", " ")
    text = _URL.sub(" ", text)
    return _HANDLE_OR_TAG.sub(lambda found: " " + _CAMEL.sub(" ", found.group(1)) + " ", text)


@lru_cache(maxsize=65_536)
def _stem(word: str) -> str:
    return _STEMMER.stemWord(word)


def terms(text: str) -> list[str]:
    """The stems of ``text``'s telling words, in order, repeats kept."""
    found: list[str] = []
    lowered = ascii_digits((text or "").lower()).replace("’", "'").replace("‘", "'")
    for word in _WORD.findall(lowered):
        if word in STOP_WORDS:
            continue
        word = word.split("'", 1)[0]
        # A lone digit counts ("4,500" is indexed as 4 and 500); a lone letter does not.
        if len(word) < 2 and not word.isdigit():
            continue
        found.append(_stem(word))
    return found


@lru_cache(maxsize=50_000)
def numbers(text: str) -> frozenset[str]:
    """The numbers ``text`` names, digits only ("4,500", "4.500", "4 500", "٤٥٠٠" and
    "4500" are one). (Cached:
    a library entry's text is read again by many matches.)"""
    return frozenset(
        _NOT_WORD.sub("", number) for number in _NUMBER.findall(ascii_digits(text or ""))
    )


@lru_cache(maxsize=50_000)
def names(text: str) -> frozenset[str]:
    """Capitalised words not at a sentence's start, lower-cased: the names a claim is
    about ("Obama", "Dublin"), which two claims of one fact share."""
    found: set[str] = set()
    text = text or ""
    for match in _WORD.finditer(text):
        word = match.group(0)
        if not word[:1].isupper():
            continue
        before = match.start() - 1
        while before >= 0 and text[before].isspace():
            before -= 1
        if before < 0 or text[before] in _SENTENCE_ENDS:
            continue
        found.add(_folded(word.split("'", 1)[0].lower()))
    return frozenset(found)


def claim_key(text: str) -> str:
    """One key for claims that differ only in case, quotes, spacing and punctuation.

    The benchmark's library holds 184 such twins; its judgements name the earliest copy,
    and a reader does not want the same fact-check twice, so matches collapse onto the
    earliest entry with the same key.
    """
    normal = _NOT_WORD.sub(" ", unicodedata.normalize("NFKC", text or "").lower()).strip()
    return hashlib.sha1(normal.encode("utf-8"), usedforsecurity=False).hexdigest()
