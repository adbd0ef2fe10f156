"""The interface in the reader's language: who gets which language, and how dates,
numbers and percentages are written in it."""

from __future__ import annotations

import os
import re
import time
from datetime import date, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale, gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from factcheck import i18n
from factcheck.audit.models import AuditEvent
from factcheck.users.models import Role, User
from tests.conftest import post_form

HTML_TAG = re.compile(r'<html lang="([^"]+)" dir="([^"]+)">')


def _html_language(page: str) -> tuple[str, str]:
    match = HTML_TAG.search(page)
    assert match, "no <html lang dir>"
    return match.group(1), match.group(2)


def _translated(app: Flask, language: str, message: str) -> str:
    """``message`` in ``language`` as the shipped catalogue has it (it must differ)."""
    with app.test_request_context(), force_locale(language):
        text = gettext(message)
    assert text != message, f"{message!r} has no {language} translation"
    return text


def test_english_without_a_preference(client: FlaskClient) -> None:
    page = client.get("/login").get_data(as_text=True)
    assert _html_language(page) == ("en", "ltr")
    assert "Password" in page


@pytest.mark.parametrize(
    ("header", "language", "direction"),
    [
        ("es-ES,es;q=0.9,en;q=0.5", "es", "ltr"),
        ("ar-EG,ar;q=0.9", "ar", "rtl"),
        ("fr-FR,de;q=0.8", "en", "ltr"),  # nothing shipped matches: English
        ("en-GB,es;q=0.5", "en", "ltr"),  # the first choice, not the exact match
        ("de, ES-mx;q=0.7, ar;q=0.3", "es", "ltr"),
        ("*", "en", "ltr"),
    ],
)
def test_the_browser_language_chooses(
    app: Flask, client: FlaskClient, header: str, language: str, direction: str
) -> None:
    page = client.get("/login", headers={"Accept-Language": header}).get_data(as_text=True)
    assert _html_language(page) == (language, direction)
    if language != "en":
        assert _translated(app, language, "Password") in page


def test_a_users_choice_beats_the_browser(
    app: Flask, client: FlaskClient, db: Session, login
) -> None:
    user = login(Role.ANNOTATOR)
    english = {"Accept-Language": "en-US,en;q=0.9"}
    response = post_form(
        client, "/account/language", {"locale": "ar"}, token_from="/account", headers=english
    )
    assert response.status_code == 302
    page = client.get("/account", headers=english).get_data(as_text=True)
    assert _html_language(page) == ("ar", "rtl")
    # The confirmation is in the language just chosen.
    assert _translated(app, "ar", "The interface language is changed.") in page
    db.expire_all()
    assert db.get(User, user.id).locale == "ar"
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "user:language")).one()
    assert event.diff == {"locale": [None, "ar"]}

    # Nothing chosen: the browser's language again.
    post_form(client, "/account/language", {"locale": ""}, token_from="/account")
    page = client.get("/account", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert _html_language(page) == ("es", "ltr")
    db.expire_all()
    assert db.get(User, user.id).locale is None


def test_an_unknown_language_is_refused_and_nothing_changes(
    client: FlaskClient, db: Session, login
) -> None:
    user = login(Role.ANNOTATOR)
    before = db.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1))
    for value in ["xx", "es-ES", "<script>", "e" * 500]:
        response = post_form(client, "/account/language", {"locale": value}, token_from="/account")
        assert response.status_code == 422
        assert "Choose one of the listed languages." in response.get_data(as_text=True)
    db.expire_all()
    assert db.get(User, user.id).locale is None
    assert db.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1)) == before


def test_changing_language_needs_csrf_and_a_login(client: FlaskClient, login) -> None:
    # Refused before anything is read: no CSRF token (and no login).
    assert client.post("/account/language", data={"locale": "es"}).status_code == 400
    assert post_form(client, "/account/language", {"locale": "es"}).status_code == 302
    login(Role.ANNOTATOR)
    assert client.post("/account/language", data={"locale": "es"}).status_code == 400
    assert client.get("/account/language").status_code == 405


def test_api_errors_follow_accept_language(app: Flask, client: FlaskClient) -> None:
    response = client.get(
        "/api/v1/articles",
        headers={"Authorization": "Bearer nope", "Accept-Language": "es"},
    )
    assert response.status_code == 401
    message = response.get_json()["error"]["message"]
    english = client.get("/api/v1/articles", headers={"Authorization": "Bearer nope"})
    assert message != english.get_json()["error"]["message"]
    assert response.get_json()["error"]["code"] == english.get_json()["error"]["code"]


@pytest.mark.parametrize(
    ("language", "day", "moment", "number", "share"),
    [
        ("en", "Dec 7, 2026", "Dec 7, 2026, 5:01\u202fAM UTC", "12,345.5", "42%"),
        ("es", "7 dic 2026", "7 dic 2026, 5:01 UTC", "12.345,5", "42\u00a0%"),
        ("ar", "07\u200f/12\u200f/2026", "07\u200f/12\u200f/2026، 5:01 ص UTC", "12,345.5", "42%"),
    ],
)
def test_dates_numbers_and_percentages_in_the_locale(
    app: Flask, language: str, day: str, moment: str, number: str, share: str
) -> None:
    with app.test_request_context(headers={"Accept-Language": language}):
        assert i18n.local_date(date(2026, 12, 7)) == day
        assert i18n.local_datetime(datetime(2026, 12, 7, 5, 1, 30)) == moment
        assert i18n.local_number(12345.5) == number
        assert i18n.local_percent(0.42) == share
        assert i18n.local_date(None) == i18n.local_datetime(None) == i18n.local_number(None) == ""


def test_outside_a_request_everything_is_english(app: Flask) -> None:
    with app.app_context():
        assert i18n.current_language() == "en"
        assert i18n.select_locale() == "en"
        assert gettext("Password") == "Password"
        # Messages made outside a request (the CLI) format numbers and dates in English.
        assert i18n.local_number(12345.5) == "12,345.5"
        assert i18n.local_date(date(2026, 12, 7)) == "Dec 7, 2026"
    assert i18n.local_number(20000) == "20,000"  # no app at all


def test_a_catalogue_compiles_when_missing_or_stale(tmp_path) -> None:
    folder = tmp_path / "es" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    po = folder / "messages.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n\n'
        'msgid "Save"\nmsgstr "Guardar"\n\n'
        '#, fuzzy\nmsgid "Open"\nmsgstr "Abierto"\n',
        encoding="utf-8",
    )
    assert i18n.compile_catalogues(tmp_path) == [folder / "messages.mo"]
    assert i18n.compile_catalogues(tmp_path) == []  # up to date: left alone
    later = time.time() + 5
    os.utime(po, (later, later))
    assert i18n.compile_catalogues(tmp_path) == [folder / "messages.mo"]

    from babel.support import Translations

    with (folder / "messages.mo").open("rb") as file:
        translations = Translations(file)
    assert translations.gettext("Save") == "Guardar"
    assert translations.gettext("Open") == "Open"  # fuzzy entries are not used
    assert not list(folder.glob(".messages.*"))  # no temporary file left behind


#: Every page an admin reaches with the demo loaded (ids from the demo's order).
DEMO_PAGES = [
    "/no-such-page",
    "/articles",
    "/articles/{article}",
    "/claims/{claim}",
    "/articles/{article}/segmentation",
    "/articles/new",
    "/my-work",
    "/search?q=migrants",
    "/exports",
    "/imports",
    "/annotations/{annotation}",
    "/account",
    "/account/tokens",
    "/review",
    "/agreement",
    "/dashboard",
    "/articles/{article}/assignments",
    "/factchecks",
    "/factchecks/{factcheck}",
    "/factchecks/ratings",
    "/admin/users",
    "/admin/users/{user}",
    "/admin/verdicts",
    "/admin/verdicts/{verdict}",
    "/admin/audit",
    "/admin/restore",
    "/admin/publishing",
]


@pytest.mark.parametrize("language", ["es", "ar"])
def test_no_page_shows_an_english_message_in_another_language(
    app: Flask, client: FlaskClient, db: Session, language: str
) -> None:
    """What the catalogues translate is translated on every page: no sentence of the
    interface reaches a Spanish or Arabic reader in English (a label made at import time,
    a message joined in Python, a lazy string turned to text too early)."""
    from babel.messages.pofile import read_po

    from factcheck.annotations.models import Annotation
    from factcheck.annotations.states import AnnotationState
    from factcheck.factchecks.models import FactCheck
    from factcheck.verdicts.models import Verdict
    from tests.conftest import run_demo
    from tests.test_i18n_catalogues import _VisibleText

    run_demo(app)
    with (i18n.TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as file:
        catalogue = read_po(file, locale=language)
    # Sentences and phrases (two words or more) the catalogue words differently.
    english = {
        message.id
        for message in catalogue
        if isinstance(message.id, str)
        and message.string not in {"", message.id}
        and "%(" not in message.id
        and len(message.id.split()) >= 2
    }
    approved = db.scalars(
        select(Annotation).where(Annotation.state == AnnotationState.APPROVED)
    ).first()
    ids = {
        "article": approved.claim.article_id,
        "claim": approved.claim_id,
        "annotation": approved.id,
        "factcheck": db.scalar(select(FactCheck.id).order_by(FactCheck.id)),
        "user": db.scalar(select(User.id).where(User.email == "annotator@example.org")),
        "verdict": db.scalar(select(Verdict.id).order_by(Verdict.sort_order)),
    }
    headers = {"Accept-Language": language}
    left = {}

    def look(path: str, page: str) -> None:
        parser = _VisibleText()
        parser.feed(page)
        parser.close()
        shown = {" ".join(text.split()) for text in parser.found}
        if shown & english:
            left[path] = sorted(shown & english)

    login_page = client.get("/login", headers=headers).get_data(as_text=True)
    look("/login", login_page)
    token = re.search(r'name="csrf-token" content="([^"]+)"', login_page).group(1)
    password = app.config["DEMO_PASSWORD"]
    response = client.post(
        "/login",
        data={"email": "admin@example.org", "password": password, "csrf_token": token},
        headers=headers,
    )
    assert response.status_code == 302
    for path in DEMO_PAGES:
        response = client.get(path.format(**ids), headers=headers)
        assert response.status_code in {200, 404}, path
        look(path, response.get_data(as_text=True))
    assert left == {}
