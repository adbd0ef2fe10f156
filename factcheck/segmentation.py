"""Cut an article body into claim-sized spans with exact offsets.

Pure Python: no Flask, no database. Offsets are Python string indices (code
points), so ``text[span.start:span.end]`` is always the segment.

Approach
--------
1. ``sentencex`` cuts the whole text in one call. Its pieces concatenate back
   to the input, so every cut is an exact offset and the library's own
   abbreviation, number and quotation handling stays the base.
2. A small set of rules then *edits the cuts* instead of re-segmenting:

   * merges drop a sentencex cut that sits inside a sentence (the next piece
     starts in lower case, with a dash, or with no space at all; a bare list
     marker such as ``Q.`` or ``1.``; ``e.g.``; a parenthetical remark after a
     closing quote);
   * splits add cuts sentencex misses (single line breaks, inline numbered
     or lettered lists, "U.S." before a common sentence starter, footnote
     numbers glued to a full stop, interrupted speech ``--"``, ellipses
     before a capital letter, a parenthetical sentence before a new one).

   Added cuts win over dropped ones.
3. Stand-alone lines are classified: headings, photo captions (credit line),
   bylines and list items get their own ``kind``.

Speed matters: an article of several hundred kilobytes is segmented in one
call, so the rules look only at sentencex's piece boundaries (joined with a
marker character) or scan the text with regexes that start with a literal
character, which ``re`` finds with a fast search; all per-piece work is done
by ``map`` over C functions, and Python code runs only at the few places a rule
may fire.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from itertools import accumulate, compress, repeat
from operator import add, le, sub

import sentencex

KINDS = ("sentence", "heading", "caption", "byline", "list_item")


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int
    kind: str = "sentence"


# --- line classification -------------------------------------------------------------

_BULLET = re.compile(r"^\s*(?:[-*•▪◦–—⁃]\s*|\d{1,3}[.)]\)?\s+|\(\w{1,4}\)\s+)")
_TERMINAL = re.compile(r"[.!?…:;．。！？][\"'”’»)\]]*\s*$")
#: Photo credits: "- Yui Mok/PA Wire", "Photo: Reuters", "(Getty Images)".
_CREDIT = re.compile(
    r"(?:\s[-–—|]\s*[^-–—|]{2,60}/[^/]{2,40}$)"
    r"|(?:\b(?:Photo(?:graph)?|Picture|Image|Credit)s?\s*:)"
    r"|(?:\b(?:Getty Images|Reuters|AFP|AP Photo|PA Wire|Shutterstock|Bloomberg|EPA)\)?\s*$)",
    re.IGNORECASE,
)
_BYLINE = re.compile(r"^(?:By|Von|Par|Por)\s+[A-ZÀ-ÖØ-Þ]")
_SHORT_LINE = 160
_CAPTION_LINE = 400

#: Suffixes that end a sentence, bare or before closing quotes and brackets. The
#: common ones come first: ``str.endswith`` tries them in order.
_ENDS = ".?!…:;．。！？"
_CLOSERS = "\"'”’»)]"
_TERMINAL_SUFFIXES = tuple(_ENDS) + tuple(e + c for c in _CLOSERS for e in _ENDS)
#: First characters of a line that may be a bullet or list number.
_BULLET_STARTS = tuple("-*•▪◦–—⁃(0123456789")


def _classify_line(line: str) -> str | None:
    """Return the kind of a stand-alone line, or None if it is running prose."""
    if _BULLET.match(line):
        return "list_item"
    if len(line) <= _CAPTION_LINE and _CREDIT.search(line):
        return "caption"
    if len(line) <= _SHORT_LINE and not _TERMINAL.search(line):
        return "byline" if _BYLINE.match(line) else "heading"
    return None


# --- merges: sentencex cuts that fall inside a sentence ---------------------------------

#: Candidate boundaries in the marked text (pieces joined with a marker). Only a
#: few boundaries match; each one is then checked in Python by ``_should_merge``.
_MERGE_CANDIDATE = (
    r"{m}(?:"
    r"(?<=\S{m})(?=[^\s{m}])"  # no space between the pieces: "Yahoo! and Y!|J."
    r"|[ \t]*(?=[^\sA-Z0-9\"“‘'«{m}])"  # next piece starts in lower case, with a dash or "("
    r"|(?<=e\.g\.\s{m})|(?<=i\.e\.\s{m})|(?<=e\.g\.{m})|(?<=i\.e\.{m})"  # never end a sentence
    r"|(?P<bare>(?=\s*[•⁃◦▪]?\(?(?:\d{{1,3}}|[A-Za-z])[.)]\)?\s*{m}))"  # bare marker: "Q."
    r")"
)
#: A piece that is nothing but a list or question marker: "1.", "a)", "Q.", "⁃9.", "(b)".
_BARE_MARKER = re.compile(r"[•⁃◦▪]?\(?(?:\d{1,3}|[A-Za-z])[.)]\)?")
#: A parenthetical remark that makes up the whole piece: "(Which was very likely true.)".
_PAREN_PIECE = re.compile(r"\([^()]*\)")
_OPEN_QUOTES = "\"“‘'«"
_CLOSE_QUOTES = "\"”’'»"
#: Terminators of scripts that do not put a space after them.
_SPACELESS_ENDS = ("．", "。", "！", "？")
_DASH_STARTS = ("--", "—", "–")
_MARKERS = "\x1e\x1f\ue000\ue001\ue002\ue003"


def _should_merge(pieces: list[str], k: int) -> bool:
    """Whether the cut between ``pieces[k - 1]`` and ``pieces[k]`` is inside a sentence.

    sentencex puts the whitespace between two sentences at the end of one piece or at
    the start of the next, so both sides are stripped first.
    """
    prev, nxt = pieces[k - 1], pieces[k]
    head, tail = prev.rstrip(), nxt.lstrip()
    if not head or not tail:
        return False  # a whitespace-only piece is a paragraph break
    if len(head) == len(prev) and len(tail) == len(nxt):
        # sentencex cut inside a token ("!Xũ", "Y!J.", "information.As").
        return not head.endswith(_SPACELESS_ENDS)
    if head.endswith(("e.g.", "i.e.")):
        return True
    if _BARE_MARKER.fullmatch(head.lstrip()) and (
        k == 1 or prev[0].isspace() or pieces[k - 2][-1].isspace()
    ):
        return True  # "Q. What is his name?" / "1. The first item"
    first = tail[0]
    if first.islower():
        # "Leave me alone! he yelled." - but "iPhone" may start a sentence.
        return not (len(tail) > 1 and tail[1].isupper())
    if tail.startswith(_DASH_STARTS):
        return True  # "-- voila! -- you have cake."
    if first == "(" and head[-1] in _CLOSE_QUOTES and _PAREN_PIECE.fullmatch(tail.rstrip()):
        # "'... off the top of the house!' (Which was very likely true.)": the remark
        # belongs to the quotation unless another quotation follows it.
        after = pieces[k + 1].lstrip() if k + 1 < len(pieces) else ""
        return not after or after[0] not in _OPEN_QUOTES
    return False


def _merges(pieces: list[str], ends: list[int], text: str) -> set[int]:
    """Offsets of sentencex cuts to drop."""
    marker = next((m for m in _MARKERS if m not in text), None)
    if marker is None or len(pieces) < 2:
        return set()
    marked = marker + marker.join(pieces)
    candidates = re.compile(_MERGE_CANDIDATE.format(m=re.escape(marker)))
    # Marker k sits at ends[k - 1] + k in ``marked``: it is the cut before piece k.
    positions = range(len(pieces))
    drop: set[int] = set()
    for match in candidates.finditer(marked):
        k = bisect_left(positions, match.start(), key=lambda j: (ends[j - 1] if j else 0) + j)
        if match.lastgroup == "bare":
            k += 1  # the cut after the marker piece
        if 0 < k < len(pieces) and _should_merge(pieces, k):
            drop.add(ends[k - 1])
    return drop


# --- splits: boundaries sentencex misses -------------------------------------------------

#: A line break that is not part of a blank line, with the start of the next line.
_LINE_START = re.compile(r"\n(?<!\n\n)(?<!\n\r\n)[ \t\f\v]*(?=[^\s])")
_CR_LINE_START = re.compile(r"\r(?!\n)[ \t\f\v]*(?=[^\s])")
_BLANK_LINE = re.compile(r"\n[ \t\f\v\r]*\n")

#: Words that start sentences far more often than they continue a name, so a cut
#: after "U.S." or "i.v." before them is safe: "... of the U.S. Millions attended".
_STARTERS = (
    "A|After|An|And|As|At|But|He|Her|His|How|However|Hundreds|I|If|In|It|Its|Many|"
    "Meanwhile|Millions|Most|My|On|Our|She|So|Some|That|The|Their|Then|There|These|They|"
    "This|Those|Thousands|We|What|When|Where|While|Who|Why|You"
)
#: Every rule that starts at a full stop, in one scan (``re`` jumps from "." to ".").
_DOT_RULES = re.compile(
    r"\.(?:"
    # "1. The first item", "a. here it is", "⁃10. Hello", "1.) The first item"
    r"(?P<mark>(?:(?<=[0-9a-z]\.)(?<![^\s•⁃◦▪(]..)|(?<=\d\d\.)(?<![^\s•⁃◦▪(]...))"
    r"\)?[ \t]+(?=\S))"
    # "the U.S. Millions attended": multi-period abbreviation, then a sentence starter
    rf"|(?<=[A-Za-z]\.[A-Za-z]\.)(?<!e\.g\.)(?<!i\.e\.)(?P<abbr>[ \t]+)(?=(?:{_STARTERS})\b)"
    # "consultation.11 12 Take the example": footnote numbers after the full stop
    r"|(?<=[a-z)]\.)(?P<note>\d{1,3}(?:[ \t]\d{1,3})*[ \t]+)(?=[A-Z])"
    # "that.... She left", "reste ... Logiquement": an ellipsis before a capital
    r"|(?P<dots>\.\.[ \t]+)(?=[A-Z])"
    # "compounds. . . . The practice": the sentence ends at the first full stop and
    # the spaced ellipsis opens the next one.
    r"|(?<=\w\.)(?P<lead>(?:[ \t]\.){3})(?=[ \t]+[A-Z])"
    r")"
)
#: "1) The first item", "(b) Hello world.", "x) hello": a letter or number before ")".
_PAREN_MARK = re.compile(r"(?:(?<=\s)|^)\(?(\d{1,2}|[A-Za-z])\.?\)[ \t]+(?=\S)")
#: "(Dinah was the cat.) \"I hope ...\"": a parenthetical sentence before a new one.
_PAREN_END = re.compile(r"(?<=\w\w[.!?])\)[ \t]+(?=[\"“‘A-Z])")
#: Interrupted speech: "... afore she comes, to--\" At this moment".
_DASH_QUOTE = re.compile(r"(?:--|—)[\"”][ \t]+(?=[A-Z\"“])")
_ELLIPSIS = re.compile(r"…[ \t]+(?=[A-Z])")
#: Bullets written inline: "• 9. The first item • 10. The second item".
_INLINE_BULLET = re.compile(r"(?<!\S)[•⁃◦▪][ \t]*(?:\d{1,3}[.)]\)?[ \t]+)?(?=\S)")
_BULLET_CHARS = "•⁃◦▪"
#: Items of one inline list sit close together.
_LIST_GAP = 500


class _Edits:
    """Cuts to add and to drop, and the starts of inline list items."""

    __slots__ = ("add", "drop", "items")

    def __init__(self) -> None:
        self.add: set[int] = set()
        self.drop: set[int] = set()
        self.items: set[int] = set()


def _line_breaks(text: str, edits: _Edits) -> None:
    """A single line break ends a sentence, unless it only wraps running prose."""
    if "\n" not in text and "\r" not in text:
        return
    para_end, wrapped = -1, False
    matches = list(_LINE_START.finditer(text))
    if "\r" in text:
        matches += _CR_LINE_START.finditer(text)
        matches.sort(key=lambda m: m.end())
    for match in matches:
        at = match.end()
        if text[at].islower():
            # Lower case after a line break is a wrapped line, unless the paragraph
            # is a list of short lines ("... at no cost\nyou may copy it").
            if at > para_end:
                blank = _BLANK_LINE.search(text, at)
                para_end = blank.start() if blank else len(text)
                wrapped = bool(_TERMINAL.search(text, max(at, para_end - 8), para_end))
            if wrapped:
                continue
        edits.add.add(at)


def _list_value(label: str) -> int:
    return int(label) if label.isdigit() else ord(label.lower()) - ord("a") + 1


def _inline_lists(text: str, found: list[tuple[int, int, str, int, int]], edits: _Edits) -> None:
    """Keep list markers that form a numbered run: ``1.`` then ``2.``, ``a)`` then ``b)``.

    ``found`` holds (start, end, style, value, content start) for each candidate.
    """
    by_style: dict[str, list[tuple[int, int, str, int, int]]] = {}
    for mark in sorted(found):
        by_style.setdefault(mark[2], []).append(mark)
    for style, marks in by_style.items():
        runs: list[list[tuple[int, int, str, int, int]]] = []
        for mark in marks:
            last = runs[-1][-1] if runs else None
            if last and mark[3] == last[3] + 1 and mark[0] - last[1] <= _LIST_GAP:
                runs[-1].append(mark)
            else:
                runs.append([mark])
        for run in runs:
            # A bare "N." list must start at 1 or "a": "in 2. The" ends a sentence.
            if len(run) < 2 or (style.endswith(".") and run[0][3] != 1):
                continue
            for start, _end, _style, _value, content in run:
                # "• 9. The first item": the cut goes before the bullet.
                before = text[max(0, start - 3) : start].rstrip(" \t")
                if before[-1:] in _BULLET_CHARS:
                    start -= len(text[:start]) - len(text[:start].rstrip(" \t")) + 1
                edits.add.add(start)
                edits.items.add(start)
                edits.drop.add(content)


def _splits(text: str, edits: _Edits) -> None:
    """Collect cuts that sentencex does not make."""
    _line_breaks(text, edits)
    markers: list[tuple[int, int, str, int, int]] = []
    for match in _DOT_RULES.finditer(text):
        group = match.lastgroup
        if group == "mark":
            dot = match.start()
            label = text[max(0, dot - 2) : dot].lstrip(" \t\n\r\f\v•⁃◦▪(")
            style = "d." if label.isdigit() else "a."
            if text[dot + 1] == ")":
                style += ")"
            nxt = text[match.end()]
            if label.isdigit() and not (nxt.isupper() or nxt.isdigit()):
                continue  # "as payment for 1. above" is not a list
            markers.append((dot - len(label), match.end(), style, _list_value(label), match.end()))
        elif group == "lead":
            edits.add.add(match.start() + 1)
            edits.drop.add(match.end() + 1)
        else:
            edits.add.add(match.end())
    if ")" in text:
        for match in _PAREN_MARK.finditer(text):
            label = match.group(1)
            style = ("(" if match.group().startswith("(") else "") + (
                "d)" if label.isdigit() else "a)"
            )
            markers.append((match.start(), match.end(), style, _list_value(label), match.end()))
        edits.add.update(m.end() for m in _PAREN_END.finditer(text))
    if markers:
        _inline_lists(text, markers, edits)
    if '"' in text or "”" in text:
        edits.add.update(m.end() for m in _DASH_QUOTE.finditer(text))
    if "…" in text:
        edits.add.update(m.end() for m in _ELLIPSIS.finditer(text))
    if any(b in text for b in _BULLET_CHARS):
        found = list(_INLINE_BULLET.finditer(text))
        if len(found) > 1:
            for match in found:  # cut before the bullet, not after its number
                edits.add.add(match.start())
                edits.items.add(match.start())
                edits.drop.add(match.end())


# --- assembling the spans --------------------------------------------------------------


def _base_pieces(text: str, language: str) -> list[str]:
    """sentencex's sentences, guaranteed to concatenate back to ``text``."""
    try:
        pieces = list(filter(None, sentencex.segment(language, text)))
    except Exception:  # a segmentation library must never take the page down
        return [text]
    if sum(map(len, pieces)) == len(text) and "".join(pieces) == text:
        return pieces
    # The library altered the text: map its sentences back by searching.
    out: list[str] = []
    cursor = 0
    for sentence in pieces:
        found = text.find(sentence.strip(), cursor) if sentence.strip() else -1
        if found < 0:
            continue
        end = found + len(sentence.strip())
        if end > cursor:
            out.append(text[cursor:end])
            cursor = end
    if cursor < len(text):
        out.append(text[cursor:])
    return out


_new = object.__new__
_set_start = Span.start.__set__  # type: ignore[attr-defined]
_set_end = Span.end.__set__  # type: ignore[attr-defined]
_set_kind = Span.kind.__set__  # type: ignore[attr-defined]


def _make_spans(starts: list[int], ends: list[int], kinds: list[str]) -> list[Span]:
    """Build frozen spans without the dataclass ``__init__`` (a third of the run time)."""
    spans: list[Span] = []
    append = spans.append
    for start, end, kind in zip(starts, ends, kinds, strict=True):
        span = _new(Span)
        _set_start(span, start)
        _set_end(span, end)
        _set_kind(span, kind)
        append(span)
    return spans


def _at_line_start(text: str, starts: list[int], ends: list[int], i: int) -> bool:
    gap = text[ends[i - 1] : starts[i]] if i else text[: starts[i]]
    return not i or "\n" in gap or "\r" in gap


def _at_line_end(text: str, starts: list[int], ends: list[int], i: int) -> bool:
    gap = text[ends[i] : starts[i + 1]] if i + 1 < len(starts) else ""
    return i + 1 == len(starts) or "\n" in gap or "\r" in gap


def _classify(text: str, starts: list[int], ends: list[int], kinds: list[str], i: int) -> int:
    """Give unit ``i`` its kind if it is a heading, caption, byline or list item.

    Returns the index of the first unit of a caption line whose earlier units must be
    joined to unit ``i`` ("Rishi Sunak in London. Photo: Reuters"), else ``i``.
    """
    unit = text[starts[i] : ends[i]]
    line_start = _at_line_start(text, starts, ends, i)
    if line_start and _BULLET.match(unit):
        kinds[i] = "list_item"
    elif not _at_line_end(text, starts, ends, i):
        pass
    elif line_start:
        kinds[i] = _classify_line(unit) or kinds[i]
    elif len(unit) <= _CAPTION_LINE and _CREDIT.search(unit):
        first = i
        while first and not _at_line_start(text, starts, ends, first):
            first -= 1
        if ends[i] - starts[first] <= _CAPTION_LINE:
            kinds[i] = "caption"
            return first
    return i


def segment(text: str, language: str = "en") -> list[Span]:
    """Split ``text`` into ordered, non-overlapping spans covering all non-space text."""
    if not text or text.isspace():
        return []
    pieces = _base_pieces(text, language)
    ends = list(accumulate(map(len, pieces)))

    edits = _Edits()
    edits.drop = _merges(pieces, ends, text)
    _splits(text, edits)
    if edits.add or edits.drop:
        cuts = sorted({c for c in (set(ends) - edits.drop) | edits.add if 0 < c < len(text)})
        cuts.append(len(text))
        pieces = list(map(text.__getitem__, map(slice, [0, *cuts[:-1]], cuts)))
        ends = cuts

    # Trim each piece to its content; whitespace-only pieces (paragraph breaks) go.
    rstripped = list(map(str.rstrip, pieces))
    content = list(map(str.lstrip, rstripped))
    all_ends = list(map(add, [0, *ends[:-1]], map(len, rstripped)))
    starts = list(compress(map(sub, all_ends, map(len, content)), content))
    ends = list(compress(all_ends, content))
    content = list(filter(None, content))
    kinds = ["sentence"] * len(content)
    if edits.items:
        for n in compress(range(len(starts)), map(edits.items.__contains__, starts)):
            kinds[n] = "list_item"

    # Units that may not be sentences: no closing punctuation, or a bullet in front.
    flags = list(
        map(
            le,
            map(str.endswith, content, repeat(_TERMINAL_SUFFIXES)),
            map(str.startswith, content, repeat(_BULLET_STARTS)),
        )
    )
    joins: list[tuple[int, int]] = []
    i = -1
    while True:
        try:
            i = flags.index(True, i + 1)
        except ValueError:
            break
        first = _classify(text, starts, ends, kinds, i)
        if first != i:
            joins.append((first, i))
    for first, last in reversed(joins):  # join caption lines, from the back
        ends[first] = ends[last]
        kinds[first] = kinds[last]
        del starts[first + 1 : last + 1], ends[first + 1 : last + 1], kinds[first + 1 : last + 1]
    return _make_spans(starts, ends, kinds)
