"""Bad input through every door: the corpus in tests/data/bad_inputs/ and random form data.

Every corpus file (and a few generated here because they are large) goes through each
import path that takes files: the /imports upload, the article form's .txt field and
``flask articles import``. A refused file must give a 4xx (or a non-zero exit) with a
readable reason and leave the articles, claims and audit events untouched; a file that
is legitimately importable must import, and whatever it holds must be shown escaped.
Nothing may ever be a 500 (in tests an unexpected error propagates as an exception).

Hypothesis then fills the app's forms with random text; no answer may be a 5xx.
"""

from __future__ import annotations

import html
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from factcheck.articles.models import Article
from factcheck.articles.operations import normalise_body
from factcheck.users.models import Role
from factcheck.verdicts.models import Verdict
from tests.conftest import PASSWORD, counts, csrf_token, post_form, upload

CORPUS = Path(__file__).parent / "data" / "bad_inputs"
MB = 1024 * 1024

# --- the corpus ---------------------------------------------------------------------------

#: Files too large to keep in the repository, made when a test needs them.
GENERATED: dict[str, Callable[[], bytes]] = {
    "oversize.txt": lambda: b"Oversize upload\n\n" + b"x" * (20 * MB + 1),
    "huge_field.csv": lambda: b"title,body\r\nHuge field," + b"y" * (MB + 200_000) + b"\r\n",
    "csv_body_300k.csv": lambda: (
        b'title,body\r\nLong feature,"' + b"A sentence of a long feature. " * 10_000 + b'"\r\n'
    ),
    "body_over_limit.txt": lambda: b"Too long\n\n" + b"word " * 220_000,
    "deep_nesting.html": lambda: (
        b"<html><body>"
        + b"<div>" * 10_000
        + b"Text at the bottom of ten thousand divs, long enough to be an article. " * 3
        + b"</div>" * 10_000
        + b"</body></html>"
    ),
    "huge_attribute.html": lambda: (
        b'<html><body><article><p title="'
        + b"A" * (2 * MB)
        + b'">The paragraph under a two-megabyte attribute says 10,000 homes were built.</p>'
        + b"<p>A second paragraph gives the extractor enough text to call it an article.</p>"
        + b"</article></body></html>"
    ),
    "deep_nesting.jsonl": lambda: (
        b'{"type":"meta","format":"factcheck-jsonl","version":1}\n' + b"[" * 100_000 + b"\n"
    ),
}


def content(name: str) -> bytes:
    if name in GENERATED:
        return GENERATED[name]()
    return (CORPUS / name).read_bytes()


SAME = "(same as the import paths)"
#: "restore" is the admin's restore of a whole archive (.jsonl only), web and CLI.
PATHS = ("web", "form", "cli", "restore")


@dataclass(frozen=True)
class Case:
    """What one corpus file must do.

    ``message``: a substring of the refusal on the import paths (one of several if a
    tuple), or None when the file is legitimately importable. ``form``: the same for the
    article form's .txt field, where the title comes from the form.
    """

    message: str | tuple[str, ...] | None
    form: str | tuple[str, ...] | None = SAME
    check: Callable[[list[Article]], None] | None = None
    paths: tuple[str, ...] = PATHS


BINARY = "looks like a binary file"
NOT_UTF8 = "is not UTF-8 text"
NOT_UTF16 = "claims to be UTF-16 but is not valid UTF-16"
NO_TEXT = "no article text could be found in this page"
NUL_CONTROL = "control character (U+0000)"


def titles_are(*expected: str) -> Callable[[list[Article]], None]:
    def check(articles: list[Article]) -> None:
        assert [a.title for a in articles] == list(expected)

    return check


def check_formulas(articles: list[Article]) -> None:
    """Stored as typed (only the documented whitespace normalisation), no quote added."""
    rows = [
        ("=1+1 headline", '=HYPERLINK("http://evil.example","Click")', "=cmd|' /C calc'!A0"),
        ("+SUM(A1:A9) headline", "+1 outlet", "+41 555 0100"),
        ("-2+3 headline", "-outlet-", "-5% was the change"),
        ("@SUM(1,2) headline", "@outlet", "@mention"),
        ("=1+2 tab headline", "=outlet", "=TAB() starts"),
        ("=3+4 CR headline", "=outlet", "=CR() starts"),
    ]
    assert len(articles) == len(rows)
    for article, (title, outlet, body) in zip(articles, rows, strict=True):
        assert article.title == title
        assert article.outlet == outlet
        assert article.body.startswith(body)
        assert article.body == normalise_body(article.body)


def check_script_article(articles: list[Article]) -> None:
    (article,) = articles
    assert '<script>alert("html-body")</script>' in article.body  # text, stored as text
    assert "real-script" not in article.body and "injected" not in article.body
    assert "body{display:none}" not in article.body


def check_cp1252(articles: list[Article]) -> None:
    (article,) = articles
    assert "€40 billion" in article.body and "minister’s" in article.body


def check_entities(articles: list[Article]) -> None:
    (article,) = articles
    assert '&<>"©😀' in article.body


def check_huge_attribute(articles: list[Article]) -> None:
    (article,) = articles
    assert "10,000 homes were built" in article.body
    assert len(article.body) < 1_000  # the attribute is not text


CASES: dict[str, Case] = {
    # binary data under a text name
    "binary_png.txt": Case(BINARY),
    "binary_pdf.csv": Case(BINARY, paths=("web", "cli")),
    "binary_zip.html": Case(BINARY, paths=("web", "cli")),
    "binary_zip.docx": Case(
        "only .csv, .htm, .html, .jsonl, .txt files can be imported", paths=("web", "cli")
    ),
    "binary_elf.jsonl": Case(BINARY),
    "random_bytes.txt": Case(BINARY),
    "random_bytes.csv": Case(BINARY, paths=("web", "cli")),
    "random_bytes.html": Case(BINARY, paths=("web", "cli")),
    "random_bytes.jsonl": Case(BINARY),
    "random_bytes_no_nul.txt": Case(NOT_UTF8),
    # encodings
    "latin1.txt": Case(NOT_UTF8),
    "latin1.csv": Case(NOT_UTF8, paths=("web", "cli")),
    "windows1252.txt": Case(NOT_UTF8),
    "windows1252_declared.html": Case(None, check=check_cp1252, paths=("web", "cli")),
    "shift_jis.txt": Case(NOT_UTF8),
    "utf16le_bom.txt": Case(None, check=titles_are("Minister’s “homes” claim")),
    "utf16be_bom.txt": Case(None, check=titles_are("Minister’s “homes” claim")),
    "utf16le_nobom.txt": Case(BINARY),
    "utf16be_nobom.txt": Case(BINARY),
    "utf16le_bom.csv": Case(None, check=titles_are("UTF-16 CSV story"), paths=("web", "cli")),
    "utf16le_bom_truncated.txt": Case(NOT_UTF16),
    "utf16le_bom_lone_surrogate.txt": Case(NOT_UTF16),
    "utf16le_bom_nul_in_title.txt": Case(f"The title contains a {NUL_CONTROL}", form=NUL_CONTROL),
    "utf16le_bom_nul_in_title.csv": Case(
        f"row at line 2: The title contains a {NUL_CONTROL}", paths=("web", "cli")
    ),
    "utf32le_bom.txt": Case(NUL_CONTROL),
    "utf32be_bom.txt": Case(BINARY),
    "invalid_utf8.txt": Case(NOT_UTF8),
    "invalid_utf8_truncated.csv": Case(NOT_UTF8, paths=("web", "cli")),
    "overlong_utf8.txt": Case(NOT_UTF8),
    "overlong_nul.jsonl": Case(NOT_UTF8),
    "surrogate_utf8.txt": Case(NOT_UTF8),
    # byte-order marks
    "utf8_bom.txt": Case(None, check=titles_are("BOM-marked headline")),
    "utf8_bom.csv": Case(None, check=titles_are("BOM CSV story"), paths=("web", "cli")),
    "utf8_bom.jsonl": Case(None, check=titles_are("Archive with a BOM")),
    "bom_only.txt": Case("The title is empty.", form="The body is empty."),
    # NUL bytes in the middle
    "nul_in_middle.txt": Case(BINARY),
    "nul_in_middle.csv": Case(BINARY, paths=("web", "cli")),
    "nul_in_middle.html": Case(BINARY, paths=("web", "cli")),
    "nul_in_middle.jsonl": Case(BINARY),
    "escaped_nul.jsonl": Case("“body” contains a NUL character"),
    # empty and whitespace-only
    "empty.txt": Case("The title is empty.", form="The body is empty."),
    "empty.csv": Case("empty.csv is empty.", paths=("web", "cli")),
    "empty.html": Case(NO_TEXT, paths=("web", "cli")),
    "empty.jsonl": Case("the file is empty"),
    "whitespace_only.txt": Case("The title is empty.", form="The body is empty."),
    "whitespace_only.csv": Case("missing: title, body", paths=("web", "cli")),
    "whitespace_only.html": Case(NO_TEXT, paths=("web", "cli")),
    "whitespace_only.jsonl": Case("the file is empty"),
    # CSV
    "ragged_rows.csv": Case("cells where the header has 2", paths=("web", "cli")),
    "missing_required_column.csv": Case("missing: body", paths=("web", "cli")),
    "header_only.csv": Case("has a header but no articles", paths=("web", "cli")),
    "unclosed_quote.csv": Case("not valid CSV (unexpected end of data)", paths=("web", "cli")),
    "formulas.csv": Case(None, check=check_formulas, paths=("web", "cli")),
    "javascript_url.csv": Case("must start with http:// or https://", paths=("web", "cli")),
    "script_fields.csv": Case(
        None, check=titles_are('<script>alert("csv-title")</script> Headline'), paths=("web", "cli")
    ),
    "huge_field.csv": Case(
        ("field larger than field limit", "the limit is 1,000,000"), paths=("web", "cli")
    ),
    "csv_body_300k.csv": Case(
        None,
        paths=("web", "cli"),
    ),
    # script, control characters, limits
    "script_body.txt": Case(
        None, check=titles_are('<script>alert("txt-title")</script> Minister’s claim')
    ),
    "control_chars.txt": Case("control character (U+0007)"),
    "long_title.txt": Case("The title is longer than 500 characters.", form=None),
    "body_over_limit.txt": Case("the limit is 1,000,000"),
    "oversize.txt": Case(
        ("The request is too large", "larger than the upload limit"), paths=("web", "cli")
    ),
    # HTML
    "script_article.html": Case(None, check=check_script_article, paths=("web", "cli")),
    "scripts_styles_only.html": Case(NO_TEXT, paths=("web", "cli")),
    "many_entities.html": Case(None, check=check_entities, paths=("web", "cli")),
    "bad_numeric_entities.html": Case(NO_TEXT, paths=("web", "cli")),
    "entity_expansion.html": Case(NO_TEXT, paths=("web", "cli")),
    "deep_nesting.html": Case(NO_TEXT, paths=("web", "cli")),
    "huge_attribute.html": Case(None, check=check_huge_attribute, paths=("web", "cli")),
    # JSON Lines
    "not_json.jsonl": Case("line 1: this is not valid JSON"),
    "deep_nesting.jsonl": Case("line 2: this is not valid JSON"),
    "nested_too_deep.jsonl": Case("not nested too deeply"),
    "wrong_header.jsonl": Case(
        "does not start with a factcheck-jsonl header", paths=("web", "cli")
    ),
    "wrong_version.jsonl": Case("version 99 is not supported"),
    "no_header.jsonl": Case("does not start with a factcheck-jsonl header"),
    "line_not_object.jsonl": Case("each line must be a JSON object"),
    # The bulk import leaves annotations out, so only a restore meets this one.
    "missing_claim.jsonl": Case(
        "line 3: the annotation's claim is not earlier in the file", paths=("restore",)
    ),
    "missing_article.jsonl": Case(
        "line 2: the claim's article is not earlier in the file", paths=("web", "cli")
    ),
    "nan_infinity.jsonl": Case("“id” must be a whole number"),
    "huge_numbers.jsonl": Case(
        "position",
        paths=("web", "cli"),
    ),
    "huge_integer_literal.jsonl": Case(
        "line 2: this is not valid JSON (or a number is too long)", paths=("web", "cli")
    ),
    "javascript_url.jsonl": Case("line 2: The URL must start with http:// or https://"),
    "empty_title_and_body.jsonl": Case("line 2: The title is empty"),
}


def stored_files() -> list[str]:
    return sorted(p.name for p in CORPUS.iterdir() if p.name != "README.md")


def params(path: str) -> list[Any]:
    found = []
    for name, case in CASES.items():
        if path not in case.paths:
            continue
        if path == "form" and not name.endswith(".txt"):
            continue
        if path == "restore" and not name.endswith(".jsonl"):
            continue
        found.append(pytest.param(name, id=name))
    return found


# --- helpers ------------------------------------------------------------------------------


def max_article_id(db: Session) -> int:
    return db.scalar(select(func.max(Article.id))) or 0


def new_articles(db: Session, after: int) -> list[Article]:
    db.expire_all()
    return list(db.scalars(select(Article).where(Article.id > after).order_by(Article.id)))


def text_of(response: Any) -> str:
    """The page as a reader sees its text: entities decoded, so messages can be matched."""
    return html.unescape(response.get_data(as_text=True))


def assert_mentions(text: str, message: str | tuple[str, ...], name: str) -> None:
    options = (message,) if isinstance(message, str) else message
    # The page and the CLI name the file: a message found in its name proves nothing.
    assert not any(option in name for option in options), f"{options!r} is in {name!r}"
    assert any(option in text for option in options), f"none of {options!r} in:\n{text[:3000]}"


APP_SCRIPT = re.compile(r'<script src="/static/[^"]+" defer></script>')


def assert_escaped(page: str) -> None:
    """No markup from the imported data: the only script is the app's own."""
    lowered = APP_SCRIPT.sub("", page).lower()
    assert "<script" not in lowered
    assert "<img src=x" not in lowered
    assert 'href="javascript:' not in lowered


def assert_articles_shown_escaped(client: FlaskClient, articles: list[Article]) -> None:
    assert articles
    for article in articles:
        response = client.get(f"/articles/{article.id}")
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert_escaped(page)
        if "<script" in article.title + article.body:
            assert "&lt;script&gt;" in page  # shown, as text


# --- the corpus itself --------------------------------------------------------------------


def test_corpus_has_a_case_and_a_readme_line_for_every_file() -> None:
    names = stored_files()
    assert len(names) >= 40
    assert set(CASES) == set(names) | set(GENERATED)
    readme = (CORPUS / "README.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^- `([^`]+)`", readme, flags=re.MULTILINE))
    assert listed == set(CASES)
    assert all((CORPUS / name).stat().st_size < 200_000 for name in names)


# --- every file through every import path -------------------------------------------------


@pytest.mark.parametrize("name", params("web"))
def test_web_import(client: FlaskClient, login, db: Session, name: str) -> None:
    case = CASES[name]
    login()
    before, last_id = counts(db), max_article_id(db)
    response = upload(client, (content(name), name))
    assert response.status_code < 500
    page = response.get_data(as_text=True)
    assert_escaped(page)
    if case.message is None:
        assert response.status_code == 200, text_of(response)[:3000]
        assert f"{name} — imported" in text_of(response)
        articles = new_articles(db, last_id)
        assert counts(db)[0] == before[0] + len(articles) > before[0]
        if case.check:
            case.check(articles)
        assert_articles_shown_escaped(client, articles)
    else:
        assert 400 <= response.status_code < 500
        text = text_of(response)
        if response.status_code != 413:
            assert f"{name} — refused, nothing imported" in text
        assert_mentions(text, case.message, name)
        assert counts(db) == before


@pytest.mark.parametrize("name", params("form"))
def test_article_form_upload(client: FlaskClient, login, db: Session, name: str) -> None:
    case = CASES[name]
    expected = case.message if case.form == SAME else case.form
    login()
    before, last_id = counts(db), max_article_id(db)
    data = {
        "title": "Uploaded bad input",
        "language": "en",
        "body": "",
        "body_file": (io.BytesIO(content(name)), name),
    }
    response = post_form(
        client, "/articles", data, token_from="/articles/new", content_type="multipart/form-data"
    )
    assert response.status_code < 500
    if expected is None:
        assert response.status_code == 302, text_of(response)[:3000]
        articles = new_articles(db, last_id)
        assert len(articles) == 1 and counts(db)[0] == before[0] + 1
        assert_articles_shown_escaped(client, articles)
    else:
        assert 400 <= response.status_code < 500
        assert_escaped(response.get_data(as_text=True))
        assert_mentions(text_of(response), expected, name)
        assert counts(db) == before


@pytest.mark.parametrize("name", params("cli"))
def test_cli_import(
    app: Flask, client: FlaskClient, login, db: Session, tmp_path: Path, name: str
) -> None:
    case = CASES[name]
    login()  # to look at what was imported
    db.commit()  # the command shares this app context and session; its rollback must not undo it
    path = tmp_path / name
    path.write_bytes(content(name))
    before, last_id = counts(db), max_article_id(db)
    result = app.test_cli_runner().invoke(args=["articles", "import", str(path)])
    # A crash also exits with 1; only a deliberate exit counts.
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    if case.message is None:
        assert result.exit_code == 0, result.output
        assert f"imported {path}" in result.output
        articles = new_articles(db, last_id)
        assert counts(db)[0] == before[0] + len(articles) > before[0]
        if case.check:
            case.check(articles)
        assert_articles_shown_escaped(client, articles)
    else:
        assert result.exit_code == 1, result.output
        assert f"refused {path}" in result.output
        assert_mentions(result.output, case.message, name)
        assert counts(db) == before


@pytest.mark.parametrize("name", params("restore"))
def test_restore_cli(app: Flask, db: Session, tmp_path: Path, name: str) -> None:
    case = CASES[name]
    path = tmp_path / name
    path.write_bytes(content(name))
    before, last_id = counts(db), max_article_id(db)
    result = app.test_cli_runner().invoke(args=["restore", str(path)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    if case.message is None:
        assert result.exit_code == 0, result.output
        articles = new_articles(db, last_id)
        assert len(articles) == 1
        if case.check:
            case.check(articles)
    else:
        assert result.exit_code == 1, result.output
        assert_mentions(result.output, case.message, name)
        assert counts(db) == before


@pytest.mark.parametrize("name", params("restore"))
def test_restore_web(client: FlaskClient, login, db: Session, name: str) -> None:
    case = CASES[name]
    login(Role.ADMIN)
    before, last_id = counts(db), max_article_id(db)
    response = client.post(
        "/admin/restore",
        data={
            "csrf_token": csrf_token(client, "/admin/restore"),
            "archive": (io.BytesIO(content(name)), name),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code < 500
    assert_escaped(response.get_data(as_text=True))
    if case.message is None:
        assert response.status_code == 200, text_of(response)[:3000]
        assert f"{name} — restored" in text_of(response)
        articles = new_articles(db, last_id)
        if case.check:
            case.check(articles)
    else:
        assert 400 <= response.status_code < 500
        text = text_of(response)
        if response.status_code != 413:
            assert "Nothing was restored" in text
        assert_mentions(text, case.message, name)
        assert counts(db) == before


# --- the JSON API -------------------------------------------------------------------------


def api_body(**fields: Any) -> bytes:
    return json.dumps({"title": "API bad input", "body": "A plain body.", **fields}).encode()


API_CASES: list[Any] = [
    pytest.param(b"", 400, "not valid JSON", id="empty"),
    pytest.param(content("not_json.jsonl"), 400, "not valid JSON", id="not_json"),
    pytest.param(b'{"title": "t", "body": "x"', 400, "not valid JSON", id="truncated"),
    pytest.param('{"title": "caf\xe9"}'.encode("latin-1"), 400, "not valid JSON", id="latin1"),
    pytest.param(b'{"title": NaN, "body": Infinity}', 422, "not valid", id="nan_infinity"),
    pytest.param(b'{"title": "t", "body": ' + b"1" * 5000 + b"}", 400, "JSON", id="huge_int"),
    pytest.param(b"[1, 2, 3]", 422, "not valid", id="array"),
    pytest.param(api_body(body="a\x00b"), 422, "NUL character", id="nul_in_body"),
    pytest.param(api_body(body="bell \x07 here"), 422, "control character", id="bell_in_body"),
    pytest.param(api_body(url="javascript:alert(1)"), 422, "not valid", id="javascript_url"),
    pytest.param(api_body(body="x" * 1_000_001), 422, "not valid", id="body_over_limit"),
    pytest.param(api_body(body=" \n\t "), 422, "empty", id="whitespace_body"),
    pytest.param(
        api_body(title="<script>alert(1)</script>", body="<script>alert(2)</script> ok."),
        201,
        None,
        id="script_text",
    ),
    pytest.param(
        api_body(title="NUL \x00 in the title"),
        422,
        "title",
        id="nul_in_title",
    ),
    pytest.param(
        b'{"title": "t", "body": "b", "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        400,
        "not valid JSON",
        id="deep_nesting",
    ),
]


@pytest.mark.parametrize(("body", "status", "message"), API_CASES)
def test_api_article_create(
    client: FlaskClient, make_token, db: Session, body: bytes, status: int, message
) -> None:
    token, _ = make_token(token_name="bad")
    before = counts(db)
    response = client.post(
        "/api/v1/articles",
        data=body,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    if message is None:
        assert counts(db)[0] == before[0] + 1
        assert response.get_json()["title"] == "<script>alert(1)</script>"
    else:
        error = response.get_json()["error"]
        assert message in error["message"] + json.dumps(error["fields"])
        assert counts(db) == before


# --- known bugs in the forms, found with the inputs below ---------------------------------


@pytest.fixture
def claim_id(make_article) -> int:
    return make_article().claims[0].id


def annotation_data(db: Session, **overrides: Any) -> dict[str, Any]:
    data = {
        "verdict": db.scalar(select(Verdict.id).where(Verdict.key == "false")),
        "claimant": "The minister",
        "claim_summary": "10,000 homes",
        "rationale": "Budget documents fund 4,000.",
        "version": "",
        "sources-0-url": "https://example.org/budget",
        "sources-0-quote": "4,000 homes",
        "sources-0-stance": "refutes",
        "action": "save",
    }
    data.update(overrides)
    return data


def test_annotation_version_superscript_digit(client, login, db, claim_id) -> None:
    login()
    response = post_form(
        client,
        f"/claims/{claim_id}/annotation",
        annotation_data(db, version="²"),
        token_from="/articles",
    )
    assert response.status_code < 500


def test_annotation_verdict_id_past_integer_range(client, login, db, claim_id) -> None:
    login()
    response = post_form(
        client,
        f"/claims/{claim_id}/annotation",
        annotation_data(db, verdict="9" * 30),
        token_from="/articles",
    )
    assert response.status_code == 422


@pytest.mark.parametrize("kind", ["csv", "jsonl"])
def test_export_date_to_the_last_day(client, login, make_article, kind: str) -> None:
    make_article()  # the JSONL export applies the filters per article
    login(Role.REVIEWER)
    response = post_form(
        client, f"/exports/{kind}", {"date_to": "9999-12-31"}, token_from="/exports"
    )
    assert response.status_code < 500


def test_export_article_id_past_integer_range(client, login) -> None:
    login(Role.REVIEWER)
    response = post_form(
        client, "/exports/csv", {"article": "9" * 30, "state": "all"}, token_from="/exports"
    )
    assert response.status_code == 422


def test_token_revoke_superscript_digit(client, login) -> None:
    login()
    response = post_form(client, "/account/tokens", {"revoke": "²"}, token_from="/account/tokens")
    assert response.status_code < 500


def test_token_revoke_id_past_integer_range(client, login) -> None:
    login()
    response = post_form(
        client, "/account/tokens", {"revoke": "9" * 30}, token_from="/account/tokens"
    )
    assert response.status_code < 500


# --- Hypothesis: random text in every form ------------------------------------------------

EDGE_CASES = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\x07\x1b[31m",
    "\r\n",
    "\ufeff",
    "\u202eevil",
    "²",
    "١٢",
    "0",
    "-1",
    "2147483648",
    "9" * 30,
    "NaN",
    "1e309",
    "9999-12-31",
    "0001-01-01",
    "2024-02-30",
    "<script>alert(1)</script>",
    "javascript:alert(1)",
    "http://",
    "https://example.org/" + "a" * 2100,
    "' OR 1=1 --",
    "{{ 7 * 7 }}",
    "%s%n",
    "😀" * 100,
    "x" * 5000,
]
long_text = st.builds(
    lambda piece, times: (piece * times)[:5000],
    st.text(min_size=1, max_size=8),
    st.integers(min_value=100, max_value=5000),
)
#: Any text: control characters and NUL included (st.text never makes surrogates, which
#: no client can send as UTF-8), up to ~5,000 characters, and the edge cases above.
texts = st.one_of(st.text(max_size=60), st.sampled_from(EDGE_CASES), long_text)
#: Text a person could type: any script, no control characters but line breaks and tabs.
typed = st.text(
    alphabet=st.characters(exclude_categories=("Cs", "Cc"), include_characters="\n\t"),
    min_size=1,
    max_size=200,
).filter(str.strip)
iso_dates = st.dates().map(date.isoformat)


@st.composite
def forms(draw: st.DrawFn, valid: dict[str, st.SearchStrategy[str]]) -> dict[str, str]:
    """A form filled in validly, then some of its fields (often none, sometimes all)
    replaced with random text, so that both the validators and what lies behind them
    are exercised."""
    data = {name: draw(strategy) for name, strategy in valid.items()}
    for name in draw(st.sets(st.sampled_from(sorted(valid)))):
        data[name] = draw(texts)
    return data


FUZZ = settings(
    max_examples=30,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
    database=None,
)


@pytest.fixture
def fuzz_state() -> dict[str, Any]:
    """What a Hypothesis test sets up once and keeps across its examples."""
    return {}


def fuzz_post(
    client: FlaskClient, path: str, data: dict[str, Any], *, token_from: str, state: dict
) -> Any:
    """POST with a CSRF token read once per test (the token stays valid for the session)."""
    if "token" not in state:
        state["token"] = csrf_token(client, token_from)
    response = client.post(path, data={**data, "csrf_token": state["token"]})
    event(f"status {response.status_code}")  # --hypothesis-show-statistics shows the mix
    assert response.status_code < 500
    return response


def log_in_once(login, state: dict, role: Role = Role.ANNOTATOR) -> None:
    if "user" not in state:
        state["user"] = login(role)


@FUZZ
@given(
    data=forms(
        {
            "email": st.one_of(st.emails(), typed),
            "password": typed,
            "remember": st.sampled_from(["", "y"]),
        }
    )
)
def test_fuzz_login(client, app, fuzz_state, data, monkeypatch) -> None:
    # Every example comes from one address: under the real limit most would only ever
    # meet the throttle (its own tests are in test_auth.py), not the form.
    monkeypatch.setitem(app.config, "LOGIN_FAILURES_PER_MINUTE", 1_000_000)
    response = fuzz_post(client, "/login", data, token_from="/login", state=fuzz_state)
    assert response.status_code != 429


@FUZZ
@given(
    data=forms(
        {"language": st.sampled_from(["es", "pt-BR", "ja", "ar"]), "expected": st.just("en")}
    )
)
def test_fuzz_article_language(client, login, make_article, fuzz_state, data) -> None:
    """Any language form: a clear refusal or a new split, never a 500 or half a change."""
    log_in_once(login, fuzz_state)
    if "article" not in fuzz_state:
        fuzz_state["article"] = make_article(body="One sentence here. Another one there.").id
    article_id = fuzz_state["article"]
    fuzz_post(
        client,
        f"/articles/{article_id}/language",
        data,
        token_from=f"/articles/{article_id}/segmentation",
        state=fuzz_state,
    )


@FUZZ
@given(
    data=forms(
        {
            "title": typed,
            "outlet": st.one_of(st.just(""), typed),
            "url": st.sampled_from(
                ["", "https://example.org/story", "http://example.org/?q=<script>alert(1)</script>"]
            ),
            "byline": st.one_of(st.just(""), typed),
            "published_on": st.one_of(st.just(""), iso_dates),
            "language": st.sampled_from(["", "en", "pt-BR", "de", "ja"]),
            "body": st.one_of(typed, long_text.filter(str.strip)),
        }
    )
)
def test_fuzz_add_article(client, login, fuzz_state, data) -> None:
    log_in_once(login, fuzz_state)
    fuzz_post(client, "/articles", data, token_from="/articles/new", state=fuzz_state)


@FUZZ
@given(
    data=forms(
        {
            "verdict": st.sampled_from(["VERDICT", ""]),
            "claimant": typed,
            "claim_summary": typed,
            "rationale": typed,
            "version": st.sampled_from(["", "1", "2"]),
            "sources-0-url": st.sampled_from(["", "https://example.org/source"]),
            "sources-0-title": typed,
            "sources-0-quote": typed,
            "sources-0-stance": st.sampled_from(["supports", "refutes", "context"]),
            "sources-0-accessed_on": st.one_of(st.just(""), iso_dates),
            "action": st.sampled_from(["save", "save", "submit", "add_source"]),
        }
    )
)
def test_fuzz_annotation(client, login, db, claim_id, fuzz_state, data) -> None:
    log_in_once(login, fuzz_state)
    if data["verdict"] == "VERDICT":
        data["verdict"] = str(db.scalar(select(Verdict.id).where(Verdict.key == "false")))
    path = f"/claims/{claim_id}/annotation"
    fuzz_post(client, path, data, token_from="/articles", state=fuzz_state)


@FUZZ
@given(
    data=forms(
        {
            "email": st.emails(),
            "name": typed,
            "role": st.sampled_from([role.value for role in Role]),
            "password": st.text(min_size=10, max_size=200),
        }
    )
)
def test_fuzz_admin_create_user(client, login, fuzz_state, data) -> None:
    log_in_once(login, fuzz_state, Role.ADMIN)
    fuzz_post(client, "/admin/users", data, token_from="/admin/users", state=fuzz_state)


@FUZZ
@given(
    data=forms(
        {
            "key": st.from_regex(r"\A[a-z][a-z0-9_]{0,39}\Z"),
            "label": typed.map(lambda text: text[:80]),
            "description": st.one_of(st.just(""), typed),
            "rating": st.sampled_from(["", "1", "3", "5"]),
            "colour": st.from_regex(r"\A#[0-9a-fA-F]{6}\Z"),
            "active": st.sampled_from(["", "y"]),
        }
    )
)
def test_fuzz_verdict_create(client, login, fuzz_state, data) -> None:
    log_in_once(login, fuzz_state, Role.ADMIN)
    fuzz_post(client, "/admin/verdicts", data, token_from="/admin/verdicts", state=fuzz_state)


@FUZZ
@given(
    kind=st.sampled_from(["csv", "sources", "jsonl", "claimreview"]),
    data=forms(
        {
            "article": st.sampled_from(["", "ARTICLE", "0", "-1"]),
            "date_from": st.one_of(st.just(""), iso_dates),
            "date_to": st.one_of(st.just(""), iso_dates),
            "verdict": st.sampled_from(["", "false", "true", "no_such_verdict"]),
            "state": st.sampled_from(["", "all", "approved", "draft", "submitted"]),
            "bom": st.sampled_from(["", "y"]),
        }
    ),
)
def test_fuzz_export_filters(client, login, make_article, fuzz_state, kind, data) -> None:
    if "article" not in fuzz_state:
        fuzz_state["article"] = make_article().id
    log_in_once(login, fuzz_state, Role.REVIEWER)
    if data["article"] == "ARTICLE":
        data["article"] = str(fuzz_state["article"])
    fuzz_post(client, f"/exports/{kind}", data, token_from="/exports", state=fuzz_state)


@FUZZ
@given(
    data=forms(
        {
            "current_password": st.sampled_from(["CURRENT", "not the password"]),
            "new_password": st.text(min_size=10, max_size=200),
            "confirm_password": st.just("SAME"),
        }
    )
)
def test_fuzz_change_password(client, login, fuzz_state, data) -> None:
    log_in_once(login, fuzz_state)
    current = fuzz_state.setdefault("password", PASSWORD)
    if data["current_password"] == "CURRENT":
        data["current_password"] = current
    if data["confirm_password"] == "SAME":
        data["confirm_password"] = data["new_password"]
    response = fuzz_post(client, "/account/password", data, token_from="/account", state=fuzz_state)
    if response.status_code == 302:  # changed: the next example must know the new one
        fuzz_state["password"] = data["new_password"]
