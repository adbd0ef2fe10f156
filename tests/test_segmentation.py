"""segment(): exact offsets and the span invariants for any input."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from factcheck.segmentation import KINDS, segment

SHARED = Path(__file__).resolve().parents[2] / "shared" / "segmentation"
DEMO = Path(__file__).resolve().parents[1] / "factcheck" / "demo_data"


def assert_invariants(text: str) -> None:
    spans = segment(text)
    cursor = 0
    for span in spans:
        assert cursor <= span.start < span.end <= len(text)
        piece = text[span.start : span.end]
        assert piece == piece.strip(), "no surrounding whitespace"
        assert text[cursor : span.start].strip() == "", "every non-space character is covered"
        assert span.kind in KINDS
        cursor = span.end
    assert text[cursor:].strip() == ""


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_spans_are_ordered_exact_and_cover_all_text(text: str) -> None:
    assert_invariants(text)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "Mr. ",
                "No. 10 ",
                "said. ",
                "“Yes.” ",
                "\r\n",
                "\n\n",
                "£4.5m ",
                "😀 ",
                "e\u0301 ",
                "مرحبا. ",
                "...",
                "\x00",
                "A",
                "?! ",
            ]
        ),
        max_size=60,
    ).map("".join)
)
def test_invariants_hold_for_news_like_fragments(text: str) -> None:
    assert_invariants(text)


def test_edge_inputs_do_not_fail() -> None:
    for text in ["", "   \n\t ", "no punctuation at all", "x" * 100_000, "a\r\nb\rc\nd."]:
        assert_invariants(text)


def test_reference_article_gives_the_29_gold_sentences_with_two_captions() -> None:
    text = (DEMO / "telegraph-uk-eu-returns.txt").read_text("utf-8")
    spans = segment(text)
    assert len(spans) == 29
    assert [s.kind for s in spans].count("caption") == 2
    gold_file = SHARED / "news_gold_en.json"
    if gold_file.exists():
        gold = json.loads(gold_file.read_text("utf-8"))[0]
        assert [text[s.start : s.end] for s in segment(gold["text"])] == gold["sentences"]
