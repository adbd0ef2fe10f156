"""map_revision(), word_diff() and diff_revisions(): old claims followed into a new body.

The rule these tests guard above all: an annotation is never attached to a wrong
sentence. Where the text cannot tell (a sentence pasted twice, a look-alike elsewhere),
the claim must go to a person, never be guessed.
"""

from __future__ import annotations

import random
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from factcheck.articles.revisions import (
    ClaimMapping,
    Outcome,
    RevisionMapping,
    diff_revisions,
    map_revision,
    word_diff,
)
from factcheck.demo_articles import DEMO_ARTICLES, article_text
from factcheck.segmentation import segment

P1 = (
    "The council approved the new housing budget on Monday. Unemployment rose 5% in 2020, "
    "the report said. Officials expect the figure to fall next year."
)
P2 = (
    "Police arrested three people after the protest in the city centre. A spokesman said "
    "the investigation was continuing."
)
P3 = (
    "The election will be held in the spring. Voters will choose a new mayor and twelve "
    "councillors."
)
ARTICLE = "\n\n".join([P1, P2, P3])

ES = (
    "El Gobierno prometió construir 12.000 viviendas de alquiler antes de 2027. La consejera "
    "presentó el plan en el antiguo cuartel de San Lázaro.\n\nLa oposición calificó el anuncio "
    "de propaganda electoral. Los inquilinos pidieron que se publiquen los plazos."
)
AR = (
    "قال الوزير إن الاقتصاد نما بنسبة خمسة في المئة خلال العام الماضي. وأضاف أن الحكومة ستعلن "
    "خطة جديدة للمياه العام المقبل.\n\nورفض المعارضون هذه الأرقام ووصفوها بأنها مبالغ فيها. "
    "وطالبوا بنشر تقرير مستقل."
)


def texts(body: str, language: str = "en") -> list[str]:
    return [body[span.start : span.end] for span in segment(body, language)]


def mapped(old: str, new: str, language: str = "en") -> RevisionMapping:
    return map_revision(old, segment(old, language), new, segment(new, language))


def index_of(body: str, starts: str, language: str = "en") -> int:
    found = [k for k, text in enumerate(texts(body, language)) if text.startswith(starts)]
    assert len(found) == 1, (starts, found)
    return found[0]


def assert_only(mapping: RevisionMapping, expected: dict[int, ClaimMapping | Outcome]) -> None:
    """Claims in ``expected`` as given; every other claim UNCHANGED."""
    for i, claim in enumerate(mapping.claims):
        want = expected.get(i, Outcome.UNCHANGED)
        if isinstance(want, Outcome):
            assert claim.outcome is want, (i, claim)
        else:
            assert (claim.outcome, claim.successors) == (want.outcome, want.successors), (i, claim)


# --- the outcomes ---------------------------------------------------------------------------


def test_identical_bodies_are_all_unchanged() -> None:
    for body, language in ((ARTICLE, "en"), (ES, "es"), (AR, "ar")):
        mapping = mapped(body, body, language)
        assert [claim.outcome for claim in mapping.claims] == [Outcome.UNCHANGED] * len(
            mapping.claims
        )
        assert [claim.successors for claim in mapping.claims] == [
            (k,) for k in range(len(mapping.claims))
        ]
        assert all(claim.confidence == 1.0 for claim in mapping.claims)
        assert mapping.new_only == []
        assert mapping.shared_share == 1.0


def test_empty_span_lists() -> None:
    both = map_revision("", [], "", [])
    assert (both.claims, both.new_only, both.shared_share) == ([], [], 1.0)
    fresh = map_revision("", [], ARTICLE, segment(ARTICLE))
    assert fresh.claims == []
    assert fresh.new_only == list(range(len(segment(ARTICLE))))
    assert fresh.shared_share == 0.0
    gone = map_revision(ARTICLE, segment(ARTICLE), "", [])
    assert {claim.outcome for claim in gone.claims} == {Outcome.REMOVED}
    assert gone.new_only == []
    assert gone.shared_share == 0.0


@pytest.mark.parametrize(
    ("old", "new", "language", "starts"),
    [
        (ARTICLE, ARTICLE.replace("housing", "hosuing"), "en", "The council"),  # typo
        (ARTICLE, ARTICLE.replace("5%", "7%"), "en", "Unemployment"),  # number
        (ARTICLE, ARTICLE.replace("three people", "three young people"), "en", "Police"),
        (ARTICLE, ARTICLE.replace(" twelve", ""), "en", "Voters"),  # word deleted
        (ES, ES.replace("12.000", "14.000"), "es", "El Gobierno"),
        (ES, ES.replace("propaganda", "propganda"), "es", "La oposición"),
        (AR, AR.replace("خمسة", "ستة"), "ar", "قال الوزير"),
        (AR, AR.replace("مستقل", "مستقلل"), "ar", "وطالبوا"),
    ],
)
def test_an_edited_sentence_is_changed_to_its_successor(
    old: str, new: str, language: str, starts: str
) -> None:
    i = index_of(old, starts, language)
    mapping = mapped(old, new, language)
    assert_only(mapping, {i: ClaimMapping(Outcome.CHANGED, (i,), 0)})
    assert mapping.claims[i].confidence >= 0.7
    assert mapping.new_only == []
    assert mapping.shared_share == 1.0


def test_quote_style_and_spacing_are_changed_with_high_confidence() -> None:
    old = ARTICLE.replace("the report said", "the ‘report’ said")
    new = ARTICLE.replace("the report said", "the 'report'  said")
    i = index_of(old, "Unemployment")
    mapping = mapped(old, new)
    assert_only(mapping, {i: ClaimMapping(Outcome.CHANGED, (i,), 0)})
    assert mapping.claims[i].confidence >= 0.95


def test_a_sentence_cut_in_two_is_split() -> None:
    old = ARTICLE.replace(
        "Police arrested three people after the protest in the city centre.",
        "Police arrested three people after the protest, which had started in the city centre.",
    )
    new = old.replace("the protest, which had", "the protest. It had")
    i = index_of(old, "Police")
    mapping = mapped(old, new)
    assert_only(mapping, {i: ClaimMapping(Outcome.SPLIT, (i, i + 1), 0)})
    assert mapping.new_only == []


def test_a_spanish_sentence_cut_in_two_is_split() -> None:
    old = ES.replace("La oposición calificó", "La oposición, reunida en el Parlamento, calificó")
    new = old.replace(
        "La oposición, reunida en el Parlamento, calificó",
        "La oposición se reunió en el Parlamento. Calificó",
    )
    i = index_of(old, "La oposición", "es")
    mapping = mapped(old, new, "es")
    assert_only(mapping, {i: ClaimMapping(Outcome.SPLIT, (i, i + 1), 0)})
    assert [claim.successors[0] for claim in mapping.claims[i + 1 :]] == [i + 2]


def test_two_sentences_joined_are_merged() -> None:
    new = ARTICLE.replace("in the city centre. A spokesman", "in the city centre; a spokesman")
    i = index_of(ARTICLE, "Police")
    mapping = mapped(ARTICLE, new)
    merged = ClaimMapping(Outcome.MERGED, (i,), 0)
    assert_only(mapping, {i: merged, i + 1: merged})
    assert mapping.claims[i].merged_with == (i, i + 1)
    assert mapping.claims[i + 1].merged_with == (i, i + 1)


def test_arabic_sentences_joined_are_merged() -> None:
    new = AR.replace("مبالغ فيها. وطالبوا", "مبالغ فيها؛ وطالبوا")
    i = index_of(AR, "ورفض", "ar")
    mapping = mapped(AR, new, "ar")
    merged = ClaimMapping(Outcome.MERGED, (i,), 0)
    assert_only(mapping, {i: merged, i + 1: merged})


def test_a_deleted_sentence_is_removed_and_an_added_one_is_new() -> None:
    new = ARTICLE.replace(" Officials expect the figure to fall next year.", "").replace(
        "Voters will", "Turnout was low last time. Voters will"
    )
    removed = index_of(ARTICLE, "Officials")
    mapping = mapped(ARTICLE, new)
    assert_only(mapping, {removed: Outcome.REMOVED})
    assert mapping.new_only == [index_of(new, "Turnout")]
    assert mapping.shared_share == pytest.approx(6 / 7)
    assert mapping.counts == {"unchanged": 6, "removed": 1}


def test_reordered_paragraphs_are_unchanged() -> None:
    new = "\n\n".join([P3, P1, P2])
    mapping = mapped(ARTICLE, new)
    old_texts, new_texts = texts(ARTICLE), texts(new)
    assert {claim.outcome for claim in mapping.claims} == {Outcome.UNCHANGED}
    for i, claim in enumerate(mapping.claims):
        assert new_texts[claim.successors[0]] == old_texts[i]
    assert mapping.shared_share == 1.0


def test_a_sentence_edited_inside_a_moved_paragraph_follows_it() -> None:
    new = "\n\n".join([P3, P1.replace("housing", "hosuing"), P2])
    i = index_of(ARTICLE, "The council")
    mapping = mapped(ARTICLE, new)
    assert_only(mapping, {i: ClaimMapping(Outcome.CHANGED, (index_of(new, "The council"),), 0)})


def test_a_heavy_rewording_goes_to_a_person_not_away() -> None:
    new = ARTICLE.replace(
        "Police arrested three people after the protest in the city centre.",
        "After the city centre protest, three people were detained by the police.",
    )
    i = index_of(ARTICLE, "Police")
    claim = mapped(ARTICLE, new).claims[i]
    assert claim.outcome in (Outcome.UNCERTAIN, Outcome.CHANGED)
    assert i in (claim.successors or claim.candidates[:1])


# --- what must not be guessed ---------------------------------------------------------------


def test_a_sentence_pasted_twice_in_a_row_is_not_guessed() -> None:
    spokesman = "A spokesman said the investigation was continuing."
    new = ARTICLE.replace(spokesman, f"{spokesman} {spokesman}")
    i = index_of(ARTICLE, "A spokesman")
    mapping = mapped(ARTICLE, new)
    assert_only(mapping, {i: Outcome.UNCERTAIN})
    assert mapping.claims[i].successors == ()
    assert set(mapping.claims[i].candidates) == {i, i + 1}


def test_a_copy_inserted_elsewhere_leaves_the_original_in_place() -> None:
    spokesman = "A spokesman said the investigation was continuing."
    new = ARTICLE.replace("Voters will", f"{spokesman} Voters will")
    i = index_of(ARTICLE, "A spokesman")
    mapping = mapped(ARTICLE, new)
    assert_only(mapping, {})
    assert mapping.claims[i].successors == (i,)
    assert mapping.new_only == [texts(new).index(spokesman, i + 1)]


def test_a_copy_whose_context_is_as_good_as_the_original_is_not_guessed() -> None:
    # The old neighbours now surround different copies: before one, after the other.
    before = "The mayor opened the new bridge on Friday."
    copied = "Traffic on the old road fell by a third."
    after = "Residents had waited twenty years for it."
    old = f"{before} {copied} {after}"
    new = (
        f"{before} {copied} A second bridge is planned for 2030.\n\n"
        f"Critics say the project ran over budget. {copied} {after}"
    )
    mapping = mapped(old, new)
    assert [claim.successors for claim in mapping.claims] == [(0,), (), (5,)]
    assert mapping.claims[1].outcome is Outcome.UNCERTAIN
    assert mapping.claims[1].candidates[:2] in ((1, 4), (4, 1))


def test_two_identical_captions_one_corrected() -> None:
    body = (
        "Workers lay new pipes near the town\nPhoto: Agnecy\n\nThe plan was announced on "
        "Sunday. It will cost 1.2 billion dollars.\n\nVolunteers hand out water in the east\n"
        "Photo: Agency\n\nThe previous government promised a similar plan."
    )
    new = body.replace("Agnecy", "Agency")
    mapping = mapped(body, new)
    assert_only(mapping, {1: ClaimMapping(Outcome.CHANGED, (1,), 0)})
    assert mapping.claims[5].successors == (5,)
    # And the other way: the two credit lines were identical, one got a typo.
    back = mapped(new, body)
    assert_only(back, {1: ClaimMapping(Outcome.CHANGED, (1,), 0)})


def test_a_look_alike_elsewhere_does_not_receive_a_deleted_claim() -> None:
    unemployment = "Unemployment rose 5% in 2020, the report said."
    new = "\n\n".join(
        [
            P1.replace(f" {unemployment}", ""),
            P2,
            P3 + " Unemployment rose 7% in 2020, the report said.",
        ]
    )
    i = index_of(ARTICLE, "Unemployment")
    look_alike = index_of(new, "Unemployment")
    mapping = mapped(ARTICLE, new)
    assert_only(mapping, {i: Outcome.UNCERTAIN})
    assert mapping.claims[i].candidates[0] == look_alike
    assert look_alike in mapping.new_only


def test_a_look_alike_elsewhere_is_not_silently_chosen_over_the_edit_in_place() -> None:
    new = "\n\n".join(
        [P1.replace("5%", "6%"), P2, P3 + " Unemployment rose 7% in 2020, the report said."]
    )
    i = index_of(ARTICLE, "Unemployment")
    look_alike = len(texts(new)) - 1
    claim = mapped(ARTICLE, new).claims[i]
    assert look_alike not in claim.successors
    # As close as the edit in place: a person decides, with both offered.
    assert claim.outcome is Outcome.UNCERTAIN
    assert set(claim.candidates[:2]) == {i, look_alike}


def test_a_similar_sentence_in_a_wide_gap_is_not_taken() -> None:
    # Position says nothing when the whole body changed: similarity alone must not do.
    old = f"{ARTICLE}\n\nPope Francis endorsed Donald Trump for president."
    spanish = article_text(DEMO_ARTICLES[0])
    middle = spanish.index("\n\n", len(spanish) // 2)
    new = (
        f"{spanish[:middle]}\n\nOprah Winfrey endorsed Donald Trump for president."
        f"{spanish[middle:]}"
    )
    pope = mapped(old, new).claims[-1]
    assert pope.successors == ()
    assert pope.outcome is Outcome.UNCERTAIN


def test_an_unrelated_article_shares_nothing() -> None:
    es, ar = (article_text(spec) for spec in DEMO_ARTICLES)
    mapping = map_revision(es, segment(es, "es"), ar, segment(ar, "ar"))
    assert mapping.shared_share < 0.3
    assert all(not claim.successors for claim in mapping.claims)


# --- word_diff and diff_revisions -----------------------------------------------------------


def rebuilt(pieces: list[tuple[str, str]]) -> tuple[str, str]:
    old = "".join(text for kind, text in pieces if kind in ("equal", "delete"))
    new = "".join(text for kind, text in pieces if kind in ("equal", "insert"))
    return old, new


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("Unemployment rose 5% in 2020.", "Unemployment rose 7% in 2021."),
        ("a b c", "a x y c"),
        ("  a  b\tc \n", "a b c"),
        ("", "something new"),
        ("all gone", ""),
        ("", ""),
        (AR, AR.replace("خمسة", "ستة").replace("المقبل", "القادم")),
        ("وقال المحافظ: «لن يبقى بيت بلا ماء».", "وقال المحافظ:  «لن يبقى بيت واحد بلا ماء»."),
        ("“Quoted,” he said.", '"Quoted," he said.'),
    ],
)
def test_word_diff_round_trips(old: str, new: str) -> None:
    pieces = word_diff(old, new)
    assert rebuilt(pieces) == (old, new)
    assert all(kind in ("equal", "insert", "delete") and text for kind, text in pieces)


@settings(max_examples=200)
@given(st.text(), st.text())
def test_word_diff_round_trips_on_any_text(old: str, new: str) -> None:
    assert rebuilt(word_diff(old, new)) == (old, new)


def test_word_diff_reads_as_words_replaced() -> None:
    assert word_diff("a b c", "a x y c") == [
        ("equal", "a "),
        ("delete", "b"),
        ("insert", "x y"),
        ("equal", " c"),
    ]
    assert word_diff("rose 5% in 2020", "rose 7% in 2020") == [
        ("equal", "rose "),
        ("delete", "5"),
        ("insert", "7"),
        ("equal", "% in 2020"),
    ]


def test_diff_revisions_rows_in_reading_order() -> None:
    old = (
        "First sentence stays here. Second sentence has a typo in it. Third one will be "
        "deleted soon.\n\nFourth sentence, which is long enough, will be split in two. "
        "Fifth stays too."
    )
    new = (
        "A brand new opening sentence. First sentence stays here. Second sentence has a typo "
        "on it.\n\nFourth sentence. Which is long enough, will be split in two. Fifth stays too."
    )
    rows = diff_revisions(old, segment(old), new, segment(new))
    assert [(row.kind, row.old_index, row.new_index) for row in rows] == [
        ("insert", None, 0),
        ("equal", 0, 1),
        ("change", 1, 2),
        ("delete", 2, None),  # where it was: after the row of the claim before it
        ("change", 3, 3),
        ("equal", 4, 5),
    ]
    assert rows[2].words == [
        ("equal", "Second sentence has a typo "),
        ("delete", "in"),
        ("insert", "on"),
        ("equal", " it."),
    ]
    split = rows[4]
    assert split.new_indexes == (3, 4)
    assert rebuilt(split.words) == (
        "Fourth sentence, which is long enough, will be split in two.",
        "Fourth sentence. Which is long enough, will be split in two.",
    )
    assert all(row.words == [] for row in rows if row.kind != "change")


def test_diff_revisions_of_empty_and_identical_bodies() -> None:
    assert diff_revisions("", [], "", []) == []
    rows = diff_revisions(ARTICLE, segment(ARTICLE), ARTICLE, segment(ARTICLE))
    assert [row.kind for row in rows] == ["equal"] * len(segment(ARTICLE))
    only_new = diff_revisions("", [], P1, segment(P1))
    assert [row.kind for row in only_new] == ["insert"] * 3


# --- generated revisions ------------------------------------------------------------------


def _revision(rng: random.Random, paragraphs: list[list[str]], claims: list[str]):
    """``paragraphs`` (of sentences) edited at random; the new paragraphs with, per
    sentence, the old indexes it continues, and the true successors of every old one.

    A small cousin of bench/revisions.py, kept here so the tests depend on no bench code.
    """
    units: list[list[tuple[str, tuple[int, ...]]]] = []
    number = 0
    for paragraph in paragraphs:
        units.append([(text, (number + u,)) for u, text in enumerate(paragraph)])
        number += len(paragraph)
    touched: set[int] = set()

    def pick() -> tuple[int, int]:
        options = [
            (p, u)
            for p, paragraph in enumerate(units)
            for u, (_, origin) in enumerate(paragraph)
            if len(origin) == 1 and origin[0] not in touched
        ]
        p, u = rng.choice(options)
        touched.add(units[p][u][1][0])
        return p, u

    for _ in range(rng.randint(1, 3)):
        operation = rng.choice(("typo", "number", "delete", "insert", "reorder", "merge"))
        if operation == "typo":
            p, u = pick()
            text, origin = units[p][u]
            words = [m for m in re.finditer(r"[^\W\d]{5,}", text)]
            if words:
                word = rng.choice(words)
                swapped = word.group()[0] + word.group()[2] + word.group()[1] + word.group()[3:]
                units[p][u] = (text[: word.start()] + swapped + text[word.end() :], origin)
        elif operation == "number":
            p, u = pick()
            text, origin = units[p][u]
            if re.search(r"\d", text):
                units[p][u] = (
                    re.sub(r"\d", lambda m: str((int(m.group()) + 1) % 10), text, count=1),
                    origin,
                )
        elif operation == "delete":
            p, u = pick()
            del units[p][u]
            if not units[p]:
                del units[p]
        elif operation == "insert":
            units.insert(0, [(rng.choice(claims), ())])
        elif operation == "reorder" and len(units) > 2:
            a, b = rng.sample(range(len(units)), 2)
            units[a], units[b] = units[b], units[a]
        elif operation == "merge":
            p, u = pick()
            if (
                u + 1 < len(units[p])
                and units[p][u][0].endswith(".")
                and len(units[p][u + 1][1]) == 1
            ):
                (one, first), (two, second) = units[p][u], units[p][u + 1]
                if second[0] not in touched:
                    touched.add(second[0])
                    units[p][u : u + 2] = [(one[:-1] + "; " + two, first + second)]
    return units


def test_generated_revisions_attach_nothing_to_a_wrong_sentence() -> None:
    rng = random.Random(20)
    sources = [(article_text(spec), spec.language) for spec in DEMO_ARTICLES]
    claims = [sentence for body, language in sources for sentence in texts(body, language)]
    checked = 0
    for attempt in range(40):
        body, language = sources[attempt % 2]
        spans = segment(body, language)
        paragraphs: list[list[str]] = [[]]
        for k, span in enumerate(spans):
            if k and "\n" in body[spans[k - 1].end : span.start]:
                paragraphs.append([])
            paragraphs[-1].append(body[span.start : span.end])
        old_body = "\n\n".join(" ".join(p) for p in paragraphs)
        if texts(old_body, language) != [t for p in paragraphs for t in p]:
            continue
        units = _revision(rng, paragraphs, [c for c in claims if c not in body])
        new_body = "\n\n".join(" ".join(text for text, _ in p) for p in units)
        flat = [unit for p in units for unit in p]
        if texts(new_body, language) != [text for text, _ in flat]:
            continue  # segment() cut an edited sentence elsewhere: no trustworthy truth
        old_texts = texts(old_body, language)
        mapping = mapped(old_body, new_body, language)
        for i, claim in enumerate(mapping.claims):
            truth = tuple(j for j, (_, origin) in enumerate(flat) if i in origin)
            if claim.outcome is Outcome.UNCERTAIN:
                continue
            assert claim.successors == truth, (attempt, i, claim, truth)
            if truth and flat[truth[0]][0] == old_texts[i]:
                assert claim.outcome is Outcome.UNCHANGED
        checked += 1
    assert checked >= 30
