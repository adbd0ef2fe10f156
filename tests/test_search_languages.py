"""Search in each article's language: stemmed its way, filtered by it, kept current.

On both databases (the ``db`` fixture is parametrized over SQLite and PostgreSQL): a
Spanish, German or Arabic article is found by another form of its words, as its
language's stemmer groups them; English behaves as it always did; the language filter
narrows the matching and its counts keep to blind annotation; an article's new language
re-indexes its entries; the API takes the filter and refuses a bad one clearly.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from factcheck.annotations.models import Annotation
from factcheck.annotations.states import AnnotationState as S
from factcheck.articles.models import Article
from factcheck.db import utcnow
from factcheck.errors import ValidationFailed
from factcheck.search.index import drift, rebuild_all
from factcheck.search.languages import present_languages, primary_subtag, stems
from factcheck.search.models import SearchEntry
from factcheck.search.operations import SearchFilters, search
from factcheck.search.query import parse_query
from factcheck.users.models import Role, User

ENGLISH = "The council said it would build 500 affordable homes next year."
SPANISH = "El gobierno construirá la vivienda social en Valladolid."
GERMAN = "Die Regierung baut neue Häuser und Wohnungen in Leipzig."
ARABIC = "أعلنت الوزارة عن الكتاب الجديد في القاهرة."


def _import(db: Session, app: Flask, actor: User | None, body: str, language: str) -> Article:
    from factcheck.articles.operations import import_article

    return import_article(
        db,
        actor,
        title=f"{language} report",
        body=body,
        language=language,
        max_chars=app.config["MAX_ARTICLE_CHARS"],
    )


@pytest.fixture
def polyglot(db: Session, app: Flask, make_user) -> dict[str, Any]:
    """One article each in English, Spanish (as "es-MX"), German and Arabic; Ana's
    submitted annotation of the Spanish claim, Bo's draft of the German one."""
    ana = make_user(Role.ANNOTATOR, name="Ana Annotator")
    bo = make_user(Role.ANNOTATOR, name="Bo Newcomer")
    rui = make_user(Role.REVIEWER, name="Rui Reviewer")
    articles = {
        "en": _import(db, app, ana, ENGLISH, "en"),
        "es": _import(db, app, ana, SPANISH, "es-MX"),
        "de": _import(db, app, ana, GERMAN, "de"),
        "ar": _import(db, app, ana, ARABIC, "ar"),
    }
    db.add_all(
        [
            Annotation(
                claim_id=articles["es"].claims[0].id,
                annotator_id=ana.id,
                state=S.SUBMITTED,
                submitted_at=utcnow(),
                rationale="Los presupuestos municipales contradicen la promesa.",
            ),
            Annotation(
                claim_id=articles["de"].claims[0].id, annotator_id=bo.id, rationale="Entwurf."
            ),
        ]
    )
    db.commit()
    return {"ana": ana, "bo": bo, "rui": rui, **articles}


def found(db: Session, viewer: User, text: str, **filters: Any) -> set[int]:
    results = search(db, viewer, text, SearchFilters(**filters), limit=100)
    return {hit.article.id for hit in results.hits}


def counts(db: Session, viewer: User, text: str, **filters: Any) -> dict[str, int]:
    results = search(db, viewer, text, SearchFilters(**filters))
    return {value: count for value, _label, count in results.facets.get("language", [])}


# -- matching --------------------------------------------------------------------------


def test_the_languages_are_read_from_the_articles(db: Session, polyglot) -> None:
    assert present_languages(db) == ("en", "ar", "de", "es")
    languages = dict(
        db.execute(select(SearchEntry.article_id, SearchEntry.language).distinct()).all()
    )
    assert languages == {
        polyglot["en"].id: None,
        polyglot["es"].id: "es",
        polyglot["de"].id: "de",
        polyglot["ar"].id: "ar",
    }


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("es", ["viviendas", "vivienda", "construir", "construirán", "construira", "VALLADOLID"]),
        ("de", ["Wohnung", "Haus", "hauser", "Häusern", "neuen Wohnungen"]),
        ("ar", ["كتاب", "الكتاب", "القاهرة"]),
        ("en", ["home", "homes", "building", "affordable", "council"]),
    ],
)
def test_each_article_is_found_by_its_languages_word_forms(
    db: Session, polyglot, language: str, words: list[str]
) -> None:
    for word in words:
        assert found(db, polyglot["rui"], word) == {polyglot[language].id}, word


def test_a_word_is_stemmed_in_every_language_there_is(db: Session, polyglot) -> None:
    rui = polyglot["rui"]
    # "homes" is an English word and "vivienda" a Spanish one: each finds its article.
    assert found(db, rui, "homes OR vivienda") == {polyglot["en"].id, polyglot["es"].id}
    assert found(db, rui, "construir -Valladolid") == set()
    # An excluded word is excluded in its article's language too ("construirá").
    assert found(db, rui, "vivienda -construir") == set()
    assert found(db, rui, "vivienda -Leipzig") == {polyglot["es"].id}
    assert found(db, rui, '"vivienda social"') == {polyglot["es"].id}
    assert found(db, rui, "vivien*") == {polyglot["es"].id}


def test_hindi_words_keep_their_vowel_signs(db: Session, app: Flask, make_user) -> None:
    ana = make_user(Role.ANNOTATOR)
    article = _import(db, app, ana, "सरकार ने नए घरों का वादा किया।", "hi")
    _import(db, app, ana, ENGLISH, "en")
    db.commit()
    for word in ("घर", "घरों", "सरकारों", "वादा"):
        assert found(db, ana, word) == {article.id}, word


def test_the_snippet_marks_the_word_as_written(db: Session, polyglot) -> None:
    [hit] = search(db, polyglot["rui"], "construir").hits
    assert "<mark>construirá</mark>" in str(hit.snippet)
    [hit] = search(db, polyglot["rui"], "Wohnung").hits
    assert "<mark>Wohnungen</mark>" in str(hit.snippet)


def test_english_reads_as_it_always_did(db: Session, app: Flask, make_user) -> None:
    """English alone: no language in the entries, and on SQLite no stems."""
    ana = make_user(Role.ANNOTATOR)
    _import(db, app, ana, ENGLISH, "en-GB")
    db.commit()
    assert present_languages(db) == ("en",)
    entries = db.execute(
        select(SearchEntry.language, SearchEntry.heading_stems, SearchEntry.body_stems)
    ).all()
    assert entries and set(entries) == {(None, None, None)}
    assert len(found(db, ana, "home")) == 1
    assert search(db, ana, "home").facets.get("language") is None


def test_sqlite_stems_only_what_is_not_english() -> None:
    assert stems("es", "Las viviendas se construirán") == "las viviend se constru"
    assert stems(None, "Homes") is None
    assert stems("pl", "Mieszkania") is None
    assert primary_subtag("pt-BR") == "pt"


# -- the language filter ---------------------------------------------------------------


def test_the_filter_narrows_and_counts(db: Session, polyglot) -> None:
    rui = polyglot["rui"]
    # A listing: every language counted, each count what its filter leaves.
    listed = counts(db, rui, "")
    assert listed == {"en": 1, "es": 1, "de": 1, "ar": 1}
    for language, count in listed.items():
        assert len(found(db, rui, "", language=language)) == count
    # A word several languages share: counted by language, each filter leaving its own.
    assert counts(db, rui, "Valladolid OR Leipzig") == {"es": 1, "de": 1}
    assert found(db, rui, "Valladolid OR Leipzig", language="de") == {polyglot["de"].id}
    assert counts(db, rui, "Valladolid OR Leipzig", language="de") == {"de": 1}
    # The filter stems the words its language's way alone: Spanish does not find German.
    assert found(db, rui, "Wohnung", language="es") == set()
    assert found(db, rui, "home", language="es") == set()
    assert found(db, rui, "viviendas", language="es") == {polyglot["es"].id}
    assert found(db, rui, "homes", language="en") == {polyglot["en"].id}
    # A tag names its primary subtag's articles.
    assert found(db, rui, "", language="es") == {polyglot["es"].id}


def test_the_filter_counts_keep_to_blind_annotation(db: Session, polyglot) -> None:
    rui, bo, ana = polyglot["rui"], polyglot["bo"], polyglot["ana"]
    # Ana's annotation of the Spanish claim is the only place "presupuestos" is written.
    assert counts(db, rui, "presupuesto") == {"es": 1}
    assert counts(db, ana, "presupuesto") == {"es": 1}
    # Bo has not annotated that claim: hidden from him, in results and counts.
    assert found(db, bo, "presupuesto") == set()
    assert counts(db, bo, "presupuesto") == {}
    assert found(db, bo, "presupuesto", language="es") == set()
    # Bo's own draft is his, in German; nobody else finds it.
    assert counts(db, bo, "Entwurf") == {"de": 1}
    assert counts(db, rui, "Entwurf") == {}


def test_a_filter_in_a_language_no_article_is_in_is_refused(db: Session, polyglot) -> None:
    with pytest.raises(ValidationFailed) as refused:
        search(db, polyglot["rui"], "vivienda", SearchFilters(language="fr"))
    assert refused.value.fields["language"]


# -- keeping it current ----------------------------------------------------------------


def test_a_new_language_reindexes_the_article(db: Session, app: Flask, make_user) -> None:
    from factcheck.workspace.corrections import change_language

    ana = make_user(Role.ANNOTATOR)
    article = _import(db, app, ana, SPANISH, "en")
    db.commit()
    assert found(db, ana, "construir") == set()
    change_language(db, ana, article, language="es", expected="en")
    db.commit()
    assert found(db, ana, "construir") == {article.id}
    assert set(db.scalars(select(SearchEntry.language).distinct())) == {"es"}
    assert drift(db.connection()) == 0


def test_an_entry_in_a_stale_language_is_drift(db: Session, polyglot) -> None:
    assert drift(db.connection()) == 0
    db.execute(update(SearchEntry).values(language=None))
    assert drift(db.connection()) > 0
    report = rebuild_all(db.connection())
    assert report.fixed > 0 and drift(db.connection()) == 0
    assert found(db, polyglot["rui"], "viviendas") == {polyglot["es"].id}


def test_an_articles_language_changed_alone_reindexes_its_entries(db: Session, polyglot) -> None:
    """However the language changes, every entry of the article follows it (its claims'
    and annotations' too)."""
    article = polyglot["es"]
    article.language = "pt"
    db.commit()
    entries = db.execute(
        select(SearchEntry.kind, SearchEntry.language).where(SearchEntry.article_id == article.id)
    ).all()
    assert {kind.value for kind, _ in entries} == {"article", "claim", "annotation"}
    assert {language for _, language in entries} == {"pt"}
    assert drift(db.connection()) == 0


# -- the page and the API --------------------------------------------------------------


def test_the_page_offers_the_languages(client: FlaskClient, login, polyglot) -> None:
    login(Role.REVIEWER)
    page = client.get("/search?q=Valladolid+OR+Leipzig").get_data(as_text=True)
    assert 'name="language"' in page and '<option value="es"' in page
    assert "Spanish" in page and "German" in page
    narrowed = client.get("/search?q=Valladolid+OR+Leipzig&language=es")
    assert narrowed.status_code == 200
    assert "1 result" in narrowed.get_data(as_text=True)
    assert client.get("/search?q=vivienda&language=fr").status_code == 422
    assert client.get("/search?q=vivienda&language=no%20tag").status_code == 422


def test_one_language_offers_no_choice(client: FlaskClient, login, make_article) -> None:
    user = login(Role.REVIEWER)
    make_article(user)
    page = client.get("/search?q=homes").get_data(as_text=True)
    assert 'name="language"' not in page


def _api(client: FlaskClient, secret: str, query: str) -> Any:
    return client.get(f"/api/v1/search?{query}", headers={"Authorization": f"Bearer {secret}"})


def test_the_api_filters_by_language(client: FlaskClient, db: Session, polyglot) -> None:
    from factcheck.users.tokens import create_token

    _token, secret = create_token(db, polyglot["rui"], "languages")
    db.commit()
    body = _api(client, secret, "q=Valladolid%20OR%20Leipzig").get_json()
    assert body["total"] == 2 and body["languages"] == ["en", "ar", "de", "es"]
    assert {f["value"]: f["count"] for f in body["facets"]["language"]} == {"es": 1, "de": 1}
    narrowed = _api(client, secret, "q=viviendas&language=es-ES").get_json()
    assert [item["article_id"] for item in narrowed["items"]] == [polyglot["es"].id]
    for bad in ("fr", "x", "1234", "es_ES", "e" * 40, "es-" + "x" * 20):
        refused = _api(client, secret, f"q=vivienda&language={bad}")
        assert refused.status_code == 422, bad
        assert refused.get_json()["error"]["fields"]["language"], bad


def test_the_openapi_document_names_the_filter(client: FlaskClient, db: Session) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    parameters = document["paths"]["/api/v1/search"]["get"]["parameters"]
    [language] = [p for p in parameters if p["name"] == "language"]
    assert language["schema"]["pattern"]


def test_the_query_reads_words_with_their_marks() -> None:
    assert str(parse_query("नमस्ते")) == "नमस्ते"
