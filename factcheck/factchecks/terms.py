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
import math
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


def sentence_starts(text: str) -> frozenset[str]:
    """Capitalised words at a sentence's start, lower-cased, stop words left out: names
    or not ("Kryptonite locks ...", "Scientists found ..."); see :func:`names`."""
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
            word = _folded(word.split("'", 1)[0].lower())
            if word not in STOP_WORDS:
                found.add(word)
    return frozenset(found)


def claim_key(text: str) -> str:
    """One key for claims that differ only in case, quotes, spacing and punctuation.

    The benchmark's library holds 184 such twins; its judgements name the earliest copy,
    and a reader does not want the same fact-check twice, so matches collapse onto the
    earliest entry with the same key.
    """
    normal = _NOT_WORD.sub(" ", unicodedata.normalize("NFKC", text or "").lower()).strip()
    return hashlib.sha1(normal.encode("utf-8"), usedforsecurity=False).hexdigest()


# Transliteration keys: one spelling of a name's consonants that the Latin-script name
# and its Arabic-script rendering share ("Trump" and "ترامب" are both "trmb"). Arabic
# writes no short vowels, and no p, v, g, o or e: its renderings of foreign names keep
# the consonants, with ب for p, ف for v, غ or ج for g, and و, ي, ا standing for long
# vowels. So both scripts are reduced to consonant classes (p/b, v/f, g/j, s/z, ch/sh,
# c/k/q, ...), vowels dropped, a word-initial vowel kept as "V" (أوباما, Obama: "Vbm").
# w and y (و, ي) are sometimes consonants and sometimes vowels in both scripts: a word
# gets a key with and without each, and two words match when their key sets meet.

#: Where a key may spell w and y either way: beyond this many, they are dropped.
_OPTIONAL_LIMIT = 4
_VOWELS = frozenset("aeiou")
#: A Latin letter's class; letters not listed are kept.
_LATIN_CLASS = {"p": "b", "v": "f", "j": "g", "q": "k", "z": "s", "x": "ks"}
#: Latin digraphs (longest first) and their classes; a tuple is "either".
_LATIN_DIGRAPHS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("sch", ("š",)),
    ("tch", ("š",)),
    ("ch", ("š", "k")),
    ("sh", ("š",)),
    ("ph", ("f",)),
    ("th", ("t",)),
    ("gh", ("g",)),
    ("kh", ("k",)),
    ("ck", ("k",)),
    ("wh", ("w",)),
    ("qu", ("k",)),
)
_ARABIC_CLASS = {
    **dict.fromkeys("بپ", "b"),
    **dict.fromkeys("تطث", "t"),
    **dict.fromkeys("جغگق", "g"),
    **dict.fromkeys("حه", "h"),
    **dict.fromkeys("خكک", "k"),
    **dict.fromkeys("دضذ", "d"),
    "ر": "r",
    **dict.fromkeys("زظسصژ", "s"),
    **dict.fromkeys("شچ", "š"),
    **dict.fromkeys("فڤ", "f"),
    "ل": "l",
    "م": "m",
    "ن": "n",
}
# ق is k in careful transliteration but g in Gulf and Egyptian speech ("Qatar", but
# "Google" is جوجل or غوغل, "Gaddafi" is القذافي): it joins both classes below.
_ARABIC_EITHER = {"ق": ("k", "g")}
#: Letters that begin a word with a vowel (alif, its hamza forms, ain).
_ARABIC_VOWEL_START = frozenset("اأإآعء")
#: Letters that only carry a vowel or a glottal stop inside a word.
_ARABIC_SILENT = frozenset("اأإآعءئؤةى")
_ARABIC_SEMIVOWEL = {"و": "w", "ي": "y", "ی": "y"}
#: Short vowels, shadda, sukun, the dagger alif and the tatweel: written now and then.
_ARABIC_MARKS = re.compile("[\u064b-\u065f\u0670\u0640]")
_ARABIC_LETTERS = re.compile("[\u0620-\u064a\u0671-\u06d3]")
#: The article and the one-letter conjunctions and prepositions written onto a word
#: ("والرئيس", "لترامب"), longest first.
_ARABIC_PREFIXES = ("وال", "بال", "فال", "كال", "لل", "ال", "و", "ب", "ل", "ف", "ك")
#: Arabic words that are never names (and that are frequent enough to collide with one).
_ARABIC_STOP_WORDS_TEXT = """
في من على إلى الى عن أن إن ان قد قال قالت يقول تقول كان كانت يكون هذا هذه ذلك
تلك الذي التي الذين ما لا لم لن مع بعد قبل عند كل أو او ثم حتى بين هو هي هم نحو
عام عاما عاماً أي يوم منذ خلال ضد حول غير أكثر أقل فيها فيه منها منه لها له عليه
عليها بأن لأن أيضا أيضاً إذا اذا إذ كما بسبب مثل دون سوى لدى أمام وراء فقط جدا جداً
تم يتم رئيس الرئيس مليون مليار ألف المئة بالمئة"""
ARABIC_STOP_WORDS = frozenset(_ARABIC_STOP_WORDS_TEXT.split())


def _spellings(choices: list[tuple[str, ...]]) -> frozenset[str]:
    """Every key the per-letter choices spell, doubled letters written once."""
    spelled = [""]
    optional = 0
    for options in choices:
        if "" in options:
            optional += 1
            if optional > _OPTIONAL_LIMIT:
                options = ("",)
        spelled = [start + option for start in spelled for option in options]
    return frozenset(_DOUBLED.sub(r"\1", key) for key in spelled)


_DOUBLED = re.compile(r"(.)\1+")
#: In the spellings that keep vowels (for :func:`spelling_distance`): a Latin letter's
#: vowel class, as Arabic writes its long vowels (ا, ي, و).
_LATIN_VOWEL_CLASS = {"a": "a", "e": "i", "i": "i", "y": "i", "o": "u", "u": "u", "w": "u"}
_ARABIC_VOWEL_CLASS = {
    **dict.fromkeys("اأإآىةع", "a"),
    **dict.fromkeys("يی", "i"),
    "و": "u",
}


def _latin_choices(word: str, vowels: bool) -> list[tuple[str, ...]]:
    choices: list[tuple[str, ...]] = []
    i = 0
    if not vowels and word[0] in _VOWELS:
        choices.append(("V",))
        while i < len(word) and word[i] in _VOWELS:
            i += 1
    while i < len(word):
        for digraph, classes in _LATIN_DIGRAPHS:
            if word.startswith(digraph, i):
                choices.append(classes)
                i += len(digraph)
                break
        else:
            letter = word[i]
            following = word[i + 1 : i + 2]
            if vowels and letter in _LATIN_VOWEL_CLASS and (letter not in "wy" or i):
                choices.append((_LATIN_VOWEL_CLASS[letter],))
            elif letter in _VOWELS:
                pass
            elif letter in "wy":
                choices.append((letter,) if i == 0 else (letter, ""))
            elif letter == "c":
                choices.append(("s",) if following and following in "eiy" else ("k",))
            elif letter == "h" and i and word[i - 1] in _VOWELS and following not in _VOWELS:
                # Silent after a vowel: "Kohl", "Sarah".
                choices.append(("h", ""))
            else:
                choices.append((_LATIN_CLASS.get(letter, letter),))
            i += 1
    return choices


def _latin_word(word: str) -> str | None:
    word = _folded(word.lower())
    return word if word.isascii() and word.isalpha() else None


def latin_name_keys(word: str) -> frozenset[str]:
    """The transliteration keys of a Latin-script name ("Obama": {"Vbm"})."""
    latin = _latin_word(word)
    return _usable(_spellings(_latin_choices(latin, False))) if latin else frozenset()


def _usable(keys: frozenset[str]) -> frozenset[str]:
    """The keys with at least two consonants: one ("h", "Vb") matches too many names."""
    return frozenset(key for key in keys if len(key.removeprefix("V")) >= 2)


def _arabic_choices(word: str, vowels: bool) -> list[tuple[str, ...]] | None:
    choices: list[tuple[str, ...]] = []
    i = 0
    if not vowels and word[0] in _ARABIC_VOWEL_START:
        choices.append(("V",))
        i = 1
    while i < len(word):
        letter = word[i]
        if word.startswith("تش", i):
            # "ch" and "tch" are written ت + ش: "تشيك" (Chick).
            choices.append(("š", "tš"))
            i += 2
            continue
        if vowels and letter in _ARABIC_VOWEL_CLASS and (i or letter not in _ARABIC_SEMIVOWEL):
            choices.append((_ARABIC_VOWEL_CLASS[letter],))
        elif letter in _ARABIC_SEMIVOWEL:
            semivowel = _ARABIC_SEMIVOWEL[letter]
            choices.append((semivowel,) if i == 0 else (semivowel, ""))
        elif letter in _ARABIC_EITHER:
            choices.append(_ARABIC_EITHER[letter])
        elif letter in _ARABIC_CLASS:
            choices.append((_ARABIC_CLASS[letter],))
        elif letter not in _ARABIC_SILENT:
            return None
        i += 1
    return choices


#: What reading a word without a one-letter prefix adds to its spelling distance.
_PREFIX_COST = 0.15


def _arabic_forms(word: str) -> dict[str, float]:
    """The word, and without the article or a one-letter conjunction or preposition
    ("والرئيس", "لترامب"), each with what the reading adds to the spelling distance; a
    word that starts with the bare article is taken without it only (a foreign name is
    not written with "ال")."""
    word = _ARABIC_MARKS.sub("", unicodedata.normalize("NFKC", word))
    if not word or word in ARABIC_STOP_WORDS:
        return set()
    forms = {} if word.startswith("ال") and len(word) > 4 else {word: 0.0}
    for prefix in _ARABIC_PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= 3:
            # A one-letter prefix may be the name's own first letter ("فريد", Fred):
            # the word read without it is the less likely reading.
            forms.setdefault(word[len(prefix) :], 0.0 if len(prefix) > 1 else _PREFIX_COST)
    # The feminine ending ة marks an Arabic noun or adjective ("زيارة", a visit); a
    # foreign name ending in a vowel is written with ا ("أوباما").
    return {
        form: cost
        for form, cost in forms.items()
        if len(form) >= 3
        and form not in ARABIC_STOP_WORDS
        and not form.endswith("ة")
        and not (form.startswith("ال") and len(form) > 4)
    }


@lru_cache(maxsize=8_192)
def arabic_name_keys(word: str) -> frozenset[str]:
    """The transliteration keys an Arabic-script word would have if it renders a
    foreign name ("أوباما": {"Vbm", "Vwbm"}), prefixes such as the article or "and"
    also tried without; empty for a known function word."""
    keys: set[str] = set()
    for form in _arabic_forms(word):
        choices = _arabic_choices(form, False)
        if choices is not None:
            keys |= _spellings(choices)
    return _usable(frozenset(keys))


def _distance(first: str, second: str) -> float:
    """Edit distance where vowels (a, i, u) cost less: Arabic leaves short vowels
    unwritten and writes long ones, so a vowel more or less, or another vowel, says
    little; a consonant more or less says much."""
    previous = [0.0]
    for letter in second:
        previous.append(previous[-1] + (0.4 if letter in "aiu" else 1.0))
    for a in first:
        current = [previous[0] + (0.4 if a in "aiu" else 1.0)]
        for j, b in enumerate(second, start=1):
            if a == b:
                substitution = 0.0
            elif a in "aiu" and b in "aiu":
                substitution = 0.3
            else:
                substitution = 1.0
            current.append(
                min(
                    previous[j - 1] + substitution,
                    previous[j] + (0.4 if a in "aiu" else 1.0),
                    current[j - 1] + (0.4 if b in "aiu" else 1.0),
                )
            )
        previous = current
    return previous[-1]


@lru_cache(maxsize=65_536)
def spelling_fit(arabic: str, latin: str) -> tuple[float, float]:
    """How well a Latin-script name fits an Arabic-script word as a rendering of it:
    (the score that orders a word's names, lower is better; the spelling distance of
    that reading alone). The distance is per letter of the name (0: the same sounds;
    "فاراداي" is nearer "Faraday" than "Fred"); the score adds what reading the word
    without a one-letter prefix costs. Infinite where either cannot be spelled."""
    latin_word = _latin_word(latin)
    if not latin_word:
        return math.inf, math.inf
    latin_forms = _spellings(_latin_choices(latin_word, True))
    best = (math.inf, math.inf)
    for form, cost in _arabic_forms(arabic).items():
        choices = _arabic_choices(form, True)
        if choices is None:
            continue
        for arabic_form in _spellings(choices):
            for latin_form in latin_forms:
                distance = _distance(arabic_form, latin_form) / max(len(latin_form), 1)
                best = min(best, (distance + cost, distance))
    return best


def spelling_distance(arabic: str, latin: str) -> float:
    """The spelling distance of the likeliest reading (:func:`spelling_fit`)."""
    return spelling_fit(arabic, latin)[1]


def arabic_words(text: str) -> list[str]:
    """The words of ``text`` written in Arabic script, in order, repeats dropped."""
    # Without its vowel marks first: a mark is no word character, and "يُلغَ" is one word.
    text = _ARABIC_MARKS.sub("", text or "")
    found = (word for word in _WORD.findall(text) if _ARABIC_LETTERS.search(word))
    return list(dict.fromkeys(found))
