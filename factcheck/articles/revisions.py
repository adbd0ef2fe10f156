"""Map an article's claims from one revision of its body to the next (issue #20).

Pure Python: no Flask, no database. A revision is a new body, already cut into spans;
every old claim (a span of the old body, as segmented or as a person corrected it) gets
an outcome and the new spans it continues as, so its annotations can follow it.

The rule that shapes everything here: an annotation must never be attached to a wrong
sentence. A mapping is only given when the evidence is clear; when it is not, the claim
is UNCERTAIN and a person picks among ranked candidates. Being sent to a person costs a
minute; a verdict silently attached to another sentence is a published error.

Approach
--------
1. Exact text. A text found once in the old spans and once in the new ones is the same
   claim, wherever it moved (reordered paragraphs). A text found several times on
   either side (a sentence duplicated elsewhere, two photos with the same credit line)
   is resolved by context: identical neighbours inside the same paragraph (paragraphs
   move as wholes, so those count four times more than neighbours across a paragraph
   break), whether the nearest unique anchors on each side are the same pair, and
   whether both open or close a paragraph. Only a clear winner is taken; the rest is
   decided again at the very end, when fuzzy matching may have found one of the claims
   changed in its own place and added anchors, and what is still a tie is UNCERTAIN.
   The same pass is then run on texts normalised for cosmetic differences only (quote
   style, dashes, spacing, Unicode compatibility forms): those are CHANGED with high
   confidence, because UNCHANGED means identical.
2. Gaps. The old claims left over form runs between exact anchors; each run is
   compared with the new spans left over between the images of the anchors around it
   (for a run at the edge of a moved paragraph, the spans just after the previous
   anchor's image and just before the next one's). That keeps the fuzzy comparisons
   local: a 1,000-sentence revision compares a handful of pairs, not a million.
3. Hypotheses within each gap: one-to-one (similarity of the texts, characters over
   case-folded cosmetic text), split (an old claim against 2-3 adjacent new spans
   joined) and merge (2-3 adjacent old claims joined against one new span); split and
   merge only count when every piece is mostly found in the other side. New spans
   outside the gap that share rare words are scored too, but only as rivals and
   candidates: a look-alike elsewhere can block a mapping, never receive one.
4. Selection: best hypothesis first; it is accepted when it is above a threshold and
   ahead of every live rival (anything sharing an old or new span with it) by a margin.
   In a wide gap (more than a handful of new spans: a rewritten section, or another
   article altogether) position says little, and only a near-identical text is taken:
   "Pope Francis endorsed Donald Trump" is not "Oprah Winfrey endorsed Donald Trump".
   When it is not, all of its spans are contested: their old claims go to a person, and
   nobody else may take their new spans automatically.
5. What is left: an old claim with a new span still free that resembles it (words in
   common, weighted by rarity, or similar characters) is UNCERTAIN; with nothing
   similar it is REMOVED.

All offsets are Python string indices (code points), as ``factcheck.segmentation``
gives them. Any language: words are ``\\w+`` runs, and runs of scripts written without
spaces (Chinese, Japanese, Thai, ...) become character pairs.
"""

from __future__ import annotations

import enum
import heapq
import math
import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import cached_property
from itertools import accumulate


class Outcome(enum.StrEnum):
    UNCHANGED = "unchanged"  # same text (exact), successor is one new span
    CHANGED = "changed"  # edited sentence (typo, number, wording): one successor
    SPLIT = "split"  # one old claim -> several adjacent new spans
    MERGED = "merged"  # several old claims -> one new span (each of them gets MERGED)
    REMOVED = "removed"  # no successor
    UNCERTAIN = "uncertain"  # for a person to decide; successors empty, candidates ranked


@dataclass(frozen=True)
class ClaimMapping:
    """What became of one old claim."""

    outcome: Outcome
    #: Indexes into the new spans, in order.
    successors: tuple[int, ...]
    #: 0..1: the similarity behind the mapping, capped by its lead over the runner-up.
    #: 1.0 for identical text; for REMOVED, how unlike the closest new span it is.
    confidence: float
    #: For UNCERTAIN: best new spans first, at most 5.
    candidates: tuple[int, ...] = ()
    #: For MERGED: all old claims merged into the same new span (this one included).
    merged_with: tuple[int, ...] = ()


@dataclass(frozen=True)
class RevisionMapping:
    claims: list[ClaimMapping]  # one per old span, same order
    new_only: list[int]  # new spans no old claim maps to (new sentences)
    #: Share of old spans found UNCHANGED or CHANGED: below ~0.3 the new body looks like
    #: a different article. 1.0 when both revisions have no spans, 0.0 when only the old.
    shared_share: float
    #: Counts per outcome, for the summary a person sees before confirming.
    counts: dict[str, int] = field(default_factory=dict)


#: A one-to-one change needs this character similarity...
ACCEPT = 0.72
#: ... a split or merge a little more (more ways to be fooled by a neighbour)...
ACCEPT_COMPOSITE = 0.78
#: ... in a wide gap, where position says little, this much...
ACCEPT_WIDE = 0.9
#: ... and a lead of this much over every live rival.
MARGIN = 0.1
#: Each piece of a split or merge must be found this much in the other side.
PIECE_COVERAGE = 0.6
#: A free new span this similar (rarity-weighted words) in the gap, or ...
SIMILAR_WORDS = 0.2
#: ... this similar in characters, makes a leftover claim UNCERTAIN instead of REMOVED;
SIMILAR_CHARS = 0.6
#: outside the gap (a moved paragraph, rewritten) or in a wide one, this much of either.
SIMILAR_WORDS_ELSEWHERE = 0.3
SIMILAR_ELSEWHERE = 0.6
#: A new span already given to another claim that holds this much of a leftover
#: claim's words (rarity-weighted) makes it UNCERTAIN too.
CONTAINED = 0.8
#: Character similarity is only worth computing above this word similarity (or for
#: short texts, where one changed word weighs a lot).
SCORE_WORDS = 0.3
SHORT = 30
#: A gap with more new spans than this is searched through shared words only.
WINDOW_ALL = 16
#: Candidates per old claim from that search: inside the gap, and elsewhere.
PER_CLAIM = 6
ELSEWHERE = 3
#: Words in more of the spans in play than this share (and more than a handful)
#: select no candidates: they would select hundreds.
COMMON_SHARE = 0.03
MAX_CANDIDATES = 5

_QUOTES = str.maketrans(
    {
        "‘": "'",
        "’": "'",
        "‚": "'",
        "‛": "'",
        "′": "'",
        "`": "'",
        "´": "'",
        "“": '"',
        "”": '"',
        "„": '"',
        "‟": '"',
        "″": '"',
        "«": '"',
        "»": '"',
        "‹": "'",
        "›": "'",
        "‐": "-",
        "‑": "-",
        "‒": "-",
        "–": "-",
        "—": "-",
        "―": "-",
        "−": "-",
        "\u00ad": None,
        "\u200b": None,
        "\u2060": None,
        "\ufeff": None,
    }
)
_SPACES = re.compile(r"\s+")
_WORD = re.compile(r"\w+")
#: Scripts written without spaces between words: their runs become character pairs.
_UNSPACED = re.compile(
    "[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
)


def _cosmetic(text: str) -> str:
    """``text`` without differences a reader does not see as an edit."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    return _SPACES.sub(" ", text).strip()


def _words(key: str) -> frozenset[str]:
    """The words of ``key``; character pairs for scripts written without spaces."""
    found: set[str] = set()
    for word in _WORD.findall(key):
        if len(word) > 2 and _UNSPACED.search(word):
            found.update(word[k : k + 2] for k in range(len(word) - 1))
        else:
            found.add(word)
    return frozenset(found)


def _span_texts(body: str, spans: Sequence[Sequence[int]]) -> list[str]:
    return [body[span[0] : span[1]] for span in spans]


# --- 1. exact text ------------------------------------------------------------------------


class _Anchors:
    """The pairs taken so far, searchable by position on either side."""

    def __init__(self, pairs: dict[int, int]) -> None:
        self.old_to_new = pairs
        self.new_to_old = {new: old for old, new in pairs.items()}
        self.olds = sorted(pairs)
        self.news = sorted(self.new_to_old)

    def previous_old(self, old: int) -> int | None:
        k = bisect_left(self.olds, old)
        return self.olds[k - 1] if k else None

    def next_old(self, old: int) -> int | None:
        k = bisect_right(self.olds, old)
        return self.olds[k] if k < len(self.olds) else None

    def previous_new(self, new: int) -> int | None:
        k = bisect_left(self.news, new)
        return self.news[k - 1] if k else None

    def next_new(self, new: int) -> int | None:
        k = bisect_right(self.news, new)
        return self.news[k] if k < len(self.news) else None


_BLANK_LINE = re.compile(r"\n[^\S\n]*\n")


class _Sides:
    """The span texts of both revisions, and (computed when first needed) where the
    paragraphs break."""

    def __init__(
        self,
        old_body: str,
        old_spans: Sequence[Sequence[int]],
        new_body: str,
        new_spans: Sequence[Sequence[int]],
    ) -> None:
        self.old_texts = _span_texts(old_body, old_spans)
        self.new_texts = _span_texts(new_body, new_spans)
        self._bodies = (old_body, old_spans, new_body, new_spans)

    @staticmethod
    def _breaks(body: str, spans: Sequence[Sequence[int]]) -> list[bool]:
        """breaks[k]: a paragraph starts at span k (k = len(spans): the end). A paragraph
        ends at a blank line, or at any line break in a body without blank lines."""
        blank = _BLANK_LINE.search(body) is not None
        breaks = [True]
        for k in range(1, len(spans)):
            between = body[spans[k - 1][1] : spans[k][0]]
            breaks.append(_BLANK_LINE.search(between) is not None if blank else "\n" in between)
        breaks.append(True)
        return breaks

    @cached_property
    def old_breaks(self) -> list[bool]:
        return self._breaks(self._bodies[0], self._bodies[1])

    @cached_property
    def new_breaks(self) -> list[bool]:
        return self._breaks(self._bodies[2], self._bodies[3])

    @cached_property
    def old_paragraphs(self) -> list[int]:
        """The paragraph number of every old span."""
        return list(accumulate(self.old_breaks[:-1]))

    @cached_property
    def new_paragraphs(self) -> list[int]:
        return list(accumulate(self.new_breaks[:-1]))


#: Evidence from beyond a paragraph break counts this much (paragraphs move as wholes:
#: what lies inside one travels with it, what lies beyond it may not).
_ACROSS_PARAGRAPHS = 0.25
#: What the best pairing of a repeated text must lead the next by.
_CONTEXT_MARGIN = 0.5


def _context(old: int, new: int, sides: _Sides, anchors: _Anchors) -> float:
    """How much the surroundings of ``old`` and ``new`` agree: per side, one point per
    identical neighbour on a run outwards inside the paragraph (up to three), a quarter
    for the first one beyond a paragraph break (where the run stops); half a point per
    side whose nearest anchor is the same pair (a quarter when it lies in another
    paragraph); a quarter per paragraph edge they share (both open a paragraph, both
    close one: a one-sentence paragraph copied into the middle of another is told from
    the original this way)."""
    old_texts, new_texts = sides.old_texts, sides.new_texts
    old_breaks, new_breaks = sides.old_breaks, sides.new_breaks
    score = 0.0
    for step in (-1, 1):
        for distance in range(1, 4):
            i, j = old + step * distance, new + step * distance
            if not (0 <= i < len(old_texts) and 0 <= j < len(new_texts)):
                break
            if old_texts[i] != new_texts[j]:
                break
            # The break between this neighbour and the previous one (towards old/new).
            near_i, near_j = (i + 1, j + 1) if step < 0 else (i, j)
            if old_breaks[near_i] or new_breaks[near_j]:
                score += _ACROSS_PARAGRAPHS
                break
            score += 1.0
    old_paragraphs, new_paragraphs = sides.old_paragraphs, sides.new_paragraphs
    for anchor_old, anchor_new in (
        (anchors.previous_old(old), anchors.previous_new(new)),
        (anchors.next_old(old), anchors.next_new(new)),
    ):
        if anchor_old is None or anchors.old_to_new[anchor_old] != anchor_new:
            continue
        inside = (
            old_paragraphs[anchor_old] == old_paragraphs[old]
            and new_paragraphs[anchor_new] == new_paragraphs[new]
        )
        score += 0.5 if inside else 0.5 * _ACROSS_PARAGRAPHS
    score += 0.25 * (old_breaks[old] == new_breaks[new])
    score += 0.25 * (old_breaks[old + 1] == new_breaks[new + 1])
    return score


def _pair_by_context(
    olds: Sequence[int],
    news: Sequence[int],
    sides: _Sides,
    anchors: _Anchors,
) -> tuple[dict[int, int], dict[tuple[int, int], float]]:
    """Pairs of old and new spans of one repeated text whose context is ahead of every
    rival by ``_CONTEXT_MARGIN`` (an identical neighbour in the paragraph, or an anchor
    on each side), and the context scores of all pairs (to rank candidates).

    A sentence that now stands twice in a row where it stood once (pasted twice) is
    never paired: which of the two is the old one is a coin toss, whatever the edges."""
    scores = {(i, j): _context(i, j, sides, anchors) for i in olds for j in news}
    old_set, new_set = set(olds), set(news)
    doubled = {
        (i, j)
        for i, j in scores
        if (j - 1 in new_set or j + 1 in new_set) and not (i - 1 in old_set or i + 1 in old_set)
    }
    pairs: dict[int, int] = {}
    free_old, free_new = set(olds), set(news)
    progress = True
    while progress and free_old and free_new:
        progress = False
        for (i, j), score in sorted(scores.items(), key=lambda item: -item[1]):
            if i not in free_old or j not in free_new or (i, j) in doubled:
                continue
            rivals = [
                other
                for (a, b), other in scores.items()
                if (a, b) != (i, j) and ((a == i and b in free_new) or (b == j and a in free_old))
            ]
            if not rivals or score - max(rivals) >= _CONTEXT_MARGIN:
                pairs[i] = j
                free_old.discard(i)
                free_new.discard(j)
                progress = True
    return pairs, scores


@dataclass
class _Group:
    """Old claims and new spans with one repeated text that context could not pair:
    decided again at the end, when the fuzzy matches have taken some of the claims and
    added anchors."""

    olds: list[int]
    news: list[int]


def _exact_pass(
    old_keys: dict[int, str],
    new_keys: dict[int, str],
    sides: _Sides,
    known: dict[int, int],
) -> tuple[dict[int, int], list[_Group]]:
    """Pair old and new spans by equal key: unique keys at once, repeated ones by context
    (``known`` pairs count as anchors). Also the groups left undecided.

    The new spans left over stay free for fuzzy matching: a second "Photo: Agency"
    may well be the corrected "Photo: Agnecy" of another claim."""
    pairs: dict[int, int] = {}
    old_groups: dict[str, list[int]] = defaultdict(list)
    new_groups: dict[str, list[int]] = defaultdict(list)
    for index, key in old_keys.items():
        old_groups[key].append(index)
    for index, key in new_keys.items():
        new_groups[key].append(index)
    repeated = []
    for key, olds in old_groups.items():
        news = new_groups.get(key)
        if not news:
            continue
        if len(olds) == 1 and len(news) == 1:
            pairs[olds[0]] = news[0]
        else:
            repeated.append((olds, news))
    groups: list[_Group] = []
    if repeated:
        anchors = _Anchors({**known, **pairs})
        for olds, news in repeated:
            found, _scores = _pair_by_context(olds, news, sides, anchors)
            pairs.update(found)
            left_old = [i for i in olds if i not in found]
            left_new = [j for j in news if j not in found.values()]
            if left_old and left_new:
                groups.append(_Group(left_old, left_new))
    return pairs, groups


# --- 2.-4. fuzzy matching in the gaps -----------------------------------------------------


@dataclass(frozen=True)
class _Hypothesis:
    """Old claims ``olds`` continue as new spans ``news`` (one and one, one and several
    for a split, several and one for a merge), this similar."""

    olds: tuple[int, ...]
    news: tuple[int, ...]
    score: float
    #: False for a new span outside the claim's gap: a rival and a candidate only.
    in_gap: bool
    #: In a gap too wide to say much by position (a rewritten section, another
    #: article): only a near-identical text is taken there.
    wide: bool = False


class _Fuzzy:
    """Similarity between the old and new spans left after the exact passes."""

    def __init__(self, old_texts: list[str], new_texts: list[str]) -> None:
        self.old_keys: dict[int, str] = {}
        self.new_keys: dict[int, str] = {}
        self.old_words: dict[int, frozenset[str]] = {}
        self.new_words: dict[int, frozenset[str]] = {}
        self.old_texts = old_texts
        self.new_texts = new_texts
        self.weight: dict[str, float] = {}
        self._scores: dict[tuple[int, int], float] = {}
        self._masses: dict[frozenset[str], float] = {}

    def prepare(self, olds: Iterable[int], news: Iterable[int]) -> None:
        for i in olds:
            self.old_keys[i] = key = _cosmetic(self.old_texts[i]).casefold()
            self.old_words[i] = _words(key)
        for j in news:
            self.new_keys[j] = key = _cosmetic(self.new_texts[j]).casefold()
            self.new_words[j] = _words(key)
        # Rarity over the spans in play: a word in many of them tells little.
        frequency: dict[str, int] = defaultdict(int)
        for words in (*self.old_words.values(), *self.new_words.values()):
            for word in words:
                frequency[word] += 1
        total = len(self.old_words) + len(self.new_words)
        self.weight = {word: math.log(1 + total / count) for word, count in frequency.items()}
        self.common = max(8, int(COMMON_SHARE * total))
        self.frequency = frequency

    def mass(self, words: frozenset[str]) -> float:
        found = self._masses.get(words)
        if found is None:
            found = self._masses[words] = sum(map(self.weight.__getitem__, words))
        return found

    def word_similarity(self, old: int, new: int) -> float:
        a, b = self.old_words[old], self.new_words[new]
        total = self.mass(a) + self.mass(b)
        return 2 * self._common_mass(a, b) / total if total else 0.0

    def _common_mass(self, a: frozenset[str], b: frozenset[str]) -> float:
        # Not memoised like ``mass``: every intersection is a new set.
        return sum(map(self.weight.__getitem__, a & b))

    def score(self, old: int, new: int) -> float:
        """Character similarity of the two case-folded cosmetic texts (difflib's ratio).

        That comparison is quadratic, and a long claim costs a millisecond: where it
        cannot reach the thresholds it matters for (few words in common, or a character
        count too different by ``quick_ratio``, its upper bound) the word similarity
        stands in, which is lower and still ranks candidates."""
        cached = self._scores.get((old, new))
        if cached is None:
            a, b = self.old_keys[old], self.new_keys[new]
            words = self.word_similarity(old, new)
            if min(len(a), len(b)) >= SHORT and words < SCORE_WORDS:
                cached = words
            else:
                matcher = SequenceMatcher(None, a, b, autojunk=False)
                bound = matcher.quick_ratio()
                cached = matcher.ratio() if bound >= SIMILAR_CHARS else min(words, bound)
            self._scores[old, new] = cached
        return cached

    def contained(self, part: frozenset[str], whole: frozenset[str]) -> float:
        total = self.mass(part)
        return self._common_mass(part, whole) / total if total else 0.0


def _joined_score(one: str, pieces: list[str]) -> float:
    """Character similarity of ``one`` with ``pieces`` joined by spaces, 0 unless every
    piece is mostly matched in ``one`` (so a neighbour that merely follows does not
    pass for the second half of a split)."""
    joined = " ".join(pieces)
    matcher = SequenceMatcher(None, one, joined, autojunk=False)
    blocks = matcher.get_matching_blocks()
    start = 0
    for piece in pieces:
        end = start + len(piece)
        covered = sum(max(0, min(end, b + size) - max(start, b)) for _a, b, size in blocks if size)
        if not piece or covered / len(piece) < PIECE_COVERAGE:
            return 0.0
        start = end + 1
    return matcher.ratio()


def _runs(indexes: list[int]) -> list[list[int]]:
    runs: list[list[int]] = []
    for index in indexes:
        if runs and runs[-1][-1] == index - 1:
            runs[-1].append(index)
        else:
            runs.append([index])
    return runs


def _gap_windows(
    old_runs: list[list[int]], anchors: _Anchors, free_new: list[int], new_count: int
) -> list[tuple[int, int, int, int]]:
    """For each run of old claims, the free new spans it may have become, as up to two
    ranges of positions in ``free_new``: (lo, hi, lo2, hi2)."""
    windows = []
    for run in old_runs:
        before = anchors.previous_old(run[0])
        after = anchors.next_old(run[-1])
        b = anchors.old_to_new[before] if before is not None else -1
        d = anchors.old_to_new[after] if after is not None else new_count
        if b < d:
            windows.append((bisect_right(free_new, b), bisect_left(free_new, d), 0, 0))
        else:
            # The run sits where the order changed (the edge of a moved paragraph): the
            # free spans just after the previous anchor's image and just before the next.
            next_anchor = anchors.next_new(b)
            limit = next_anchor if next_anchor is not None else new_count
            previous_anchor = anchors.previous_new(d)
            floor = previous_anchor if previous_anchor is not None else -1
            windows.append(
                (
                    bisect_right(free_new, b),
                    bisect_left(free_new, limit),
                    bisect_right(free_new, floor),
                    bisect_left(free_new, d),
                )
            )
    return windows


def _hypotheses(
    fuzzy: _Fuzzy,
    old_runs: list[list[int]],
    windows: list,
    free_new: list[int],
    parked: set[int],
) -> list[_Hypothesis]:
    """Every way the claims of each run may continue: one-to-one, split and merge
    within its gap, and one-to-one elsewhere (rivals only). ``parked`` claims have their
    exact text elsewhere in the new body (undecided copies): they are not looked for
    elsewhere, as one of those copies is far likelier to be them."""
    found: list[_Hypothesis] = []
    index: dict[str, list[int]] = defaultdict(list)
    for j in free_new:
        for word in fuzzy.new_words[j]:
            index[word].append(j)

    def shared(old: int) -> dict[int, float]:
        """Free new spans sharing uncommon words with ``old``, with the shared mass."""
        totals: dict[int, float] = defaultdict(float)
        for word in fuzzy.old_words[old]:
            holders = index.get(word)
            if holders and fuzzy.frequency[word] <= fuzzy.common:
                weight = fuzzy.weight[word]
                for j in holders:
                    totals[j] += weight
        return totals

    rank_of = {j: k for k, j in enumerate(free_new)}
    for run, (lo, hi, lo2, hi2) in zip(old_runs, windows, strict=True):

        def in_window(j: int, lo: int = lo, hi: int = hi, lo2: int = lo2, hi2: int = hi2) -> bool:
            k = rank_of[j]
            return lo <= k < hi or lo2 <= k < hi2

        # The second range may overlap the first (both ends of one free stretch).
        small = (hi - lo) + (hi2 - lo2) <= WINDOW_ALL
        window = (
            free_new[lo:hi] + [free_new[k] for k in range(lo2, hi2) if not lo <= k < hi]
            if small
            else []
        )
        candidates: dict[int, list[int]] = {}
        for old in run:
            totals = shared(old)
            if small:
                inside = window
            else:
                inside = heapq.nlargest(
                    PER_CLAIM, (j for j in totals if in_window(j)), key=totals.__getitem__
                )
            outside = (
                []
                if old in parked
                else heapq.nlargest(
                    ELSEWHERE, (j for j in totals if not in_window(j)), key=totals.__getitem__
                )
            )
            candidates[old] = sorted(inside)
            for j in inside:
                found.append(_Hypothesis((old,), (j,), fuzzy.score(old, j), True, not small))
            for j in outside:
                found.append(_Hypothesis((old,), (j,), fuzzy.score(old, j), False))
        # Splits: one old claim against 2-3 adjacent free new spans in its gap.
        for old in run:
            words = fuzzy.old_words[old]
            for j in candidates[old]:
                pieces = [j]
                for extra in (1, 2):
                    following = j + extra
                    if following not in rank_of or not in_window(following):
                        break
                    pieces.append(following)
                    if any(
                        fuzzy.contained(fuzzy.new_words[p], words) < PIECE_COVERAGE for p in pieces
                    ):
                        break
                    score = _joined_score(fuzzy.old_keys[old], [fuzzy.new_keys[p] for p in pieces])
                    if score:
                        found.append(_Hypothesis((old,), tuple(pieces), score, True, not small))
        # Merges: 2-3 adjacent old claims of the run against one free new span, or two
        # with one between them (deleted, or gone elsewhere).
        for position, old in enumerate(run):
            for j in candidates[old]:
                words = fuzzy.new_words[j]
                for offsets in ((1,), (1, 2), (2,)):
                    if position + offsets[-1] >= len(run):
                        continue
                    olds = [old, *(run[position + k] for k in offsets)]
                    if any(
                        fuzzy.contained(fuzzy.old_words[o], words) < PIECE_COVERAGE for o in olds
                    ):
                        continue
                    score = _joined_score(fuzzy.new_keys[j], [fuzzy.old_keys[o] for o in olds])
                    if score:
                        found.append(_Hypothesis(tuple(olds), (j,), score, True, not small))
    return found


@dataclass
class _Selection:
    accepted: list[tuple[_Hypothesis, float]] = field(default_factory=list)
    contested_old: set[int] = field(default_factory=set)


def _part_of(part: _Hypothesis, whole: _Hypothesis) -> bool:
    """Whether ``part`` is ``whole`` with pieces left out (a split's first half alone).

    Such a part is no rival of a better-scoring whole: every piece of the whole is mostly
    found in the other side (``_joined_score``) and adding it raised the similarity, so
    the whole explains strictly more of both texts."""
    if part.olds == whole.olds:
        return set(part.news) < set(whole.news)
    return part.news == whole.news and set(part.olds) < set(whole.olds)


def _select(hypotheses: list[_Hypothesis]) -> _Selection:
    """Best first; accept what is above the threshold and clearly ahead of its rivals."""
    by_old: dict[int, list[_Hypothesis]] = defaultdict(list)
    by_new: dict[int, list[_Hypothesis]] = defaultdict(list)
    for hypothesis in hypotheses:
        for old in hypothesis.olds:
            by_old[old].append(hypothesis)
        for new in hypothesis.news:
            by_new[new].append(hypothesis)
    taken_old: set[int] = set()
    taken_new: set[int] = set()
    contested_new: set[int] = set()
    selection = _Selection()

    def live(hypothesis: _Hypothesis) -> bool:
        return not (
            taken_old.intersection(hypothesis.olds) or taken_new.intersection(hypothesis.news)
        )

    ordered = sorted(hypotheses, key=lambda h: (-h.score, not h.in_gap, len(h.olds) + len(h.news)))
    for hypothesis in ordered:
        if hypothesis.score < min(ACCEPT, SIMILAR_CHARS):
            break  # neither accepted nor contesting anything from here on
        if not live(hypothesis) or selection.contested_old.intersection(hypothesis.olds):
            continue
        rivals = {
            id(other): other
            for key in hypothesis.olds
            for other in by_old[key]
            if other is not hypothesis and live(other) and not _part_of(other, hypothesis)
        }
        rivals.update(
            (id(other), other)
            for key in hypothesis.news
            for other in by_new[key]
            if other is not hypothesis and live(other) and not _part_of(other, hypothesis)
        )
        runner_up = max((other.score for other in rivals.values()), default=0.0)
        composite = len(hypothesis.olds) + len(hypothesis.news) > 2
        threshold = ACCEPT_WIDE if hypothesis.wide else ACCEPT_COMPOSITE if composite else ACCEPT
        if (
            hypothesis.in_gap
            and hypothesis.score >= threshold
            and hypothesis.score - runner_up >= MARGIN
            and not contested_new.intersection(hypothesis.news)
        ):
            selection.accepted.append(
                (hypothesis, min(hypothesis.score, 0.5 + hypothesis.score - runner_up))
            )
            taken_old.update(hypothesis.olds)
            taken_new.update(hypothesis.news)
        else:
            # Close enough to be a real candidate (see the loop's first test), not clear
            # enough to act on: nobody gets these spans without a person.
            selection.contested_old.update(hypothesis.olds)
            contested_new.update(hypothesis.news)
    return selection


# --- the mapping --------------------------------------------------------------------------


def map_revision(
    old_body: str,
    old_spans: Sequence[Sequence[int]],
    new_body: str,
    new_spans: Sequence[Sequence[int]],
) -> RevisionMapping:
    """Map every old span (``(start, end, ...)`` of ``old_body``) to the new spans of
    ``new_body`` it continues as. See the module docstring for how, and why it would
    rather ask a person than guess."""
    sides = _Sides(old_body, old_spans, new_body, new_spans)
    old_texts, new_texts = sides.old_texts, sides.new_texts
    old_count, new_count = len(old_texts), len(new_texts)
    mappings: dict[int, ClaimMapping] = {}

    def free_old() -> list[int]:
        return [i for i in range(old_count) if i not in mappings]

    def free_new() -> list[int]:
        used = {j for claim in mappings.values() for j in claim.successors}
        return [j for j in range(new_count) if j not in used]

    pairs, groups = _exact_pass(
        dict(enumerate(old_texts)),
        dict(enumerate(new_texts)),
        sides,
        {},
    )
    mappings.update({i: ClaimMapping(Outcome.UNCHANGED, (j,), 1.0) for i, j in pairs.items()})
    olds, news = free_old(), free_new()
    if olds and news:
        pairs, cosmetic_groups = _exact_pass(
            {i: _cosmetic(old_texts[i]) for i in olds},
            {j: _cosmetic(new_texts[j]) for j in news},
            sides,
            {i: claim.successors[0] for i, claim in mappings.items()},
        )
        for i, j in pairs.items():
            # A repeated text the first pass left undecided is paired here too.
            same = old_texts[i] == new_texts[j]
            mappings[i] = ClaimMapping(Outcome.UNCHANGED if same else Outcome.CHANGED, (j,), 0.99)
        groups += cosmetic_groups

    olds, news = free_old(), free_new()
    if olds:
        fuzzy = _Fuzzy(old_texts, new_texts)
        fuzzy.prepare(olds, news)
        anchors = _Anchors({i: claim.successors[0] for i, claim in mappings.items()})
        runs = _runs(olds)
        windows = _gap_windows(runs, anchors, news, new_count)
        parked = {i for group in groups for i in group.olds}
        hypotheses = _hypotheses(fuzzy, runs, windows, news, parked) if news else []
        selection = _select(hypotheses)
        taken_new: set[int] = set()
        for hypothesis, confidence in selection.accepted:
            taken_new.update(hypothesis.news)
            if len(hypothesis.olds) > 1:
                for i in hypothesis.olds:
                    mappings[i] = ClaimMapping(
                        Outcome.MERGED, hypothesis.news, confidence, merged_with=hypothesis.olds
                    )
            elif len(hypothesis.news) > 1:
                mappings[hypothesis.olds[0]] = ClaimMapping(
                    Outcome.SPLIT, hypothesis.news, confidence
                )
            else:
                # Identical text placed by its gap (one of two copies): UNCHANGED.
                i, j = hypothesis.olds[0], hypothesis.news[0]
                same = old_texts[i] == new_texts[j]
                mappings[i] = ClaimMapping(
                    Outcome.UNCHANGED if same else Outcome.CHANGED, hypothesis.news, confidence
                )
        _leftovers(fuzzy, olds, hypotheses, selection, taken_new, mappings)
    if groups:
        _decide_groups(groups, sides, mappings)

    claims = [mappings[i] for i in range(old_count)]
    mapped = {j for claim in claims for j in claim.successors}
    counts: dict[str, int] = {}
    for claim in claims:
        counts[claim.outcome.value] = counts.get(claim.outcome.value, 0) + 1
    shared = counts.get(Outcome.UNCHANGED.value, 0) + counts.get(Outcome.CHANGED.value, 0)
    return RevisionMapping(
        claims=claims,
        new_only=[j for j in range(new_count) if j not in mapped],
        shared_share=shared / old_count if old_count else (0.0 if new_count else 1.0),
        counts=counts,
    )


def _decide_groups(
    groups: list[_Group],
    sides: _Sides,
    mappings: dict[int, ClaimMapping],
) -> None:
    """Repeated texts again, once the rest is mapped: a claim of the group that was
    found changed in its own place (a typo fixed in one of two identical captions) is
    out of it, and every mapping is an anchor. What is still a tie goes to a person."""
    for group in groups:
        used = {j for claim in mappings.values() for j in claim.successors}
        olds = [i for i in group.olds if not mappings[i].successors]
        news = [j for j in group.news if j not in used]
        if not olds or not news:
            continue
        anchors = _Anchors(
            {i: claim.successors[0] for i, claim in mappings.items() if claim.successors}
        )
        pairs, scores = _pair_by_context(olds, news, sides, anchors)
        for i, j in pairs.items():
            same = sides.old_texts[i] == sides.new_texts[j]
            mappings[i] = ClaimMapping(Outcome.UNCHANGED if same else Outcome.CHANGED, (j,), 0.95)
        left = [j for j in news if j not in pairs.values()]
        for i in olds:
            if i in pairs or not left:
                continue
            ranked = sorted(left, key=lambda j, i=i: (-scores[i, j], j))
            others = [j for j in mappings[i].candidates if j not in ranked]
            mappings[i] = ClaimMapping(
                Outcome.UNCERTAIN, (), 0.5, tuple([*ranked, *others][:MAX_CANDIDATES])
            )


def _leftovers(
    fuzzy: _Fuzzy,
    olds: list[int],
    hypotheses: list[_Hypothesis],
    selection: _Selection,
    taken_new: set[int],
    mappings: dict[int, ClaimMapping],
) -> None:
    """UNCERTAIN or REMOVED for every old claim no hypothesis was accepted for."""
    per_old: dict[int, list[_Hypothesis]] = defaultdict(list)
    #: Per new span, the best score a claim has for it from its own gap.
    in_gap_best: dict[int, tuple[float, tuple[int, ...]]] = {}
    for hypothesis in hypotheses:
        for old in hypothesis.olds:
            per_old[old].append(hypothesis)
        if hypothesis.in_gap:
            for j in hypothesis.news:
                if hypothesis.score > in_gap_best.get(j, (-1.0, ()))[0]:
                    in_gap_best[j] = (hypothesis.score, hypothesis.olds)
    for old in olds:
        if old in mappings:
            continue
        options = sorted(per_old[old], key=lambda h: (-h.score, not h.in_gap))
        ranked: list[int] = []
        for hypothesis in options:
            for j in hypothesis.news:
                if j not in ranked:
                    ranked.append(j)
        similar = old in selection.contested_old
        best = 0.0
        for hypothesis in options:
            if len(hypothesis.news) != 1:
                continue
            j = hypothesis.news[0]
            if j in taken_new:
                # Its words live on in a span given to another claim: a merge not seen
                # (with a sentence deleted between, say), not a removal.
                similar |= hypothesis.in_gap and (
                    fuzzy.contained(fuzzy.old_words[old], fuzzy.new_words[j]) >= CONTAINED
                )
                continue
            words = fuzzy.word_similarity(old, j)
            best = max(best, hypothesis.score, words)
            if hypothesis.in_gap and not hypothesis.wide:
                similar |= words >= SIMILAR_WORDS or hypothesis.score >= SIMILAR_CHARS
            else:
                # A span outside the gap that another claim resembles more from its own
                # gap (a rewording there) is that claim's business, not this one's.
                rival, owners = in_gap_best.get(j, (-1.0, ()))
                if rival >= hypothesis.score and old not in owners:
                    continue
                similar |= words >= SIMILAR_WORDS_ELSEWHERE or hypothesis.score >= SIMILAR_ELSEWHERE
        if similar:
            mappings[old] = ClaimMapping(
                Outcome.UNCERTAIN,
                (),
                round(options[0].score, 3) if options else 0.0,
                tuple(ranked[:MAX_CANDIDATES]),
            )
        else:
            mappings[old] = ClaimMapping(Outcome.REMOVED, (), round(1.0 - best, 3))


# --- diffs for display --------------------------------------------------------------------

_TOKEN = re.compile(r"\s+|\w+|[^\w\s]")


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """Word-level diff for display: ("equal"|"insert"|"delete", text) pieces; concatenating
    equal+delete gives old, equal+insert gives new (whitespace kept).

    A change is one delete followed by one insert; bare whitespace matched between two
    changes is folded into them, so "a b c" -> "a x y c" reads as "b" replaced by "x y"
    rather than three interleaved fragments."""
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    raw: list[tuple[str, str]] = []
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            raw.append(("equal", "".join(a[i1:i2])))
        else:
            if i2 > i1:
                raw.append(("delete", "".join(a[i1:i2])))
            if j2 > j1:
                raw.append(("insert", "".join(b[j1:j2])))
    # Whitespace-only equal pieces between changes become part of the change.
    for k in range(1, len(raw) - 1):
        kind, text = raw[k]
        if kind == "equal" and text.isspace() and "equal" not in (raw[k - 1][0], raw[k + 1][0]):
            raw[k] = ("both", text)
    pieces: list[tuple[str, str]] = []
    deleted: list[str] = []
    inserted: list[str] = []

    def flush() -> None:
        if deleted:
            pieces.append(("delete", "".join(deleted)))
        if inserted:
            pieces.append(("insert", "".join(inserted)))
        deleted.clear()
        inserted.clear()

    for kind, text in raw:
        if kind == "equal":
            flush()
            if pieces and pieces[-1][0] == "equal":
                pieces[-1] = ("equal", pieces[-1][1] + text)
            else:
                pieces.append(("equal", text))
        else:
            if kind in ("delete", "both"):
                deleted.append(text)
            if kind in ("insert", "both"):
                inserted.append(text)
    flush()
    return pieces


@dataclass(frozen=True)
class DiffRow:
    kind: str  # "equal" | "insert" | "delete" | "change"
    old_index: int | None  # index into old spans (None for insert)
    new_index: int | None
    words: list[tuple[str, str]]  # word_diff for "change", else []
    #: All old and new spans of the row: several for a split or merge (shown as one
    #: change), else the one index.
    old_indexes: tuple[int, ...] = ()
    new_indexes: tuple[int, ...] = ()


def diff_revisions(
    old_body: str,
    old_spans: Sequence[Sequence[int]],
    new_body: str,
    new_spans: Sequence[Sequence[int]],
) -> list[DiffRow]:
    """Sentence-level diff between two revisions in reading order of the new body (deleted
    rows placed where they were): inserted, deleted, changed (with word diff), equal.

    Built on :func:`map_revision`: a split or merge is one "change" row over the text
    from its first to its last span; a claim left UNCERTAIN shows as deleted and the new
    spans nobody claims as inserted, as the diff does not decide what a person will."""
    mapping = map_revision(old_body, old_spans, new_body, new_spans)
    rows: list[DiffRow] = []
    row_of_old: dict[int, int] = {}
    first_of: dict[int, list[int]] = {}  # first successor -> old claims it continues
    covered: set[int] = set()
    for i, claim in enumerate(mapping.claims):
        if claim.successors:
            first_of.setdefault(claim.successors[0], []).append(i)
            covered.update(claim.successors[1:])
    for j in range(len(new_spans)):
        if j in first_of:
            olds = first_of[j]
            claim = mapping.claims[olds[0]]
            successors = claim.successors
            new_text = new_body[new_spans[successors[0]][0] : new_spans[successors[-1]][1]]
            if olds[-1] - olds[0] == len(olds) - 1:
                old_text = old_body[old_spans[olds[0]][0] : old_spans[olds[-1]][1]]
            else:  # merged over a claim that went elsewhere: not its text
                old_text = " ".join(old_body[old_spans[i][0] : old_spans[i][1]] for i in olds)
            if claim.outcome is Outcome.UNCHANGED:
                row = DiffRow("equal", olds[0], j, [], (olds[0],), (j,))
            else:
                row = DiffRow(
                    "change", olds[0], j, word_diff(old_text, new_text), tuple(olds), successors
                )
            for i in olds:
                row_of_old[i] = len(rows)
            rows.append(row)
        elif j not in covered:
            rows.append(DiffRow("insert", None, j, [], (), (j,)))
    # Deleted claims go after the row of the claim before them in the old body.
    after: dict[int, list[DiffRow]] = defaultdict(list)
    slot = -1
    for i, claim in enumerate(mapping.claims):
        if i in row_of_old:
            slot = row_of_old[i]
        elif not claim.successors:
            after[slot].append(DiffRow("delete", i, None, [], (i,), ()))
    ordered = list(after[-1])
    for k, row in enumerate(rows):
        ordered.append(row)
        ordered.extend(after[k])
    return ordered
