"""The registry of export formats is the only place a format is declared.

The page, the download route, the API (and its OpenAPI document) and ``flask export``
are checked against the registry, and a format added to it in a test appears in all of
them without another line of code.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import click
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from factcheck.audit.models import AuditEvent
from factcheck.exports import formats
from factcheck.exports.csv_export import count_rows, publication_rows
from factcheck.exports.filters import ExportFilters
from factcheck.exports.formats import FORMATS, ExportFormat, WriteOptions, get_format
from factcheck.users.models import Role
from tests.conftest import DEMO_APPROVED, log_in, post_form, run_demo

BUTTON = re.compile(r"<button\b([^>]*)>(.*?)</button>", re.DOTALL)
FORMACTION = re.compile(r'formaction="/exports/([^"]+)"')
STAMP = r"\d{8}-\d{4}"


def buttons(client: FlaskClient) -> list[tuple[str, str, bool]]:
    """The export page's format buttons: (key, label, whether it is the primary one)."""
    page = client.get("/exports")
    assert page.status_code == 200
    found = []
    for attributes, label in BUTTON.findall(page.get_data(as_text=True)):
        action = FORMACTION.search(attributes)
        if action:
            found.append((action.group(1), html.unescape(label), 'class="primary"' in attributes))
    return found


def export(client: FlaskClient, key: str, **fields: str):
    return post_form(client, f"/exports/{key}", fields, token_from="/exports")


def api_export(client: FlaskClient, key: str, secret: str, **body):
    return client.post(
        f"/api/v1/exports/{key}", json=body, headers={"Authorization": f"Bearer {secret}"}
    )


def export_operation(client: FlaskClient) -> dict:
    document = client.get("/api/v1/openapi.json").get_json()
    return document["paths"]["/api/v1/exports/{kind}"]["post"]


def cli(app: Flask, *args: str):
    return app.test_cli_runner().invoke(args=["export", *args])


def test_the_registry_keeps_the_formats_as_they_were() -> None:
    # URLs, file names and media types are what scripts and CMSs rely on.
    assert {
        key: (fmt.media_type, fmt.stem, fmt.extension, fmt.csv, fmt.internal, fmt.default_state)
        for key, fmt in FORMATS.items()
    } == {
        "csv": ("text/csv", "verdicts", "csv", True, False, "approved"),
        "sources": ("text/csv", "sources", "csv", True, False, "approved"),
        "claimreview": ("application/ld+json", "claimreview", "json", False, False, "approved"),
        "jsonl": ("application/x-ndjson", "archive", "jsonl", False, True, "all"),
    }
    assert [fmt.key for fmt in FORMATS.values() if fmt.primary] == ["csv"]
    assert all(get_format(key) is fmt for key, fmt in FORMATS.items())
    assert get_format("pdf") is None
    assert formats.keys_text() == "csv, sources, claimreview or jsonl"


@pytest.mark.parametrize("role", list(Role))
def test_the_page_has_a_button_per_format_the_user_may_take(client, login, role: Role) -> None:
    login(role)
    shown = buttons(client)
    allowed = [fmt for fmt in FORMATS.values() if not fmt.internal or role is not Role.ANNOTATOR]
    assert shown == [(fmt.key, fmt.title, fmt.primary) for fmt in allowed]
    if role is Role.ANNOTATOR:
        # Else hiding the archive from annotators would go untested.
        assert "jsonl" in FORMATS and "jsonl" not in [key for key, _, _ in shown]


@pytest.mark.parametrize("key", list(FORMATS))
def test_every_format_downloads_as_the_registry_says(
    client, login, app, db: Session, make_token, key: str
) -> None:
    fmt = FORMATS[key]
    run_demo(app)
    login(Role.REVIEWER)
    secret, _ = make_token(Role.REVIEWER)
    name = re.compile(rf'attachment; filename="factcheck-{fmt.stem}-{STAMP}\.{fmt.extension}"')
    for response in (export(client, key), api_export(client, key, secret)):
        assert response.status_code == 200
        assert response.headers["Content-Type"] == fmt.content_type
        assert name.fullmatch(response.headers["Content-Disposition"])
        assert response.get_data()
    events = db.scalars(select(AuditEvent).where(AuditEvent.action == f"export:{key}")).all()
    assert len(events) == 2
    # With no state given, each takes its default: the archive everything.
    assert all(event.diff["state"] == [None, fmt.default_state] for event in events)
    assert all(("rows" in event.diff) is (fmt.count is not None) for event in events)


def test_text_formats_say_they_are_utf_8(client, login) -> None:
    login(Role.REVIEWER)
    assert export(client, "csv").headers["Content-Type"] == "text/csv; charset=utf-8"
    assert export(client, "claimreview").headers["Content-Type"] == "application/ld+json"


@pytest.mark.parametrize("key", [fmt.key for fmt in FORMATS.values() if fmt.internal])
def test_internal_formats_are_refused_to_annotators(
    client, login, app, db: Session, make_token, key: str
) -> None:
    run_demo(app)
    login(Role.ANNOTATOR)
    secret, _ = make_token(Role.ANNOTATOR)
    page = export(client, key)
    assert page.status_code == 403
    assert "Only reviewers and admins can export" in page.get_data(as_text=True)
    assert api_export(client, key, secret).status_code == 403
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == f"export:{key}")) is None


def test_the_openapi_export_operation_is_generated_from_the_registry(client) -> None:
    operation = export_operation(client)
    (kind,) = [p for p in operation["parameters"] if p["name"] == "kind"]
    assert kind["schema"]["enum"] == list(FORMATS)
    content = operation["responses"]["200"]["content"]
    assert set(content) == {fmt.media_type for fmt in FORMATS.values()}
    for key, fmt in FORMATS.items():
        assert key in operation["summary"]
        assert f"`{key}` ({fmt.media_type}): {fmt.help}" in operation["description"]


def test_unknown_formats_are_refused_naming_the_known_ones(client, login, make_token) -> None:
    secret, _ = make_token(Role.REVIEWER)
    answer = api_export(client, "pdf", secret)
    assert answer.status_code == 404
    assert answer.get_json()["error"]["message"].endswith("use csv, sources, claimreview or jsonl.")
    login(Role.REVIEWER)
    assert export(client, "pdf").status_code == 404


def test_the_cli_has_one_command_per_format(app: Flask) -> None:
    from factcheck.cli import export_cli

    assert export_cli.list_commands(click.Context(export_cli)) == list(FORMATS)
    listing = cli(app, "--help")
    assert listing.exit_code == 0, listing.output
    for key, fmt in FORMATS.items():
        assert re.search(rf"^\s+{key}\s+{re.escape(fmt.help[:30])}", listing.output, re.M)
        own = cli(app, key, "--help")
        assert own.exit_code == 0, own.output
        assert fmt.help in own.output and f"[default: {fmt.default_state}]" in own.output
        assert "--out" in own.output and "--bom" in own.output
    assert "No such command" in cli(app, "pdf", "--out", "x").output


# --- a format added in one place ----------------------------------------------------------


def _claim_ids(
    connection: Connection, filters: ExportFilters, options: WriteOptions
) -> Iterator[bytes]:
    yield ("\ufeff" if options.bom else "").encode()
    for row in publication_rows(connection, filters):
        yield f"{row[4]}\n".encode()


PLAIN = ExportFormat(
    key="plain",
    title="Claim ids (plain text)",
    help="The ids of the claims with a published verdict, one a line.",
    media_type="text/plain",
    extension="txt",
    stem="claim-ids",
    write=_claim_ids,
    count=lambda connection, filters: count_rows(connection, filters),
)


def test_a_format_added_to_the_registry_is_everywhere(
    client, login, app, db: Session, make_token, monkeypatch, tmp_path: Path
) -> None:
    run_demo(app)
    login(Role.ANNOTATOR)
    secret, _ = make_token(Role.ANNOTATOR)
    assert export(client, "plain").status_code == 404  # not before it is registered
    assert "plain" not in [key for key, _, _ in buttons(client)]

    monkeypatch.setitem(FORMATS, PLAIN.key, PLAIN)

    assert ("plain", "Claim ids (plain text)", False) in buttons(client)
    # The page's download: its file name, media type and rows; no BOM, as it is no CSV.
    page = export(client, "plain", bom="y")
    assert page.status_code == 200
    assert page.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert re.fullmatch(
        rf'attachment; filename="factcheck-claim-ids-{STAMP}\.txt"',
        page.headers["Content-Disposition"],
    )
    ids = page.get_data(as_text=True).split()
    assert len(ids) == DEMO_APPROVED and all(i.isdigit() for i in ids)
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "export:plain"))
    assert event.diff["rows"] == [None, DEMO_APPROVED]
    # The API accepts it and documents it.
    operation = export_operation(client)
    (kind,) = [p for p in operation["parameters"] if p["name"] == "kind"]
    assert kind["schema"]["enum"][-1] == "plain"
    assert "text/plain" in operation["responses"]["200"]["content"]
    assert "plain" in operation["summary"]
    answer = api_export(client, "plain", secret)
    assert answer.status_code == 200 and answer.get_data(as_text=True).split() == ids
    assert (
        api_export(client, "pdf", secret).get_json()["error"]["message"].endswith("jsonl or plain.")
    )
    # The command line has a command for it.
    assert "plain" in cli(app, "--help").output
    out = tmp_path / "ids.txt"
    result = cli(app, "plain", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"wrote {out} ({DEMO_APPROVED} rows)"
    assert out.read_text().split() == ids


def test_an_internal_format_added_to_the_registry_is_for_reviewers_only(
    app, client, login, make_user, monkeypatch
) -> None:
    monkeypatch.setitem(FORMATS, PLAIN.key, replace(PLAIN, internal=True))
    login(Role.ANNOTATOR)
    assert "plain" not in [key for key, _, _ in buttons(client)]
    refused = export(client, "plain")
    assert refused.status_code == 403
    assert "Only reviewers and admins can export" in refused.get_data(as_text=True)
    reviewer = app.test_client()
    assert log_in(reviewer, make_user(Role.REVIEWER).email).status_code == 302
    assert "plain" in [key for key, _, _ in buttons(reviewer)]
    assert export(reviewer, "plain").status_code == 200
