"""Exports: the publication CSV, sources CSV, ClaimReview, JSONL; filters and safety."""

from __future__ import annotations

import csv
import io
import json

import pandas
import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from factcheck.annotations.models import Annotation, Source, Stance
from factcheck.articles.models import Article, Claim
from factcheck.audit.models import AuditEvent
from factcheck.exports.claimreview import json_ld
from factcheck.exports.csv_export import (
    FORMULA_TRIGGERS,
    PUBLICATION_COLUMNS,
    SOURCE_COLUMNS,
    encode_csv,
    neutralise,
    publication_csv,
    publication_query,
    publication_rows,
    recover,
    sources_query,
)
from factcheck.exports.filters import ExportFilters
from factcheck.review.workflow import AnnotationState
from factcheck.users.models import Role
from factcheck.verdicts.models import Verdict
from tests.conftest import DEMO_APPROVED, post_form, run_demo


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


def export(client: FlaskClient, kind: str, **fields):
    return post_form(client, f"/exports/{kind}", fields, token_from="/exports")


def test_publication_csv_of_the_demo_opens_with_csv_and_pandas(
    client: FlaskClient, login, app, db: Session
) -> None:
    run_demo(app)
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
    assert len(rows) == len(approved) == DEMO_APPROVED
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
    assert len(frame) == DEMO_APPROVED and list(frame.columns) == list(PUBLICATION_COLUMNS)
    for row in rows:
        body = db.get(Claim, int(row["claim_id"])).article.body
        assert body[int(row["start"]) : int(row["end"])] == row["claim_text"]
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "export:csv"))
    assert event.diff["rows"] == [None, DEMO_APPROVED]
    assert event.diff["state"] == [None, "approved"]


def test_formula_cells_are_neutralised_in_the_csv(client, login, app, db: Session) -> None:
    run_demo(app)
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
    run_demo(app)
    login()
    assert export(client, "csv", bom="y").data.startswith(b"\xef\xbb\xbfarticle_title,")
    assert export(client, "csv").data.startswith(b"article_title,")


@pytest.mark.parametrize(
    ("kind", "state"), [("csv", "all"), ("sources", "all"), ("claimreview", "all")]
)
def test_the_recorded_row_count_is_the_rows_written(client, login, app, db, kind, state) -> None:
    # The count drives the CLI's progress bar and stands in the audit history.
    run_demo(app)
    login(Role.REVIEWER)
    response = export(client, kind, state=state)
    if kind == "claimreview":
        written = len(json.loads(response.get_data(as_text=True))["dataFeedElement"])
    else:
        written = len(list(csv.DictReader(io.StringIO(response.get_data(as_text=True)))))
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == f"export:{kind}"))
    assert event.diff["rows"] == [None, written]
    sources = db.scalar(select(func.count()).select_from(Source))
    annotations = db.scalar(select(func.count()).select_from(Annotation))
    assert sources != annotations  # else the sources count would prove nothing
    assert written == {"csv": annotations, "sources": sources, "claimreview": DEMO_APPROVED}[kind]


def test_sources_csv_has_one_row_per_source(client, login, app, db: Session) -> None:
    run_demo(app)
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
    run_demo(app)
    login()
    only_true = list(
        csv.DictReader(io.StringIO(export(client, "csv", verdict="true").get_data(as_text=True)))
    )
    approved_true = db.scalar(
        select(func.count())
        .select_from(Annotation)
        .join(Verdict)
        .where(Annotation.state == AnnotationState.APPROVED, Verdict.key == "true")
    )
    assert approved_true >= 2  # so that the filter has something to choose from
    assert [r["verdict"] for r in only_true] == ["True"] * approved_true
    assert all(r["verdict"] == "True" for r in only_true)


def test_filters_by_article(client, login, app, db: Session, make_article, make_user) -> None:
    run_demo(app)
    demo_article = db.scalar(select(Article.id).where(Article.outlet == "The Telegraph"))
    other = make_article()
    db.add(
        Annotation(
            claim_id=other.claims[0].id,
            annotator_id=make_user().id,
            claimant="The government",
            state=AnnotationState.APPROVED,
        )
    )
    quiet = make_article()  # nothing approved here
    db.commit()
    login()

    def claim_ids(**fields) -> list[int]:
        text = export(client, "csv", **fields).get_data(as_text=True)
        return [int(row["claim_id"]) for row in csv.DictReader(io.StringIO(text))]

    everything = claim_ids()
    assert other.claims[0].id in everything and len(everything) == DEMO_APPROVED + 1
    assert claim_ids(article=str(other.id)) == [other.claims[0].id]
    demo_claims = set(db.scalars(select(Claim.id).where(Claim.article_id == demo_article)))
    from_demo = claim_ids(article=str(demo_article))
    assert len(from_demo) == 2 and set(from_demo) <= demo_claims
    assert claim_ids(article=str(quiet.id)) == []


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"date_from": "2024-02-30"}, "is not a date"),
        ({"date_from": "2024-05-01", "date_to": "2024-04-01"}, "before the start date"),
        ({"state": "published"}, "is not a state"),
        ({"article": "abc"}, "Choose an article"),
        ({"article": "987654"}, "There is no article 987654."),
        ({"verdict": "nope"}, "“nope” is not a verdict; the verdicts are true, mostly_true,"),
    ],
)
def test_impossible_filters_get_a_message_and_no_export(client, login, db, fields, message):
    login(Role.REVIEWER)
    response = export(client, "csv", **fields)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    # Also beside the field that needs attention, not only in the summary.
    field = next(iter(fields)) if len(fields) == 1 else "date_to"
    assert f'<div class="field has-error"><label for="{field}">' in page
    assert db.scalar(select(AuditEvent).where(AuditEvent.action.like("export:%"))) is None


def test_annotators_cannot_export_drafts_or_archives(client, login, app, db) -> None:
    run_demo(app)
    login(Role.ANNOTATOR)
    assert export(client, "csv", state="all").status_code == 403
    assert export(client, "jsonl").status_code == 403
    assert export(client, "unknown").status_code == 404


def test_claimreview_feed_and_single_claim(client, login, app, db: Session) -> None:
    run_demo(app)
    login()
    feed = json.loads(export(client, "claimreview").get_data(as_text=True))
    assert feed["@type"] == "DataFeed"
    reviews = feed["dataFeedElement"]
    assert len(reviews) == DEMO_APPROVED
    disputed = next(r for r in reviews if r["reviewRating"]["alternateName"] == "Disputed")
    assert disputed["@type"] == "ClaimReview"
    assert disputed["claimReviewed"].startswith("The European Commission is not considering")
    assert disputed["itemReviewed"]["author"]["name"] == "EU officials (unnamed)"
    assert disputed["author"]["@type"] == "Organization"
    assert "ratingValue" not in disputed["reviewRating"]  # Disputed has no numeric rating
    true = next(
        r
        for r in reviews
        if r["reviewRating"]["alternateName"] == "True"
        and r["itemReviewed"]["author"]["name"] == "Downing Street"
    )
    rating = true["reviewRating"]
    assert (rating["ratingValue"], rating["bestRating"], rating["worstRating"]) == (5, 5, 1)
    claim_id = int(disputed["url"].rsplit("/", 1)[1])
    single = client.get(f"/claims/{claim_id}/claimreview.json")
    assert single.mimetype == "application/ld+json"
    assert single.get_json()["@context"] == "https://schema.org"
    unapproved = db.scalar(select(Annotation).where(Annotation.state == AnnotationState.DRAFT))
    assert client.get(f"/claims/{unapproved.claim_id}/claimreview.json").status_code == 404


def _both_encodings(db: Session, filters: ExportFilters) -> tuple[bytes, bytes]:
    connection = db.connection()
    fast = b"".join(publication_csv(connection, filters))
    generic = b"".join(encode_csv(PUBLICATION_COLUMNS, publication_rows(connection, filters)))
    return fast, generic


def test_publication_csv_is_the_generic_encoding_of_the_rows_in_every_state(app, db) -> None:
    # The CSV formats repeated cells once; it must give exactly what formatting every
    # cell of every row would give, for drafts, reviews and rejections too.
    run_demo(app)
    for state in AnnotationState:
        fast, generic = _both_encodings(db, ExportFilters(state=state))
        assert fast == generic
        assert {row["state"] for row in csv.DictReader(io.StringIO(fast.decode()))} <= {state}
    fast, generic = _both_encodings(db, ExportFilters(state=None))
    assert fast == generic
    everything = list(csv.DictReader(io.StringIO(fast.decode())))
    assert len(everything) == db.scalar(select(func.count()).select_from(Annotation))
    assert {row["state"] for row in everything} == {state.value for state in AnnotationState}


def test_rows_follow_the_claims_positions_not_their_ids(app, db: Session) -> None:
    # After a split or join a claim's id says nothing about its place in the article.
    run_demo(app)
    first, second = db.execute(
        select(Claim)
        .where(Claim.id.in_(select(Annotation.claim_id)))
        .order_by(Claim.article_id, Claim.position)
        .limit(2)
    ).scalars()
    assert first.article_id == second.article_id
    positions = first.position, second.position
    first.position = 1_000_000
    db.flush()
    second.position = positions[0]
    db.flush()
    first.position = positions[1]
    db.flush()
    rows = list(
        csv.DictReader(io.StringIO(_both_encodings(db, ExportFilters(state=None))[0].decode()))
    )
    claim_ids = [int(row["claim_id"]) for row in rows]
    assert claim_ids.index(second.id) < claim_ids.index(first.id)
    # Article by article, each article's claims in their order.
    for title in {row["article_title"] for row in rows}:
        keys = [
            (int(row["claim_position"]), int(row["claim_id"]))
            for row in rows
            if row["article_title"] == title
        ]
        assert keys == sorted(keys, key=lambda key: key[0])


@pytest.mark.parametrize(
    "build",
    [
        lambda dialect: publication_query(ExportFilters(), dialect),
        lambda dialect: publication_query(
            ExportFilters(verdict_key="false", article_id=1), dialect
        ),
        lambda dialect: sources_query(ExportFilters(state=None)),
    ],
    ids=["publication", "publication-filtered", "sources"],
)
def test_sqlite_walks_the_claims_index_instead_of_sorting(app, db: Session, build) -> None:
    query = build(db.bind.dialect.name)
    sql = str(query.compile(db.bind, compile_kwargs={"literal_binds": True}))
    if db.bind.dialect.name == "sqlite":
        assert "FROM claims CROSS JOIN annotations" in sql
        plan = " ".join(str(row[-1]) for row in db.execute(text("EXPLAIN QUERY PLAN " + sql)))
        assert "SCAN claims" in plan or "SEARCH claims USING INDEX" in plan
        # Neither the rows nor an annotation's sources need sorting.
        assert "USE TEMP B-TREE FOR ORDER BY" not in plan
    else:
        assert "CROSS JOIN" not in sql and "FROM claims JOIN annotations" in sql


def test_sources_are_listed_in_their_order_not_the_order_they_were_stored(app, db: Session) -> None:
    # SQLite's group_concat joins rows in the order they arrive; the export's subquery
    # must hand them over by position, whatever order they were written in.
    run_demo(app)
    annotation = db.scalar(select(Annotation).where(Annotation.state == AnnotationState.APPROVED))
    for source in list(annotation.sources):
        db.delete(source)
    db.flush()
    for position in (2, 0, 1):  # stored out of order
        db.add(
            Source(
                annotation_id=annotation.id,
                position=position,
                url=f"https://example.org/{position}",
                title=f"Source {position}",
                publisher="",
                quote="",
                stance=Stance.CONTEXT,
            )
        )
    db.flush()
    db.expire(annotation)
    rows = csv.DictReader(
        io.StringIO(b"".join(publication_csv(db.connection(), ExportFilters())).decode())
    )
    mine = next(row for row in rows if int(row["claim_id"]) == annotation.claim_id)
    assert mine["sources"] == "; ".join(f"Source {n} <https://example.org/{n}>" for n in (0, 1, 2))
    assert mine["source_count"] == "3"


def test_a_title_with_a_semicolon_does_not_change_the_count(app, db: Session) -> None:
    run_demo(app)
    annotation = db.scalar(select(Annotation).where(Annotation.state == AnnotationState.APPROVED))
    annotation.sources[0].title = "Budget; annex 3: figures"
    db.flush()
    rows = list(publication_rows(db.connection(), ExportFilters()))
    mine = next(row for row in rows if row[4] == annotation.claim_id)
    labels, count = mine[14], mine[15]
    assert labels.startswith("Budget; annex 3: figures")
    assert count == len(annotation.sources)


_cell_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    max_size=40,
)


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    claimant=_cell_text,
    summary=_cell_text,
    rationale=_cell_text,
    source_title=_cell_text,
    publisher=_cell_text,
    outlet=_cell_text,
)
def test_no_published_cell_can_start_a_formula(
    app, db: Session, claimant, summary, rationale, source_title, publisher, outlet
) -> None:
    if not db.scalar(select(func.count()).select_from(Annotation)):
        run_demo(app)
    annotation = db.scalar(select(Annotation).where(Annotation.state == AnnotationState.APPROVED))
    annotation.claimant, annotation.claim_summary = claimant, summary
    annotation.rationale = rationale
    annotation.claim.article.outlet = outlet
    source = annotation.sources[0]
    source.title, source.publisher, source.url = source_title, publisher, "https://example.org/"
    db.flush()
    fast, generic = _both_encodings(db, ExportFilters())
    assert fast == generic
    rows = list(csv.reader(io.StringIO(fast.decode(), newline="")))
    assert rows[0] == list(PUBLICATION_COLUMNS)
    assert all(len(row) == len(PUBLICATION_COLUMNS) for row in rows)
    cells = [cell for row in rows[1:] for cell in row]
    assert all(not cell or cell[0] not in FORMULA_TRIGGERS for cell in cells)
    mine = next(
        dict(zip(PUBLICATION_COLUMNS, row, strict=True))
        for row in rows[1:]
        if int(row[PUBLICATION_COLUMNS.index("claim_id")]) == annotation.claim_id
    )
    assert recover(mine["claimant"]) == claimant
    assert recover(mine["claim_summary"]) == summary
    assert recover(mine["rationale"]) == rationale
    assert recover(mine["outlet"]) == outlet
    named = " — ".join(part for part in (source_title, publisher) if part)
    label = f"{named} <https://example.org/>" if named else "<https://example.org/>"
    assert recover(mine["sources"]).startswith(label)  # this source is the first


@pytest.mark.parametrize(
    ("title", "publisher", "url", "label"),
    [
        ("Release", "Office", "https://a.example/", "Release — Office <https://a.example/>"),
        ("Release", "", "https://a.example/", "Release <https://a.example/>"),
        ("", "Office", "https://a.example/", "Office <https://a.example/>"),
        ("", "", "https://a.example/", "<https://a.example/>"),
        ("Release", "Office", None, "Release — Office"),
        ("Release", "", "", "Release"),
    ],
)
def test_sources_are_flattened_leaving_out_what_is_missing(
    app, db: Session, title, publisher, url, label
) -> None:
    run_demo(app)
    annotation = db.scalar(select(Annotation).where(Annotation.state == AnnotationState.APPROVED))
    source = annotation.sources[0]
    source.title, source.publisher, source.url = title, publisher, url
    source.quote = source.quote or "A quote, so that the source needs no URL."
    db.flush()
    rows = csv.DictReader(
        io.StringIO(b"".join(publication_csv(db.connection(), ExportFilters())).decode())
    )
    mine = next(row for row in rows if int(row["claim_id"]) == annotation.claim_id)
    assert mine["sources"].split("; ")[0] == label


@given(
    st.recursive(
        st.text() | st.integers() | st.none(),
        lambda inner: st.dictionaries(st.text(), inner, max_size=4) | st.lists(inner, max_size=4),
        max_leaves=10,
    )
)
def test_json_ld_text_has_no_markup_characters_and_reads_back(value) -> None:
    text = json_ld(value)
    assert not set(text) & {"<", ">", "&"}
    assert json.loads(text) == value


BREAKOUT = "</script><script>alert(1)</script> &amp; <!-- Tom & Jerry >"


def test_claimreview_json_ld_is_safe_inside_a_script_element(
    client: FlaskClient, login, app, db: Session, make_token
) -> None:
    """A newsroom pastes ClaimReview into <script type="application/ld+json">: no text may
    close that element, so every output escapes <, > and & (JSON still reads them back)."""
    run_demo(app)
    annotation = db.scalar(select(Annotation).where(Annotation.state == AnnotationState.APPROVED))
    annotation.claimant = f"Claimant {BREAKOUT}"
    annotation.claim_summary = f"Summary {BREAKOUT}"
    annotation.rationale = f"Rationale {BREAKOUT}"
    annotation.sources[0].title = f"Source {BREAKOUT}"
    annotation.claim.article.title = f"Title {BREAKOUT}"
    annotation.claim.article.outlet = f"Outlet {BREAKOUT}"
    claim_id = annotation.claim_id
    db.commit()
    secret, _user = make_token()
    login()
    outputs = {
        "single": client.get(f"/claims/{claim_id}/claimreview.json"),
        "feed": export(client, "claimreview", article=annotation.claim.article_id),
        "api": client.post(
            "/api/v1/exports/claimreview",
            json={"article": annotation.claim.article_id},
            headers={"Authorization": f"Bearer {secret}"},
        ),
    }
    for name, response in outputs.items():
        assert response.status_code == 200, name
        assert response.mimetype == "application/ld+json", name
        raw = response.get_data()
        for character in (b"<", b">", b"&"):
            assert character not in raw, (name, character)
        document = json.loads(raw)
        reviews = document["dataFeedElement"] if name != "single" else [document]
        review = next(r for r in reviews if r["url"].endswith(f"/claims/{claim_id}"))
        assert review["claimReviewed"] == f"Summary {BREAKOUT}", name
        assert review["itemReviewed"]["author"]["name"] == f"Claimant {BREAKOUT}", name
        appearance = review["itemReviewed"]["appearance"]
        assert appearance["headline"] == f"Title {BREAKOUT}", name
        assert appearance["publisher"]["name"] == f"Outlet {BREAKOUT}", name


def test_a_streamed_export_does_not_hold_the_sqlite_write_lock(app, tmp_path) -> None:
    """An export may read for minutes; started from a POST (or a command) it must still
    let others write meanwhile."""
    import sqlite3

    from factcheck.exports.operations import read_connection
    from tests.conftest import make_app

    path = tmp_path / "lock.sqlite"
    other = make_app(f"sqlite:///{path}")
    engine = other.extensions["factcheck.engine"]
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    try:
        with (
            other.test_request_context("/exports/csv", method="POST"),
            read_connection(engine) as reading,
        ):
            reading.exec_driver_sql("SELECT count(*) FROM t").scalar()
            writer = sqlite3.connect(path, timeout=0, isolation_level=None)
            writer.execute("BEGIN IMMEDIATE")  # would fail with "database is locked"
            writer.execute("INSERT INTO t VALUES (1)")
            writer.execute("COMMIT")
            writer.close()
    finally:
        engine.dispose()
