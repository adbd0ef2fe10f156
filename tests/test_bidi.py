"""Text-direction overrides: refused in names and titles, shown visibly in long text."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from factcheck.annotations.models import Annotation
from factcheck.articles.models import Article
from factcheck.users.models import Role, User
from factcheck.verdicts.models import Verdict
from factcheck.web import visible_bidi
from tests.conftest import post_form

RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: "txt.exe" shown as "exe.txt"
SPOOF = f"Invoice{RLO}fdp.exe"


@pytest.mark.parametrize(
    "character", ["\u202a", "\u202b", "\u202c", "\u202d", RLO, "\u2066", "\u2069"]
)
def test_an_article_title_with_an_override_is_refused(client, login, db: Session, character):
    login()
    response = post_form(
        client,
        "/articles",
        {"title": f"Budget{character} news", "body": "It rained.", "language": "en"},
        token_from="/articles/new",
    )
    assert response.status_code == 422
    assert "text-direction character" in response.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(Article)) == 0


def test_marks_used_by_arabic_and_hebrew_names_are_kept(client, login, db: Session) -> None:
    login()
    title = "\u0645\u0631\u062d\u0628\u0627\u200f 2024"  # an Arabic word, RLM, a number
    response = post_form(
        client,
        "/articles",
        {"title": title, "body": "It rained.", "language": "ar"},
        token_from="/articles/new",
    )
    assert response.status_code == 302
    assert db.scalar(select(Article.title)) == title


def test_short_annotation_fields_refuse_overrides_and_long_ones_keep_them(
    client, login, db: Session, make_article
) -> None:
    login()
    claim = make_article().claims[0]
    refused = post_form(
        client,
        f"/claims/{claim.id}/annotation",
        {"claimant": SPOOF, "version": "", "action": "save"},
        token_from="/articles",
    )
    assert refused.status_code == 422
    assert "text-direction character" in refused.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(Annotation)) == 0

    saved = post_form(
        client,
        f"/claims/{claim.id}/annotation",
        {
            "claimant": "The minister",
            "rationale": f"The file is called {SPOOF} in the leak.",
            "sources-0-quote": f"quoted {RLO}text",
            "sources-0-stance": "context",
            "version": "",
            "action": "save",
        },
        token_from="/articles",
    )
    assert saved.status_code == 302
    annotation = db.scalar(select(Annotation))
    assert RLO in annotation.rationale and RLO in annotation.sources[0].quote  # kept as typed
    page = client.get(f"/annotations/{annotation.id}").get_data(as_text=True)
    assert RLO not in page  # shown as a marker, never obeyed
    assert page.count('<span class="bidi-control"') >= 2 and "[U+202E]" in page


def test_names_labels_and_token_names_refuse_overrides(client, login, db: Session) -> None:
    login(Role.ADMIN)
    users = db.scalar(select(func.count()).select_from(User))
    response = post_form(
        client,
        "/admin/users",
        {
            "email": "x@example.org",
            "name": f"Admin{RLO}",
            "role": "annotator",
            "password": "long password 1",
        },
        token_from="/admin/users",
    )
    assert response.status_code == 422 and "text-direction" in response.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(User)) == users
    verdicts = db.scalar(select(func.count()).select_from(Verdict))
    response = post_form(
        client,
        "/admin/verdicts",
        {"key": "spoof", "label": f"True{RLO}", "colour": "#123456"},
        token_from="/admin/verdicts",
    )
    assert response.status_code == 422 and "text-direction" in response.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(Verdict)) == verdicts
    response = post_form(
        client, "/account/tokens", {"name": f"ci{RLO}"}, token_from="/account/tokens"
    )
    assert response.status_code == 422 and "text-direction" in response.get_data(as_text=True)


def test_the_api_refuses_an_override_in_a_title(client, make_token) -> None:
    secret, _user = make_token()
    response = client.post(
        "/api/v1/articles",
        json={"title": SPOOF, "body": "It rained."},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["title"]


def test_visible_bidi_escapes_first() -> None:
    assert visible_bidi("<b>") == "&lt;b&gt;"
    assert str(visible_bidi(f"<i>{RLO}")) == (
        '&lt;i&gt;<span class="bidi-control" title="Text-direction control character">'
        "[U+202E]</span>"
    )
    assert visible_bidi(None) == ""


def test_the_article_picture_shows_overrides_as_markers(client, login, db, make_article):
    login()
    article = make_article(body=f"The file {SPOOF} was leaked.\n\nA second sentence here.")
    page = client.get(f"/articles/{article.id}").get_data(as_text=True)
    assert RLO not in page and "[U+202E]" in page
