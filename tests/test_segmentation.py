"""segment(): exact offsets and the span invariants for any input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
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


@settings(max_examples=300)
@given(st.text())
def test_spans_are_ordered_exact_and_cover_all_text(text: str) -> None:
    assert_invariants(text)


@settings(max_examples=100)
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


def sentences(text: str) -> list[str]:
    return [text[s.start : s.end] for s in segment(text)]


def kinds(text: str) -> list[tuple[str, str]]:
    return [(text[s.start : s.end], s.kind) for s in segment(text)]


def test_honorifics_and_no_dot_abbreviations_do_not_end_sentences() -> None:
    assert sentences("Mr. Smith met Dr. Jones on Monday. They disagreed.") == [
        "Mr. Smith met Dr. Jones on Monday.",
        "They disagreed.",
    ]
    text = "No. 10 Downing St. said the talks would continue. A spokesman declined to comment."
    assert sentences(text) == [
        "No. 10 Downing St. said the talks would continue.",
        "A spokesman declined to comment.",
    ]


def test_money_initials_and_us() -> None:
    assert sentences("The deal is worth £4.5m. It was signed in Paris.") == [
        "The deal is worth £4.5m.",
        "It was signed in Paris.",
    ]
    assert sentences("I am in the U.S. Army. It was great.") == [
        "I am in the U.S. Army.",
        "It was great.",
    ]
    assert sentences("The book was written by J. K. Rowling and sold well.") == [
        "The book was written by J. K. Rowling and sold well."
    ]


def test_quotes_and_lower_case_continuations() -> None:
    assert sentences("He said: “It is over.” Then he left the room.") == [
        "He said: “It is over.”",
        "Then he left the room.",
    ]
    assert sentences("Leave me alone! he yelled. I am in the U.S. Army.") == [
        "Leave me alone! he yelled.",
        "I am in the U.S. Army.",
    ]
    assert sentences("Mix it, put it in the oven, and -- voila! -- you have cake.") == [
        "Mix it, put it in the oven, and -- voila! -- you have cake."
    ]


def test_ellipses() -> None:
    assert sentences("I never meant that.... She left the store.") == [
        "I never meant that....",
        "She left the store.",
    ]
    assert sentences("“We are looking at … all options,” the minister said.") == [
        "“We are looking at … all options,” the minister said."
    ]


def test_inline_lists() -> None:
    assert kinds("1. The first item 2. The second item") == [
        ("1. The first item", "list_item"),
        ("2. The second item", "list_item"),
    ]
    assert sentences("a) here it is b) another c) one more") == [
        "a) here it is",
        "b) another",
        "c) one more",
    ]
    # Numbers that do not start a run are not a list.
    text = "As payment for 1. above, pay us a fee and for 2. above, no fee will be paid."
    assert sentences(text) == [text]


def test_captions_bylines_headings_and_lines() -> None:
    text = (
        "Sunak vows to stop the boats\n\nBy Jane Doe\n\n"
        "Rishi Sunak outside Downing Street - Yui Mok/PA Wire\n\n"
        "The Prime Minister said the plan was working. Critics are sceptical.\n\n"
        "Key facts\n45,774 crossings in 2022\n- Second point"
    )
    assert kinds(text) == [
        ("Sunak vows to stop the boats", "heading"),
        ("By Jane Doe", "byline"),
        ("Rishi Sunak outside Downing Street - Yui Mok/PA Wire", "caption"),
        ("The Prime Minister said the plan was working.", "sentence"),
        ("Critics are sceptical.", "sentence"),
        ("Key facts", "heading"),
        ("45,774 crossings in 2022", "heading"),
        ("- Second point", "list_item"),
    ]


def test_wrapped_prose_lines_stay_one_sentence() -> None:
    text = "This is a wrapped\nline of prose that ends here."
    assert sentences(text) == [text]


def test_long_text_keeps_exact_offsets() -> None:
    # sentencex drops a paragraph break in inputs over 10 KiB; offsets must not drift.
    text = (DEMO / "telegraph-uk-eu-returns.txt").read_text("utf-8")
    one = segment(text)
    many = segment("\n\n".join([text] * 9))
    step = len(text) + 2
    assert len(many) == 9 * len(one)
    for copy in range(9):
        for span, base in zip(many[copy * len(one) :], one, strict=False):
            assert (span.start - copy * step, span.end - copy * step, span.kind) == (
                base.start,
                base.end,
                base.kind,
            )
    for periodic in ["A b.\n\n\n" * 4000, "ab\n\n" * 8000, "Привет мир. " * 3000 + "\n\n" * 3]:
        assert_invariants(periodic)


TARGETS = {
    "golden_rules_en.json": 46,
    "pysbd_english_cases.json": 110,
    "news_edge_cases_en.json": 20,
    "news_gold_en.json": 1,
}


def test_shared_cases_meet_the_targets() -> None:
    if not SHARED.exists():
        pytest.skip(f"no shared segmentation data at {SHARED}")
    for name, target in TARGETS.items():
        cases = [
            case
            for case in json.loads((SHARED / name).read_text("utf-8"))
            if case.get("eval_default", True) is not False
        ]
        passed = sum(sentences_stripped(case["text"]) == case["sentences"] for case in cases)
        assert passed >= target, f"{name}: {passed}/{len(cases)} passed, target {target}"
    gold = json.loads((SHARED / "news_gold_en.json").read_text("utf-8"))[0]
    assert [s.kind for s in segment(gold["text"])].count("caption") == 2


def sentences_stripped(text: str) -> list[str]:
    return [text[s.start : s.end].strip() for s in segment(text)]


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        # An initialism may end a Spanish sentence; a pronoun after it starts the next.
        (
            "Lo comparó con los créditos de EE. UU. Ninguno se aplicó en España.",
            "es",
            ["Lo comparó con los créditos de EE. UU.", "Ninguno se aplicó en España."],
        ),
        # "د." (doctor) stands before a name, also after the preposition "لـ".
        (
            "وفقاً لـ د. هالة منصور، تأخر المشروع. وقال د. سامي إن الكلفة ارتفعت.",
            "ar",
            ["وفقاً لـ د. هالة منصور، تأخر المشروع.", "وقال د. سامي إن الكلفة ارتفعت."],
        ),
        # A photo credit with a label in the article's language is a caption line.
        ("Llegó el ministro.\n\nFoto: Agencia Meridiano", "es", None),
        ("وصل الوزير.\n\nتصوير: وكالة الأنباء", "ar", None),
    ],
)
def test_rules_of_other_languages_news(
    text: str, language: str, expected: list[str] | None
) -> None:
    spans = segment(text, language)
    if expected is not None:
        assert [text[s.start : s.end] for s in spans] == expected
    else:
        assert [s.kind for s in spans] == ["sentence", "caption"]
