"""Adding articles, the list with progress, the article and claim pages."""

from __future__ import annotations

import io
import re
from urllib.parse import urlencode

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from factcheck.articles.models import Article, Claim, ClaimKind
from factcheck.audit.models import AuditEvent
from factcheck.users.models import Role
from tests.conftest import SAMPLE_BODY, csrf_token, post_form


def count(db: Session, model) -> int:
    return db.scalar(select(func.count()).select_from(model)) or 0


def add_article(client: FlaskClient, **fields):
    data = {"title": "Housing promises", "language": "en", **fields}
    if isinstance(data.get("body_file"), tuple) and isinstance(data["body_file"][0], bytes):
        content, name = data["body_file"]
        data["body_file"] = (io.BytesIO(content), name)
    return post_form(
        client, "/articles", data, token_from="/articles/new", content_type="multipart/form-data"
    )


def test_add_article_by_pasting_splits_it_into_exact_claims(
    client: FlaskClient, login, db: Session
) -> None:
    user = login(Role.ANNOTATOR)
    response = add_article(
        client,
        body=SAMPLE_BODY.replace("\n", "\r\n"),
        outlet="The Daily",
        url="https://example.org/news/1",
        published_on="2024-03-01",
    )
    assert response.status_code == 302
    article = db.scalar(select(Article))
    assert article.imported_by_id == user.id
    assert "\r" not in article.body
    texts = [claim.text for claim in article.claims]
    assert texts == [
        "Ministers promise 10,000 new homes",
        "The government said on Monday that it would build 10,000 homes by 2030.",
        "Critics told reporters the figure was “far lower” than promised in 2019.",
        "Dr. Jane Smith, an economist, said prices rose 4.5% last year.",
    ]
    assert article.claims[0].kind is ClaimKind.HEADING
    for claim in article.claims:
        assert article.body[claim.start : claim.end] == claim.text
    critics = article.claims[2]
    assert critics.has_quote and critics.has_attribution and critics.has_comparison
    assert critics.has_date and critics.has_number
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "article:import"))
    assert event.entity_id == article.id and event.diff["claims"] == [None, 4]

    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert page.count('<a class="claim') == 4
    assert "Critics told reporters the figure was “far lower”" in page


def test_add_article_by_uploading_a_txt_file(client: FlaskClient, login, db: Session) -> None:
    login()
    data = ("\ufeff" + SAMPLE_BODY).encode("utf-8")
    response = add_article(client, body_file=(io.BytesIO(data), "story.txt"))
    assert response.status_code == 302
    article = db.scalar(select(Article))
    assert article.body == SAMPLE_BODY
    assert len(article.claims) == 4


def test_utf16_upload_with_bom_is_read(client: FlaskClient, login, db: Session) -> None:
    login()
    response = add_article(client, body_file=(io.BytesIO(SAMPLE_BODY.encode("utf-16")), "a.txt"))
    assert response.status_code == 302
    assert db.scalar(select(Article.body)) == SAMPLE_BODY


@pytest.mark.parametrize(
    ("fields", "status", "message"),
    [
        ({"body": ""}, 422, "The body is empty."),
        ({"body": "   \n\t  "}, 422, "The body is empty."),
        ({"body": "x" * 1_000_001}, 422, "the limit is 1,000,000"),
        ({"body": "text with a NUL \x00 byte"}, 400, "contains a NUL character"),
        ({"body": "bell \x07 character"}, 422, "control character"),
        ({"body": "fine", "title": ""}, 422, "This field is required."),
        (
            {"body": "fine", "url": "javascript:alert(1)"},
            422,
            "Use an http:// or https:// address.",
        ),
        ({"body": "fine", "url": "https://"}, 422, "This is not a valid URL."),
        ({"body": "fine", "published_on": "2024-02-31"}, 422, "Not a valid date value."),
        ({"body": "fine", "language": "<script>"}, 422, "A language tag"),
        # A valid tag longer than the column: on PostgreSQL this was a 500.
        ({"body": "fine", "language": "abc-ABCDEFGH-ABCDEFGH"}, 422, "Field cannot be longer"),
        (
            {"body_file": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "photo.txt")},
            422,
            "looks like a binary file",
        ),
        ({"body_file": ("café".encode("latin-1"), "latin.txt")}, 422, "is not UTF-8 text"),
        ({"body_file": (b"hello", "story.pdf")}, 422, "Only .txt files"),
        ({"body": "both", "body_file": (b"hello", "story.txt")}, 422, "not both"),
    ],
)
def test_bad_article_input_gets_a_message_and_changes_nothing(
    client: FlaskClient, login, db: Session, fields: dict, status: int, message: str
) -> None:
    login()
    before = (count(db, Article), count(db, Claim), count(db, AuditEvent))
    response = add_article(client, **fields)
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert (count(db, Article), count(db, Claim), count(db, AuditEvent)) == before


def test_upload_over_the_size_limit_is_413(client: FlaskClient, login, app, db: Session) -> None:
    login()
    app.config["MAX_CONTENT_LENGTH"] = 10 * 1024 * 1024
    try:
        big = io.BytesIO(b"a" * (10 * 1024 * 1024 + 1))
        response = add_article(client, body_file=(big, "huge.txt"))
    finally:
        app.config["MAX_CONTENT_LENGTH"] = 20 * 1024 * 1024
    assert response.status_code == 413
    assert "uploads may be up to 10 MB" in response.get_data(as_text=True)
    assert count(db, Article) == 0


def test_same_body_twice_is_refused_with_a_link_to_the_first(
    client: FlaskClient, login, db: Session
) -> None:
    login()
    first = add_article(client, body=SAMPLE_BODY)
    assert first.status_code == 302
    article_id = db.scalar(select(Article.id))
    again = add_article(client, body=SAMPLE_BODY + "\n", title="Another title")
    assert again.status_code == 409
    html = again.get_data(as_text=True)
    assert "already imported as “Housing promises”" in html
    assert f'href="/articles/{article_id}"' in html
    assert count(db, Article) == 1


def test_article_list_shows_progress_and_empty_state(
    client: FlaskClient, login, make_article
) -> None:
    login()
    empty = client.get("/articles").get_data(as_text=True)
    assert "No articles yet" in empty
    make_article(title="Progress article")
    html = client.get("/articles").get_data(as_text=True)
    assert "Progress article" in html
    assert 'aria-label="0 of 5 claims approved"' in html


def test_article_list_pages_newest_first_and_each_page_is_the_same_size(
    client: FlaskClient, login, make_article, monkeypatch
) -> None:
    from factcheck.workspace import operations

    monkeypatch.setattr(operations, "ARTICLES_PER_PAGE", 2)
    login()
    first, second, _third = (make_article(title=f"Paged {n}") for n in (1, 2, 3))
    html = client.get("/articles").get_data(as_text=True)
    assert "3 articles, newest first" in html
    assert "Paged 3" in html and "Paged 2" in html and "Paged 1" not in html
    older = f'href="/articles?after={second.id}"'
    assert older in html
    html = client.get(f"/articles?after={second.id}").get_data(as_text=True)
    assert "Paged 1" in html and "Paged 2" not in html and "Paged 3" not in html
    assert "Older articles" not in html and "Newest articles" in html
    # Past the oldest: a clear empty state, not an error.
    html = client.get(f"/articles?after={first.id}").get_data(as_text=True)
    assert "No older articles" in html
    # An article that is not there, or no number at all, starts from the newest.
    for after in ("987654", "abc", "-1", "9" * 30):
        response = client.get(f"/articles?after={after}")
        assert response.status_code == 200
        assert "Paged 3" in response.get_data(as_text=True)
    # Past what the list counts, it says so instead of reading every article.
    monkeypatch.setattr(operations, "COUNTED_ARTICLES", 2)
    assert "More than 2 articles, newest first" in client.get("/articles").get_data(as_text=True)


def test_script_in_title_and_body_is_shown_escaped(client: FlaskClient, login, db) -> None:
    login()
    response = add_article(
        client, title="<script>alert('t')</script>", body="<script>alert('b')</script> is here."
    )
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#39;b&#39;)&lt;/script&gt;" in html


def test_claim_page_shows_text_hints_and_neighbours(
    client: FlaskClient, login, make_article
) -> None:
    login()
    article = make_article()
    middle = article.claims[1]
    html = client.get(f"/claims/{middle.id}").get_data(as_text=True)
    assert middle.text in html
    assert f'href="/claims/{article.claims[0].id}"' in html
    assert f'href="/claims/{article.claims[2].id}"' in html
    assert '<span class="hint-badge">number</span>' in html


def test_unknown_article_and_claim_are_404(client: FlaskClient, login) -> None:
    login()
    assert client.get("/articles/987654").status_code == 404
    assert client.get("/claims/987654").status_code == 404


def test_progress_counts_started_and_approved_claims_like_the_workspace(
    db: Session, make_user, make_article
) -> None:
    from factcheck.annotations.models import Annotation
    from factcheck.review.workflow import AnnotationState
    from factcheck.workspace.operations import article_page

    ana, bo = make_user(), make_user()
    article = make_article()
    db.add_all(
        [
            Annotation(claim_id=article.claims[0].id, annotator_id=ana.id),
            Annotation(claim_id=article.claims[0].id, annotator_id=bo.id),
            Annotation(
                claim_id=article.claims[1].id, annotator_id=ana.id, state=AnnotationState.APPROVED
            ),
        ]
    )
    db.flush()
    [row] = article_page(db).rows
    assert (row.claims, row.annotated, row.approved) == (5, 2, 1)


@pytest.mark.parametrize(
    ("metadata", "message"),
    [
        ({"language": "abc-ABCDEFGH-ABCDEFGH"}, "is not a language tag"),
        ({"language": "<script>"}, "is not a language tag"),
        ({"outlet": "O" * 201}, "The outlet is longer than 200 characters."),
        ({"byline": "B" * 501}, "The byline is longer than 500 characters."),
        ({"url": "https://example.org/" + "a" * 2000}, "The URL is longer than 2,000"),
        ({"url": "javascript:alert(1)"}, "must start with http:// or https://"),
    ],
)
def test_import_article_refuses_what_the_table_cannot_hold(
    db: Session, app, metadata: dict, message: str
) -> None:
    # Every way in (form, API, CSV, HTML) ends here: the refusal is a message, never a
    # database error.
    from factcheck.articles.operations import import_article
    from factcheck.errors import ValidationFailed

    with pytest.raises(ValidationFailed, match=re.escape(message)):
        import_article(
            db,
            None,
            title="T",
            body="Some text.",
            max_chars=app.config["MAX_ARTICLE_CHARS"],
            **metadata,
        )
    assert count(db, Article) == 0


def urlencoded_article(token: str, size: int) -> bytes:
    return urlencode(
        {"csrf_token": token, "title": "Pasted", "language": "en", "body": "a" * size}
    ).encode()


def test_a_urlencoded_body_over_the_text_limit_is_413(
    client: FlaskClient, login, app, db: Session
) -> None:
    """Multipart fields are capped at MAX_FORM_MEMORY_SIZE; a plain form post must be too
    (Werkzeug reads a whole urlencoded body into memory, up to the 20 MB upload cap)."""
    login()
    token = csrf_token(client, "/articles/new")
    limit = app.config["MAX_FORM_MEMORY_SIZE"]
    before = (count(db, Article), count(db, AuditEvent))
    response = client.post(
        "/articles",
        data=urlencoded_article(token, limit + 1024 * 1024),  # 9 MB
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 413
    assert "pasted text up to 8 MB" in response.get_data(as_text=True)
    assert (count(db, Article), count(db, AuditEvent)) == before


def test_a_urlencoded_body_without_content_length_is_capped_too(
    client: FlaskClient, login, app, db: Session
) -> None:
    """A chunked body (no Content-Length) is read only up to the limit, then refused."""
    login()
    token = csrf_token(client, "/articles/new")
    limit = app.config["MAX_FORM_MEMORY_SIZE"]
    response = client.post(
        "/articles",
        input_stream=io.BytesIO(urlencoded_article(token, limit + 1024 * 1024)),
        content_type="application/x-www-form-urlencoded",
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert response.status_code == 413
    assert count(db, Article) == 0


def test_a_urlencoded_body_under_the_text_limit_is_read(client: FlaskClient, login, db) -> None:
    login()
    token = csrf_token(client, "/articles/new")
    body = urlencode(
        {"csrf_token": token, "title": "Pasted", "language": "en", "body": SAMPLE_BODY}
    )
    response = client.post("/articles", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 302
    assert count(db, Article) == 1
