"""Claims in another language than the library: which of their matches are shown.

The reranker's probability is far too low for a translation (it reads shared words and
an English-only encoder), so a claim in another language than its best match gets that
match as a suggestion when the ranking model puts it clearly above every other entry
(``matching.CROSS_LANGUAGE_GAP``); claims in the entry's own language keep the
reranker's levels.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from factcheck.factchecks import matching
from factcheck.factchecks.library import TableOptions, import_library_file
from factcheck.factchecks.matching import Match, Strength, match_text
from factcheck.factchecks.models import FactCheck

ENTRIES = [
    (
        "Vladimir Putin secretly met Angela Merkel in Berlin to plan a gas deal.",
        "Putin and Merkel?",
    ),
    ("A gas pipeline from Norway will heat every home in Germany for free.", "Free Heating?"),
    ("The mayor of Springfield banned snow shovels in 2019.", "Snow Shovel Ban?"),
    ("One bowl of porridge a day halves the risk of a heart attack.", "Porridge Cure?"),
    ("Vladimir Putin was photographed riding a bear in Siberia.", "Putin on a Bear?"),
    ("Angela Merkel said refugees must learn to cook sausages.", "Merkel on Sausages"),
    ("A photograph shows a flooded subway station in New York.", "Flooded Subway?"),
    ("Drinking hot water with lemon cures the flu.", "Lemon Water Cure?"),
    ("Berlin will ban all cars from its city centre next year.", "Berlin Car Ban?"),
    ("A video shows a shark swimming on a flooded highway.", "Highway Shark?"),
    ("Kiwis imported from China contain dangerous growth hormones.", "Chinese Kiwis?"),
    ("The University of Toronto is closing its Mississauga campus because of protests.", "Campus?"),
    ("Starbucks will give free coffee to every customer in Texas on Friday.", "Free Coffee?"),
    ("Lionel Messi bought a castle in Scotland for 40 million pounds.", "Messi Castle?"),
    ("Elon Musk said Tesla will open a factory in Kenya.", "Tesla in Kenya?"),
    ("Students in Ohio were forced to recite an Islamic prayer.", "Prayer in Ohio?"),
]
LIBRARY = "\tvclaim\ttitle\n" + "".join(
    f"{number}\t{claim}\t{title}\n" for number, (claim, title) in enumerate(ENTRIES, start=1)
)


def _library(db: Session, language: str | None = None) -> dict[str, int]:
    options = TableOptions(
        columns={"external_id": "0", "claim": "vclaim", "headline": "title"},
        publisher="Snopes",
        language=language,
    )
    report = import_library_file(db, None, "v.tsv", LIBRARY.encode(), options)
    assert report.ok, report.problems
    db.commit()
    return dict(db.execute(select(FactCheck.external_id, FactCheck.id)).all())


#: Translations of entries whose probability stays below the suggestion level.
TRANSLATIONS = [
    ("Les kiwis en provenance de Chine contiennent des hormones de croissance dangereuses.", "11"),
    ("Los kiwis importados de China contienen hormonas de crecimiento peligrosas.", "11"),
    ("La Universidad de Toronto cierra su campus de Mississauga a causa de las protestas.", "12"),
    ("Die Universität Toronto schließt ihren Campus in Mississauga wegen Protesten.", "12"),
]


@pytest.mark.parametrize(("text", "entry"), TRANSLATIONS)
def test_a_translation_of_an_entry_is_shown_as_a_suggestion(
    db: Session, text: str, entry: str
) -> None:
    ids = _library(db)
    [best, *others] = match_text(db, text)
    assert best.factcheck.id == ids[entry]
    # Its own probability would hide it ...
    assert best.score < matching.SUGGESTION_SCORE
    # ... the cross-language rule shows it, and nothing else.
    assert best.across_languages
    assert best.strength is Strength.SUGGESTION
    assert all(match.strength is None for match in others)
    assert [m.factcheck.id for m in match_text(db, text, shown_only=True)] == [ids[entry]]


def test_an_arabic_claim_shown_on_its_probability_keeps_it(db: Session) -> None:
    ids = _library(db)
    [best, *_] = match_text(db, "قال إيلون ماسك إن تسلا ستفتح مصنعاً في كينيا.")
    assert best.factcheck.id == ids["15"]
    assert best.score >= matching.SUGGESTION_SCORE
    assert not best.across_languages
    assert best.strength is Strength.SUGGESTION


@pytest.mark.parametrize(
    "text",
    [
        "El precio del pan subió un 30 % en Madrid este mes, según el Gobierno.",
        "La ministra de Sanidad anunció nuevas vacunas para los niños en los colegios.",
        "Die Regierung will die Steuern für Familien im nächsten Jahr senken.",
        "Le gouvernement veut augmenter les impôts des entreprises l'année prochaine.",
        "سيرتفع سعر الخبز في القاهرة الشهر المقبل بحسب الحكومة.",
    ],
)
def test_an_unrelated_foreign_claim_shows_nothing(db: Session, text: str) -> None:
    _library(db)
    assert match_text(db, text)  # ranked all the same ...
    assert match_text(db, text, shown_only=True) == []  # ... but nothing shown


ENGLISH = [
    # Below the suggestion level, yet far ahead of the rest: the rule's language test is
    # all that keeps it hidden, as it was.
    "Musk plans a Kenyan car plant.",
    "Hormones found in fruit shipped from China.",
    "Putin and Merkel held secret gas talks.",
    "The president said unemployment fell to a record low last month.",
    "Messi owns a Scottish castle.",
]


def test_english_claims_are_shown_what_they_were(
    db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    _library(db)
    with_rule = {
        text: [(m.factcheck.id, m.score, m.strength) for m in match_text(db, text)]
        for text in ENGLISH
    }
    assert not any(m.across_languages for text in ENGLISH for m in match_text(db, text))
    # The first case does stand far apart (so the rule was tried, and declined).
    first, runner_up, *_ = match_text(db, ENGLISH[0])
    assert first.strength is None
    assert first.order - runner_up.order >= matching.CROSS_LANGUAGE_GAP
    monkeypatch.setattr(matching, "CROSS_LANGUAGE_GAP", float("inf"))
    without_rule = {
        text: [(m.factcheck.id, m.score, m.strength) for m in match_text(db, text)]
        for text in ENGLISH
    }
    assert with_rule == without_rule


def test_entries_stated_in_the_claims_language_keep_the_rerankers_levels(db: Session) -> None:
    # The same library stated to be Spanish: a Spanish claim is then matched within its
    # language, where the cross-language rule has no say.
    _library(db, language="es")
    text = TRANSLATIONS[1][0]
    [best, *_] = match_text(db, text)
    assert not best.across_languages
    assert best.strength is None


def _match(claim: str, *, score: float, order: float, language: str = "") -> Match:
    return Match(FactCheck(claim=claim, headline="", language=language), score, order)


def test_the_rule_reads_the_gap_the_level_and_both_languages() -> None:
    text = "Los kiwis importados de China contienen hormonas de crecimiento peligrosas."
    english = "Kiwis imported from China contain dangerous growth hormones."
    runner_up = _match("A video shows a shark swimming on a flooded highway.", score=0, order=0)
    shown = matching._shown_across_languages
    gap = matching.CROSS_LANGUAGE_GAP
    assert shown(text, _match(english, score=0.01, order=gap), runner_up)
    assert not shown(text, _match(english, score=0.01, order=gap - 0.1), runner_up)
    # Already shown on its probability: nothing to add.
    assert not shown(text, _match(english, score=0.3, order=gap), runner_up)
    # No runner-up to stand apart from.
    assert not shown(text, _match(english, score=0.01, order=gap), None)
    # The entry's language as stated, else as detected; the same as the claim's: no rule.
    assert not shown(text, _match(english, score=0.01, order=gap, language="es-ES"), runner_up)
    assert not shown(text, _match(text, score=0.01, order=gap), runner_up)
    assert shown(text, _match(text, score=0.01, order=gap, language="en"), runner_up)
    assert not shown(english, _match(english, score=0.01, order=gap), runner_up)
