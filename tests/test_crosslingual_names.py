"""Claims in Arabic script find English fact-checks by the names they share."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from factcheck.factchecks import matching
from factcheck.factchecks.library import TableOptions, import_library_file
from factcheck.factchecks.matching import match_text, transliterated_names
from factcheck.factchecks.models import FactCheck
from factcheck.factchecks.terms import (
    arabic_name_keys,
    arabic_words,
    latin_name_keys,
    spelling_distance,
)

#: Names as English writes them and as Arabic news writes them.
RENDERINGS = [
    ("Putin", "بوتين"),
    ("Merkel", "ميركل"),
    ("Vladimir", "فلاديمير"),
    ("Zuckerberg", "زوكربيرغ"),
    ("Facebook", "فيسبوك"),
    ("Google", "جوجل"),
    ("Starbucks", "ستاربكس"),
    ("Pelosi", "بيلوسي"),
    ("London", "لندن"),
    ("Paris", "باريس"),
    ("Texas", "تكساس"),
    ("California", "كاليفورنيا"),
    ("Qatar", "قطر"),
    ("Omar", "عمر"),
    ("Ilhan", "إلهان"),
    ("Kenya", "كينيا"),
    ("Twitter", "تويتر"),
    ("Bernie", "بيرني"),
    ("Sanders", "ساندرز"),
]


@pytest.mark.parametrize(("latin", "arabic"), RENDERINGS)
def test_a_name_and_its_arabic_rendering_share_a_key(latin: str, arabic: str) -> None:
    assert latin_name_keys(latin) & arabic_name_keys(arabic)


def test_prefixes_and_the_article_are_read_off_and_vowel_marks_ignored() -> None:
    assert latin_name_keys("Putin") & arabic_name_keys("لبوتين")  # "for Putin"
    assert latin_name_keys("Mexico") & arabic_name_keys("والمكسيك")  # "and Mexico"
    assert latin_name_keys("Iraq") & arabic_name_keys("العراق")
    assert arabic_name_keys("بُوتِين") == arabic_name_keys("بوتين")
    # A word beginning with the article is not read as a name beginning with "Al".
    assert not any(key.startswith("Vl") for key in arabic_name_keys("المكسيك"))


def test_function_words_and_feminine_nouns_are_no_names() -> None:
    assert arabic_name_keys("الذي") == frozenset()
    assert arabic_name_keys("قالت") == frozenset()
    # "A visit" ends in ة, as Arabic nouns do and foreign names do not.
    assert arabic_name_keys("زيارة") == frozenset()


def test_the_nearest_spelling_is_the_rendered_name() -> None:
    assert spelling_distance("ميركل", "merkel") < spelling_distance("ميركل", "marcel")
    assert spelling_distance("برلين", "berlin") < spelling_distance("برلين", "brooklyn")
    assert spelling_distance("بوتين", "putin") == 0.0
    assert spelling_distance("بوتين", "123") == float("inf")


def test_arabic_words_are_found_whole() -> None:
    assert arabic_words("زار بوتينُ Berlin في 2020 بوتين") == ["زار", "بوتين", "في"]
    assert arabic_words("Putin visited Berlin in 2020") == []


LIBRARY = "\tvclaim\ttitle\n" + "".join(
    f"{number}\t{claim}\t{title}\n"
    for number, (claim, title) in enumerate(
        [
            (
                "Vladimir Putin secretly met Angela Merkel in Berlin to plan a gas deal.",
                "Did Putin Meet Merkel?",
            ),
            (
                "A gas pipeline from Norway will heat every home in Germany for free.",
                "Free Heating From Norway?",
            ),
            ("The mayor of Springfield banned snow shovels in 2019.", "Snow Shovel Ban?"),
            ("One bowl of porridge a day halves the risk of a heart attack.", "Porridge Cure?"),
            ("Vladimir Putin was photographed riding a bear in Siberia.", "Putin on a Bear?"),
            ("Angela Merkel said refugees must learn to cook sausages.", "Merkel on Sausages"),
            ("A photograph shows a flooded subway station in New York.", "Flooded Subway?"),
            ("Drinking hot water with lemon cures the flu.", "Lemon Water Cure?"),
            ("Berlin will ban all cars from its city centre next year.", "Berlin Car Ban?"),
            ("A video shows a shark swimming on a flooded highway.", "Highway Shark?"),
        ],
        start=1,
    )
)


def _library(db: Session) -> dict[str, int]:
    options = TableOptions(
        columns={"external_id": "0", "claim": "vclaim", "headline": "title"}, publisher="Snopes"
    )
    report = import_library_file(db, None, "v.tsv", LIBRARY.encode(), options)
    assert report.ok, report.problems
    db.commit()
    return dict(db.execute(select(FactCheck.external_id, FactCheck.id)).all())


def test_an_arabic_claim_finds_the_english_fact_check_naming_the_same_people(
    db: Session,
) -> None:
    ids = _library(db)
    # "Putin met Merkel in Berlin secretly": no word in common with the library but the
    # names, which Arabic writes in its own script.
    spelled = transliterated_names(db, "التقى بوتين سراً بميركل في برلين")
    assert {"putin", "merkel", "berlin"} <= set().union(*spelled.values())
    [best, *_] = match_text(db, "التقى بوتين سراً بميركل في برلين")
    assert best.factcheck.id == ids["1"]


def test_a_title_case_headline_or_a_common_word_is_not_taken_for_a_name(db: Session) -> None:
    _library(db)
    # "Free" and "Heating" are capitalised in a headline only; "gas" is no name.
    assert transliterated_names(db, "فري هيتينغ غاز") == {}


def test_an_english_claim_is_matched_as_before(
    db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    _library(db)
    query = "Putin and Merkel met in Berlin about gas, and Norway's pipeline heats Germany"
    assert transliterated_names(db, query) == {}
    with_names = [(m.factcheck.id, m.score) for m in match_text(db, query)]
    monkeypatch.setattr(matching, "transliterated_names", lambda session, text: {})
    assert [(m.factcheck.id, m.score) for m in match_text(db, query)] == with_names


def test_the_names_follow_the_library(db: Session) -> None:
    _library(db)
    assert transliterated_names(db, "كاليفورنيا") == {}
    options = TableOptions(columns={"external_id": "0", "claim": "vclaim"}, publisher="Snopes")
    added = "\tvclaim\n11\tWildfires in California were started by a laser from space.\n"
    assert import_library_file(db, None, "more.tsv", added.encode(), options).ok
    db.commit()
    assert transliterated_names(db, "كاليفورنيا") == {"كاليفورنيا": ["california"]}
