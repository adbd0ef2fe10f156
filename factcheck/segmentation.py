"""Cut an article body into claim-sized spans with exact offsets.

Pure Python: no Flask, no database. Offsets are Python string indices (code
points), so ``text[span.start:span.end]`` is always the segment.

Blocks (paragraphs separated by blank lines) are classified first: short lines
without closing punctuation are headings, photo captions, bylines or list
items; everything else is cut into sentences by ``sentencex``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import sentencex

KINDS = ("sentence", "heading", "caption", "byline", "list_item")

#: A block is a run of text between blank lines.
_BLOCK = re.compile(r"\S(?:.*?\S)?(?=\s*?(?:\n[ \t\r\f\v]*\n|\Z))", re.DOTALL)
_LINE = re.compile(r"[^\n]*\S[^\n]*")
_BULLET = re.compile(r"^\s*(?:[-*•▪◦–—]\s+|\d{1,3}[.)]\s+|\(\w\)\s+)")
_TERMINAL = re.compile(r"[.!?…:;][\"'”’»)\]]*\s*$")
#: Photo credits: "- Yui Mok/PA Wire", "Photo: Reuters", "(Getty Images)".
_CREDIT = re.compile(
    r"(?:\s[-–—|]\s*[^-–—|]{2,60}/[^/]{2,40}$)"
    r"|(?:\b(?:Photo(?:graph)?|Picture|Image|Credit)s?\s*:)"
    r"|(?:\b(?:Getty Images|Reuters|AFP|AP Photo|PA Wire|Shutterstock|Bloomberg|EPA)\)?\s*$)",
    re.IGNORECASE,
)
_BYLINE = re.compile(r"^(?:By|Von|Par|Por)\s+\p{Lu}".replace(r"\p{Lu}", "[A-ZÀ-ÖØ-Þ]"))
_SHORT_LINE = 160


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int
    kind: str = "sentence"


def _classify_line(line: str) -> str | None:
    """Return the kind of a stand-alone line, or None if it is running prose."""
    if _BULLET.match(line):
        return "list_item"
    if _CREDIT.search(line):
        return "caption"
    if len(line) <= _SHORT_LINE and _BYLINE.match(line) and not _TERMINAL.search(line):
        return "byline"
    if len(line) <= _SHORT_LINE and not _TERMINAL.search(line):
        return "heading"
    return None


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _sentences(text: str, start: int, end: int, language: str) -> Iterator[Span]:
    """Sentences of ``text[start:end]`` with offsets into ``text``."""
    chunk = text[start:end]
    cursor = 0
    for sentence in sentencex.segment(language, chunk):
        found = chunk.find(sentence, cursor) if sentence else -1
        if found < 0:  # the library altered the text; fall back to its length
            found = cursor
        s, e = _trimmed(chunk, found, found + len(sentence))
        cursor = max(cursor, found + len(sentence))
        if s < e:
            yield Span(start + s, start + e, "sentence")
    if cursor < len(chunk):
        s, e = _trimmed(chunk, cursor, len(chunk))
        if s < e:
            yield Span(start + s, start + e, "sentence")


def segment(text: str, language: str = "en") -> list[Span]:
    """Split ``text`` into ordered, non-overlapping spans covering all non-space text."""
    spans: list[Span] = []
    for block in _BLOCK.finditer(text):
        lines = [m for m in _LINE.finditer(block.group())]
        kinds = [_classify_line(m.group().strip()) for m in lines]
        if all(kind is not None for kind in kinds):
            for match, kind in zip(lines, kinds, strict=True):
                s, e = _trimmed(text, block.start() + match.start(), block.start() + match.end())
                spans.append(Span(s, e, kind or "sentence"))
            continue
        spans.extend(_sentences(text, block.start(), block.end(), language))
    return spans
