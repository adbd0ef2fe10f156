"""Cut an article body into claim-sized spans with exact offsets.

Pure Python: no Flask, no database. Offsets are Python string indices (code
points), so ``text[span.start:span.end]`` is always the segment.

Approach
--------
1. ``sentencex`` cuts the whole text in one call; it stays the base for
   abbreviations, numbers, initials and quotations. Its pieces concatenate back
   to the input, so every cut is an exact offset. (sentencex 1.0.32 drops a
   paragraph break for every ~10 KiB of input; ``_missing`` finds those and
   the offsets are shifted back into place.)
2. Each piece is trimmed to its content, and rules *edit the cuts* instead of
   re-segmenting:

   * merges drop a cut inside a sentence: the next piece starts in lower case
     ("Leave me alone! he yelled.") or with a dash ("-- voila! --"), the
     previous piece is a bare marker ("Q.", "1."), there is no space at the
     cut ("Yahoo! and Y!J.", "!Xũ"), or a parenthetical remark closes a
     quotation ("... house!' (Which was very likely true.)");
   * splits add cuts sentencex misses: a line break between lines (headings,
     captions, list lines; wrapped prose stays whole), inline numbered or
     lettered lists ("1) ... 2) ...", "a. ... b. ..."), bullets, a
     parenthetical sentence before a new one, an ellipsis before a capital.

   Added cuts win over dropped ones. A cut sentencex put on the wrong side of a
   straight quote, which a stray '"' causes, moves over it ('CT).|" בינתיים').

   ``language`` goes to sentencex, and outside English (where sentencex's rules are
   thinner) a few rules follow pySBD's conventions: a full stop run on into a capital
   ("world.I dag") or after a long word before lower case ("κανένας. το") ends a
   sentence; an abbreviation that may end one ("kr.", "etc.", "E.U.") does before a
   word that starts sentences ("3 pct. Det er"), and a plain word before a number
   where sentencex never cuts there ("хабарлады. 2023 жылы"); initials ("M. Martin"), German and
   Danish ordinals ("der 2. Weltkrieg") and a spaced ". . ." do not. Script terminators
   ("።", "။", "।") stand without a space after them.

   English news copy has rules of its own where sentencex's run on or cut too
   much. A full stop after an abbreviation that may end a sentence ends one before
   a word that starts sentences ("in the U.S. Millions of", "Kier Construction
   Ltd. A spokesman", "Tampa, Fla. A curfew"); after "etc.", "No." with no number,
   a unit ("9.58 sec.") or a word sentencex takes for an abbreviation ("told me.",
   "fell ill.", "said no.") before any capital, outside a quotation. "a.m." before
   a weekday, month or time zone ("10 a.m. Tuesday", "9 p.m. ET") and an
   abbreviation before a number ("approx. £3.2m", "Vol. 2", "est. 1795") end
   none. A quotation that ends with "?" or "!" keeps an attribution that names
   the speaker ("“Why now?” Mr Patel asked."), a bracketed enumeration stays in its
   sentence ("(1) ..., (2) ... and (3) ..."), a line that ends with a title, an
   article or a comma wraps ("by Dr.\nSarah Patel"), and "(AP Photo/...)" is a
   credit.
3. Lines that stand alone are classified: headings, photo captions (credit
   line), bylines and list items get their own ``kind``.

Speed: a whole article, even of several hundred kilobytes, is segmented in one
call, and this layer must cost less than sentencex itself. So no Python code
runs per character, and none per piece: offsets, trimming and one-character
signatures of every piece (its first and last character, and the one before it)
come from ``map``/``itemgetter`` calls that loop in C, and small regexes over
those signatures find the few pieces where a rule may apply. The text itself is
only searched with ``str.find`` for characters rare in news copy (")", "…",
bullets; in English also "?" and "!"); outside English, also for " . . .". One regex
that starts with a literal "." looks at the full stops: outside English, those before a
sentence starter or a digit; in English, those after an abbreviation (its lookbehinds
run only where a space and a capital follow). Python code runs only where a rule may
fire.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from itertools import accumulate, compress, filterfalse, pairwise, repeat
from operator import add, contains, itemgetter, or_, sub
from typing import NamedTuple

import sentencex

KINDS = ("sentence", "heading", "caption", "byline", "list_item")


class Span(NamedTuple):
    """A sentence (or caption, heading, byline, list item) as text[start:end]."""

    start: int
    end: int
    kind: str = "sentence"


# --- stand-alone lines -------------------------------------------------------------------

_BULLET = re.compile(r"(?:[-*•▪◦–—⁃]\s*|\d{1,3}[.)]\)?\s+|\(\w{1,4}\)\s+)")
_TERMINAL = re.compile(r"[.!?…:;\u037e．。！？።፧፨။।॥۔؟։][\"'”’»)\]]*\s*$")
#: Photo credits end a line: "... - Yui Mok/PA Wire", "... | AP Photo/Kin Cheung, Pool",
_CREDIT_SLASH = re.compile(r"\s[-–—|]\s*[^-–—|/]{2,60}/[^/]{2,40}$")
#: "... (AP Photo/Evan Vucci)", "... Photograph/Jane Doe",
_PHOTO_SLASH = re.compile(r"\b(?:Photo(?:graph)?|Picture|Image)s?/[^/]{2,60}$")
#: "... (Getty Images)", "... Reuters",
_AGENCIES = (
    "getty images",
    "reuters",
    "afp",
    "ap photo",
    "pa wire",
    "shutterstock",
    "bloomberg",
    "epa",
)
#: or carry a label: "Photo: Reuters", "Picture credit: ...", "Pictured: ...", and the
#: same labels in the other languages news is imported in ("Foto:", "Crédit photo :",
#: "Фото:", "تصوير:", "写真：").
_CREDIT_LABEL = re.compile(
    r"\b(?:Photo(?:graph)?|Picture|Pictured|Image|Credit|Foto(?:grafía|grafia|graf)?"
    r"|Imagen|Imagem|Immagine|Bild|Crédit(?:o)?(?: photo)?|Zdjęcie|Fotoğraf|Фото|Світлина"
    r"|Снимок|تصوير|صورة|फ़ोटो|फोटो|तस्वीर|写真|图片|圖片|摄影|攝影)s?\s*[:：]",
    re.IGNORECASE,
)
_BYLINE = re.compile(r"(?:By|Von|Par|Por)\s+[A-ZÀ-ÖØ-Þ]")
_SHORT_LINE = 160
_CAPTION_LINE = 400


def _is_credit(line: str) -> bool:
    """Whether ``line`` carries a photo credit (cheap string tests before any regex)."""
    tail = line[-110:]
    slash = tail.rfind("/")
    if slash > 0:
        # Look from the last dash before the slash: "... - Yui Mok/PA Wire" (a bar, or a
        # dash before the bar, is left to the search below).
        dash = tail.rfind("-", 0, slash)
        if dash > 0 and _CREDIT_SLASH.match(tail, dash - 1):
            return True
        if _CREDIT_SLASH.search(tail, max(0, slash - 64)):  # "–", "—" or spacing
            return True
        if _PHOTO_SLASH.search(tail, max(0, slash - 11)):
            return True
    end = tail.rstrip(") ").lower()
    if end.endswith(_AGENCIES):
        for agency in _AGENCIES:  # a whole word: "Reuters", not "Freuters"
            if end.endswith(agency) and not end[-len(agency) - 1 : -len(agency)].isalnum():
                return True
    return (":" in line or "：" in line) and _CREDIT_LABEL.search(line) is not None


def _classify_line(line: str) -> str | None:
    """Return the kind of a stand-alone line (no surrounding space), or None for prose."""
    if line[0] in _BULLET_FIRST and _BULLET.match(line):
        return "list_item"
    if len(line) <= _CAPTION_LINE and _is_credit(line):
        return "caption"
    if len(line) <= _SHORT_LINE and line.rstrip(_CLOSERS)[-1:] not in _ENDS:
        return "byline" if _BYLINE.match(line) else "heading"
    return None


_BULLET_FIRST = frozenset("-*•▪◦–—⁃(0123456789")
#: Sentence-ending punctuation, and what may close a sentence after it. Besides the Latin
#: and CJK marks: the Greek question mark (U+037E), Ethiopic "።" "፧" "፨", Burmese "။",
#: the Devanagari dandas "।" "॥", Urdu "۔", Arabic "؟" and Armenian "։".
_ENDS = ".!?…:;\u037e．。！？።፧፨။।॥۔؟։"
_CLOSERS = "\"'”’»)]"


# --- sentencex ---------------------------------------------------------------------------


def _contents(text: str, language: str) -> tuple[list[int], list[str]]:
    """sentencex's sentences, trimmed: their offsets and their text.

    Whitespace-only pieces (paragraph breaks) are dropped. A piece may still start with
    whitespace: ``_signatures`` moves its offset.
    """
    try:
        pieces = sentencex.segment(language, text)
    except Exception:  # a segmentation library must never take the page down
        pieces = [text]
    bounds = list(accumulate(map(len, pieces), initial=0))
    gaps = _missing(text, pieces, bounds) if bounds[-1] != len(text) else []
    if gaps is None:  # the library changed the text itself
        pieces = _realign(text, pieces)
        bounds = list(accumulate(map(len, pieces), initial=0))
        gaps = []
    contents = list(map(str.strip, pieces))
    starts = list(compress(bounds, contents))
    words = list(filter(None, contents))
    if gaps:
        # Pieces after a lost paragraph break start later than their offsets say.
        edges = [bisect_left(starts, bounds[piece]) for piece, _gap in gaps] + [len(starts)]
        shift = 0
        for k, (_piece, gap) in enumerate(gaps):
            shift += gap
            starts[edges[k] : edges[k + 1]] = map(
                add, starts[edges[k] : edges[k + 1]], repeat(shift)
            )
    return starts, words


#: How many pieces apart the alignment with the text is checked.
_SAMPLE = 128


def _missing(text: str, pieces: list[str], bounds: list[int]) -> list[tuple[int, int]] | None:
    """Find the blank text sentencex left out: (index of the piece after it, length).

    sentencex 1.0.32 drops a paragraph break ("\n\n") for every 10 KiB or so of input,
    so each piece after one sits a little later in ``text`` than its offset says. Every
    ``_SAMPLE``-th piece is checked; where one is out of place, bisection finds the
    first misplaced piece. Returns None if the missing text is not blank.
    """
    count = len(pieces)
    gaps: list[tuple[int, int]] = []
    shift = 0
    good = 0  # a piece known to be in place

    def misplaced(j: int) -> bool:
        return not text.startswith(pieces[j], bounds[j] + shift)

    sample = 0
    while bounds[-1] + shift < len(text):
        sample = min(sample + _SAMPLE, count)
        if sample < count and not misplaced(sample):
            good = sample
            continue
        k = bisect_left(range(good + 1, sample), True, key=misplaced) + good + 1
        at = bounds[k] + shift
        found = len(text) if k == count else text.find(pieces[k], at, at + len(pieces[k]) + 256)
        if found <= at or not text[at:found].isspace():
            return None
        gaps.append((k, found - at))
        shift += found - at
        good = sample = k  # check again from here with the new shift
    # The search assumes the text is not periodic; make sure, exactly and fast.
    whole: list[str] = []
    done = shift = 0
    for k, gap in gaps:
        whole += pieces[done:k]
        whole.append(text[bounds[k] + shift : bounds[k] + shift + gap])
        done, shift = k, shift + gap
    whole += pieces[done:]
    return gaps if "".join(whole) == text else None


def _realign(text: str, pieces: list[str]) -> list[str]:
    """Map sentences that do not add up to ``text`` back to it by searching nearby."""
    out: list[str] = []
    pos = 0
    for piece in pieces:
        if text.startswith(piece, pos):
            out.append(piece)
            pos += len(piece)
            continue
        core = piece.strip()
        found = text.find(core, pos, pos + len(piece) + 1000) if core else -1
        if found >= 0:
            if found > pos:
                out.append(text[pos:found])
            out.append(core)
            pos = found + len(core)
    if pos < len(text):
        out.append(text[pos:])
    return out


# --- rules at piece boundaries ----------------------------------------------------------

#: First characters worth a look: anything but a capital letter or an opening quote
#: (lower case, digits, dashes, brackets, bullets).
_ODD_FIRST = re.compile(r"[^A-Z\"“‘'«]")
#: Last characters that do not end a sentence: headings, captions, list lines.
_ODD_LAST = re.compile(r"[^.!?…:;\u037e．。！？።፧፨။।॥۔؟։\"'”’»]")
#: A piece that is nothing but a list or question marker: "1.", "a)", "Q.", "⁃9.", "(b)".
_BARE_MARKER = re.compile(r"[•⁃◦▪]?\(?(?:\d{1,3}|[A-Za-z])[.)]\)?")
#: A piece that opens with a list marker: "a. here it is", "(b) Hello", "1) The", "• 9.".
_LIST_START = re.compile(r"[•⁃◦▪]|\(?(?:\d{1,2}|[A-Za-z])\.?\)|(?:[0-9a-z]|\d\d)\.(?:\s|$)")
#: A parenthetical remark that makes up the whole piece: "(Which was very likely true.)".
_PAREN_PIECE = re.compile(r"\([^()]*\)")
#: "N°." (and its ordinal-sign spelling) before a number: sentencex cuts after it.
_NUMBER_SIGNS = ("N°.", "Nº.", "n°.", "nº.")
#: English abbreviations that stand before a number, where sentencex cuts after some
#: ("approx. 1,200", "Vol. 2", "est. 1795", "para. 12", "Ch. 11"): they end no sentence.
#: Single letters ("c. 1900", "p. 4") only in lower case: "vitamin C. 3 ..." may end one.
_NUMBER_ABBREVIATION = re.compile(
    r"(?<![^\s(\[])(?:(?i:approx|apr|arts?|aug|ca|chap|ch|cl|cols?|dec|eps?|est|ext|feb|figs?"
    r"|jan|jul|jun|mar|mk|nos?|nov|oct|op|paras?|pts?|ref|reg|secs?|sept?|tel|vols?)|c|pp?)\.\Z"
)
#: What a number may start with: a currency sign ("approx. £3.2m").
_CURRENCY = frozenset("£$€¥")
#: A full stop after a plain word of six letters or more, which no abbreviation is.
_WORD_STOP = re.compile(r"(?<![^\W\d_])[^\W\d_]{6,}\.\Z")
_OPEN_QUOTES = "\"“‘'«"
_CLOSE_QUOTES = "\"'”’»"
_DASH_STARTS = ("--", "—", "–")
#: Terminators that never occur inside a token, so a cut after them stands even with no
#: space: CJK, whose scripts put none, and the script-specific marks of ``_ENDS``, which
#: Amharic and Burmese copy often runs on without one ("ይሁንልህ።እባክሽ").
_SPACELESS_ENDS = ("．", "。", "！", "？", "።", "፧", "፨", "။", "।", "॥", "۔", "؟", "։")
_NONSPACE = re.compile(r"\S")
_NEWLINE = re.compile(r"[\n\r]")
_SPACE = re.compile(r"\s")


class _Edits:
    """Changes to sentencex's cuts, by piece index and by text offset."""

    __slots__ = ("candidates", "items", "joins", "merge", "regions", "split")

    def __init__(self) -> None:
        self.merge: set[int] = set()  # piece i joins piece i - 1
        self.split: set[int] = set()  # text offsets where a new span starts
        self.joins: set[int] = set()  # text offsets where no span may start
        self.items: set[int] = set()  # text offsets where a list item starts
        self.candidates: set[int] = set()  # pieces that may be headings, captions ...
        self.regions: list[int] = []  # text offsets to scan for inline lists


def _boundary_rules(
    text: str,
    starts: list[int],
    lens: list[int],
    words: list[str],
    signatures: tuple[str, str, str],
    edits: _Edits,
    lang: str,
) -> None:
    """Find the few boundaries where a rule may apply, from one-character signatures.

    ``signatures`` holds, for each piece, its first character, the character before it
    and its last character. ``lang`` is the base language code ("en", "da", ...).
    """
    firsts, befores, lasts = signatures
    for match in _ODD_FIRST.finditer(firsts):
        _check_start(text, starts, lens, words, match.start(), edits, lang)
    edits.candidates.update(map(_match_start, _ODD_LAST.finditer(lasts)))
    # sentencex cut inside a token ("He speaks !Xũ", "Y!J.", "information.As"): a cut
    # with no space on either side goes, except after "。" and its kin. English keeps
    # "information.As" whole (its test data wants it so); elsewhere a full stop run on
    # into a capital ends the sentence ("world.I dag", "жағдайы.XVIII"), as both
    # pySBD's and sentencex's cases for those languages expect.
    tight = lang != "en"
    for match in _NONSPACE.finditer(befores):
        i = match.start()
        if i and not words[i - 1].endswith(_SPACELESS_ENDS):
            if tight and _tight_stop(words[i - 1], words[i]):
                continue
            edits.merge.add(i)
            if '"' in (words[i][0], words[i - 1][-1]):
                _misplaced_quote(text, starts, words, i, edits)
    # "Q. What is his name? A. His name is ...": a bare capital marker starts the question.
    if 2 in lens:
        i = lens.index(2)
        while True:
            if words[i][1] == "." and words[i][0].isupper():
                _join_marker(text, starts, lens, i, edits)
            try:
                i = lens.index(2, i + 1)
            except ValueError:
                break
    if "\n" in text or "\r" in text:
        joined = "".join(words)
        if "\n" in joined or "\r" in joined:
            _line_breaks(text, starts, words, edits, lang)


def _match_start(match: re.Match[str]) -> int:
    return match.start()


#: An attribution that names the speaker: "Mr Patel asked.", "Sgt. Lee Carter shouted as
#: ...", "Jo Reid, 42, said on Monday." The verb must end the clause or go on with words
#: that only an attribution has there: "Smith said the answer was no." is a new sentence.
_ATTRIBUTION = re.compile(
    r"[A-Z][\w’'.-]*(?:[ \t]+(?:[A-Z][\w’'.-]*|al|bin|de|of|the|van|von)){0,5}"
    r"(?:,[^,.!?“”\"]{1,60},)?[ \t]+"
    r"(?:(?:asked|asks|told|tells)\b"
    r"|(?:said|says|added|adds|shouted|yelled|replied|wrote|insisted|recalled"
    r"|explained|warned|declared|cried|screamed|whispered|joked|continued|admitted|argued"
    r"|pleaded|demanded|wondered)"
    r"(?:[.,;:!?]|[ \t]+(?:as|at|after|before|when|while|during|in|on|outside|from|to|of|with"
    r"|last|yesterday|today|tonight|later|again|afterwards|repeatedly|quietly|angrily"
    r"|loudly|calmly|simply)\b))"
)


def _quote_attributions(
    text: str, starts: list[int], lens: list[int], words: list[str], edits: _Edits
) -> None:
    """A quotation ending with "?" or "!" keeps its attribution: "“Why now?” Mr Patel asked."

    sentencex cuts before a capital after "?”"; a lower-case attribution is merged by
    ``_check_start``. Only a piece that is a quotation from its start qualifies: after
    'He asked: “Why now?”' a new sentence may well start with a name. "?" and "!" are
    rare in news copy, so ``str.find`` looks for them.
    """
    last = len(starts) - 1
    for mark in "?!":
        at = text.find(mark)
        while at >= 0:
            end = at + 2  # just after the closing quote
            quote = text[at + 1 : end]
            if quote and quote in _CLOSE_QUOTES:
                i = bisect_left(starts, end)  # the piece after the quotation
                if (
                    0 < i <= last
                    and starts[i - 1] + lens[i - 1] == end
                    and words[i - 1][0] in _OPEN_QUOTES
                    and not _NEWLINE.search(text, end, starts[i])
                    and _ATTRIBUTION.match(words[i])
                ):
                    edits.merge.add(i)
            at = text.find(mark, at + 1)


#: A domain name or file name: "www.|Politiken.dk" is no sentence.
_DOMAIN = re.compile(r"[^\s.]+\.[^\W\d_]")


def _misplaced_quote(text: str, starts: list[int], words: list[str], i: int, edits: _Edits) -> None:
    """Move a cut sentencex made on the wrong side of a straight quote.

    A stray '"' (the gershayim of Hebrew "ד\"ר" has no partner) makes sentencex take
    closing quotes for opening ones: '... CT).|" בינתיים ... הנורמלי. "|בואו ...'. A
    quote with a space after it closes the sentence before; one with a space before it
    opens the next.
    """
    word, head = words[i], words[i - 1]
    if word[0] == '"' and word[1:2].isspace() and head[-1] in ".!?…":
        edits.split.add(_NONSPACE.search(text, starts[i] + 1).start())  # type: ignore[union-attr]
    elif head[-1] == '"' and head[-2:-1].isspace() and head[-3:-2] in (".", "!", "?", "…"):
        edits.split.add(starts[i - 1] + len(head) - 1)


def _tight_stop(head: str, word: str) -> bool:
    """Whether a full stop with no space after it ends ``head``: "world.I", "1,000.That".

    Not after a capital ("U.S.Army") or a short list number ("1.Helado, 2.Carne,
    3.Arroz"), and only before a capital.
    """
    if len(head) < 3 or head[-1] != "." or not word[0].isupper() or _DOMAIN.match(word):
        return False
    before = head[-2]
    if before.isalpha():
        return before.islower()
    return head[-4:-1].isdigit()


def _after_word(head: str) -> bool:
    """Whether ``head`` ends with a full stop after a long word (the last 40 characters)."""
    return _WORD_STOP.search(head, max(0, len(head) - 40)) is not None


def _join_marker(text: str, starts: list[int], lens: list[int], i: int, edits: _Edits) -> None:
    """A bare marker "1." / "Q." belongs to the piece after it, on the same paragraph."""
    if i + 1 < len(starts):
        gap = text[starts[i] + lens[i] : starts[i + 1]]
        if "\n\n" not in gap and "\n\r\n" not in gap:
            edits.merge.add(i + 1)


def _check_start(
    text: str,
    starts: list[int],
    lens: list[int],
    words: list[str],
    i: int,
    edits: _Edits,
    lang: str,
) -> None:
    """Rules for a piece that starts with something other than a capital or a quote."""
    word = words[i]
    first = word[0]
    if _LIST_START.match(word):
        edits.regions.append(starts[i])
        edits.candidates.add(i)
        if _BARE_MARKER.fullmatch(word):
            _join_marker(text, starts, lens, i, edits)  # "1. The first item"
    elif first.isdigit():
        edits.candidates.add(i)  # "45,774 crossings in 2022" may be a line of its own
    if not i:
        return
    gap = text[starts[i - 1] + lens[i - 1] : starts[i]]
    if "\n\n" in gap or "\n\r\n" in gap:
        return  # a paragraph break stays
    head = words[i - 1]
    if first.islower():
        # "Leave me alone! he yelled." - but "iPhone" may start a sentence, and a
        # list line may follow a line break ("ii) Hello world."). Outside English, a
        # full stop after a long plain word is no abbreviation's: both pySBD and
        # sentencex end the sentence there ("κανένας. το κόστος").
        if (
            not (len(word) > 1 and word[1].isupper())
            and not ("\n" in gap and _LOWER_MARKER.match(word))
            and not (lang != "en" and head[-1] == "." and _after_word(head))
        ):
            edits.merge.add(i)
    elif (first.isdigit() or first in _CURRENCY) and (
        head.endswith(_NUMBER_SIGNS)
        or (lang == "en" and _NUMBER_ABBREVIATION.search(head, max(0, len(head) - 8)))
    ):
        edits.merge.add(i)  # "N°. 1026.253.553", "approx. £3.2m": the sign is no sentence
    elif word.startswith(_DASH_STARTS):
        edits.merge.add(i)  # "-- voila! -- you have cake."
    elif first == "(" and head[-1] in _CLOSE_QUOTES and _PAREN_PIECE.fullmatch(word):
        # "'... off the top of the house!' (Which was very likely true.)": the remark
        # belongs to the quotation unless another quotation follows it.
        after = words[i + 1] if i + 1 < len(words) else ""
        if not after or after[0] not in _OPEN_QUOTES:
            edits.merge.add(i)


# --- rules: single line breaks ------------------------------------------------------------

_LINE_BREAK = re.compile(r"\r\n?|\n")
_BLANK_LINE = re.compile(r"\n[ \t\f\v\r]*\n")
#: A line that starts with a lower-case list marker: "ii) Hello", "b. another".
_LOWER_MARKER = re.compile(r"\(?(?:[ivx]{1,4}|[a-z])[.)]\s")


#: The end of an English line that goes on in the next one: a title before a name
#: ("by Dr.\nSarah Patel", "Mr\nStarmer"), a word no heading, caption or list line ends
#: with ("by the\nOffice for National Statistics"; not "What to look out for"), a comma.
_OPEN_LINE_END = re.compile(
    r"(?:,|(?<![\w.])(?:Capt|Col|Cpl|Dame|Det|Dr|Gen|Gov|Insp|Lady|Lord|Lt|Mr|Mrs|Ms|Prof|Rep"
    r"|Rev|Sen|Sgt|Sir|St|Supt)\.?|(?<![\w’'-])(?:a|an|and|of|or|the))[ \t]*\Z"
)


def _line_breaks(text: str, starts: list[int], words: list[str], edits: _Edits, lang: str) -> None:
    """A line break inside a piece ends it, unless it only wraps running prose."""
    inside = list(map(contains, words, repeat("\n")))
    if "\r" in text:
        inside = list(map(or_, inside, map(contains, words, repeat("\r"))))
    if True not in inside:
        return
    para_end, wrapped = -1, False
    i = inside.index(True)
    while True:
        for match in _LINE_BREAK.finditer(words[i]):
            line = _NONSPACE.search(text, starts[i] + match.end())
            if line is None:
                continue
            at = line.start()
            if text[at].islower() and not _LOWER_MARKER.match(text, at):
                # Lower case after a line break continues a wrapped line - unless the
                # paragraph is a list of short lines ("... at no cost\nyou may copy").
                if at > para_end:
                    blank = _BLANK_LINE.search(text, at)
                    para_end = blank.start() if blank else len(text)
                    wrapped = bool(_TERMINAL.search(text, max(at, para_end - 8), para_end))
                if wrapped:
                    continue
            elif lang == "en" and text[at].isupper():
                brk = starts[i] + match.start()
                if _OPEN_LINE_END.search(text, max(0, brk - 10), brk):
                    continue  # "by Dr.\nSarah Patel": a wrapped line, not a heading
            edits.split.add(at)
        try:
            i = inside.index(True, i + 1)
        except ValueError:
            return


# --- rules: inline lists and rare characters ---------------------------------------------

#: List markers inside a line: " 2. The", " b. another", " 3.) Hello".
_DOT_MARK = re.compile(
    r"\.(?:(?<=[0-9a-z]\.)(?<![^\s•⁃◦▪(]..)|(?<=\d\d\.)(?<![^\s•⁃◦▪(]...))\)?[ \t]+(?=\S)"
)
#: Inline items of one list sit close together.
_LIST_GAP = 500
_ITEM = tuple[int, int, str, int]  # marker start, content start, style, value


def _paren_rules(text: str, edits: _Edits, marks: list[_ITEM]) -> None:
    """Closing brackets start list items ("1) The", "(b) Hello") or end a remark."""
    size = len(text)
    at = text.find(")")
    while at >= 0:
        nxt = at + 1
        # Only ")" after a short label ("1)", "(b)", "a.)") or a full stop ("cat.)"),
        # with more text after it, can start an item or end a sentence.
        if (
            at
            and nxt < size
            and text[nxt] in " \t"
            and text[at - 1] in _PAREN_LABEL_END
            and not text[at - 3 : at].isalnum()  # "(ECHR)" is no list marker
        ):
            after = _NONSPACE.search(text, nxt)
            if after is not None:
                _paren_at(text, at, after.start(), edits, marks)
        at = text.find(")", nxt)


_PAREN_LABEL_END = frozenset("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.!?")


def _paren_at(text: str, at: int, after: int, edits: _Edits, marks: list[_ITEM]) -> None:
    label_end = at - 1 if at and text[at - 1] == "." else at
    label_start = label_end
    while label_start > 0 and label_end - label_start < 2 and text[label_start - 1].isalnum():
        label_start -= 1
    label = text[label_start:label_end]
    opening = label_start > 0 and text[label_start - 1] == "("
    start = label_start - 1 if opening else label_start
    free = start == 0 or text[start - 1].isspace()
    # isdecimal, not isdigit: "²1)" is no number int() can read.
    if free and label and (label.isdecimal() or (len(label) == 1 and label.isascii())):
        style = ("(" if opening else "") + ("d)" if label.isdecimal() else "a)")
        marks.append((start, after, style, _list_value(label)))
    elif (
        at >= 3
        and text[at - 1] in ".!?"
        and text[at - 3 : at - 1].isalpha()
        and (text[after] in '"“‘' or text[after].isupper())
    ):
        # "(Dinah was the cat.) \"I hope ...\"": a parenthetical sentence, then another.
        edits.split.add(after)


def _list_value(label: str) -> int:
    return int(label) if label.isdecimal() else ord(label.lower()) - ord("a") + 1


def _dot_marks(text: str, edits: _Edits, marks: list[_ITEM]) -> None:
    """Markers like "1." and "b." near pieces that open a list."""
    scanned = -1
    for start in sorted(edits.regions):
        if start < scanned:
            continue
        end = text.find("\n\n", start, start + 4 * _LIST_GAP)
        end = end if end >= 0 else min(len(text), start + 4 * _LIST_GAP)
        for match in _DOT_MARK.finditer(text, max(start, scanned), end):
            dot = match.start()
            # Any space may stand before the label ("\u00a02."), not only ASCII ones.
            label = text[max(0, dot - 2) : dot].lstrip().lstrip("•⁃◦▪(")
            nxt = text[match.end()]
            if label.isdigit() and not (nxt.isupper() or nxt.isdigit()):
                continue  # "as payment for 1. above" is not a list
            style = ("d." if label.isdigit() else "a.") + (")" if text[dot + 1] == ")" else "")
            marks.append((dot - len(label), match.end(), style, _list_value(label)))
        scanned = end


def _inline_lists(text: str, marks: list[_ITEM], edits: _Edits) -> None:
    """Keep list markers that form a numbered run: ``1.`` then ``2.``, ``a)`` then ``b)``."""
    by_style: dict[str, list[_ITEM]] = {}
    for mark in sorted(set(marks)):
        by_style.setdefault(mark[2], []).append(mark)
    for style, found in by_style.items():
        runs: list[list[_ITEM]] = []
        for mark in found:
            last = runs[-1][-1] if runs else None
            if last and mark[3] == last[3] + 1 and mark[0] - last[1] <= _LIST_GAP:
                runs[-1].append(mark)
            else:
                runs.append([mark])
        for run in runs:
            # A bare "N." list must start at 1 or "a": "in 2. The" ends a sentence.
            if len(run) < 2 or (style[-1] == "." and run[0][3] != 1):
                continue
            if style[0] == "(" and _in_sentence(text, run):
                continue
            for start, content, _style, _value in run:
                edits.joins.add(content)  # "2. |The second item" is one item
                # "• 9. The first item": the item starts at the bullet.
                j = start
                while j > 0 and text[j - 1] in " \t":
                    j -= 1
                if j > 0 and text[j - 1] in _BULLETS:
                    start = j - 1
                edits.split.add(start)
                edits.items.add(start)


#: How an item of a list inside a sentence ends: "(1) higher taxes, (2) a cap on rents
#: and (3) ...", "(a) raise council tax; (b) ...".
_ITEM_JOINERS = (",", ";", " and", " or")


def _in_sentence(text: str, run: list[_ITEM]) -> bool:
    """Whether the items of ``run`` are joined into one sentence on one line.

    Only asked of bracketed markers, the style for an enumeration inside a sentence; a
    bare "1)" list runs on in pySBD's cases ("by 1) taking ..., and 2) judging ...") and
    is split there.
    """
    for (_start, content, _style, _value), after in pairwise(run):
        item = text[content : after[0]]
        if "\n" in item or "\r" in item:
            return False  # a list down the page, whatever its items end with
        if item.rstrip().endswith(_ITEM_JOINERS):
            return True
    return False


_BULLETS = "•⁃◦▪"
_INLINE_BULLET = re.compile(r"[•⁃◦▪](?<![^\s]\S)[ \t]*(?:\d{1,3}[.)]\)?[ \t]+)?(?=\S)")
_ELLIPSIS = re.compile(r"…[ \t]+(?=[A-Z])")


def _rare_characters(text: str, firsts: str, edits: _Edits) -> None:
    """Rules for characters that are rare in news copy, found with ``str.find``."""
    # "... reste ... Logiquement": an ellipsis character before a capital ends a sentence.
    at = text.find("…")
    while at >= 0:
        match = _ELLIPSIS.match(text, at)
        if match:
            edits.split.add(match.end())
        at = text.find("…", at + 1)
    found = []
    for bullet in _BULLETS:  # "• 9. The first item • 10. The second item"
        if bullet not in firsts:  # a list of bullets starts at least one piece
            continue
        at = text.find(bullet)
        while at >= 0:
            match = _INLINE_BULLET.match(text, at)
            if match:
                found.append(match)
            at = text.find(bullet, at + 1)
    if len(found) > 1:
        edits.split.update(map(_match_start, found))
        edits.items.update(map(_match_start, found))
        edits.joins.update(map(_match_end, found))


def _match_end(match: re.Match[str]) -> int:
    return match.end()


# --- rules: per language ------------------------------------------------------------------


def _base_language(language: str) -> str:
    """The base code of a language tag: "da" for "da", "da-DK" or "da_DK"."""
    return language.replace("_", "-").split("-", 1)[0].lower()


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


#: Words that start sentences and rarely start a name, per language: after an
#: abbreviation that may end a sentence, one of them means it did ("... og co. De
#: burde ..."). Danish is pySBD's list (plus common conjunctions and adverbs).
_STARTERS: dict[str, frozenset[str]] = {
    "da": _word_set(
        "At De Dem Den Denne Der Derfor Det Dette Disse Du Efter En Et For Få Gjorde Han"
        " Her Hun Hvad Hvem Hvilke Hvis Hvor Hvordan Hvorfor Hvorledes Hvornår I Ifølge Jeg"
        " Man Mange Men Nu Når Og Samtidig Så Vi Være"
    ),
    "de": _word_set(
        "Aber Allerdings Am Auch Bei Damit Dann Das Der Deshalb Die Dies Diese Dieser Doch"
        " Ein Eine Er Es Heute Ich Im In Man Mit Nach Nun Seit Sie So Trotzdem Und Was Wann"
        " Warum Wer Wie Wir Wo Zudem"
    ),
    "es": _word_set(
        "Además Ahora Al Algunas Algunos Antes Así Aunque Cada Con Cuando Del Desde Después"
        " Durante El Ella Ellas Ellos En Entonces Esa Esas Ese Eso Esos Esta Estas Este Esto"
        " Estos Hasta Hay Hoy Incluso La Las Lo Los Luego Mientras Muchas Muchos Nada Nadie"
        " Ni Ninguna Ninguno No Nunca Otra Otras Otro Otros Para Pero Pocos Por Se Según Si"
        " Sin Sobre Su Sus También Tampoco Todas Todo Todos Tras Un Una Varias Varios Ya Yo"
        " Él"
    ),
    "fr": _word_set(
        "Ainsi Alors Ce Cependant Ces Cet Cette Dans Depuis Elle Elles En Et Il Ils Je La Le"
        " Les Mais Nous On Pour Pourtant Puis Quand Selon Si Un Une"
    ),
    "it": _word_set(
        "Anche Chi Come Con Dopo Dove Gli Il In Io La Le Lei Lo Loro Lui Ma Noi Non Oggi Ora"
        " Per Perché Poi Quando Quella Quello Queste Questi Questo Questa Se Secondo Un Una Uno"
    ),
    "nl": _word_set(
        "Als Bovendien Daarom Dat De Deze Die Dit Een En Er Het Hij Hoe Ik In Maar Nu Ook Op"
        " Toen Volgens Waar Waarom Wat We Wie Wij Ze Zij"
    ),
    "pt": _word_set(
        "A As Com Ela Elas Ele Eles Em Essa Esse Esta Este Eu Hoje Isso Isto Mas Nós Não O Os"
        " Para Quando Se Segundo Também Um Uma"
    ),
}
#: Abbreviations that often end a sentence (units, "etc.", company suffixes), lower case.
#: Not those that stand before a name or a number ("bl.a.", "ca.", "hr.", "nr."): "bl.a.
#: Den Europæiske Union" goes on. Initialisms ("E.U.", "U.S.A.", "EE. UU.") count too.
_FINAL_ABBREVIATIONS: dict[str, frozenset[str]] = {
    "da": _word_set("co etc inc kr ltd m.fl m.m mfl mia mio mv o.l osv pct"),
    "de": _word_set("etc mio mrd o.ä tsd u.ä usw"),
    "es": _word_set("cía etc ltda mill"),
    "fr": _word_set("cie etc"),
    "it": _word_set("ecc etc mld mln s.p.a"),
    "nl": _word_set("enz etc mld mln"),
    "pt": _word_set("cia etc ltda"),
}
#: Languages whose sentencex rules never cut before a digit ("... das Haus. 2023 war
#: ..."), though news sentences often open with a year or a count.
_DIGIT_STOP_LANGUAGES = frozenset(("da", "de", "fi", "hy", "kk", "sk"))
#: Abbreviations of five letters or more that stand before a number ("synt. 1950").
_LONG_NUMBER_ABBREVIATIONS = frozenset(("ekskl", "kuoll", "synt"))
#: A full stop, then a sentence starter or a digit: the stop ends a sentence if an
#: abbreviation that may end one, or a plain word, stands before it. Compiled once per
#: language, on first use.
_INNER_STOPS: dict[str, re.Pattern[str]] = {}
#: The token before a full stop at the end of the searched range (long enough for
#: "Bundesregierung" or "әлеуметтік-экономикалық").
_TOKEN = re.compile(r"(?<![^\s(\"'«“‘])[^\s(\"'«“‘]{1,40}\Z")


def _inner_stop(lang: str) -> re.Pattern[str]:
    pattern = _INNER_STOPS.get(lang)
    if pattern is None:
        starts = []
        if lang in _STARTERS:
            starters = "|".join(sorted(_STARTERS[lang], key=len, reverse=True))
            starts.append(rf"(?:{starters})(?![\w'’-])")
        if lang in _DIGIT_STOP_LANGUAGES:
            starts.append(r"\d")
        # The literal "." first lets the regex engine skip to full stops in C.
        pattern = re.compile(rf"\.(?=[ \t\u00a0]+(?:{'|'.join(starts)}))")
        _INNER_STOPS[lang] = pattern
    return pattern


def _is_initialism(token: str) -> bool:
    """ "E.U", "U.S.A", "UU" (of "EE. UU."): two to five capitals, dotted or not."""
    letters = token.replace(".", "")
    return 2 <= len(letters) <= 5 and letters.isalpha() and letters.isupper()


def _inner_stops(text: str, ends: list[int], lang: str, edits: _Edits) -> None:
    """Cut at full stops inside sentencex's pieces that end a sentence.

    sentencex keeps every abbreviation's full stop inside the sentence: one that may end
    a sentence does before a sentence starter ("3 pct. Det er", "& Co. Det"). Where
    sentencex does not cut before a digit, a plain word of five letters or more before
    the stop ends the sentence too ("хабарлады. 2023 жылы"). The candidate stops that
    sentencex did not cut at are found in C (a regex with a literal prefix and a set
    difference); Python looks only at those few.
    """
    finals = _FINAL_ABBREVIATIONS.get(lang, frozenset())
    cut = set(ends)
    inside = filterfalse(cut.__contains__, map(_match_end, _inner_stop(lang).finditer(text)))
    for after in inside:
        token = _TOKEN.search(text, max(0, after - 41), after - 1)
        if token is None:
            continue
        word = token.group()
        start = _NONSPACE.search(text, after).start()  # type: ignore[union-attr]
        if text[start].isdigit():
            last = word.rsplit("-", 1)[-1]  # "әлеуметтік-экономикалық"
            if len(last) >= 5 and last.isalpha() and last.lower() not in _LONG_NUMBER_ABBREVIATIONS:
                edits.split.add(start)
        elif word.lower() in finals or _is_initialism(word):
            edits.split.add(start)


#: An ellipsis of spaced dots standing free in a sentence: "the thing is . . . I didn't".
_SPACED_ELLIPSIS = " . . ."


def _spaced_ellipsis(text: str, starts: list[int], edits: _Edits) -> None:
    """A free-standing ". . ." goes on the sentence (pySBD's rule); sentencex may cut.

    After a full stop (". . . ." - the sentence ended, then the ellipsis) it does not.
    """
    at = text.find(_SPACED_ELLIPSIS)
    while at >= 0:
        end = at + len(_SPACED_ELLIPSIS)
        if (at == 0 or text[at - 1] != ".") and end < len(text) and text[end].isspace():
            after = _NONSPACE.search(text, end)
            limit = after.start() if after is not None else len(text)
            if "\n" in text[end:limit]:  # the ellipsis ends its line: the next one stays
                limit = end
            i = bisect_right(starts, at)
            while i < len(starts) and starts[i] <= limit:
                edits.merge.add(i)  # pieces on the dots, and the one after them
                i += 1
        at = text.find(_SPACED_ELLIPSIS, end)


def _initials_and_ordinals(
    text: str,
    pens: str,
    starts: list[int],
    ends: list[int],
    words: list[str],
    lang: str,
    edits: _Edits,
) -> None:
    """Full stops before a capital that end no sentence, found from ``pens``.

    ``pens`` holds the next-to-last character of each piece: the few pieces where it is
    a capital or a digit are found by C loops of ``str.isupper`` / ``str.isdigit``.

    * A single capital is an initial: "M. Martin", "sig. M. Rossi". sentencex's French
      and Italian rules cut there; pySBD never does.
    * In German and Danish, a number of one or two digits is an ordinal ("der 2.
      Weltkrieg", "dem 1. -3. Jahrhundert"), as pySBD has it; a year is not. No
      ordinal stands before an article or a pronoun: "Er wurde 3. Das war gut." ends.
    """
    last = len(words) - 1
    for i in compress(range(last), map(str.isupper, pens)):
        word = words[i]
        if (
            word[-1] == "."
            and (len(word) == 2 or word[-3] in _INITIAL_BEFORE)
            and words[i + 1][0].isupper()
            and "\n" not in text[ends[i] : starts[i + 1]]  # an initial ends no line
        ):
            edits.merge.add(i + 1)
    if lang not in _ORDINAL_LANGUAGES:
        return
    starters = _STARTERS[lang]
    for i in compress(range(last), map(str.isdigit, pens)):
        word, after = words[i], words[i + 1]
        if (
            word[-1] == "."
            and _ORDINAL.search(word, max(0, len(word) - 4))
            and after[0].isupper()
            and "\n" not in text[ends[i] : starts[i + 1]]
            and _FIRST_WORD.match(after).group() not in starters  # type: ignore[union-attr]
        ):
            edits.merge.add(i + 1)


_INITIAL_BEFORE = frozenset(" \t\n\u00a0(")
_ORDINAL_LANGUAGES = frozenset(("da", "de"))
_FIRST_WORD = re.compile(r"[\w’'-]*")
#: One or two digits and a full stop, after a space or a dash: "2.", "-3.", "–22.".
_ORDINAL = re.compile(r"(?<![^\s\-–—(])\d{1,2}\.\Z")


def _language_rules(
    text: str,
    shifted: str,
    starts: list[int],
    ends: list[int],
    words: list[str],
    lasts: str,
    lang: str,
    edits: _Edits,
) -> None:
    """Rules for languages other than English, where sentencex's rules are thinner."""
    if lang in _STARTERS or lang in _DIGIT_STOP_LANGUAGES:
        _inner_stops(text, ends, lang, edits)
    if _SPACED_ELLIPSIS in text:
        _spaced_ellipsis(text, starts, edits)
    if len(words) > 1 and "." in lasts:
        pens = "".join(itemgetter(*map(sub, ends, repeat(1)))(shifted))  # text[end - 2]
        _initials_and_ordinals(text, pens, starts, ends, words, lang, edits)
        if lang == "ar":
            _arabic_titles(text, ends, lasts, edits)


#: Arabic titles of one letter and a full stop, before a name: "د." (doctor), "أ."
#: (professor), "أ.د.", "م." (engineer), also after the preposition "لـ" ("وفقاً لـ د.
#: هالة"). "م." also marks a year of the common era ("عام 2024 م."), which may end a
#: sentence: after a number it is left alone.
_ARABIC_TITLE = re.compile(r"(?:^|[\sـ(«\"“])(أ\.د|د|أ|م)\.\Z")
_NUMBER_BEFORE = re.compile(r"[0-9٠-٩]\s*\Z")


def _arabic_titles(text: str, ends: list[int], lasts: str, edits: _Edits) -> None:
    for i, last in enumerate(lasts[:-1], start=1):  # lasts[i - 1] ends piece i - 1
        if last != ".":
            continue
        end = ends[i - 1]
        title = _ARABIC_TITLE.search(text, max(0, end - 6), end)
        if title is None:
            continue
        if title.group(1) == "م" and _NUMBER_BEFORE.search(text, max(0, end - 12), title.start(1)):
            continue
        edits.merge.add(i)


# --- rules: English news copy --------------------------------------------------------------


def _after_stop(words: Iterable[str], before: str = r"\b") -> str:
    """Lookbehinds for "word." in ``words``: one per word length (they must be fixed-width).

    ``before`` is what stands before the word: a word boundary, or a digit for a unit.
    """
    by_length: dict[int, list[str]] = {}
    for word in sorted(words):
        by_length.setdefault(len(word), []).append(re.escape(word))
    return "|".join(
        rf"(?<={before}(?:{'|'.join(group)})\.)" for _, group in sorted(by_length.items())
    )


def _alternatives(words: Iterable[str]) -> str:
    """``words`` as a regex alternation, longest first ("About" before "A")."""
    return "|".join(sorted(words, key=lambda word: (-len(word), word)))


#: Words that start a sentence but hardly ever follow "U.S." or "Inc." inside one. Nouns
#: are left out on purpose: "the U.S. Army", "Apple Inc. Chief Executive Tim Cook".
_EN_STARTERS = _word_set(
    "A About After All Also Although An And Another As At Because Before Both But By Each"
    " Either Even Every Few For From He Her Here His How However I If In It Its Last Later"
    " Many Meanwhile Millions More Most Much Neither No None Not Now On One Only Our She"
    " Since So Some Still Such That The Their Then There These They This Those Thousands"
    " Today Under Until We What When Where While Who Why With Yet You Your"
)
#: Abbreviations that end a sentence before a sentence starter: company suffixes, "Jr.",
#: and the AP's abbreviations of US states, which end datelines and sentences alike ("near
#: Tampa, Fla. A curfew ..."); dotted initialisms ("U.S.", "D.C.", "N.Y.") go the same way.
_EN_FINAL = _word_set(
    "Bros Co Corp Inc Jr LLC Ltd Plc Sr Ala Ariz Ark Calif Colo Conn Del Fla Ga Ill Ind Kan"
    " Ky La Md Mass Mich Minn Miss Mo Mont Neb Nev Okla Ore Pa Tenn Tex Va Vt Wash Wis Wyo"
)
#: Tokens whose full stop ends a sentence before any capital: "etc.", "No." when no number
#: follows ("A: No. I have a job to do"), and everyday words that sentencex, ignoring case,
#: reads as abbreviations (Maine's "Me.", Illinois' "Ill.", "Art.", "Op.", "Rep.", ...):
#: "he never told me. Police ...", "three passengers fell ill. Paramedics ...".
_EN_ENDING = _word_set("OK No art etc exec ill me miss no ok op ore rep")
#: Units after a number end a sentence before any capital too: "in 9.58 sec. Nobody ...",
#: "he is 5ft 10in. Police ...".
_EN_UNITS = _word_set("ft hr hrs in lb lbs min mins oz sec secs yd yds")
#: What follows "a.m." or "p.m." in the same sentence (AP style): "10 a.m. Tuesday",
#: "8 p.m. Nov. 5", "9 p.m. ET". sentencex cuts before every capital after them.
_TIME_FOLLOWERS = _word_set(
    "Monday Tuesday Wednesday Thursday Friday Saturday Sunday Mon Tue Tues Wed Thu Thurs Fri"
    " Sat Sun January February March April May June July August September October November"
    " December Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec Eastern Central Mountain"
    " Pacific Greenwich ET EST EDT CT CST CDT MT MST MDT PT PST PDT GMT BST UTC CET CEST"
)
#: Between the full stop and the next word: spaces, maybe after a closing quote.
_STOP_GAP = r"[”\"’']?[ \t\u00a0]+"
_STARTER = rf"(?:{_alternatives(_EN_STARTERS)})(?![\w.&-])"
_AFTER_ENDING = "|".join(
    (_after_stop(_EN_ENDING), _after_stop(_EN_UNITS, r"\d"), _after_stop(_EN_UNITS, r"\d "))
)
_EN_STOP = re.compile(
    # The literal "." first lets the regex engine skip to full stops in C; the lookbehinds
    # are tried only where a space and a capital follow, and not after a word of five
    # lower-case letters or more (most sentences end so, and no token here does).
    rf"\.(?={_STOP_GAP}[A-Z])(?<![a-z]{{5}}\.)(?:"
    rf"(?:(?<=[A-Z]\.[A-Z]\.)|{_after_stop(_EN_FINAL)})(?={_STOP_GAP}{_STARTER})"
    rf"|(?:{_AFTER_ENDING})(?={_STOP_GAP}(?![IVXLC]{{2,}}\b)[A-Z])"
    rf"|(?<=\b[ap]\.m\.)(?={_STOP_GAP}(?:{_alternatives(_TIME_FOLLOWERS)})\b)"
    r")"
)
_STOP_TAIL = re.compile(_STOP_GAP)


def _english_stops(text: str, starts: list[int], edits: _Edits) -> None:
    """Full stops after abbreviations, where sentencex's English rules go wrong.

    sentencex ends a sentence after an abbreviation only before a few starters ("The",
    "It", ...): "in the U.S. Millions of ...", "Kier Construction Ltd. A spokesman ..." and
    "grants for rent, heating, etc. Applications ..." run on, and so do everyday words it
    takes for abbreviations. After "a.m." and "p.m." it cuts before any capital, also in
    "at 10 a.m. Tuesday". One regex over the text finds these stops (in C); Python runs
    only for the few it matches. Inside a quotation no cut is added: sentencex keeps a
    quotation whole ("“My son meant everything to me. He was my best friend,” she said").
    """
    quotes = _Quotes()
    for match in _EN_STOP.finditer(text):
        stop = match.end()
        after = _STOP_TAIL.match(text, stop).end()  # type: ignore[union-attr]
        if text[stop - 3] == "." and text[stop - 2] == "m":
            edits.joins.add(after)  # "a.m. Tuesday": no span starts at "Tuesday"
        else:
            # After a closing quote ('told me.” Police'), the quotation has to end there.
            end = stop + 1 if text[stop] in _CLOSE_QUOTES else stop
            if not quotes.open_at(text, starts, end):
                edits.split.add(after)


_SINGLE_CLOSE = re.compile(r"’(?!\w)")


class _Quotes:
    """Whether a quotation is open at a point of a piece, read once left to right.

    The points come in order; each piece's text is counted only up to the last point
    asked about in it, so many points in one long piece cost no more than the piece.
    """

    __slots__ = ("curly", "piece", "seen", "single", "straight")

    def __init__(self) -> None:
        self.piece = -1
        self.seen = 0  # counted up to here
        self.curly = 0  # “ minus ”
        self.straight = 0  # how many '"'
        self.single = False  # a ‘ with no closing ’ after it

    def open_at(self, text: str, starts: list[int], at: int) -> bool:
        piece = bisect_right(starts, at) - 1
        if piece != self.piece:
            self.piece, self.seen = piece, starts[piece] if piece >= 0 else 0
            self.curly = self.straight = 0
            self.single = False
        part = text[self.seen : at]
        self.seen = at
        self.curly += part.count("“") - part.count("”")
        self.straight += part.count('"')
        # "’" is an apostrophe too: only one before no letter closes a quotation.
        opening = part.rfind("‘")
        if opening >= 0:
            self.single = _SINGLE_CLOSE.search(part, opening) is None
        elif self.single and _SINGLE_CLOSE.search(part):
            self.single = False
        return self.curly > 0 or self.straight % 2 == 1 or self.single


# --- assembling the spans ------------------------------------------------------------------

_tuple_new = tuple.__new__


def _make_spans(starts: list[int], ends: list[int], kinds: list[str] | None) -> list[Span]:
    """Build the spans in one C loop.

    ``Span(...)`` runs Python code per span; ``tuple.__new__`` on the zipped fields is
    the same result at a fraction of the cost (a tenth of segment()'s own time).
    """
    fields = zip(starts, ends, kinds or repeat("sentence"), strict=False)  # repeat: endless
    return list(map(_tuple_new, repeat(Span), fields))


def _apply(text: str, starts: list[int], lens: list[int], edits: _Edits) -> set[int]:
    """Apply merges and splits in place; return the indices of changed spans."""
    split = edits.split
    for at in edits.joins:  # a span that starts here belongs to the one before
        i = bisect_left(starts, at)
        if i < len(starts) and starts[i] == at:
            edits.merge.add(i)
    # Added cuts win over dropped ones.
    merge = {i for i in edits.merge if 0 < i < len(starts) and starts[i] not in split}
    touched: dict[int, list[int]] = {}
    for i in merge:
        touched.setdefault(i - 1, [])
        touched.setdefault(i, [])
    for at in split:
        i = bisect_right(starts, at) - 1
        if i >= 0 and starts[i] < at < starts[i] + lens[i]:
            touched.setdefault(i, []).append(at)
    if not touched:
        return set()
    order = sorted(touched)
    out_s: list[int] = []
    out_l: list[int] = []
    changed: set[int] = set()
    done = 0
    k = 0
    while k < len(order):
        lo = hi = order[k]
        while k + 1 < len(order) and order[k + 1] == hi + 1:
            k += 1
            hi = order[k]
        k += 1
        while hi + 1 < len(starts) and hi + 1 in merge:  # chains of merges
            hi += 1
        cuts = {starts[j] for j in range(lo + 1, hi + 1) if j not in merge}
        for j in range(lo, hi + 1):
            cuts.update(touched.get(j, ()))
        out_s += starts[done:lo]
        out_l += lens[done:lo]
        edges = [starts[lo], *sorted(c for c in cuts if starts[lo] < c), starts[hi] + lens[hi]]
        for a, b in pairwise(edges):
            piece = text[a:b]
            body = piece.strip()
            if body:
                changed.add(len(out_s))
                out_s.append(a + len(piece) - len(piece.lstrip()))
                out_l.append(len(body))
        done = hi + 1
        while k < len(order) and order[k] < done:
            k += 1
    out_s += starts[done:]
    out_l += lens[done:]
    starts[:] = out_s
    lens[:] = out_l
    return changed


def _starts_line(text: str, starts: list[int], ends: list[int], i: int) -> bool:
    if not i:
        return True
    gap = text[ends[i - 1] : starts[i]]
    return "\n" in gap or "\r" in gap


def _classify(text: str, starts: list[int], ends: list[int], kinds: list[str], i: int) -> int:
    """Give span ``i`` its kind; return the first span of a caption line to join, or ``i``."""
    unit = text[starts[i] : ends[i]]
    if i + 1 < len(starts):
        gap = text[ends[i] : starts[i + 1]]
        if "\n" not in gap and "\r" not in gap:
            # Not the end of a line: only a list item can start here.
            if (
                unit[0] in _BULLET_FIRST
                and _starts_line(text, starts, ends, i)
                and _BULLET.match(unit)
            ):
                kinds[i] = "list_item"
            return i
    gap = text[ends[i - 1] : starts[i]] if i else "\n"
    if "\n" in gap or "\r" in gap:  # a line of its own
        kinds[i] = _classify_line(unit) or kinds[i]
    elif len(unit) <= _CAPTION_LINE and _is_credit(unit):
        # "Rishi Sunak in London. Photo: Reuters": the whole line is the caption.
        first = i
        while first and not _starts_line(text, starts, ends, first):
            first -= 1
        if ends[i] - starts[first] <= _CAPTION_LINE:
            kinds[i] = "caption"
            return first
    return i


def _signatures(text: str, shifted: str, starts: list[int], words: list[str]) -> tuple[str, str]:
    """The first character of each piece and the character before it.

    Read with ``itemgetter`` in one C call each (``shifted`` is the text one character
    later). A blank first character means the piece starts with the space after the
    previous sentence: its start moves to the first non-space, in place.
    """
    at_starts = itemgetter(*starts) if len(starts) > 1 else lambda s: (s[starts[0]],)
    firsts = "".join(at_starts(text))
    befores = "".join(at_starts(shifted))
    if _SPACE.search(firsts):
        first_list, before_list = list(firsts), list(befores)
        for blank in _SPACE.finditer(firsts):
            i = blank.start()
            starts[i] = _NONSPACE.search(text, starts[i]).start()  # type: ignore[union-attr]
            first_list[i], before_list[i] = words[i][0], " "
        firsts, befores = "".join(first_list), "".join(before_list)
    return firsts, befores


def segment(text: str, language: str = "en") -> list[Span]:
    """Split ``text`` into ordered, non-overlapping spans covering all non-space text."""
    if not text or text.isspace():
        return []
    lang = _base_language(language)
    starts, words = _contents(text, language)
    shifted = " " + text  # shifted[i] is text[i - 1]
    firsts, befores = _signatures(text, shifted, starts, words)
    lens = list(map(len, words))
    ends = list(map(add, starts, lens))
    lasts = "".join(itemgetter(*ends)(shifted)) if len(ends) > 1 else words[0][-1]

    edits = _Edits()
    _boundary_rules(text, starts, lens, words, (firsts, befores, lasts), edits, lang)
    if lang != "en":  # sentencex's English rules already do what these do
        _language_rules(text, shifted, starts, ends, words, lasts, lang, edits)
    else:
        _english_stops(text, starts, edits)
        _quote_attributions(text, starts, lens, words, edits)
    marks: list[_ITEM] = []
    if ")" in text:
        _paren_rules(text, edits, marks)
    if edits.regions:
        _dot_marks(text, edits, marks)
    if marks:
        _inline_lists(text, marks, edits)
    _rare_characters(text, firsts, edits)

    candidate_starts = [starts[i] for i in edits.candidates]
    changed = _apply(text, starts, lens, edits)
    if changed:
        ends = list(map(add, starts, lens))
    if not candidate_starts and not changed and not edits.items:
        return _make_spans(starts, ends, None)

    kinds = ["sentence"] * len(starts)
    todo = set(changed)
    if not changed:
        todo = edits.candidates
    else:  # the spans moved: find the candidates again by their offsets
        for at in candidate_starts:
            i = bisect_left(starts, at)
            if i < len(starts) and starts[i] == at:
                todo.add(i)
    for at in edits.items:
        i = bisect_left(starts, at)
        if i < len(starts) and starts[i] == at:
            kinds[i] = "list_item"
            todo.discard(i)
    joins = []
    for i in sorted(todo):
        first = _classify(text, starts, ends, kinds, i)
        if first != i:
            joins.append((first, i))
    for first, last in reversed(joins):  # join caption lines, from the back
        ends[first] = ends[last]
        kinds[first] = kinds[last]
        del starts[first + 1 : last + 1], ends[first + 1 : last + 1], kinds[first + 1 : last + 1]
    return _make_spans(starts, ends, kinds)
