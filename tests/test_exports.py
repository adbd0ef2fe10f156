"""Exports: the publication CSV, sources CSV, ClaimReview, JSONL; filters and safety."""

from __future__ import annotations

import csv
import io
import json

import pandas
import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from factcheck.annotations.models import Annotation
from factcheck.audit.models import AuditEvent
from factcheck.exports.csv_export import (
    FORMULA_TRIGGERS,
    PUBLICATION_COLUMNS,
    SOURCE_COLUMNS,
    neutralise,
    recover,
)
from factcheck.review.workflow import AnnotationState
from factcheck.users.models import Role
from tests.conftest import post_form


@given(st.text())
def test_no_cell_can_start_a_formula_and_the_text_is_recoverable(text: str) -> None:
    cell = neutralise(text)
    assert not cell or cell[0] not in FORMULA_TRIGGERS
    assert recover(cell) == text


@pytest.mark.parametrize(
    ("text", "cell"),
    [
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("'quoted", "''quoted"),
        ("plain = fine", "plain = fine"),
    ],
)
def test_neutralise_examples(text: str, cell: str) -> None:
    assert neutralise(text) == cell and recover(cell) == text


def load_demo(app: Flask) -> None:
    assert app.test_cli_runner().invoke(args=["demo"]).exit_code == 0


def export(client: FlaskClient, kind: str, **fields):
    return post_form(client, f"/exports/{kind}", fields, token_from="/exports")


def test_publication_csv_of_the_demo_opens_with_csv_and_pandas(
    client: FlaskClient, login, app, db: Session
) -> None:
    load_demo(app)
    login(Role.ANNOTATOR)
    response = export(client, "csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert 'attachment; filename="factcheck-verdicts-' in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert "\r\n" in text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0].keys()) == list(PUBLICATION_COLUMNS)
    approved = db.scalars(
        select(Annotation).where(Annotation.state == AnnotationState.APPROVED)
    ).all()
    assert len(rows) == len(approved) == 2
    disputed = next(r for r in rows if r["verdict"] == "Disputed")
    assert disputed["claim_text"].startswith("EU officials told The Telegraph")
    assert disputed["claimant"] == "EU officials (unnamed)"
    assert disputed["reviewer"] == "Rui Reviewer" and disputed["annotator"] == "Ana Annotator"
    assert disputed["source_count"] == "1"
    assert disputed["sources"] == (
        "European Commission spokesman, as quoted by The Telegraph — European Commission"
    )
    assert disputed["rating"] == "" and disputed["approved_at"]
    frame = pandas.read_csv(io.StringIO(text))
    assert len(frame) == 2 and list(frame.columns) == list(PUBLICATION_COLUMNS)
    body = db.scalar(select(Annotation).where(Annotation.id == approved[0].id)).claim.article.body
    for row in rows:
        assert body[int(row["start"]) : int(row["end"])] == row["claim_text"]
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "export:csv"))
    assert event.diff["rows"] == [None, 2] and event.diff["state"] == [None, "approved"]


def test_formula_cells_are_neutralised_in_the_csv(client, login, app, db: Session) -> None:
    load_demo(app)
    annotation = db.scalar(select(Annotation).where(Annotation.state == AnnotationState.APPROVED))
    annotation.claimant = '=HYPERLINK("http://evil.example","click")'
    annotation.rationale = "+SUM(1,2)"
    db.commit()
    login()
    rows = list(csv.DictReader(io.StringIO(export(client, "csv").get_data(as_text=True))))
    cells = [value for row in rows for value in row.values()]
    assert all(not cell or cell[0] not in FORMULA_TRIGGERS for cell in cells)
    assert '\'=HYPERLINK("http://evil.example","click")' in cells
    assert recover("'+SUM(1,2)") in [recover(c) for c in cells]


def test_bom_option_for_excel(client, login, app) -> None:
    load_demo(app)
    login()
    assert export(client, "csv", bom="y").data.startswith(b"\xef\xbb\xbfarticle_title,")
    assert export(client, "csv").data.startswith(b"article_title,")


def test_sources_csv_has_one_row_per_source(client, login, app, db: Session) -> None:
    load_demo(app)
    login(Role.REVIEWER)
    rows = list(
        csv.DictReader(io.StringIO(export(client, "sources", state="all").get_data(as_text=True)))
    )
    assert list(rows[0].keys()) == list(SOURCE_COLUMNS)
    stances = {r["stance"] for r in rows}
    assert "disputes" in stances
    spokesman = next(r for r in rows if r["stance"] == "disputes")
    assert "did not recall rejecting the proposal" in spokesman["quote"]


def test_filters_by_verdict_and_article(client, login, app, db: Session) -> None:
    load_demo(app)
    login()
    only_true = list(
        csv.DictReader(io.StringIO(export(client, "csv", verdict="true").get_data(as_text=True)))
    )
    assert [r["verdict"] for r in only_true] == ["True"]
    none = export(client, "csv", article="987654").get_data(as_text=True)
    assert none.strip() == ",".join(PUBLICATION_COLUMNS)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"date_from": "2024-02-30"}, "is not a date"),
        ({"date_from": "2024-05-01", "date_to": "2024-04-01"}, "before the start date"),
        ({"state": "published"}, "is not a state"),
        ({"article": "abc"}, "Choose an article"),
    ],
)
def test_impossible_filters_get_a_message_and_no_export(client, login, db, fields, message):
    login(Role.REVIEWER)
    response = export(client, "csv", **fields)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.scalar(select(AuditEvent).where(AuditEvent.action.like("export:%"))) is None


def test_annotators_cannot_export_drafts_or_archives(client, login, app, db) -> None:
    load_demo(app)
    login(Role.ANNOTATOR)
    assert export(client, "csv", state="all").status_code == 403
    assert export(client, "jsonl").status_code == 403
    assert export(client, "unknown").status_code == 404


def test_claimreview_feed_and_single_claim(client, login, app, db: Session) -> None:
    load_demo(app)
    login()
    feed = json.loads(export(client, "claimreview").get_data(as_text=True))
    assert feed["@type"] == "DataFeed"
    reviews = feed["dataFeedElement"]
    assert len(reviews) == 2
    disputed = next(r for r in reviews if r["reviewRating"]["alternateName"] == "Disputed")
    assert disputed["@type"] == "ClaimReview"
    assert disputed["claimReviewed"].startswith("The European Commission is not considering")
    assert disputed["itemReviewed"]["author"]["name"] == "EU officials (unnamed)"
    assert disputed["author"]["@type"] == "Organization"
    assert "ratingValue" not in disputed["reviewRating"]  # Disputed has no numeric rating
    true = next(r for r in reviews if r["reviewRating"]["alternateName"] == "True")
    rating = true["reviewRating"]
    assert (rating["ratingValue"], rating["bestRating"], rating["worstRating"]) == (5, 5, 1)
    claim_id = int(disputed["url"].rsplit("/", 1)[1])
    single = client.get(f"/claims/{claim_id}/claimreview.json")
    assert single.mimetype == "application/ld+json"
    assert single.get_json()["@context"] == "https://schema.org"
    unapproved = db.scalar(select(Annotation).where(Annotation.state == AnnotationState.DRAFT))
    assert client.get(f"/claims/{unapproved.claim_id}/claimreview.json").status_code == 404
