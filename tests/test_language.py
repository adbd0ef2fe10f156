"""An article's language: detected at import when not given, and changed (splitting the
article again) until someone annotates it."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from factcheck.annotations.models import Annotation
from factcheck.articles.language import FALLBACK_LANGUAGE, detect_language
from factcheck.articles.models import Article
from factcheck.audit.models import AuditEvent
from tests.conftest import post_form

SAMPLES = {
    "es": "El Gobierno aseguró el lunes que construirá 10.000 viviendas antes de 2030, "
    "pero la oposición dijo que la cifra es mucho menor de lo prometido.",
    "de": "Die Regierung kündigte am Montag an, bis 2030 rund 10.000 Wohnungen zu bauen; "
    "Kritiker sagten, die Zahl sei deutlich niedriger als versprochen.",
    "fr": "Le gouvernement a annoncé lundi la construction de 10 000 logements d'ici 2030, "
    "mais l'opposition affirme que le chiffre est bien inférieur aux promesses.",
    "ar": "أعلنت الحكومة يوم الاثنين أنها ستبني عشرة آلاف مسكن بحلول عام 2030، لكن "
    "المعارضة قالت إن الرقم أقل بكثير مما وُعد به.",
    "pt": "O governo anunciou na segunda-feira que vai construir 10 mil casas até 2030, "
    "mas a oposição disse que o número é muito menor do que o prometido.",
    "ru": "Правительство в понедельник заявило, что построит 10 000 домов к 2030 году, "
    "но оппозиция считает, что это гораздо меньше обещанного.",
    "en": "The government said on Monday it would build 10,000 homes by 2030, but critics "
    "said the figure was far lower than promised.",
}


@pytest.mark.parametrize("language", sorted(SAMPLES))
def test_the_language_of_a_news_paragraph_is_detected(language: str) -> None:
    assert detect_language("", SAMPLES[language]) == language


@pytest.mark.parametrize("text", ["", "   ", "1234 5678", "—", "12.05.2024 – 3,5 %"])
def test_text_without_letters_falls_back(text: str) -> None:
    assert detect_language("", text) == FALLBACK_LANGUAGE


def test_a_word_or_two_gives_one_of_the_segmenters_languages() -> None:
    from factcheck.articles.language import DETECTED_LANGUAGES

    assert detect_language("OK", "") in DETECTED_LANGUAGES


def test_import_detects_the_language_when_none_is_given(
    client: FlaskClient, db: Session, login
) -> None:
    login()
    response = post_form(
        client,
        "/articles",
        {"title": "Viviendas", "body": SAMPLES["es"], "language": ""},
        token_from="/articles/new",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    article = db.scalar(select(Article).where(Article.title == "Viviendas"))
    assert article.language == "es"
    # A language the importer names is kept as given.
    response = post_form(
        client,
        "/articles",
        {"title": "Named", "body": SAMPLES["de"], "language": "de-AT"},
        token_from="/articles/new",
    )
    assert db.scalar(select(Article.language).where(Article.title == "Named")) == "de-AT"


def test_the_api_detects_too(client: FlaskClient, db: Session, make_token) -> None:
    secret, _user = make_token()
    response = client.post(
        "/api/v1/articles",
        json={"title": "Logements", "body": SAMPLES["fr"]},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["language"] == "fr"


def _change(client: FlaskClient, article: Article, language: str, expected: str | None = None):
    return post_form(
        client,
        f"/articles/{article.id}/language",
        {"language": language, "expected": expected or article.language},
        token_from=f"/articles/{article.id}/segmentation",
    )


def test_changing_the_language_splits_the_article_again_until_it_is_annotated(
    client: FlaskClient, app: Flask, db: Session, login, make_article
) -> None:
    user = login()
    article = make_article(user, body="Dr. Ana Silva spoke. The figure rose 4.5% last year.")
    before = [(c.start, c.end) for c in article.claims]
    page = client.get(f"/articles/{article.id}/segmentation").get_data(as_text=True)
    assert "Set the language and split again" in page
    response = _change(client, article, "pt")
    assert response.status_code == 302, response.get_data(as_text=True)
    db.expire_all()
    article = db.get(Article, article.id)
    assert article.language == "pt"
    assert [(c.start, c.end) for c in article.claims] and all(
        article.body[c.start : c.end].strip() for c in article.claims
    )
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "article:language"))
    assert event.diff["language"] == ["en", "pt"]
    assert event.diff["claims"][0] == len(before)

    # A stale form (someone changed it meanwhile) is refused, nothing changes.
    stale = _change(client, article, "es", expected="en")
    assert stale.status_code == 409
    assert db.get(Article, article.id).language == "pt"
    # Not a language tag: refused with a message beside the field.
    bad = _change(client, article, "Spanish!")
    assert bad.status_code == 422 and "language tag" in bad.get_data(as_text=True)

    # Once someone annotates a claim, the language no longer changes the claims.
    db.add(Annotation(claim_id=article.claims[0].id, annotator_id=user.id, claimant="x"))
    db.commit()
    page = client.get(f"/articles/{article.id}/segmentation").get_data(as_text=True)
    assert "no longer split again" in page
    refused = _change(client, article, "es")
    assert refused.status_code == 409
    db.expire_all()
    assert db.get(Article, article.id).language == "pt"
    assert db.scalar(select(Annotation.claim_id)) == article.claims[0].id


HINTED = [
    # (language, sentence, the hints it must have)
    ("de", "„Wir schaffen das“, sagte die Kanzlerin am Montag.", {"quote", "attribution", "date"}),
    ("de", "Die Zahl stieg um 1.234,5 Prozent im März.", {"number", "comparison", "date"}),
    ("fr", "« Nous avons réussi », a déclaré le ministre jeudi.", {"quote", "attribution", "date"}),
    ("fr", "Le chômage a atteint 1 234,5 milliers, plus qu'en 2019.", {"number", "comparison"}),
    ("es", "El paro bajó un 3,5 % en marzo, según el Gobierno.", {"number", "attribution", "date"}),
    ("pt", "O ministro disse que o desemprego caiu em março.", {"attribution", "comparison"}),
    ("it", "Il ministro ha dichiarato che la disoccupazione è salita a maggio.", {"attribution"}),
    ("nl", "De minister zei dat de werkloosheid in maart steeg.", {"attribution", "date"}),
    ("pl", "Minister powiedział, że bezrobocie wzrosło o 5 procent.", {"attribution", "number"}),
    ("ru", "Министр заявил, что безработица выросла в марте.", {"attribution", "date"}),
    ("uk", "Міністр заявив, що безробіття зросло у березні.", {"attribution", "date"}),
    ("tr", "Bakan, işsizliğin mart ayında arttığını söyledi.", {"attribution", "date"}),
    ("ar", "قال الوزير إن البطالة ارتفعت في مارس.", {"attribution", "comparison", "date"}),
    ("hi", "मंत्री ने कहा कि बेरोज़गारी मार्च में बढ़ी।", {"attribution", "date"}),
    ("zh", "发言人表示，失业率比去年下降了百分之三。", {"attribution", "comparison", "number"}),
    ("ja", "首相は「景気は回復している」と述べた。", {"quote", "attribution"}),
]


@pytest.mark.parametrize(("language", "sentence", "expected"), HINTED)
def test_hints_read_the_articles_language(language: str, sentence: str, expected: set) -> None:
    from factcheck.articles.hints import claim_hints

    found = {name[4:] for name, value in claim_hints(sentence, language).items() if value}
    assert expected <= found, (language, found)


def test_english_hints_are_unchanged_and_other_languages_do_not_borrow_english_words() -> None:
    from factcheck.articles.hints import claim_hints

    assert claim_hints("He will march on.") == dict.fromkeys(
        ("has_number", "has_quote", "has_attribution", "has_comparison", "has_date"), False
    )
    assert claim_hints("It happened in May 2020, officials said.")["has_attribution"]
    # "said" is English: a German sentence quoting it is not attributed by that word.
    assert not claim_hints("Der Film heißt said.", "de")["has_attribution"]
    # A language without word lists still finds digits, quotes and numeric dates.
    hints = claim_hints("«Ni wakati» 12.05.2024 — 40", "sw")
    assert hints["has_number"] and hints["has_quote"] and hints["has_date"]
    # Chinese: a lone 一 is in countless words; two numerals make a number.
    assert not claim_hints("这是统一的看法。", "zh")["has_number"]
    assert claim_hints("共有三千人参加。", "zh")["has_number"]


def test_an_imported_article_gets_its_languages_hints(db: Session, make_article, make_user) -> None:
    article = make_article(
        make_user(), body="„Wir schaffen das“, sagte die Kanzlerin am Montag in Berlin."
    )
    assert article.language == "de"
    claim = article.claims[0]
    assert claim.has_quote and claim.has_attribution and claim.has_date
