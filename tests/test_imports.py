"""Bulk import from the web and the CLI, and the JSONL round trip."""

from __future__ import annotations

import contextvars
import json
import re
from datetime import date
from pathlib import Path

import flask_migrate
import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from factcheck.annotations.models import Annotation, Source
from factcheck.articles.models import Article
from factcheck.audit.models import AuditEvent
from factcheck.extensions import db as database
from factcheck.review.models import Review
from factcheck.users.models import Role, User
from tests.conftest import DEMO_APPROVED, counts, make_app, run_demo, upload

GOOD_CSV = (
    "title,url,outlet,published_on,body\r\n"
    "First story,https://example.org/1,Gazette,2024-03-01,"
    '"One sentence. Another, with a comma."\r\n'
    'Second story,,Gazette,,"Line one.\n\nLine two with ""quotes""."\r\n'
)


def test_csv_import_creates_one_article_per_row(client, login, db: Session) -> None:
    login()
    response = upload(client, (GOOD_CSV.encode(), "batch.csv"))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "batch.csv — imported 2 articles" in html
    articles = db.scalars(select(Article).order_by(Article.id)).all()
    assert [a.title for a in articles] == ["First story", "Second story"]
    assert articles[0].published_on.isoformat() == "2024-03-01"
    assert articles[1].body == 'Line one.\n\nLine two with "quotes".'


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (
            b"title,body\r\nOk,Fine text.\r\nBroken\r\n",
            "ragged.csv",
            "1 cells where the header has 2",
        ),
        (b"title,url\r\nNo body,https://x.org\r\n", "nobody.csv", "missing: body"),
        (
            "title,body\r\nCaf\xe9,Cr\xe8me br\xfbl\xe9e.\r\n".encode("latin-1"),
            "latin.csv",
            "is not UTF-8 text",
        ),
        (b"title,body,published_on\r\nT,Body.,2024-13-45\r\n", "dates.csv", "is not YYYY-MM-DD"),
        (b"title,body,url\r\nT,Body.,javascript:alert(1)\r\n", "js.csv", "must start with http"),
        # Longer than the columns: on PostgreSQL these were a 500, not a row problem.
        (
            b"title,body,outlet\r\nT,Body.," + b"O" * 201 + b"\r\n",
            "outlet.csv",
            "The outlet is longer than 200 characters.",
        ),
        (
            b"title,body,url\r\nT,Body.,https://example.org/" + b"a" * 2000 + b"\r\n",
            "longurl.csv",
            "The URL is longer than 2,000 characters.",
        ),
        (b"title,body,url\r\nT,Body.,https://\r\n", "nohost.csv", "and name a site"),
        (b"title,body\r\nEmpty body,\r\n", "empty.csv", "The article body is empty."),
        (b"", "nothing.csv", "nothing.csv is empty"),
        (b"\x00\x01\x02binary", "photo.csv", "looks like a binary file"),
        (b"plain text", "notes.pdf", "only .csv, .htm, .html, .jsonl, .txt files"),
        (b'{"type": "meta", "format": "other"}\n', "x.jsonl", "does not start with"),
        (b"not json at all\n", "y.jsonl", "line 1: this is not valid JSON"),
        (
            b'{"type":"meta","format":"factcheck-jsonl","version":1}\n' + b"[" * 5000 + b"\n",
            "deep.jsonl",
            "line 2",
        ),
        (b"<html><body><nav>menu</nav></body></html>", "empty.html", "no article text"),
    ],
)
def test_bad_files_are_refused_whole_with_a_reason(client, login, db, content, name, message):
    login()
    before = counts(db)
    response = upload(client, (content, name))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "refused, nothing imported" in html
    assert message in html
    assert counts(db) == before


def test_one_bad_row_refuses_the_whole_csv(client, login, db) -> None:
    login()
    content = GOOD_CSV + "Third,,Gazette,,\r\n"
    response = upload(client, (content.encode(), "mixed.csv"))
    assert response.status_code == 422
    assert "row at line 6: The article body is empty." in response.get_data(as_text=True)
    assert counts(db)[0] == 0


def test_formulas_in_every_field_are_stored_as_text(client, login, db) -> None:
    login()
    content = 'title,url,outlet,published_on,body\r\n=1+1,,@SUM(A1),,=HYPERLINK("x") is here.\r\n'
    assert upload(client, (content.encode(), "formulas.csv")).status_code == 200
    article = db.scalar(select(Article))
    assert article.title == "=1+1" and article.outlet == "@SUM(A1)"


def test_files_are_independent(client, login, db) -> None:
    login()
    response = upload(client, (GOOD_CSV.encode(), "good.csv"), (b"\xff\xfe\x00", "bad.txt"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "good.csv — imported 2 articles" in html and "bad.txt — refused" in html
    assert counts(db)[0] == 2


def test_html_page_main_text_is_extracted(client, login, db) -> None:
    login()
    page = b"""<html><head><title>Homes promise - Gazette</title>
    <meta name="author" content="Jane Doe"><link rel="canonical" href="https://gazette.example/homes">
    </head><body><nav>Home | World | Sport</nav><article><h1>Homes promise</h1>
    <p>The minister said on Monday that 10,000 homes would be built by 2030.</p>
    <p>Critics said the figure was far lower than promised in 2019, and the Treasury disagreed.</p>
    </article><script>alert('x')</script><footer>Copyright Gazette</footer></body></html>"""
    response = upload(client, (page, "homes.html"))
    assert response.status_code == 200, response.get_data(as_text=True)
    article = db.scalar(select(Article))
    assert article.title == "Homes promise"
    assert article.url == "https://gazette.example/homes"
    assert "alert" not in article.body and "Copyright" not in article.body
    assert article.claims[0].text.startswith("The minister said on Monday")
    assert article.published_on is None  # the page declares no date; "2019" is not one


def test_html_publication_date_comes_from_the_page_metadata(client, login, db) -> None:
    login()
    page = b"""<html><head><title>Budget</title>
    <meta property="article:published_time" content="2025-03-04T10:00:00Z"></head>
    <body><article><h1>Budget</h1><p>The council said housing costs rose sharply in 2024,
    according to its annual report, and that rents would rise again this year.</p>
    </article></body></html>"""
    assert upload(client, (page, "budget.html")).status_code == 200
    assert db.scalar(select(Article.published_on)) == date(2025, 3, 4)


def test_cli_imports_csv_and_reports_refusals(app: Flask, db: Session, tmp_path: Path) -> None:
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_text(GOOD_CSV, "utf-8")
    bad.write_bytes(b"title\r\nonly a title\r\n")
    result = app.test_cli_runner().invoke(args=["articles", "import", str(good), str(bad)])
    assert result.exit_code == 1
    assert "imported" in result.output and "First story" in result.output
    assert "refused" in result.output and "missing: body" in result.output
    assert counts(db)[0] == 2


def strip_ids(text: str) -> str:
    """Ids differ between databases by design; everything else must match."""
    text = re.sub(r'"(id|article_id|claim_id|successor_id)":\d+', r'"\1":_', text)
    return re.sub(r'"candidate_ids":\[[\d,]*\]', '"candidate_ids":_', text)


def revise_the_reference_article(db: Session) -> None:
    """A revision that edits, removes and adds sentences of the demo's reference
    article, so that the archive holds texts, removed claims and links."""
    from factcheck.revisions.operations import revise_article

    article = max(db.scalars(select(Article)), key=lambda a: len(a.claims))
    reviewer = db.scalars(select(User).where(User.role == Role.REVIEWER)).first()
    claims = article.claims
    body = article.body
    removed, edited = claims[5].text, claims[8].text
    body = body.replace(removed, "", 1).replace(edited, edited.replace(" the ", " THE ", 1), 1)
    revise_article(
        db,
        reviewer,
        article,
        "An update was added at the top.\n\n" + body,
        expected_revision=article.revision,
        origin="pasted",
        max_chars=1_000_000,
    )
    db.commit()


def test_jsonl_round_trip_is_identical_apart_from_ids(
    app: Flask, db: Session, database_url: str, tmp_path: Path
) -> None:
    run_demo(app)
    revise_the_reference_article(db)
    archive = tmp_path / "archive.jsonl"
    result = app.test_cli_runner().invoke(args=["export", "jsonl", "--out", str(archive)])
    assert result.exit_code == 0, result.output
    first = archive.read_text("utf-8")
    assert '"type":"removed_claim"' in first and '"outcome":"changed"' in first
    assert first.startswith('{"type":"meta","format":"factcheck-jsonl","version":1}')

    if database_url.startswith("postgresql"):
        from tests.conftest import POSTGRES_URL
        from tests.servers import create_postgres_database

        url = create_postgres_database(POSTGRES_URL or "", "factcheck_test_restore")
    else:
        url = f"sqlite:///{tmp_path / 'restored.sqlite'}"
    other = make_app(url)
    # The suite binds every session to the test's connection; the second database
    # needs its own engine for the rest of this test.
    test_bind = database.session_factory.kw.get("bind")
    database.session_factory.configure(bind=None)
    try:
        restore_and_compare(other, archive, first, tmp_path, db)
    finally:
        database.session_factory.configure(bind=test_bind)
        other.extensions["factcheck.engine"].dispose()


def restore_and_compare(other: Flask, archive: Path, first: str, tmp_path: Path, db) -> None:
    with other.app_context():
        flask_migrate.upgrade()
        database.session.remove()
    runner = other.test_cli_runner()

    def invoke(*args: str):
        # Flask's CLI reuses an app context that is already pushed (the test's, for the
        # first app); an empty context makes it push the second app's own.
        return contextvars.Context().run(runner.invoke, args=list(args))

    imported = invoke("restore", str(archive))
    assert imported.exit_code == 0, imported.output
    again = tmp_path / "again.jsonl"
    assert invoke("export", "jsonl", "--out", str(again)).exit_code == 0
    second = again.read_text("utf-8")
    assert strip_ids(second) == strip_ids(first)
    with other.app_context():
        session = database.session
        assert session.scalar(select(func.count()).select_from(Annotation)) == db.scalar(
            select(func.count()).select_from(Annotation)
        )
        assert session.scalar(select(func.count()).select_from(Review)) == db.scalar(
            select(func.count()).select_from(Review)
        )
        assert session.scalar(select(func.count()).select_from(Source)) > 0
        restored = session.scalars(select(User).where(User.active.is_(False))).all()
        assert {u.email: u.role for u in restored} == {
            "annotator@example.org": Role.ANNOTATOR,
            "reviewer@example.org": Role.REVIEWER,
            "admin@example.org": Role.ADMIN,
        }
        database.session.remove()


def test_jsonl_into_a_database_that_has_the_article_is_refused(app, db, tmp_path) -> None:
    run_demo(app)
    archive = tmp_path / "archive.jsonl"
    app.test_cli_runner().invoke(args=["export", "jsonl", "--out", str(archive)])
    before = counts(db)
    result = app.test_cli_runner().invoke(args=["restore", str(archive)])
    assert result.exit_code == 1
    assert "Nothing was restored: line" in result.output
    assert "This text was already imported as" in result.output
    assert counts(db) == before


def test_cli_export_writes_files_and_rejects_bad_filters(app, db, tmp_path) -> None:
    run_demo(app)
    out = tmp_path / "verdicts.csv"
    ok = app.test_cli_runner().invoke(args=["export", "csv", "--out", str(out), "--bom"])
    assert ok.exit_code == 0, ok.output
    assert out.read_bytes().startswith(b"\xef\xbb\xbfarticle_title,")
    feed = tmp_path / "feed.json"
    assert (
        app.test_cli_runner().invoke(args=["export", "claimreview", "--out", str(feed)]).exit_code
        == 0
    )
    assert len(json.loads(feed.read_text("utf-8"))["dataFeedElement"]) == DEMO_APPROVED
    bad = app.test_cli_runner().invoke(
        args=["export", "csv", "--out", str(tmp_path / "x.csv"), "--from", "2024-02-30"]
    )
    assert bad.exit_code == 2 and "is not a date" in bad.output
    assert not (tmp_path / "x.csv").exists()
    typo = app.test_cli_runner().invoke(
        args=["export", "csv", "--out", str(tmp_path / "x.csv"), "--verdict", "flase"]
    )
    assert typo.exit_code == 2 and "“flase” is not a verdict; the verdicts are true," in typo.output
    assert not (tmp_path / "x.csv").exists()
    events = db.scalars(
        select(AuditEvent.action).where(AuditEvent.action.like("export:%")).order_by(AuditEvent.id)
    ).all()
    assert events == ["export:csv", "export:claimreview"]
