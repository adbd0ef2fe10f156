"""The fact-check library: importing feeds and tables, all or nothing; matching claims."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from factcheck.audit.models import AuditEvent
from factcheck.factchecks.library import TableOptions, import_library_file
from factcheck.factchecks.matching import match_text
from factcheck.factchecks.models import FactCheck
from factcheck.factchecks.terms import clean, names, numbers, terms

SNOPES = Path(__file__).resolve().parents[2] / "shared" / "claim-matching"


def _count(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(FactCheck)) or 0


def _review(**overrides: Any) -> dict[str, Any]:
    review = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": "https://factcheck.example/deportations",
        "claimReviewed": "Ireland deported 4,500 people from Dublin last year.",
        "headline": "No, Ireland did not deport 4,500 people",
        "datePublished": "2026-03-01",
        "author": {"@type": "Organization", "name": "The Journal FactCheck"},
        "reviewRating": {
            "@type": "Rating",
            "ratingValue": 1,
            "worstRating": 1,
            "bestRating": 5,
            "alternateName": "False",
        },
        "inLanguage": "en",
    }
    review.update(overrides)
    return review


def _import(db: Session, name: str, payload: Any, options: TableOptions | None = None):
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    report = import_library_file(db, None, name, data, options)
    db.commit()
    return report


# -- importing ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "shape",
    [
        lambda r: r,
        lambda r: [r],
        lambda r: {"@context": "https://schema.org", "@graph": [r]},
        lambda r: {
            "@type": "DataFeed",
            "dataFeedElement": [{"@type": "DataFeedItem", "item": [r]}],
        },
    ],
    ids=["object", "array", "graph", "data-feed"],
)
def test_claimreview_in_every_shape_imports(db: Session, shape) -> None:
    report = _import(db, "feed.json", shape(_review()))
    assert report.ok and report.added == 1
    entry = db.scalar(select(FactCheck))
    assert entry.claim.startswith("Ireland deported") and entry.rating_text == "False"
    assert (entry.rating_value, entry.rating_worst, entry.rating_best) == (1, 1, 5)
    assert entry.publisher == "The Journal FactCheck" and entry.language == "en"
    assert entry.published_on.isoformat() == "2026-03-01"
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "factchecks:import"))


def test_a_rating_without_words_is_said_in_words(db: Session) -> None:
    review = _review(reviewRating={"ratingValue": 2, "worstRating": 1, "bestRating": 5})
    assert _import(db, "feed.jsonld", review).ok
    assert db.scalar(select(FactCheck.rating_text)) == "Rated 2 on a scale of 1 to 5"


@pytest.mark.parametrize(
    ("review", "message"),
    [
        (_review(claimReviewed=None), "claim is empty"),
        (_review(claimReviewed=["a", "b"]), "must be text"),
        (_review(url="javascript:alert(1)"), "not an http(s) web address"),
        (_review(datePublished="2999-01-01"), "in the future"),
        (_review(datePublished="last Tuesday"), "not a date"),
        (_review(reviewRating="False"), "Rating object"),
        (_review(reviewRating={"ratingValue": "high"}), "must be a number"),
        ({"@type": "NewsArticle", "headline": "x"}, "not a ClaimReview"),
        (42, "Not a ClaimReview object"),
    ],
)
def test_a_bad_entry_refuses_the_whole_file_saying_which(
    db: Session, review: Any, message: str
) -> None:
    report = _import(db, "feed.json", [_review(url="https://factcheck.example/ok"), review])
    assert not report.ok and _count(db) == 0
    assert any(message in problem and "item 2" in problem for problem in report.problems)


def test_html_in_a_field_is_kept_as_text(db: Session) -> None:
    review = _review(headline="<script>alert(1)</script> Deportation figures")
    assert _import(db, "feed.json", review).ok
    assert db.scalar(select(FactCheck.headline)).startswith("<script>")


def test_duplicates_in_a_file_are_refused_and_a_second_import_adds_nothing(db: Session) -> None:
    twice = _import(db, "feed.json", [_review(), _review()])
    assert not twice.ok and "the same fact-check as item 1" in twice.problems[0]
    assert _import(db, "feed.json", [_review()]).added == 1
    again = _import(db, "feed.json", [_review(), _review(url="https://factcheck.example/new")])
    assert (again.added, again.already) == (1, 1) and _count(db) == 2


def test_not_json_and_unknown_files_are_refused(db: Session) -> None:
    assert "Not JSON" in _import(db, "feed.json", b"{broken").problems[0]
    assert "only .csv" in _import(db, "feed.xml", b"<x/>").problems[0]
    assert "no fact-checks" in _import(db, "feed.json", []).problems[0]
    assert _count(db) == 0


def test_a_table_with_named_columns_imports(db: Session) -> None:
    table = b'\tvclaim\ttitle\n7\t"A claim\nover two lines"\tA headline\n8\tAnother claim\tH2\n'
    options = TableOptions(
        columns={"external_id": "0", "claim": "vclaim", "headline": "title"}, publisher="Snopes"
    )
    report = _import(db, "claims.tsv", table, options)
    assert report.ok and report.added == 2
    entry = db.scalar(select(FactCheck).where(FactCheck.external_id == "7"))
    assert entry.claim == "A claim\nover two lines" and entry.publisher == "Snopes"


def test_a_table_finds_usual_column_names_and_says_what_is_missing(db: Session) -> None:
    csv_text = b"claimReviewed,rating,url,date\nThe claim,False,https://x.example/1,2026-01-02\n"
    assert _import(db, "claims.csv", csv_text).ok
    assert db.scalar(select(FactCheck.rating_text)) == "False"
    report = _import(db, "other.csv", b"words,more\na,b\n")
    assert "No claim column" in report.problems[0]
    report = _import(db, "other.csv", b"a,b\nx,y\n", TableOptions(columns={"claim": "c"}))
    assert "no such column" in report.problems[0]
    report = _import(db, "other.csv", b"a,b\nx,y\n", TableOptions(columns={"claim": "5"}))
    assert "only 2 columns" in report.problems[0]


# -- matching ----------------------------------------------------------------------------


def test_the_stems_looked_up_leave_out_what_says_nothing_and_split_handles() -> None:
    # The full-text index is asked for these (the rarest of them), and the library's
    # counts are made of the same stems.
    tweet = (
        "RT @someone: The minister said 4,500 were deported https://t.co/abc "
        "— Jane Doe (@janedoe) January 6, 2020"
    )
    assert terms(clean(tweet)) == [
        "someon",
        "minist",
        "4",
        "500",
        "deport",
        "jane",
        "doe",
        "janedo",
        "januari",
        "6",
        "2020",
    ]
    assert terms(clean("#CovidVaccine by @IlhanMN")) == ["covid", "vaccin", "ilhan", "mn"]


def test_matching_finds_the_fact_check_of_the_same_claim(db: Session) -> None:
    _import(
        db,
        "feed.json",
        [
            _review(),
            _review(
                url="https://factcheck.example/vaccines",
                claimReviewed="Vaccines contain microchips for tracking people.",
            ),
        ],
    )
    [best, *_] = match_text(db, "They say Dublin deported 4,500 people last year!")
    assert best.factcheck.url == "https://factcheck.example/deportations" and best.score > 0
    assert match_text(db, "the of and") == []
    entry = best.factcheck
    entry.withdrawn = True
    db.commit()
    assert all(m.factcheck.id != entry.id for m in match_text(db, "Dublin deported 4,500"))


# -- the command line --------------------------------------------------------------------


def test_the_benchmark_library_imports_and_matches_from_the_command_line(
    app: Flask, db: Session, tmp_path: Path
) -> None:
    library = tmp_path / "verified_claims.tsv"
    library.write_text(
        "\tvclaim\ttitle\n"
        "0\tThe moon landing was staged in a studio.\tWas the Moon Landing Faked?\n"
        "1\tDrinking bleach cures the virus.\tDoes Bleach Cure It?\n",
        encoding="utf-8",
    )
    runner = app.test_cli_runner()
    args = ["factchecks", "import", str(library), "--id-column", "0", "--claim-column"]
    result = runner.invoke(
        args=[*args, "vclaim", "--title-column", "title", "--publisher", "Snopes"]
    )
    assert result.exit_code == 0, result.output
    assert "2 fact-checks added" in result.output
    queries = tmp_path / "queries.tsv"
    queries.write_text("\ttweet_content\nq1\tThey staged the moon landing!\n", encoding="utf-8")
    out = tmp_path / "run.tsv"
    result = runner.invoke(args=["factchecks", "match", str(queries), "--out", str(out)])
    assert result.exit_code == 0, result.output
    first = out.read_text().splitlines()[0].split("\t")
    assert first[:4] == ["q1", "Q0", "0", "1"] and first[5] == "factcheck"
    refused = runner.invoke(args=["factchecks", "import", str(queries)])
    assert refused.exit_code == 1 and "No claim column" in refused.output


@pytest.mark.skipif(not SNOPES.exists(), reason="the shared benchmark is not next to the repo")
def test_the_shared_benchmark_file_imports_whole(db: Session, monkeypatch) -> None:
    # Its 20,000 sentence vectors take minutes (bench/claim_matching.py measures them);
    # here only the import itself is under test.
    monkeypatch.setattr("factcheck.factchecks.work.library_changed", lambda session: None)
    options = TableOptions(
        columns={"external_id": "0", "claim": "vclaim", "headline": "title"}, publisher="Snopes"
    )
    data = (SNOPES / "verified_claims.tsv").read_bytes()
    report = _import(db, "verified_claims.tsv", data, options)
    assert report.ok and report.added == 10_375


# -- our own verdicts --------------------------------------------------------------------


def test_an_approved_verdict_joins_the_library_and_leaves_matching_when_reopened(
    db: Session, make_user, make_article
) -> None:
    from factcheck.annotations.models import Annotation
    from factcheck.annotations.states import AnnotationState
    from factcheck.db import utcnow
    from factcheck.factchecks.models import Origin
    from factcheck.review.operations import apply_action
    from factcheck.review.workflow import Action
    from factcheck.users.models import Role
    from factcheck.verdicts.models import Verdict

    author, reviewer = make_user(Role.ANNOTATOR), make_user(Role.REVIEWER)
    article = make_article(author, body="The council spent 9 million euro on potholes in 2025.")
    verdict = db.scalar(select(Verdict).where(Verdict.key == "mostly_false"))
    annotation = Annotation(
        claim_id=article.claims[0].id,
        annotator_id=author.id,
        verdict_id=verdict.id,
        state=AnnotationState.SUBMITTED,
        submitted_at=utcnow(),
        claim_summary="Council pothole spending",
    )
    db.add(annotation)
    db.commit()
    assert _count(db) == 0
    apply_action(db, reviewer, annotation, Action.APPROVE, expected_version=annotation.version)
    db.commit()
    entry = db.scalar(select(FactCheck))
    assert entry.origin is Origin.OURS and entry.annotation_id == annotation.id
    assert entry.claim.startswith("The council spent 9 million") and not entry.withdrawn
    assert entry.rating_text == verdict.label and entry.headline == "Council pothole spending"
    assert entry.published_on == utcnow().date()  # the day it was approved
    assert [m.factcheck.id for m in match_text(db, "potholes council million")] == [entry.id]
    apply_action(
        db, reviewer, annotation, Action.REOPEN, expected_version=annotation.version, comment="x"
    )
    db.commit()
    db.refresh(entry)
    assert entry.withdrawn and match_text(db, "potholes council million") == []
    apply_action(db, reviewer, annotation, Action.APPROVE, expected_version=annotation.version)
    db.commit()
    db.refresh(entry)
    assert not entry.withdrawn and _count(db) == 1


def test_an_approval_joins_the_library_when_it_commits_and_not_if_rolled_back(
    db: Session, make_user, make_article
) -> None:
    from factcheck.annotations.models import Annotation
    from factcheck.annotations.states import AnnotationState
    from factcheck.users.models import Role

    author = make_user(Role.ANNOTATOR)
    article = make_article(author)
    annotation = Annotation(
        claim_id=article.claims[0].id, annotator_id=author.id, state=AnnotationState.SUBMITTED
    )
    db.add(annotation)
    db.commit()
    annotation.state = AnnotationState.APPROVED
    db.flush()
    assert _count(db) == 0  # written just before the commit, not at each flush
    db.rollback()
    db.commit()
    assert _count(db) == 0
    annotation.state = AnnotationState.APPROVED
    db.commit()
    assert _count(db) == 1


# -- levels, the API ---------------------------------------------------------------------


def test_strength_levels_and_the_same_article_left_out(db: Session, make_user, make_article):
    from factcheck.factchecks.matching import Strength

    _import(db, "feed.json", [_review()])
    [match] = match_text(db, "Ireland deported 4,500 people from Dublin last year")
    assert match.strength is Strength.STRONG
    [weak] = match_text(db, "Dublin concert tickets sold out in an hour")
    assert weak.strength is None
    assert match_text(db, "Dublin concert tickets sold out", shown_only=True) == []


def test_the_api_matches_a_text_and_a_claim(client, db: Session, make_user, make_article):
    from factcheck.users.models import Role
    from factcheck.users.tokens import create_token

    _import(db, "feed.json", [_review()])
    user = make_user(Role.ANNOTATOR)
    article = make_article(user, body="Ireland deported 4,500 people from Dublin last year.")
    _token, secret = create_token(db, user, "matching")
    db.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    body = client.get(f"/api/v1/claims/{article.claims[0].id}/matches", headers=headers)
    [item] = body.get_json()["items"]
    assert item["strength"] == "strong" and item["factcheck"]["rating_text"] == "False"
    answer = client.post(
        "/api/v1/match", json={"text": "deported from Dublin", "limit": 3}, headers=headers
    )
    assert answer.status_code == 200 and answer.get_json()["items"][0]["score"] > 0
    assert client.post("/api/v1/match", json={"text": ""}, headers=headers).status_code == 422
    assert client.post("/api/v1/match", json={"text": "x"}).status_code == 401


# -- the claim panel ---------------------------------------------------------------------


def test_the_claim_panel_shows_checked_before_and_uses_it_in_the_draft(
    client, db: Session, login, make_article
) -> None:
    from factcheck.annotations.models import Annotation
    from factcheck.audit.models import AuditEvent
    from factcheck.users.models import Role
    from factcheck.verdicts.models import Verdict
    from tests.conftest import post_form

    _import(
        db,
        "feed.json",
        [
            _review(),
            _review(
                url="https://factcheck.example/x",
                claimReviewed="Ireland deported 4,500 people from Dublin <script>alert(1)</script>",
            ),
        ],
    )
    user = login(Role.ANNOTATOR)
    article = make_article(user, body="Ireland deported 4,500 people from Dublin last year.")
    claim = article.claims[0]
    page = client.get(f"/claims/{claim.id}").get_data(as_text=True)
    assert "Checked before" in page and "Very likely the same claim" in page
    assert "https://factcheck.example/deportations" in page
    assert "Ireland deported 4,500 people from Dublin last year." in page
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page
    entry = db.scalar(select(FactCheck).where(FactCheck.url.like("%deportations")))
    response = post_form(client, f"/claims/{claim.id}/factchecks/{entry.id}/use", {"version": ""})
    assert response.status_code == 302
    annotation = db.scalar(select(Annotation).where(Annotation.claim_id == claim.id))
    false = db.scalar(select(Verdict).where(Verdict.key == "false"))
    assert (
        annotation.verdict_id == false.id and "Checked before: The Journal" in annotation.rationale
    )
    assert [s.url for s in annotation.sources] == ["https://factcheck.example/deportations"]
    assert db.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "annotation:use_factcheck", AuditEvent.entity_id == annotation.id
        )
    )
    # Using it twice adds neither the citation nor the source again.
    page = client.get(f"/claims/{claim.id}").get_data(as_text=True)
    post_form(
        client,
        f"/claims/{claim.id}/factchecks/{entry.id}/use",
        {"version": str(annotation.version)},
    )
    db.refresh(annotation)
    assert annotation.rationale.count("Checked before") == 1 and len(annotation.sources) == 1
    stale = post_form(client, f"/claims/{claim.id}/factchecks/{entry.id}/use", {"version": "1"})
    assert stale.status_code == 409
    missing = post_form(client, f"/claims/{claim.id}/factchecks/999999/use", {"version": ""})
    assert missing.status_code == 404


# -- the library's pages ------------------------------------------------------------------


def test_the_library_page_lists_searches_imports_and_shows_an_entry(
    client, db: Session, login
) -> None:
    import io

    from factcheck.users.models import Role

    login(Role.REVIEWER)
    empty = client.get("/factchecks").get_data(as_text=True)
    assert "The library is empty" in empty
    feed = json.dumps([_review(headline="<img src=x onerror=alert(1)>")]).encode()
    response = client.post(
        "/factchecks",
        data={
            "csrf_token": _csrf(client),
            "files": (io.BytesIO(feed), "feed.json"),
        },
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "1 fact-check added" in page
    assert "Ireland deported 4,500 people" in page
    found = client.get("/factchecks?q=deported+Dublin").get_data(as_text=True)
    assert "Ireland deported" in found
    nothing = client.get("/factchecks?q=zebra+crossings").get_data(as_text=True)
    assert "No fact-check matches" in nothing
    entry = db.scalar(select(FactCheck))
    detail = client.get(f"/factchecks/{entry.id}").get_data(as_text=True)
    assert "&lt;img src=x" in detail and "<img src=x" not in detail
    assert client.get("/factchecks/999999").status_code == 404
    table = b"\tvclaim\n1\tA claim\n1\tThe same id again\n"
    refused = client.post(
        "/factchecks",
        data={
            "csrf_token": _csrf(client),
            "files": (io.BytesIO(table), "claims.tsv"),
            "id_column": "0",
            "publisher": "Snopes",
        },
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422 and "was not imported" in refused.get_data(as_text=True)
    assert _count(db) == 1


def _csrf(client) -> str:
    from tests.conftest import csrf_token

    return csrf_token(client, "/factchecks")


# -- anything at all ----------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True)
    | st.text(alphabet=st.characters(codec="utf-8"), max_size=30),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "@type",
                    "@graph",
                    "dataFeedElement",
                    "item",
                    "claimReviewed",
                    "reviewRating",
                    "alternateName",
                    "ratingValue",
                    "url",
                    "datePublished",
                    "author",
                    "name",
                ]
            ),
            children,
            max_size=6,
        )
    ),
    max_leaves=20,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(document=JSON_VALUES)
def test_any_json_is_imported_or_refused_with_nothing_half_written(
    db: Session, document: Any
) -> None:
    before = _count(db)
    report = import_library_file(db, None, "feed.json", json.dumps(document).encode())
    db.commit()
    if report.ok:
        assert _count(db) == before + report.added
    else:
        assert report.problems and _count(db) == before


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=300), suffix=st.sampled_from([".csv", ".tsv", ".json"]))
def test_any_bytes_are_imported_or_refused_with_nothing_half_written(
    db: Session, data: bytes, suffix: str
) -> None:
    before = _count(db)
    report = import_library_file(db, None, f"file{suffix}", data)
    db.commit()
    assert report.ok or (report.problems and _count(db) == before)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(max_size=200))
def test_any_text_is_matched_without_an_error(db: Session, text: str) -> None:
    _import(db, "feed.json", [_review()])  # the library has an entry to match
    for match in match_text(db, text + " Dublin"):
        assert 0 <= match.score <= 1


def test_an_admin_maps_ratings_and_use_takes_the_mapped_verdict(
    client, db: Session, login, make_user, make_article
) -> None:
    from factcheck.annotations.models import Annotation
    from factcheck.factchecks.reuse import use_factcheck
    from factcheck.users.models import Role
    from factcheck.verdicts.models import Verdict
    from tests.conftest import post_form

    _import(
        db,
        "feed.json",
        [
            _review(reviewRating={"alternateName": "Pants on Fire!"}),
            _review(
                url="https://factcheck.example/2", reviewRating={"alternateName": "pants  on fire!"}
            ),
        ],
    )
    login(Role.ADMIN)
    page = client.get("/factchecks/ratings").get_data(as_text=True)
    assert "Pants on Fire!" in page and "— not mapped —" in page
    false = db.scalar(select(Verdict).where(Verdict.key == "false"))
    response = post_form(client, "/factchecks/ratings", {"rating:Pants on Fire!": str(false.id)})
    assert response.status_code == 302
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "factchecks:map_ratings"))
    bad = post_form(client, "/factchecks/ratings", {"rating:Pants on Fire!": "999999"})
    assert bad.status_code == 422
    annotator = make_user(Role.ANNOTATOR)
    claim = make_article(annotator).claims[0]
    entry = db.scalar(select(FactCheck).where(FactCheck.url == "https://factcheck.example/2"))
    annotation = use_factcheck(db, annotator, claim, entry.id, expected_version=None)
    db.commit()
    assert db.get(Annotation, annotation.id).verdict_id == false.id


def test_the_api_lists_and_imports_the_library_for_reviewers_only(
    client, db: Session, make_user
) -> None:
    from factcheck.users.models import Role
    from factcheck.users.tokens import create_token

    _token, reviewer = create_token(db, make_user(Role.REVIEWER), "library")
    _token, annotator = create_token(db, make_user(Role.ANNOTATOR), "library")
    db.commit()
    as_reviewer = {"Authorization": f"Bearer {reviewer}"}
    feed = json.dumps([_review()])
    answer = client.post(
        "/api/v1/factchecks/import",
        json={"filename": "feed.json", "content": feed},
        headers=as_reviewer,
    )
    assert answer.status_code == 201 and answer.get_json()["added"] == 1
    again = client.post(
        "/api/v1/factchecks/import",
        json={"filename": "feed.json", "content": feed},
        headers=as_reviewer,
    )
    assert again.get_json()["already"] == 1
    refused = client.post(
        "/api/v1/factchecks/import",
        json={"filename": "t.tsv", "content": "a\\tb\\nx\\ty\\n", "publisher": "P"},
        headers=as_reviewer,
    )
    assert refused.status_code == 422
    assert "No claim column" in refused.get_json()["error"]["fields"]["content"][0]
    listing = client.get("/api/v1/factchecks", headers=as_reviewer).get_json()
    assert listing["total"] == 1 and listing["items"][0]["rating_text"] == "False"
    found = client.get("/api/v1/factchecks?q=deported+Dublin", headers=as_reviewer).get_json()
    assert found["items"][0]["publisher"] == "The Journal FactCheck"
    as_annotator = {"Authorization": f"Bearer {annotator}"}
    assert client.get("/api/v1/factchecks", headers=as_annotator).status_code == 403
    forbidden = client.post(
        "/api/v1/factchecks/import",
        json={"filename": "feed.json", "content": feed},
        headers=as_annotator,
    )
    assert forbidden.status_code == 403 and _count(db) == 1


def test_the_library_pages_newest_first_on_the_web_and_in_the_api(
    client, db: Session, make_user, login, monkeypatch
) -> None:
    import re

    from factcheck.factchecks import views as library_views
    from factcheck.users.models import Role
    from factcheck.users.tokens import create_token

    monkeypatch.setattr(library_views, "PAGE_SIZE", 2)
    reviews = [
        _review(url=f"https://factcheck.example/{n}", claimReviewed=f"Claim number {n} said.")
        for n in range(5)
    ]
    assert _import(db, "feed.json", reviews).ok
    newest_first = db.scalars(
        select(FactCheck.id).order_by(FactCheck.created_at.desc(), FactCheck.id.desc())
    ).all()
    login(Role.REVIEWER)
    seen, path = [], "/factchecks"
    while path:
        html = client.get(path).get_data(as_text=True)
        seen += [int(n) for n in re.findall(r'<a href="/factchecks/(\d+)">', html)]
        following = re.search(r'<a rel="next" href="([^"]+)">Older entries', html)
        path = following.group(1).replace("&amp;", "&") if following else None
    assert seen == newest_first
    assert "Newest entries" in client.get(f"/factchecks?after={seen[1]}").get_data(as_text=True)
    _token, secret = create_token(db, make_user(Role.REVIEWER), "library")
    db.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    listed, path = [], "/api/v1/factchecks?limit=2"
    while path:
        page = client.get(path, headers=headers).get_json()
        assert page["total"] == 5
        listed += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        path = f"/api/v1/factchecks?limit=2&cursor={cursor}" if cursor else None
    assert listed == newest_first


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4,500 homes in 2016", {"4500", "2016"}),
        ("4.500 viviendas en 2016", {"4500", "2016"}),  # Spanish and German thousands
        ("53\u202f000 personnes", {"53000"}),  # French, a narrow no-break space
        ("53 000 personnes", {"53", "000"}),  # an ordinary space may part two numbers
        ("في ٢٣ أبريل ٢٠١٦ قُتل ٤٠ شخصاً", {"23", "2016", "40"}),  # Arabic-Indic digits
        ("١٬٢٣٤٫٥ دولار", {"12345"}),  # Arabic separators
        ("२०१६ में", {"2016"}),  # Devanagari
    ],
)
def test_numbers_are_one_whatever_script_and_separators(text: str, expected: set[str]) -> None:
    """A claim in another language meets its English fact-check on its numbers."""
    assert numbers(text) == expected
    # The words matched on carry ASCII digits too (a claim's terms and the query's).
    digits = [term for term in terms(text) if any(c.isdigit() for c in term)]
    assert digits and all(term.isascii() for term in digits)


def test_names_meet_without_their_accents() -> None:
    assert names("La vidéo de Taïwan montre Perú") == {"taiwan", "peru"}
    assert names("A video from Taiwan shows Peru") == {"taiwan", "peru"}
