"""Publishing for readers: the switch, the public pages, corrections, caching, embeds,
and what must never reach them."""

from __future__ import annotations

import json
import re
from xml.etree import ElementTree

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from factcheck.annotations.models import Annotation
from factcheck.annotations.states import AnnotationState
from factcheck.review.operations import apply_action
from factcheck.review.publication import PublicationEvent, PublicationKind, PublishedArticle
from factcheck.review.workflow import Action
from factcheck.users.models import Role, User
from tests.conftest import post_form, run_demo

PUBLIC_ROUTES = (
    "/published/",
    "/published/feed.atom",
)


def _switch(client: FlaskClient, login, *, on: bool = True, names: bool = False) -> None:
    """Publishing on (or off) through the admin page, as an admin would."""
    login(Role.ADMIN)
    page = client.get("/admin/publishing").get_data(as_text=True)
    version = re.search(r'name="version"[^>]*value="(\d+)"', page) or re.search(
        r'value="(\d+)"[^>]*name="version"', page
    )
    assert version, page
    data = {"version": version.group(1)}
    if on:
        data["enabled"] = "y"
    if names:
        data["show_names"] = "y"
    response = post_form(client, "/admin/publishing", data, token_from="/admin/publishing")
    assert response.status_code == 302, response.get_data(as_text=True)
    client.post("/logout", data={"csrf_token": _token(client)})


def _token(client: FlaskClient) -> str:
    from tests.conftest import csrf_token

    return csrf_token(client, "/account")


def _approved(db: Session) -> list[Annotation]:
    return list(
        db.scalars(
            select(Annotation)
            .where(Annotation.state == AnnotationState.APPROVED)
            .order_by(Annotation.id)
        )
    )


def test_public_pages_do_not_exist_until_an_admin_switches_them_on(
    client: FlaskClient, app: Flask, db: Session, login
) -> None:
    run_demo(app)
    claim_id = _approved(db)[0].claim_id
    for path in (*PUBLIC_ROUTES, f"/published/claims/{claim_id}"):
        assert client.get(path).status_code == 404, path
    _switch(client, login)
    anonymous = app.test_client()
    for path in (*PUBLIC_ROUTES, f"/published/claims/{claim_id}"):
        response = anonymous.get(path)
        assert response.status_code == 200, path
        assert "Set-Cookie" not in response.headers, path
    index = anonymous.get("/published/").get_data(as_text=True)
    assert "Fact-checks" in index


@pytest.fixture
def published(client: FlaskClient, app: Flask, db: Session, login) -> list[Annotation]:
    """The demo newsroom with publishing switched on; its approved annotations."""
    run_demo(app)
    _switch(client, login)
    return _approved(db)


def _reader(app: Flask) -> FlaskClient:
    return app.test_client()


def test_a_claim_page_shows_the_published_verdict_and_nothing_unpublished(
    app: Flask, db: Session, published: list[Annotation]
) -> None:
    annotation = published[0]
    page = _reader(app).get(f"/published/claims/{annotation.claim_id}").get_data(as_text=True)
    assert annotation.verdict.label in page
    assert f"verdict-chip verdict-{annotation.verdict_id}" in page
    claim = annotation.claim
    claim_text = claim.article.body[claim.start : claim.end]
    assert _escaped(claim_text) in page
    assert _escaped(annotation.rationale.splitlines()[0]) in page
    for source in annotation.sources:
        assert _escaped(source.url or source.title) in page
        assert f"stance-{source.stance.value}" in page
    assert _escaped(claim.article.title) in page
    # Names only when the admin chooses them; never an email or a review comment.
    assert _escaped(annotation.annotator.name) not in page
    for user in db.scalars(select(User)):
        assert user.email not in page
    from factcheck.review.models import Review

    for review in db.scalars(select(Review).where(Review.comment != "")):
        assert _escaped(review.comment) not in page


def _escaped(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))


def test_nothing_that_is_not_approved_has_a_public_page(
    app: Flask, db: Session, published: list[Annotation]
) -> None:
    reader = _reader(app)
    public_claims = {a.claim_id for a in published}
    for annotation in db.scalars(select(Annotation)):
        if annotation.claim_id in public_claims:
            continue
        for path in (
            f"/published/claims/{annotation.claim_id}",
            f"/published/claims/{annotation.claim_id}/claimreview.json",
        ):
            assert reader.get(path).status_code == 404, (annotation.state, path)
    assert reader.get("/published/claims/987654").status_code == 404
    assert reader.get("/published/articles/987654").status_code == 404
    # Other annotators' work on a published claim stays inside too.
    for annotation in published:
        page = reader.get(f"/published/claims/{annotation.claim_id}").get_data(as_text=True)
        others = db.scalars(
            select(Annotation).where(
                Annotation.claim_id == annotation.claim_id, Annotation.id != annotation.id
            )
        )
        for other in others:
            if other.rationale:
                assert _escaped(other.rationale[:60]) not in page


def test_the_article_page_marks_published_claims_in_their_verdicts_colours(
    app: Flask, db: Session, published: list[Annotation]
) -> None:
    annotation = published[0]
    article = annotation.claim.article
    page = _reader(app).get(f"/published/articles/{article.id}").get_data(as_text=True)
    marks = re.findall(r'<a class="public-mark verdict-(\d+)" href="#verdict-(\d+)"', page)
    on_article = {a.claim_id: a.verdict_id for a in published if a.claim.article_id == article.id}
    assert {(str(v), str(c)) for c, v in on_article.items()} == set(marks)
    assert 'role="tooltip"' in page
    assert page.count('<li id="verdict-') == len(on_article)
    index = _reader(app).get("/published/").get_data(as_text=True)
    assert f"/published/articles/{article.id}" in index


def test_a_reopened_verdict_becomes_a_correction_and_a_new_one_dates_the_change(
    app: Flask, db: Session, published: list[Annotation], make_user, client, login
) -> None:
    annotation = published[0]
    old_label = annotation.verdict.label
    reader = _reader(app)
    path = f"/published/claims/{annotation.claim_id}"
    reviewer = make_user(Role.REVIEWER)
    apply_action(db, reviewer, annotation, Action.REOPEN, expected_version=None, comment="Recheck")
    db.commit()
    page = reader.get(path).get_data(as_text=True)
    assert "withdrawn while the fact-check is reviewed again" in page
    assert "application/ld+json" not in page
    assert _escaped(annotation.rationale.splitlines()[0]) not in page  # not approved now
    assert reader.get(f"{path}/claimreview.json").status_code == 404
    kinds = db.scalars(
        select(PublicationEvent.kind)
        .where(PublicationEvent.claim_id == annotation.claim_id)
        .order_by(PublicationEvent.id)
    ).all()
    assert kinds == [PublicationKind.PUBLISHED, PublicationKind.WITHDRAWN]

    new_key = "mostly_false" if annotation.verdict.key != "mostly_false" else "true"
    apply_action(
        db, reviewer, annotation, Action.REQUEST_CHANGES, expected_version=None, comment="Fix"
    )
    db.commit()
    from factcheck.verdicts.models import Verdict

    annotation.verdict_id = db.scalar(select(Verdict.id).where(Verdict.key == new_key))
    db.commit()
    apply_action(db, annotation.annotator, annotation, Action.SUBMIT, expected_version=None)
    db.commit()
    apply_action(db, reviewer, annotation, Action.APPROVE, expected_version=None)
    db.commit()
    new_label = db.get(Verdict, annotation.verdict_id).label
    page = reader.get(path).get_data(as_text=True)
    assert "Corrections" in page
    assert _escaped(f"changed from “{old_label}” to “{new_label}”") in page
    review = reader.get(f"{path}/claimreview.json").get_json()
    assert review["reviewRating"]["alternateName"] == new_label
    assert review["dateModified"] >= review["datePublished"]
    row = db.get(PublishedArticle, annotation.claim.article_id)
    assert row.modified_at >= row.published_at
    # The exports date it the same way: first published, and corrected.
    login(Role.REVIEWER)
    assert client.get(f"/claims/{annotation.claim_id}/claimreview.json").get_json() == review


def test_pages_revalidate_with_etag_and_last_modified(
    app: Flask, published: list[Annotation]
) -> None:
    reader = _reader(app)
    for path in (
        "/published/",
        f"/published/claims/{published[0].claim_id}",
        f"/published/articles/{published[0].claim.article_id}",
        "/published/feed.atom",
    ):
        first = reader.get(path)
        assert first.status_code == 200
        assert first.headers["ETag"] and first.headers["Last-Modified"], path
        assert "public" in first.headers["Cache-Control"], path
        again = reader.get(path, headers={"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304 and not again.get_data(), path
        since = reader.get(path, headers={"If-Modified-Since": first.headers["Last-Modified"]})
        assert since.status_code == 304, path
        stale = reader.get(path, headers={"If-None-Match": '"something-else"'})
        assert stale.status_code == 200, path


def test_pages_in_another_language_have_their_own_etag_and_vary_by_it(
    app: Flask, published: list[Annotation]
) -> None:
    """Public pages are in the reader's language (Accept-Language) and shared caches
    keep them: one copy per language, and a Spanish reader never revalidates into the
    English page."""
    reader = _reader(app)
    for path in (
        "/published/",
        f"/published/claims/{published[0].claim_id}",
        f"/published/articles/{published[0].claim.article_id}",
        "/published/feed.atom",
    ):
        english = reader.get(path, headers={"Accept-Language": "en"})
        spanish = reader.get(path, headers={"Accept-Language": "es"})
        assert english.status_code == spanish.status_code == 200, path
        for response in (english, spanish):
            assert "Accept-Language" in response.headers.get("Vary", ""), path
        assert english.headers["ETag"] != spanish.headers["ETag"], path
        crossed = reader.get(
            path, headers={"Accept-Language": "es", "If-None-Match": english.headers["ETag"]}
        )
        assert crossed.status_code == 200 and crossed.get_data(), path
        assert crossed.headers["ETag"] == spanish.headers["ETag"], path
        same = reader.get(
            path, headers={"Accept-Language": "es", "If-None-Match": spanish.headers["ETag"]}
        )
        assert same.status_code == 304, path
        assert "Accept-Language" in same.headers.get("Vary", ""), path
    arabic = reader.get("/published/", headers={"Accept-Language": "ar"}).get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in arabic
    # Not found answers vary by language too (the message is in the reader's language).
    missing = reader.get("/published/claims/987654", headers={"Accept-Language": "es"})
    assert missing.status_code == 404
    assert "Accept-Language" in missing.headers.get("Vary", "")


def test_renaming_a_verdict_changes_the_validators_of_the_pages_that_show_it(
    app: Flask, db: Session, published: list[Annotation], make_user
) -> None:
    """A verdict's new name is not a publication event, yet the pages show it: the
    validators follow the audit history of the scale (and of people's names)."""
    import time

    from factcheck.verdicts.operations import update_verdict

    reader = _reader(app)
    path = f"/published/claims/{published[0].claim_id}"
    first = reader.get(path)
    time.sleep(1.1)  # Last-Modified counts whole seconds
    verdict = published[0].verdict
    update_verdict(
        db,
        make_user(Role.ADMIN),
        verdict,
        label=verdict.label + " (renamed)",
        description=verdict.description,
        rating=verdict.rating,
        colour=verdict.colour,
        active=verdict.active,
    )
    db.commit()
    by_etag = reader.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert by_etag.status_code == 200 and "(renamed)" in by_etag.get_data(as_text=True)
    since = reader.get(path, headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code == 200


def test_logged_in_staff_get_public_pages_uncached(
    client: FlaskClient, app: Flask, published: list[Annotation], login
) -> None:
    login(Role.REVIEWER)
    response = client.get(f"/published/claims/{published[0].claim_id}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


def test_the_embedded_claimreview_equals_the_json_and_validates(
    app: Flask, published: list[Annotation]
) -> None:
    extruct = pytest.importorskip("extruct")
    jsonld = pytest.importorskip("pyld.jsonld")
    reader = _reader(app)
    for annotation in published:
        path = f"/published/claims/{annotation.claim_id}"
        html = reader.get(path).get_data(as_text=True)
        found = extruct.extract(html, base_url="http://localhost" + path, syntaxes=["json-ld"])
        reviews = [d for d in found["json-ld"] if d.get("@type") == "ClaimReview"]
        assert len(reviews) == 1
        alone = json.loads(reader.get(f"{path}/claimreview.json").get_data(as_text=True))
        assert reviews[0] == alone
        review = alone
        assert review["url"] == f"http://localhost{path}"
        assert review["author"] == {
            "@type": "Organization",
            "name": app.config["ORGANISATION_NAME"],
            "url": app.config["ORGANISATION_URL"],
        }
        item = review["itemReviewed"]
        assert item["@type"] == "Claim"
        if "author" in item:
            assert item["author"]["@type"] in {"Person", "Organization"}
        assert item["appearance"]["@type"] == "CreativeWork"
        rating = review["reviewRating"]
        if annotation.verdict.rating is not None:
            assert (rating["ratingValue"], rating["bestRating"], rating["worstRating"]) == (
                annotation.verdict.rating,
                5,
                1,
            )
        expanded = jsonld.expand(review, {"documentLoader": _schema_org_loader})
        terms = _terms(expanded)
        assert terms and all(t.startswith("https://schema.org/") for t in terms), terms
        for required in ("claimReviewed", "reviewRating", "url", "author", "itemReviewed"):
            assert f"https://schema.org/{required}" in terms
        # And back: compacted against schema.org's context, it is the document we served.
        compacted = jsonld.compact(
            expanded, "https://schema.org", {"documentLoader": _schema_org_loader}
        )
        assert compacted == review


def test_the_demo_article_page_validates_without_repeating_claimreviews(
    app: Flask, published: list[Annotation]
) -> None:
    """Google wants each ClaimReview on one page only (the claim's): the article page
    carries a list of the claim pages instead, which validates as schema.org too."""
    extruct = pytest.importorskip("extruct")
    jsonld = pytest.importorskip("pyld.jsonld")
    article_id = published[0].claim.article_id
    path = f"/published/articles/{article_id}"
    html = _reader(app).get(path).get_data(as_text=True)
    found = extruct.extract(html, base_url="http://localhost" + path, syntaxes=["json-ld"])
    assert [d["@type"] for d in found["json-ld"]] == ["ItemList"]
    listed = {item["url"] for item in found["json-ld"][0]["itemListElement"]}
    assert listed == {
        f"http://localhost/published/claims/{a.claim_id}"
        for a in published
        if a.claim.article_id == article_id
    }
    terms = _terms(jsonld.expand(found["json-ld"][0], {"documentLoader": _schema_org_loader}))
    assert {"https://schema.org/itemListElement", "https://schema.org/url"} <= terms
    assert all(t.startswith("https://schema.org/") for t in terms)


def _schema_org_loader(url: str, options: dict | None = None) -> dict:
    """schema.org's context, offline: every term is a schema.org term (``@vocab``)."""
    assert url.rstrip("/") in {"https://schema.org", "http://schema.org"}, url
    return {
        "contentType": "application/ld+json",
        "contextUrl": None,
        "documentUrl": url,
        "document": {"@context": {"@vocab": "https://schema.org/"}},
    }


def _terms(node: object) -> set[str]:
    found: set[str] = set()
    if isinstance(node, list):
        for item in node:
            found |= _terms(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if not key.startswith("@"):
                found.add(key)
            found |= _terms(value)
    return found


def test_json_ld_in_the_page_cannot_end_its_script_element(
    app: Flask, db: Session, published: list[Annotation]
) -> None:
    annotation = published[0]
    annotation.claim_summary = "</script><script>alert(1)</script> & <!--"
    db.commit()
    html = _reader(app).get(f"/published/claims/{annotation.claim_id}").get_data(as_text=True)
    block = html.split('<script type="application/ld+json">', 1)[1].split("</script>", 1)[0]
    assert "<" not in block and ">" not in block and "&" not in block.replace("\\u0026", "")
    assert json.loads(block)["claimReviewed"] == annotation.claim_summary
    assert "<script>alert(1)" not in html


def test_embed_snippet_and_oembed(app: Flask, db: Session, published: list[Annotation]) -> None:
    annotation = published[0]
    annotation.claim_summary = 'Quote " and <b>tag</b>'
    db.commit()
    reader = _reader(app)
    url = f"http://localhost/published/claims/{annotation.claim_id}"
    page = reader.get(f"/published/claims/{annotation.claim_id}").get_data(as_text=True)
    assert "Embed this fact-check" in page and "<iframe" not in page
    assert 'type="application/json+oembed"' in page
    answer = reader.get("/published/oembed", query_string={"url": url})
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["type"] == "rich" and body["version"] == "1.0"
    snippet = body["html"]
    assert snippet.startswith(f'<a href="{url}"') and "<script" not in snippet
    assert "&lt;b&gt;tag&lt;/b&gt;" in snippet and "&#34;" in snippet
    assert annotation.verdict.label in snippet
    assert (
        reader.get("/published/oembed", query_string={"url": url, "format": "xml"}).status_code
        == 501
    )
    for bad in ("http://localhost/claims/1", "nonsense", url + "x", ""):
        assert reader.get("/published/oembed", query_string={"url": bad}).status_code == 404


def test_the_atom_feed_lists_published_verdicts(app: Flask, published: list[Annotation]) -> None:
    response = _reader(app).get("/published/feed.atom")
    assert response.mimetype == "application/atom+xml"
    tree = ElementTree.fromstring(response.get_data())  # noqa: S314 - our own output
    atom = "{http://www.w3.org/2005/Atom}"
    entries = tree.findall(f"{atom}entry")
    assert len(entries) == len(published)
    links = {e.find(f"{atom}id").text for e in entries}
    assert links == {f"http://localhost/published/claims/{a.claim_id}" for a in published}


def test_the_atom_feed_escapes_what_people_wrote(
    app: Flask, db: Session, published: list[Annotation]
) -> None:
    """People's text with markup characters stays text: the feed is still well-formed
    XML and no element is smuggled in (the template is not an .html one, which Flask
    escapes by itself)."""
    hostile = 'Costs <b>rose</b> & "fell" <entry><title>forged</title></entry>'
    annotation = db.get(Annotation, published[0].id)
    annotation.rationale = hostile
    annotation.claim_summary = "Summary <script>alert(1)</script> & more"
    db.commit()
    response = _reader(app).get("/published/feed.atom")
    tree = ElementTree.fromstring(response.get_data())  # noqa: S314 - our own output
    atom = "{http://www.w3.org/2005/Atom}"
    entries = tree.findall(f"{atom}entry")
    assert len(entries) == len(published)
    texts = " ".join(e.find(f"{atom}summary").text for e in entries)
    titles = " ".join(e.find(f"{atom}title").text for e in entries)
    assert hostile in texts
    assert "Summary <script>alert(1)</script> & more" in titles


def test_names_only_when_the_admin_chooses(
    client: FlaskClient, app: Flask, db: Session, login
) -> None:
    run_demo(app)
    _switch(client, login, names=True)
    annotation = _approved(db)[0]
    page = _reader(app).get(f"/published/claims/{annotation.claim_id}").get_data(as_text=True)
    assert _escaped(annotation.annotator.name) in page
    assert "approved by" in page


def test_settings_are_for_admins_audited_and_refuse_a_stale_form(
    client: FlaskClient, app: Flask, db: Session, login
) -> None:
    from factcheck.audit.models import AuditEvent

    login(Role.REVIEWER)
    assert client.get("/admin/publishing").status_code == 403
    client.post("/logout", data={"csrf_token": _token(client)})
    _switch(client, login)
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "publishing:update"))
    login(Role.ADMIN)
    stale = post_form(
        client,
        "/admin/publishing",
        {"version": "0"},
        token_from="/admin/publishing",
    )
    assert stale.status_code == 409
    assert "Another admin changed the publishing settings" in stale.get_data(as_text=True)
    assert _reader(app).get("/published/").status_code == 200  # still on
    bad = post_form(client, "/admin/publishing", {"version": "x"}, token_from="/admin/publishing")
    assert bad.status_code == 422


def test_configuration_switches_publishing_on_until_an_admin_chooses(
    app: Flask, db: Session
) -> None:
    app.config["PUBLISHING"] = True
    try:
        assert _reader(app).get("/published/").status_code == 200
    finally:
        app.config["PUBLISHING"] = False
    assert _reader(app).get("/published/").status_code == 404


def test_the_migration_records_existing_approvals_as_the_ledger_does(
    database_url: str, tmp_path
) -> None:
    """A newsroom with approved verdicts, taken back before the publishing migration and
    brought forward again: its SQL records the same publications, with the same dates,
    and the same index rows, as the ledger wrote when the verdicts were approved."""
    import flask_migrate

    from factcheck.demo import load_demo
    from factcheck.review.publication import rebuild
    from tests.conftest import make_app
    from tests.test_migrations import _own_database

    application = make_app(_own_database(database_url, tmp_path, "publishing_fill"))
    engine = application.extensions["factcheck.engine"]

    def recorded() -> tuple[list, list]:
        events = PublicationEvent.__table__.c
        with engine.connect() as connection:
            return (
                sorted(
                    connection.execute(
                        select(
                            events.claim_id,
                            events.article_id,
                            events.kind,
                            events.annotation_id,
                            events.verdict_id,
                            events.created_at,
                        )
                    ).all()
                ),
                sorted(connection.execute(select(PublishedArticle.__table__)).all()),
            )

    from factcheck.extensions import db as database

    with application.app_context():
        try:
            flask_migrate.upgrade()
            # Without the demo's correction: a database with revisions is not taken back
            # before them (that downgrade is refused).
            load_demo(
                database.session, password="demo password", max_chars=1_000_000, correction=False
            )
            database.session.commit()
            by_ledger = recorded()
            assert by_ledger[0] and by_ledger[1]
            flask_migrate.downgrade(revision="e2b8d4f0a6c3")
            flask_migrate.upgrade()
            assert recorded() == by_ledger
            assert rebuild(database.session) == 0  # nothing left unrecorded
        finally:
            database.session.remove()
            engine.dispose()


@pytest.mark.parametrize(
    ("claimant", "kind"),
    [
        ("Jane Smith", "Person"),
        ("Dr. Ana Silva, economist", "Person"),
        ("Ministry of Health", "Organization"),
        ("The Labour Party", "Organization"),
        ("Home Office spokesman", "Organization"),
        ("City Council", "Organization"),
    ],
)
def test_who_made_a_claim_is_a_person_or_an_organization(claimant: str, kind: str) -> None:
    from factcheck.exports.claimreview import claimant_type

    assert claimant_type(claimant) == kind
